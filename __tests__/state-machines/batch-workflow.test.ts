/**
 * Structural rules of the batch workflow definition, asserted on the built ASL object: validity,
 * graph shape, retries and catches, bounded loops, payload trimming, and the delivery budget.
 */
import type { ChoiceCondition, MapState, State, TaskState } from "../../state-machines/asl";
import {
  BATCH_STATES as S,
  BatchWorkflowProps,
  buildBatchWorkflow,
  INLINE_MAP_MAX_CONCURRENCY,
  LAMBDA_SERVICE_ERRORS,
  TRANSIENT_FUNCTION_ERRORS,
} from "../../state-machines/batch-workflow";
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { BATCH_ERRORS } from "../../contract/errors";

const validateAsl = require("asl-validator") as (definition: unknown) => { isValid: boolean; errors: unknown[] };

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: ReturnType<typeof buildBatchWorkflow>;
const build = (overrides: Partial<BatchWorkflowProps>) => buildBatchWorkflow({ ...TEST_WORKFLOW_PROPS, ...overrides });

type States = Readonly<Record<string, State>>;

/** [name, state] of every state, a Map's item processor included. */
const everyState = (states: States): Array<[string, State]> =>
  Object.entries(states).flatMap(([name, state]): Array<[string, State]> => [
    [name, state],
    ...(state.Type === "Map" ? everyState(state.ItemProcessor.States) : []),
  ]);
const tasks = (states: States) => everyState(states).filter((entry): entry is [string, TaskState] => entry[1].Type === "Task");
let topLevelTasks: Array<[string, TaskState]>;
let lambdaTasks: Array<[string, TaskState]>;
let rangeMap: MapState;
let childStates: States;
let chunkMap: MapState;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
  topLevelTasks = Object.entries(definition.States).filter((entry): entry is [string, TaskState] => entry[1].Type === "Task");
  lambdaTasks = tasks(definition.States).filter(([, s]) => s.Resource === "arn:aws:states:::lambda:invoke");
  rangeMap = definition.States[S.extractAndPush] as MapState;
  childStates = rangeMap.ItemProcessor.States;
  chunkMap = childStates[S.pushRangeChunks] as MapState;
});

/** The states a state can go to next, Catch targets included. */
function successors(state: State): string[] {
  const next: string[] = [];
  if ("Next" in state && state.Next) next.push(state.Next);
  if (state.Type === "Choice") next.push(...state.Choices.map((c) => c.Next), ...(state.Default ? [state.Default] : []));
  if ((state.Type === "Task" || state.Type === "Map") && state.Catch) next.push(...state.Catch.map((c) => c.Next));
  return next;
}

function reachable(states: States, from: string, without: ReadonlySet<string> = new Set()): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name) || without.has(name)) continue;
    seen.add(name);
    stack.push(...successors(states[name]));
  }
  return seen;
}

/** A cycle in the graph minus `without`, as a list of names, or undefined. */
function findCycle(states: States, without: ReadonlySet<string>): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, trail: string[]): string[] | undefined => {
    if (without.has(name) || done.has(name)) return undefined;
    const at = trail.indexOf(name);
    if (at >= 0) return [...trail.slice(at), name];
    for (const next of successors(states[name])) {
      const cycle = visit(next, [...trail, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const name of Object.keys(states)) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Counter paths a Pass increments by 1 with States.MathAdd, e.g. `$.delivery.checks`. */
function incrementedPaths(state: State): string[] {
  if (state.Type !== "Pass" || !state.Parameters || typeof state.ResultPath !== "string") return [];
  const base = state.ResultPath;
  return Object.entries(state.Parameters).flatMap(([key, value]) => {
    const match = typeof value === "string" ? /^States\.MathAdd\((\$[^,]+), 1\)$/.exec(value) : null;
    return match && key.endsWith(".$") && match[1] === `${base}.${key.slice(0, -2)}` ? [match[1]] : [];
  });
}

/** Choices with a rule `counter ≥ limit` on a path some Pass increments: [name, counter path, limit]. */
function counterChoices(states: States): Array<[string, string, number]> {
  const counters = new Set(Object.values(states).flatMap(incrementedPaths));
  return Object.entries(states).flatMap(([name, state]): Array<[string, string, number]> =>
    state.Type === "Choice"
      ? state.Choices.filter(
          (c) => c.Variable !== undefined && counters.has(c.Variable) && typeof c.NumericGreaterThanEquals === "number",
        ).map((c) => [name, c.Variable!, c.NumericGreaterThanEquals!])
      : [],
  );
}

const limitOf = (choice: string) => counterChoices(definition.States).find(([name]) => name === choice)?.[2];

describe("batch workflow definition: validity and graph", () => {
  it("is accepted by asl-validator", () => {
    // A copy: asl-validator 4 writes QueryLanguage defaults into the object it validates.
    const result = validateAsl(JSON.parse(JSON.stringify(definition)));

    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("names only existing states in every Next, Default, Choice and Catch", () => {
    const dangling = (states: States) =>
      Object.entries(states).flatMap(([name, state]) =>
        successors(state)
          .filter((t) => !(t in states))
          .map((t) => `${name} → ${t}`),
      );

    expect(dangling(definition.States)).toEqual([]);
    expect(dangling(childStates)).toEqual([]);
    expect(dangling(chunkMap.ItemProcessor.States)).toEqual([]);
  });

  it("reaches every state from StartAt", () => {
    const unreachable = (states: States, start: string) => Object.keys(states).filter((name) => !reachable(states, start).has(name));

    expect(unreachable(definition.States, definition.StartAt)).toEqual([]);
    expect(unreachable(childStates, rangeMap.ItemProcessor.StartAt)).toEqual([]);
    expect(unreachable(chunkMap.ItemProcessor.States, chunkMap.ItemProcessor.StartAt)).toEqual([]);
  });

  it("ends every Catch path in NotifyFailure and BatchFailed, never in BatchLoaded", () => {
    const catchTargets = topLevelTasks
      .flatMap(([, s]) => (s.Catch ?? []).map((c) => c.Next))
      .concat((rangeMap.Catch ?? []).map((c) => c.Next));
    // Two catches retry instead: a running crawler is waited for, and a FAILED validation query is re-submitted.
    const retrying = [S.waitForCrawler, S.canResubmitValidationQuery] as string[];
    const targetsOnTheFailurePath = catchTargets.filter((t) => !retrying.includes(t) && t !== S.batchFailed);

    for (const target of targetsOnTheFailurePath) {
      const onward = reachable(definition.States, target);
      expect({ target, notifies: onward.has(S.notifyFailure), fails: onward.has(S.batchFailed), loads: onward.has(S.batchLoaded) }).toEqual(
        {
          target,
          notifies: true,
          fails: true,
          loads: false,
        },
      );
    }
  });

  it("ends FAILED only in BatchFailed, entered only from NotifyFailure: every failure the workflow can end in is notified once", () => {
    for (const def of [definition, build({ crawlerName: null })]) {
      const failStates = Object.entries(def.States)
        .filter(([, st]) => st.Type === "Fail")
        .map(([name]) => name);
      const into = (target: string) =>
        Object.entries(def.States)
          .filter(([, st]) => successors(st).includes(target))
          .map(([name]) => name);

      expect(failStates).toEqual([S.batchFailed]);
      expect(into(S.batchFailed)).toEqual([S.notifyFailure]);
      expect(into(S.notifyFailure)).toEqual([S.describeFailure]);
    }
  });

  it("sends a failing notification straight to BatchFailed", () => {
    const notify = definition.States[S.notifyFailure] as TaskState;

    expect(notify.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.notifyError", Next: S.batchFailed }]);
    expect(notify.Next).toBe(S.batchFailed);
  });

  it("fails with the original error name and the notification text as cause", () => {
    expect(definition.States[S.batchFailed]).toMatchObject({
      Type: "Fail",
      ErrorPath: "$.failure.error.Error",
      CausePath: "$.failure.message",
    });
  });

  it("uses JSONPath only", () => {
    const jsonataFields = JSON.stringify(definition).match(/"(QueryLanguage|Arguments|Output|Assign)"|\{%/g);

    expect(jsonataFields).toBeNull();
  });

  it("contains the literal ARNs and names it was built with", () => {
    const json = JSON.stringify(definition);
    const {
      extractFunctionArn,
      pushFunctionArn,
      deliveryCheckFunctionArn,
      finalizeFunctionArn,
      crawlerName,
      workgroup,
      notificationTopicArn,
      lakeBucketName,
    } = TEST_WORKFLOW_PROPS;

    for (const value of [
      extractFunctionArn,
      pushFunctionArn,
      deliveryCheckFunctionArn,
      finalizeFunctionArn,
      crawlerName,
      workgroup,
      notificationTopicArn,
      lakeBucketName,
    ]) {
      expect(json).toContain(JSON.stringify(value));
    }
    expect(lambdaTasks.map(([name, s]) => [name, s.Parameters?.FunctionName])).toEqual([
      [S.planBatch, extractFunctionArn],
      [S.extractRange, extractFunctionArn],
      [S.pushChunk, pushFunctionArn],
      [S.summarizeBatch, extractFunctionArn],
      [S.checkDelivery, deliveryCheckFunctionArn],
      [S.finalizeBatch, finalizeFunctionArn],
    ]);
  });
});

describe("batch workflow definition: retries, catches and timeouts", () => {
  it("gives every top-level Task a Retry, a TimeoutSeconds and a Catch whose last entry is States.ALL", () => {
    for (const [name, task] of topLevelTasks) {
      expect({
        name,
        retries: (task.Retry ?? []).length > 0,
        timeout: task.TimeoutSeconds,
        lastCatch: task.Catch?.at(-1)?.ErrorEquals,
      }).toEqual({
        name,
        retries: true,
        timeout: expect.any(Number),
        lastCatch: ["States.ALL"],
      });
    }
  });

  it("covers each child task with a Retry and a TimeoutSeconds, and no Catch: a failed task fails its child, and so the map run", () => {
    const childTasks = tasks(childStates);

    expect(childTasks.map(([name]) => name)).toEqual([S.extractRange, S.pushChunk]);
    for (const [, task] of childTasks) {
      expect(task.Retry?.length).toBeGreaterThan(0);
      expect(task.TimeoutSeconds).toEqual(expect.any(Number));
      expect(task.Catch).toBeUndefined();
    }
  });

  it("catches the map run's failure (a failed child exceeds the 0 % tolerance) into the notification path, ahead of States.ALL", () => {
    expect(rangeMap.ToleratedFailurePercentage).toBe(0);
    expect(rangeMap.Catch).toEqual([
      { ErrorEquals: ["States.ExceedToleratedFailureThreshold"], ResultPath: "$.error", Next: S.extractAndPushFailed },
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: S.extractAndPushFailed },
    ]);
    expect([...reachable(definition.States, S.extractAndPushFailed)]).toEqual(expect.arrayContaining([S.notifyFailure, S.batchFailed]));
    expect([...reachable(definition.States, S.extractAndPushFailed)]).not.toContain(S.batchLoaded);
  });

  it("gives every Lambda task AWS's recommended service-exception retrier, a throttling retrier and a transient-error retrier", () => {
    for (const [, task] of lambdaTasks) {
      expect(task.Retry).toEqual([
        { ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL" },
        expect.objectContaining({ ErrorEquals: ["Lambda.TooManyRequestsException"] }),
        expect.objectContaining({ ErrorEquals: [...TRANSIENT_FUNCTION_ERRORS], MaxAttempts: 3 }),
      ]);
    }
  });

  it("never retries a permanent batch error, and catches each by name ahead of States.ALL", () => {
    const retried = everyState(definition.States).flatMap(([, s]) =>
      "Retry" in s && s.Retry ? s.Retry.flatMap((r) => r.ErrorEquals) : [],
    );
    const catchers = topLevelTasks.filter(([, s]) => s.Resource === "arn:aws:states:::lambda:invoke").map(([, s]) => s.Catch);

    for (const name of Object.values(BATCH_ERRORS)) expect(retried).not.toContain(name);
    expect(catchers).toHaveLength(4);
    for (const catcher of catchers) {
      expect(catcher?.[0]?.ErrorEquals).toEqual(Object.values(BATCH_ERRORS));
      expect(catcher?.at(-1)?.ErrorEquals).toEqual(["States.ALL"]);
      expect(catcher?.[0]?.Next).toBe(catcher?.at(-1)?.Next);
    }
  });

  it("catches AllRecordsRejected from SummarizeBatch by name, never retried, into the notification path: an all-rejected batch never succeeds", () => {
    const summarize = definition.States[S.summarizeBatch] as TaskState;

    expect(summarize.Catch?.[0]?.ErrorEquals).toContain("AllRecordsRejected");
    expect(summarize.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain("AllRecordsRejected");
    const onward = reachable(definition.States, summarize.Catch![0]!.Next);
    expect([...onward]).toEqual(expect.arrayContaining([S.notifyFailure, S.batchFailed]));
    expect([...onward]).not.toContain(S.batchLoaded);
    expect([...onward]).not.toContain(S.batchSkipped);
  });

  it("enters BatchSkipped only from IsBatchSkipped, on the plan's skipped flag", () => {
    const into = Object.entries(definition.States)
      .filter(([, st]) => successors(st).includes(S.batchSkipped))
      .map(([name]) => name);

    expect(into).toEqual([S.isBatchSkipped]);
    expect(definition.States[S.isBatchSkipped]).toMatchObject({
      Choices: [{ Variable: "$.plan.skipped", BooleanEquals: true, Next: S.batchSkipped }],
      Default: S.recordPushStart,
    });
  });

  it("sets each Lambda task's timeout to the function timeout plus 60 s", () => {
    const { extract, push, deliveryCheck, finalize } = TEST_WORKFLOW_PROPS.lambdaTimeoutSeconds;

    expect(Object.fromEntries(lambdaTasks.map(([name, s]) => [name, s.TimeoutSeconds]))).toEqual({
      [S.planBatch]: extract + 60,
      [S.extractRange]: extract + 60,
      [S.pushChunk]: push + 60,
      [S.summarizeBatch]: extract + 60,
      [S.checkDelivery]: deliveryCheck + 60,
      [S.finalizeBatch]: finalize + 60,
    });
  });

  it("never retries RecordsUndelivered, by name or by wildcard, on the push", () => {
    const retried = everyState(definition.States).flatMap(([, s]) =>
      "Retry" in s && s.Retry ? s.Retry.flatMap((r) => r.ErrorEquals) : [],
    );
    const pushRetried = chunkMap.ItemProcessor.States[S.pushChunk] as TaskState;

    expect(retried).not.toContain(BATCH_ERRORS.recordsUndelivered);
    expect(pushRetried.Retry?.flatMap((r) => r.ErrorEquals)).not.toEqual(expect.arrayContaining(["States.ALL"]));
    expect(pushRetried.Retry?.flatMap((r) => r.ErrorEquals)).not.toEqual(expect.arrayContaining(["States.TaskFailed"]));
    expect(rangeMap.Retry).toBeUndefined();
    expect(chunkMap.Retry).toBeUndefined();
  });

  it("sends Glue.CrawlerRunningException from StartCrawler to the crawler poll, ahead of the failure catch", () => {
    const startCrawler = definition.States[S.startCrawler] as TaskState;

    expect(startCrawler.Catch?.[0]).toEqual({
      ErrorEquals: ["Glue.CrawlerRunningException"],
      ResultPath: "$.crawler.busy",
      Next: S.waitForCrawler,
    });
  });

  it("retries Athena and Glue tasks on throttling", () => {
    const retriedErrors = (name: string) => (definition.States[name] as TaskState).Retry?.flatMap((r) => r.ErrorEquals);

    expect(retriedErrors(S.runValidationQuery)).toContain("Athena.TooManyRequestsException");
    expect(retriedErrors(S.getValidationResults)).toContain("Athena.TooManyRequestsException");
    expect(retriedErrors(S.startCrawler)).toContain("Glue.ThrottlingException");
    expect(retriedErrors(S.getCrawlerState)).toContain("Glue.ThrottlingException");
  });
});

describe("batch workflow definition: payloads", () => {
  it("trims every GetCrawler and GetQueryResults result with a ResultSelector", () => {
    const trimmed = tasks(definition.States).filter(([, s]) => /glue:getCrawler$|athena:getQueryResults$/.test(s.Resource));

    expect(trimmed.map(([name]) => name)).toEqual([S.getCrawlerState, S.getLastCrawl, S.getValidationResults]);
    for (const [, task] of trimmed) expect(task.ResultSelector).toBeDefined();
  });

  it("asks Athena for at most 10 result rows", () => {
    const maxResults = tasks(definition.States)
      .filter(([, s]) => s.Resource.endsWith("athena:getQueryResults"))
      .map(([, s]) => s.Parameters?.MaxResults);

    expect(maxResults).toEqual([expect.any(Number)]);
    expect(maxResults[0]).toBeLessThanOrEqual(10);
  });

  it("reads the planned ranges with the ItemReader and runs each as a STANDARD child execution (exactly once, no 5-minute cap)", () => {
    expect(rangeMap).toMatchObject({
      Label: "ExtractAndPush",
      ItemReader: {
        Resource: "arn:aws:states:::s3:getObject",
        ReaderConfig: { InputType: "JSON" },
        Parameters: { Bucket: TEST_WORKFLOW_PROPS.lakeBucketName, "Key.$": "$.plan.rangesKey" },
      },
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" }, StartAt: S.extractRange },
    });
    expect(rangeMap.ItemsPath).toBeUndefined();
    expect(rangeMap.ItemBatcher).toBeUndefined();
  });

  it("writes the children's outputs to staging/<batchId>/map-results with ResultWriter, keeping only the map run's ARN and manifest location", () => {
    expect(rangeMap.ResultWriter).toEqual({
      Resource: "arn:aws:states:::s3:putObject",
      Parameters: { Bucket: TEST_WORKFLOW_PROPS.lakeBucketName, "Prefix.$": "States.Format('staging/{}/map-results', $.plan.batchId)" },
    });
    expect(rangeMap.ResultPath).toBe("$.mapRun");
    expect(rangeMap.ResultSelector).toBeUndefined();
  });

  it("ends each child with the range's counts, never per-chunk outputs", () => {
    expect(childStates[S.extractRange]).toMatchObject({
      Parameters: { FunctionName: TEST_WORKFLOW_PROPS.extractFunctionArn, Payload: { mode: "range", "item.$": "$" } },
      ResultSelector: { "range.$": "$.Payload" },
      ResultPath: "$.extract",
      Next: S.pushRangeChunks,
    });
    expect(chunkMap).toMatchObject({
      ItemsPath: "$.extract.range.chunkKeys",
      // rangeCount: a batch of fewer ranges than the concurrency pushes each range at a larger share.
      ItemSelector: { "batchId.$": "$.batchId", "chunkKey.$": "$$.Map.Item.Value", "rangeCount.$": "$.rangeCount" },
      ItemProcessor: { ProcessorConfig: { Mode: "INLINE" } },
      ResultPath: null,
      OutputPath: "$.extract.range",
      End: true,
    });
    expect((chunkMap.ItemProcessor.States[S.pushChunk] as TaskState).ResultSelector).toEqual({ "pushed.$": "$.Payload.pushed" });
  });

  it("runs at most pushConcurrency ranges at once, each pushing one chunk at a time", () => {
    expect(build({ pushConcurrency: 7 }).States[S.extractAndPush]).toMatchObject({ MaxConcurrency: 7 });
    expect(chunkMap.MaxConcurrency).toBe(1);
  });

  it("accepts a push concurrency of 40, pushPlan's cap, and rejects 41", () => {
    expect(INLINE_MAP_MAX_CONCURRENCY).toBe(40);
    expect(build({ pushConcurrency: 40 }).States[S.extractAndPush]).toMatchObject({ MaxConcurrency: 40 });
    expect(() => build({ pushConcurrency: 41 })).toThrow(
      /pushConcurrency must be an integer 1\.\.40 \(the stream's push concurrency, capped at 40\), got 41/,
    );
  });

  it("records when the push began before the map and hands it, the plan and the ResultWriter manifest to SummarizeBatch", () => {
    expect(definition.States[S.recordPushStart]).toMatchObject({
      Parameters: { "startedAt.$": "$$.State.EnteredTime" },
      ResultPath: "$.push",
      Next: S.extractAndPush,
    });
    expect(definition.States[S.summarizeBatch]).toMatchObject({
      Parameters: {
        Payload: {
          mode: "summarize",
          "batchId.$": "$.plan.batchId",
          "manifestKey.$": "$.plan.manifestKey",
          "resultWriter.$": "$.mapRun.ResultWriterDetails",
          "pushStartedAt.$": "$.push.startedAt",
        },
      },
      ResultPath: "$.extract",
    });
  });

  it("defaults force to false and replay to null, and hands both to PlanBatch with JSONPath only", () => {
    expect(definition.States[S.addInputDefaults]).toMatchObject({ Result: { force: false, replay: null } });
    expect((definition.States[S.planBatch] as TaskState).Parameters?.Payload).toEqual({
      mode: "plan",
      "scheduledTime.$": "$.scheduledTime",
      "force.$": "$.force",
      "replay.$": "$.replay",
      "executionId.$": "$$.Execution.Id",
    });
    expect(JSON.stringify(definition)).not.toMatch(/QueryLanguage|JSONata|\{%/);
  });
});

describe("batch workflow definition: bounded loops", () => {
  it("passes every cycle through a Choice that compares a counter", () => {
    const counters = new Set(counterChoices(definition.States).map(([name]) => name));

    expect(findCycle(definition.States, new Set())).toBeDefined();
    expect(findCycle(definition.States, counters)).toBeUndefined();
  });

  it("increments each compared counter inside its loop and initialises it outside", () => {
    for (const [choice, counter] of counterChoices(definition.States)) {
      const loop = [...reachable(definition.States, choice)].filter((name) => reachable(definition.States, name).has(choice));
      const incrementers = loop.filter((name) => incrementedPaths(definition.States[name]).includes(counter));
      const initialisers = Object.entries(definition.States)
        .filter(
          ([, s]) =>
            s.Type === "Pass" && s.Result !== undefined && typeof s.ResultPath === "string" && counter.startsWith(`${s.ResultPath}.`),
        )
        .map(([name]) => name);

      expect({ choice, incremented: incrementers.length > 0, initialisedInLoop: initialisers.filter((n) => loop.includes(n)) }).toEqual({
        choice,
        incremented: true,
        initialisedInLoop: [],
      });
    }
  });

  it("bounds the three loops by their budgets: 480/60 → 8 checks, 1800/30 → 60 polls, 3 validation runs", () => {
    expect([limitOf(S.deliveryChecksLeft), limitOf(S.crawlerPollsLeft), limitOf(S.validationRunsLeft)]).toEqual([8, 60, 3]);
  });

  it("rounds a budget that is not a multiple of the interval up", () => {
    const states = build({ deliveryTimeoutSeconds: 500, crawlerTimeoutSeconds: 100 }).States;
    const limit = (choice: string) => counterChoices(states).find(([name]) => name === choice)?.[2];

    expect([limit(S.deliveryChecksLeft), limit(S.crawlerPollsLeft)]).toEqual([9, 4]);
  });

  it("waits the configured interval in each loop", () => {
    expect(
      [S.waitForDelivery, S.waitForCrawler, S.waitBeforeRevalidation].map(
        (name) => (definition.States[name] as { Seconds?: number }).Seconds,
      ),
    ).toEqual([60, 30, 120]);
  });

  it("sets the top-level TimeoutSeconds to the execution timeout, at least the sum of the loop budgets", () => {
    expect(definition.TimeoutSeconds).toBe(7200);
    expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(480 + 1800 + 2 * 120);
  });
});

describe("batch workflow definition: choices", () => {
  const rules = (name: string) => (definition.States[name] as { Choices: readonly ChoiceCondition[] }).Choices;

  it("treats a validation result without a data row as a failure, not as zero", () => {
    const hasRow = definition.States[S.hasValidationRow] as Extract<State, { Type: "Choice" }>;

    expect(hasRow.Default).toBe(S.noValidationRows);
    expect(JSON.stringify(hasRow.Choices)).toContain("$.check.rows[1].Data[0].VarCharValue");
  });

  it("passes validation only when found equals the expected count", () => {
    expect(rules(S.compareCounts)).toContainEqual(
      expect.objectContaining({
        Variable: "$.check.found",
        NumericEqualsPath: "$.extract.validation.expectedCount",
        Next: S.finalizeBatch,
      }),
    );
  });

  it("checks the crawl's LastCrawl.Status for SUCCEEDED", () => {
    expect(rules(S.didCrawlSucceed)[0]).toEqual({
      Variable: "$.crawler.outcome.LastCrawl.Status",
      StringEquals: "SUCCEEDED",
      Next: S.runValidationQuery,
    });
  });
});

describe("buildBatchWorkflow props validation", () => {
  it("reports every invalid prop in one message", () => {
    expect(() => build({ pushConcurrency: 0, deliveryPollSeconds: 0, validationAttempts: 11 })).toThrow(
      /pushConcurrency must be an integer 1\.\.40.*got 0.*deliveryPollSeconds must be an integer 1\.\.3600, got 0.*validationAttempts must be an integer 1\.\.10, got 11/,
    );
  });

  it("rejects an execution timeout shorter than the loop budget", () => {
    expect(() => build({ executionTimeoutSeconds: 900 })).toThrow(/executionTimeoutSeconds must be an integer 2520\.\.31536000.*got 900/);
  });

  it("rejects a Lambda timeout beyond 900 s", () => {
    expect(() => build({ lambdaTimeoutSeconds: { ...TEST_WORKFLOW_PROPS.lambdaTimeoutSeconds, push: 901 } })).toThrow(
      /lambdaTimeoutSeconds\.push must be an integer 1\.\.900.*got 901/,
    );
  });

  it("rejects an empty crawler name, but accepts null (partition projection)", () => {
    expect(() => build({ crawlerName: " " })).toThrow(/crawlerName must be a non-empty string, or null under partition projection/);
    expect(() => build({ crawlerName: null })).not.toThrow();
  });

  it("leaves the crawler budget out of the loop budget without a crawler", () => {
    expect(() => build({ crawlerName: null, executionTimeoutSeconds: 720 })).not.toThrow();
    expect(() => build({ crawlerName: null, executionTimeoutSeconds: 719 })).toThrow(/executionTimeoutSeconds must be an integer 720\.\./);
  });
});

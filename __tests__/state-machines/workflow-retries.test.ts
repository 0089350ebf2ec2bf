/**
 * Which errors each kind of task of the batch workflow retries, and how: the service's documented
 * transient errors (throttling, timeouts, server-side failures), with exponential backoff, full jitter
 * and a bounded number of attempts; nothing else. Retrier fields (ErrorEquals, IntervalSeconds,
 * MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy):
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
import type { Retrier, State, StateMachineDefinition, TaskState } from "../../state-machines/asl";
import {
  BATCH_STATES as S,
  buildBatchWorkflow,
  LAMBDA_SERVICE_ERRORS,
  TRANSIENT_FUNCTION_ERRORS,
} from "../../state-machines/batch-workflow";
import { awsError, TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { runSegment } from "./workflow-segments";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: StateMachineDefinition;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
});

/** [name, state] of every state, a Map's item processor included. */
const everyState = (states: Readonly<Record<string, State>>): Array<[string, State]> =>
  Object.entries(states).flatMap(([name, state]): Array<[string, State]> => [
    [name, state],
    ...(state.Type === "Map" ? everyState(state.ItemProcessor.States) : []),
  ]);
const tasksCalling = (resource: RegExp) =>
  everyState(definition.States).filter(
    (entry): entry is [string, TaskState] => entry[1].Type === "Task" && resource.test(entry[1].Resource),
  );
const retriers = (): Retrier[] => everyState(definition.States).flatMap(([, s]) => ("Retry" in s && s.Retry ? s.Retry : []));
/** The error names a retrier matches that are not Step Functions' own (States.*). */
const serviceErrors = (r: Retrier) => r.ErrorEquals.filter((name) => !name.startsWith("States."));

describe("retries", () => {
  it("spreads every retry of a service error with full jitter, so throttled executions do not retry in step", () => {
    const named = retriers().filter((r) => serviceErrors(r).length > 0);

    expect(named.length).toBeGreaterThanOrEqual(10);
    for (const retrier of named)
      expect({ errors: retrier.ErrorEquals, jitter: retrier.JitterStrategy }).toEqual({ errors: retrier.ErrorEquals, jitter: "FULL" });
  });

  it("bounds every retrier: 2–6 attempts, backoff rate 2, at most 2 minutes between attempts", () => {
    for (const r of retriers()) {
      const longest = Math.min(
        r.MaxDelaySeconds ?? Infinity,
        (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** ((r.MaxAttempts ?? 3) - 1),
      );

      expect({ errors: r.ErrorEquals, attemptsInRange: r.MaxAttempts! >= 2 && r.MaxAttempts! <= 6, backoff: r.BackoffRate }).toEqual({
        errors: r.ErrorEquals,
        attemptsInRange: true,
        backoff: 2,
      });
      expect(longest).toBeLessThanOrEqual(120);
    }
  });

  it("retries each Lambda invoke on Lambda's transient service errors, its throttling and the functions' transient AWS errors", () => {
    // https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html (the four service
    // exceptions, 2 s × 2, 6 attempts; Lambda.TooManyRequestsException when Lambda hits its invocation limit)
    const lambdaTasks = tasksCalling(/^arn:aws:states:::lambda:invoke$/);

    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(
      [S.planBatch, S.extractRange, S.pushChunk, S.summarizeBatch, S.checkDelivery, S.finalizeBatch].sort(),
    );
    for (const [, task] of lambdaTasks) {
      expect(task.Retry?.map(serviceErrors)).toEqual([
        [...LAMBDA_SERVICE_ERRORS],
        ["Lambda.TooManyRequestsException"],
        [...TRANSIENT_FUNCTION_ERRORS],
      ]);
      expect(task.Retry?.[0]).toMatchObject({ IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 });
    }
  });

  it("retries each Glue crawler call on Glue throttling, operation timeouts and internal errors, never on CrawlerRunning or EntityNotFound", () => {
    // StartCrawler and GetCrawler errors: https://docs.aws.amazon.com/glue/latest/webapi/API_StartCrawler.html ,
    // https://docs.aws.amazon.com/glue/latest/webapi/API_GetCrawler.html (OperationTimeoutException);
    // ThrottlingException and InternalServiceException: https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-exceptions.html ;
    // SDK integration errors are named Glue.<Name>Exception: https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
    const glueTasks = tasksCalling(/^arn:aws:states:::aws-sdk:glue:/);

    expect(glueTasks.map(([name]) => name)).toEqual([S.startCrawler, S.getCrawlerState, S.getLastCrawl]);
    for (const [, task] of glueTasks) {
      expect(task.Retry?.map(serviceErrors)).toEqual([
        ["Glue.ThrottlingException", "Glue.OperationTimeoutException", "Glue.InternalServiceException"],
      ]);
    }
  });

  it("retries the SNS publish on SNS throttling, KMS throttling and internal errors, then any other task failure twice", () => {
    // Publish errors: https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Throttled, KMSThrottling, InternalError)
    const [[, notify]] = tasksCalling(/^arn:aws:states:::sns:publish$/) as [[string, TaskState]];

    expect(notify.Retry?.map((r) => r.ErrorEquals)).toEqual([
      ["SNS.ThrottledException", "SNS.KMSThrottlingException", "SNS.InternalErrorException"],
      ["States.TaskFailed"],
    ]);
  });

  it.each([S.startCrawler, S.getCrawlerState, S.getLastCrawl])("calls %s again after Glue throttling", async (task) => {
    let calls = 0;
    const run = await runSegment(
      definition,
      [task],
      { crawler: { polls: 0, start: { started: true } } },
      {
        [task]: () => {
          if (calls++ === 0) throw awsError("Glue.ThrottlingException", "Rate exceeded");
          return { Crawler: { State: "READY", LastCrawl: { Status: "SUCCEEDED" } } };
        },
      },
    );

    expect(calls).toBe(2);
    expect(run.status).toBe("SUCCEEDED");
    expect(run.reached).not.toMatch(/Failed$/);
  });
});

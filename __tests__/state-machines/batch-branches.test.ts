/**
 * Scenarios of the batch workflow that decide whether a good batch loads and every failure notifies:
 * execution input that is not an object, the permanent and transient error branches, partition
 * projection (no crawl), and a batch whose last hour lands after live traffic. Each runs the real
 * definition in aws-local-stepfunctions, the Distributed Map through the test double (map-run-double.ts).
 */
import { checkDelivery, type ListedObject } from "../../handlers/delivery-check/logic";
import { replayPlanOf } from "../../handlers/extract/extract-batch";
import { type ExtractOutput } from "../../contract/batch";
import { lambdaInvoke } from "../../rehearsal/workflow";
import {
  BATCH_STATES as S,
  buildBatchWorkflow,
  PERMANENT_FUNCTION_ERRORS,
  TRANSIENT_FUNCTION_ERRORS,
} from "../../state-machines/batch-workflow";
import { awsError, lambda, lambdaError, LocalHandler, LocalRun, RunOptions, sequence, TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { InvalidBatchInput, BATCH_ERRORS } from "../../contract/errors";
import type { StateMachineDefinition } from "../../state-machines/asl";
import { runWithMapRuns } from "./map-run-double";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: StateMachineDefinition;
let projected: StateMachineDefinition;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
  projected = buildBatchWorkflow({ ...TEST_WORKFLOW_PROPS, crawlerName: null });
});
const BATCH_ID = "20261125T0600Z";
const RANGES_KEY = `staging/${BATCH_ID}/ranges.json`;
/** One range of one landing file. */
const ITEMS = [{ batchId: BATCH_ID, range: { key: "landing/a.ndjson", index: 0, start: 0, end: 4096 }, rangeCount: 1 }];
const PLAN = {
  batchId: BATCH_ID,
  skipped: false,
  source: "landing",
  fileCount: 1,
  rangeCount: 1,
  rangesKey: RANGES_KEY,
  manifestKey: `staging/${BATCH_ID}/manifest.json`,
};
const RANGE_OUTPUT = { rangeId: "r00000", accepted: 100, rejected: 0, chunkKeys: [`staging/${BATCH_ID}/r00000/0.ndjson`] };

/** Runs `def` with its Distributed Map answered by the test double over {@link ITEMS}. */
const runLocally = (def: StateMachineDefinition, input: unknown, hs: Record<string, LocalHandler>, options?: RunOptions) =>
  runWithMapRuns(def, input, hs, { [RANGES_KEY]: ITEMS }, options);

/** SummarizeBatch's output: an ExtractOutput without chunk keys. */
function extractOutput(overrides: Partial<ExtractOutput> = {}): Omit<ExtractOutput, "chunkKeys"> {
  return {
    batchId: BATCH_ID,
    skipped: false,
    fileCount: 1,
    recordCount: 100,
    rejectedCount: 0,
    manifestKey: `staging/${BATCH_ID}/manifest.json`,
    pushStartedAt: "2026-11-25T06:00:42.000Z",
    eventHours: null,
    validation: { query: "SELECT 1", expectedCount: 100 },
    ...overrides,
  };
}

const HEADER = { Data: [{ VarCharValue: "found" }, { VarCharValue: "missing_required" }] };
const queryRows = (found: number) => ({
  ResultSet: { Rows: [HEADER, { Data: [{ VarCharValue: String(found) }, { VarCharValue: "0" }] }] },
});
const crawler = (State: string) => ({ Crawler: { State, LastCrawl: { Status: "SUCCEEDED" } } });

function handlers(overrides: Record<string, LocalHandler> = {}): Record<string, LocalHandler> {
  let query = 0;
  return {
    [S.planBatch]: lambda(() => PLAN),
    [S.extractRange]: lambda(() => RANGE_OUTPUT),
    [S.summarizeBatch]: lambda(() => extractOutput()),
    [S.pushChunk]: lambda((payload) => ({ chunkKey: payload.chunkKey, pushed: 100, calls: 1 })),
    [S.checkDelivery]: lambda(() => ({ delivered: true, objects: 1, expected: 1, missing: [] })),
    [S.startCrawler]: sequence({}),
    [S.getCrawlerState]: sequence(crawler("READY")),
    [S.getLastCrawl]: sequence(crawler("READY")),
    [S.runValidationQuery]: () => ({ QueryExecution: { QueryExecutionId: `q-${++query}` } }),
    [S.getValidationResults]: sequence(queryRows(100)),
    [S.finalizeBatch]: lambda(() => ({ moved: 1 })),
    [S.notifyFailure]: sequence({ MessageId: "m-1" }),
    ...overrides,
  };
}

const notification = (r: LocalRun): string | undefined => r.inputsOf(S.notifyFailure)[0]?.Message;

describe("execution input that is not a JSON object", () => {
  it.each([
    ["a string", "2026-11-25T06:00:00Z", '"2026-11-25T06:00:00Z"'],
    ["an array", [{ scheduledTime: "2026-11-25T06:00:00Z" }], '[{"scheduledTime":"2026-11-25T06:00:00Z"}]'],
    ["null", null, "null"],
    ["a number", 42, "42"],
  ])("fails with InvalidInput and notifies once when the input is %s, without calling a function", async (_, input, shown) => {
    const result = await runLocally(definition, input, handlers());

    expect(result).toMatchObject({ status: "FAILED", error: "InvalidInput" });
    expect(result.calls.map((c) => c.state)).toEqual([S.notifyFailure]);
    expect(notification(result)).toContain("Error: InvalidInput. Cause: the execution input must be a JSON object");
    expect(notification(result)).toContain(`Input: ${shown}`);
    expect(result.path.slice(-3)).toEqual([S.describeFailure, S.notifyFailure, S.batchFailed]);
  });
});

describe("error branches: permanent errors are never retried, transient ones are", () => {
  // Step Functions matches a Lambda function error's errorType in ErrorEquals, and for Node.js the
  // errorType is the thrown error's `name`:
  // https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html ,
  // https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
  it("lists every BATCH_ERRORS name as permanent and none of them as transient", () => {
    expect([...PERMANENT_FUNCTION_ERRORS].sort()).toEqual(Object.values(BATCH_ERRORS).sort());
    expect(TRANSIENT_FUNCTION_ERRORS.filter((name) => PERMANENT_FUNCTION_ERRORS.includes(name))).toEqual([]);
  });

  it("gets InvalidBatchInput from the extract's own error for a bad replay, named as documented", () => {
    expect(new InvalidBatchInput("x").name).toBe(BATCH_ERRORS.invalidBatchInput);
    expect(() => replayPlanOf({ replay: { from: "errors", since: "yesterday", until: "today" } }, { dayKey: "day" })).toThrow(
      expect.objectContaining({ name: BATCH_ERRORS.invalidBatchInput }),
    );
  });

  it("fails at once with InvalidBatchInput: the real error, through the Lambda error shape, is called once and notified", async () => {
    const extract = jest.fn(async () => {
      throw new InvalidBatchInput("scheduledTime must be an ISO-8601 date-time");
    });

    const result = await runLocally(definition, { scheduledTime: "soon" }, handlers({ [S.planBatch]: lambdaInvoke(extract) }));

    expect(result).toMatchObject({ status: "FAILED", error: BATCH_ERRORS.invalidBatchInput });
    expect(extract).toHaveBeenCalledTimes(1);
    expect(notification(result)).toMatch(
      /failed in state PlanBatch\. .*Error: InvalidBatchInput\. Cause: .*scheduledTime must be an ISO-8601 date-time/,
    );
  });

  it("fails at once with BatchTooLarge", async () => {
    const result = await runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({
        [S.planBatch]: lambda(() => {
          throw lambdaError(BATCH_ERRORS.batchTooLarge, "needs more than 2000 chunks");
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: BATCH_ERRORS.batchTooLarge });
    expect(result.inputsOf(S.planBatch)).toHaveLength(1);
    expect(result.inputsOf(S.notifyFailure)).toHaveLength(1);
  });

  it.each(PERMANENT_FUNCTION_ERRORS.map((name) => [name]))(
    "fails at once with %s from SummarizeBatch: called once, notified, never loaded",
    async (name) => {
      const result = await runLocally(
        definition,
        { scheduledTime: "2026-11-25T06:00:00Z" },
        handlers({ [S.summarizeBatch]: lambda(sequence(lambdaError(name, "permanent"), extractOutput())) }),
      );

      expect(result).toMatchObject({ status: "FAILED", error: name });
      expect(result.inputsOf(S.summarizeBatch)).toHaveLength(1);
      expect(result.path.slice(-2)).toEqual([S.notifyFailure, S.batchFailed]);
    },
  );

  it.each(TRANSIENT_FUNCTION_ERRORS.map((name) => [name]))(
    "retries the plan, a range's extract and the summary after a transient %s and then succeeds",
    async (name) => {
      const result = await runLocally(
        definition,
        { scheduledTime: "2026-11-25T06:00:00Z" },
        handlers({
          [S.planBatch]: lambda(sequence(lambdaError(name, "please retry"), PLAN)),
          [S.extractRange]: lambda(sequence(lambdaError(name, "please retry"), RANGE_OUTPUT)),
          [S.summarizeBatch]: lambda(sequence(lambdaError(name, "please retry"), extractOutput())),
        }),
      );

      expect(result.status).toBe("SUCCEEDED");
      expect([S.planBatch, S.extractRange, S.summarizeBatch].map((state) => result.inputsOf(state).length)).toEqual([2, 2, 2]);
    },
  );

  it("gives up on a transient error after 3 retries of the delivery check, and notifies", async () => {
    const result = await runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({
        [S.checkDelivery]: lambda(() => {
          throw lambdaError("SlowDown", "Please reduce your request rate.");
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "SlowDown" });
    expect(result.inputsOf(S.checkDelivery)).toHaveLength(4);
    expect(notification(result)).toContain("failed in state CheckDelivery");
  });

  it("retries a transient push failure of one chunk, but never RecordsUndelivered", async () => {
    const transient = await runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({ [S.pushChunk]: lambda(sequence(lambdaError("InternalError", "We encountered an internal error."), { pushed: 100 })) }),
    );
    const permanent = await runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({
        [S.pushChunk]: lambda(() => {
          throw lambdaError(BATCH_ERRORS.recordsUndelivered, "3 records");
        }),
      }),
    );

    expect(transient.status).toBe("SUCCEEDED");
    expect(transient.inputsOf(S.pushChunk)).toHaveLength(2);
    // The child fails with RecordsUndelivered; the map run, tolerating no failed child, fails the run.
    expect(permanent).toMatchObject({ status: "FAILED", error: "States.ExceedToleratedFailureThreshold" });
    expect(permanent.children.map((c) => c.error)).toEqual([BATCH_ERRORS.recordsUndelivered]);
    expect(permanent.inputsOf(S.pushChunk)).toHaveLength(1);
  });

  it("does not retry an error it does not know (a plain Error from a bug or a bad setting)", async () => {
    const result = await runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({
        [S.finalizeBatch]: lambda(() => {
          throw lambdaError("Error", "BATCH_SETTINGS is invalid");
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "Error" });
    expect(result.inputsOf(S.finalizeBatch)).toHaveLength(1);
    expect(result.inputsOf(S.notifyFailure)).toHaveLength(1);
  });

  it("still retries Lambda's own service errors", async () => {
    const result = await runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({ [S.finalizeBatch]: sequence(awsError("Lambda.ServiceException", "unavailable"), { Payload: { moved: 1 } }) }),
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(result.inputsOf(S.finalizeBatch)).toHaveLength(2);
  });
});

describe("partition projection: the workflow never crawls", () => {
  // Athena ignores partitions registered in Glue for a table with projection enabled:
  // https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
  const taskNames = (states: Record<string, unknown>) => Object.keys(states);

  it("is accepted by asl-validator", () => {
    const validateAsl = require("asl-validator") as (definition: unknown) => { isValid: boolean; errors: unknown[] };
    const result = validateAsl(JSON.parse(JSON.stringify(projected)));

    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("has no crawler states", () => {
    for (const name of [S.prepareCrawl, S.prepareRecrawl, S.startCrawler, S.getCrawlerState, S.getLastCrawl, S.startCrawlerFailed]) {
      expect(taskNames(projected.States as Record<string, unknown>)).not.toContain(name);
    }
    expect(JSON.stringify(projected)).not.toMatch(/glue:|acme-test-crawler/);
  });

  it("goes from the delivery check straight to validation, and re-validates without crawling", async () => {
    const {
      [S.startCrawler]: _s,
      [S.getCrawlerState]: _g,
      [S.getLastCrawl]: _l,
      ...rest
    } = handlers({ [S.getValidationResults]: sequence(queryRows(90), queryRows(100)) });

    const result = await runLocally(projected, { scheduledTime: "2026-11-25T06:00:00Z" }, rest);

    expect(result.status).toBe("SUCCEEDED");
    expect(result.calls.map((c) => c.state).filter((n, i, all) => n !== all[i - 1])).toEqual([
      S.planBatch,
      S.extractAndPush,
      S.extractRange,
      S.pushChunk,
      S.summarizeBatch,
      S.checkDelivery,
      S.runValidationQuery,
      S.getValidationResults,
      S.runValidationQuery,
      S.getValidationResults,
      S.finalizeBatch,
    ]);
  });
});

describe("live traffic lands first and the batch's last hour lands late", () => {
  // Arrival-time partitions: Firehose files an object under the arrival hour of its OLDEST record
  // (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html). The push runs 06:58:30–07:00:20,
  // so the batch's records are expected in hours 06 and 07.
  const settings = { dayKey: "day", partitionTime: "arrival" } as const;
  const key = (hour: string, name: string) => `data/year=2026/month=11/day=25/hour=${hour}/${name}`;
  interface LakeObject extends ListedObject {
    readonly Key: string;
    /** Records of this batch the object holds. */
    readonly batchRecords: number;
    /** The delivery check (1-based) from which the object exists. */
    readonly from: number;
  }
  const lake: LakeObject[] = [
    // Live traffic written before the push began: never counts.
    { Key: key("06", "live-a.parquet"), LastModified: new Date("2026-11-25T06:40:00Z"), batchRecords: 0, from: 1 },
    // Live traffic written while the push ran, then the batch's first 60 records (a size flush before 07:00).
    { Key: key("06", "live-b.parquet"), LastModified: new Date("2026-11-25T06:59:00Z"), batchRecords: 0, from: 1 },
    { Key: key("06", "batch-a.parquet"), LastModified: new Date("2026-11-25T06:59:50Z"), batchRecords: 60, from: 1 },
    // Live traffic in hour 07 written before the push ended: does not prove the batch's last records landed.
    { Key: key("07", "live-c.parquet"), LastModified: new Date("2026-11-25T07:00:10Z"), batchRecords: 0, from: 2 },
    // The batch's last 40 records, late.
    { Key: key("07", "batch-b.parquet"), LastModified: new Date("2026-11-25T07:06:00Z"), batchRecords: 40, from: 4 },
  ];

  async function runBatch(check: (visible: readonly LakeObject[], payload: any) => Promise<unknown>) {
    let checks = 0;
    let crawled: Set<string> = new Set();
    const visible = () => lake.filter((o) => o.from <= checks);
    const partitionOf = (o: LakeObject) => o.Key.slice(0, o.Key.lastIndexOf("/") + 1);
    return runLocally(
      definition,
      { scheduledTime: "2026-11-25T06:00:00Z" },
      handlers({
        [S.summarizeBatch]: lambda(() => extractOutput({ pushStartedAt: "2026-11-25T06:58:30.000Z" })),
        [S.checkDelivery]: lambda((payload) => {
          checks++;
          return check(visible(), payload);
        }),
        // The crawl registers the partitions that exist when it runs; Athena reads registered partitions only.
        [S.startCrawler]: () => {
          crawled = new Set(visible().map(partitionOf));
          return {};
        },
        [S.getValidationResults]: () =>
          queryRows(
            visible()
              .filter((o) => crawled.has(partitionOf(o)))
              .reduce((n, o) => n + o.batchRecords, 0),
          ),
      }),
      { stateEnteredTime: "2026-11-25T07:00:20.000Z" },
    );
  }

  it("waits until every expected partition has the batch's objects, then loads the batch", async () => {
    const result = await runBatch((visible, payload) =>
      checkDelivery(
        settings,
        { since: new Date(payload.since), until: new Date(payload.until), eventHours: payload.eventHours },
        async (prefix) => ({
          Contents: visible.filter((o) => o.Key.startsWith(prefix)),
        }),
      ),
    );

    expect(result).toMatchObject({ status: "SUCCEEDED", output: expect.objectContaining({ found: 100, validationRuns: 1 }) });
    expect(result.inputsOf(S.checkDelivery)).toHaveLength(4);
    expect(result.inputsOf(S.startCrawler)).toHaveLength(1);
  });

  it("would end a good batch in CountMismatch if the check passed on the first new object (the defect this guards against)", async () => {
    const anyNewObject = async (visible: readonly LakeObject[], payload: any) => {
      const fresh = visible.filter((o) => o.LastModified!.getTime() >= Date.parse(payload.since)).length;
      return { delivered: fresh > 0, objects: fresh, expected: 0, missing: [] };
    };

    const result = await runBatch(anyNewObject);

    // The crawl ran after the first check, before hour 07 held the batch's last records.
    expect(result.inputsOf(S.checkDelivery)).toHaveLength(1);
    expect(result).toMatchObject({ status: "FAILED", error: "CountMismatch" });
  });
});

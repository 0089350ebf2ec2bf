/**
 * Executes the real batch workflow definition in aws-local-stepfunctions: Waits and retry intervals
 * run in 0 ms, every Task is answered per scenario, and each test asserts the outcome together with
 * the calls the workflow made. The Distributed Map runs through the test double (map-run-double.ts):
 * its children are the real ItemProcessor, run as their own executions.
 */
import type { ExtractOutput } from "../../contract/batch";
import { MAP_RESULTS_FOLDER } from "../../state-machines/batch/extract-and-push";
import { VALIDATION_QUERY_RESUBMITS } from "../../state-machines/timing";
import { BATCH_STATES as S, BatchLoadedOutput, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import {
  awsError,
  lambda,
  lambdaError,
  LOCAL_EXECUTION,
  LOCAL_STATE_ENTERED_TIME,
  LocalHandler,
  sequence,
  TEST_WORKFLOW_PROPS,
} from "../support/local-sfn";
import { MapRunLocalRun, runWithMapRuns } from "./map-run-double";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: ReturnType<typeof buildBatchWorkflow>;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
});
const SCHEDULED_TIME = "2026-11-25T06:00:00Z";
const BATCH_ID = "20261125T0600Z";
/** Two ranges: the first staged two chunks, the second one. */
const RANGE_CHUNKS = [[0, 1].map((n) => `staging/${BATCH_ID}/r00000/${n}.ndjson`), [`staging/${BATCH_ID}/r00001/0.ndjson`]];
const CHUNK_KEYS = RANGE_CHUNKS.flat();
const RANGES_KEY = `staging/${BATCH_ID}/ranges.json`;
const RANGE_ITEMS = RANGE_CHUNKS.map((_, index) => ({
  batchId: BATCH_ID,
  range: { key: `landing/file-${index}.ndjson`, index, start: 0, end: 4096 },
  rangeCount: RANGE_CHUNKS.length,
}));
const MANIFEST_KEY = `staging/${BATCH_ID}/map-results/0f1e2d3c-map-run/manifest.json`;
const VALIDATION_QUERY = `SELECT count(DISTINCT event_id) AS found, count_if(event_type IS NULL) AS missing_required FROM lake.events WHERE batch_id = '${BATCH_ID}'`;

/** PlanBatch's output: two landing files, two ranges. */
function planOutput(overrides: Record<string, unknown> = {}) {
  return {
    batchId: BATCH_ID,
    skipped: false,
    source: "landing",
    fileCount: 2,
    rangeCount: RANGE_ITEMS.length,
    rangesKey: RANGES_KEY,
    manifestKey: `staging/${BATCH_ID}/manifest.json`,
    ...overrides,
  };
}

/** ExtractRange's output for range `index`. */
const rangeOutput = (index: number) => ({
  rangeId: `r0000${index}`,
  accepted: index === 0 ? 67 : 33,
  rejected: 1,
  chunkKeys: RANGE_CHUNKS[index],
  firstHour: "2026-11-25T05",
  lastHour: "2026-11-25T06",
});

/** SummarizeBatch's output: today's ExtractOutput without chunk keys. */
function extractOutput(overrides: Partial<ExtractOutput> = {}): Omit<ExtractOutput, "chunkKeys"> {
  return {
    batchId: BATCH_ID,
    skipped: false,
    fileCount: 2,
    recordCount: 100,
    rejectedCount: 2,
    manifestKey: `staging/${BATCH_ID}/manifest.json`,
    pushStartedAt: "2026-11-25T06:00:42.000Z",
    eventHours: { first: "2026-11-25T05", last: "2026-11-25T06" },
    validation: { query: VALIDATION_QUERY, expectedCount: 100 },
    ...overrides,
  };
}

const crawler = (State: string) => ({ Crawler: { Name: TEST_WORKFLOW_PROPS.crawlerName, State } });
const lastCrawl = (LastCrawl: Record<string, string>) => ({
  Crawler: { Name: TEST_WORKFLOW_PROPS.crawlerName, State: "READY", LastCrawl },
});
const HEADER = { Data: [{ VarCharValue: "found" }, { VarCharValue: "missing_required" }] };
const queryRows = (found: number, missingRequired = 0) => ({
  ResultSet: { Rows: [HEADER, { Data: [{ VarCharValue: String(found) }, { VarCharValue: String(missingRequired) }] }] },
});

const NOT_DELIVERED = { delivered: false, objects: 1, expected: 2, missing: ["data/year=2026/month=11/day=25/hour=06/"] };

/** Handlers for a run that succeeds: one undelivered check, one RUNNING poll, counts that match. */
function happyPath(overrides: Record<string, LocalHandler> = {}): Record<string, LocalHandler> {
  let query = 0;
  return {
    [S.planBatch]: lambda(() => planOutput()),
    [S.extractRange]: lambda((payload) => rangeOutput(payload.item.range.index)),
    [S.pushChunk]: lambda((payload) => ({ chunkKey: payload.chunkKey, pushed: 34, calls: 1 })),
    [S.summarizeBatch]: lambda(() => extractOutput()),
    [S.checkDelivery]: lambda(sequence(NOT_DELIVERED, { delivered: true, objects: 3, expected: 2, missing: [] })),
    [S.startCrawler]: sequence({}),
    [S.getCrawlerState]: sequence(crawler("RUNNING"), crawler("READY")),
    [S.getLastCrawl]: sequence(lastCrawl({ Status: "SUCCEEDED" })),
    [S.runValidationQuery]: () => ({ QueryExecution: { QueryExecutionId: `q-${++query}`, Status: { State: "SUCCEEDED" } } }),
    [S.getValidationResults]: sequence(queryRows(100)),
    [S.finalizeBatch]: lambda(() => ({ moved: 2 })),
    [S.notifyFailure]: sequence({ MessageId: "m-1" }),
    ...overrides,
  };
}

const run = (handlers: Record<string, LocalHandler>, input: unknown = { scheduledTime: SCHEDULED_TIME }) =>
  runWithMapRuns(definition, input, handlers, { [RANGES_KEY]: RANGE_ITEMS });
const taskOrder = (r: MapRunLocalRun) => r.calls.map((c) => c.state).filter((name, i, all) => name !== all[i - 1]);
const notification = (r: MapRunLocalRun): string => r.inputsOf(S.notifyFailure)[0]?.Message;

describe("batch workflow: happy path", () => {
  let result: MapRunLocalRun;
  // Run per test, on the definition built for that test.
  beforeEach(async () => {
    result = await run(happyPath());
  });

  it("succeeds with a summary of pushed, found and rejected records", () => {
    expect(result).toMatchObject({ status: "SUCCEEDED" });
    expect(result.output).toEqual<BatchLoadedOutput>({
      batchId: BATCH_ID,
      pushed: 100,
      found: 100,
      rejected: 2,
      ranges: 2,
      validationRuns: 1,
      landingFilesMoved: 2,
    });
  });

  it("runs plan, the map run (each range's extract, then its chunks), summarize, delivery, crawler, validation and finalize in that order", () => {
    expect(taskOrder(result)).toEqual([
      S.planBatch,
      S.extractAndPush,
      S.extractRange,
      S.pushChunk,
      S.extractRange,
      S.pushChunk,
      S.summarizeBatch,
      S.checkDelivery,
      S.startCrawler,
      S.getCrawlerState,
      S.getLastCrawl,
      S.runValidationQuery,
      S.getValidationResults,
      S.finalizeBatch,
    ]);
  });

  it("invokes the extract function's plan with the scheduled time, force defaulted to false, no replay and the execution id", () => {
    expect(result.inputsOf(S.planBatch)).toEqual([
      {
        FunctionName: TEST_WORKFLOW_PROPS.extractFunctionArn,
        Payload: { mode: "plan", scheduledTime: SCHEDULED_TIME, force: false, replay: null, executionId: LOCAL_EXECUTION.Id },
      },
    ]);
  });

  it("reads the plan's ranges.json from the lake bucket and writes the map results under the batch's staging prefix", () => {
    expect(result.inputsOf(S.extractAndPush)).toEqual([
      {
        ItemReader: { Bucket: TEST_WORKFLOW_PROPS.lakeBucketName, Key: RANGES_KEY },
        ResultWriter: { Bucket: TEST_WORKFLOW_PROPS.lakeBucketName, Prefix: `staging/${BATCH_ID}/${MAP_RESULTS_FOLDER}` },
      },
    ]);
  });

  it("runs one child per range, each extracting its range and ending with the range's counts", () => {
    expect(result.inputsOf(S.extractRange).map((i) => i.Payload)).toEqual(RANGE_ITEMS.map((item) => ({ mode: "range", item })));
    expect(result.children).toEqual(
      RANGE_ITEMS.map((item, index) => ({ item, status: "SUCCEEDED", output: rangeOutput(index), error: undefined })),
    );
  });

  it("summarizes from the ResultWriter manifest, with the plan's batch and manifest and the time the push began", () => {
    expect(result.inputsOf(S.summarizeBatch)).toEqual([
      {
        FunctionName: TEST_WORKFLOW_PROPS.extractFunctionArn,
        Payload: {
          mode: "summarize",
          batchId: BATCH_ID,
          manifestKey: `staging/${BATCH_ID}/manifest.json`,
          resultWriter: { Bucket: TEST_WORKFLOW_PROPS.lakeBucketName, Key: MANIFEST_KEY },
          pushStartedAt: LOCAL_STATE_ENTERED_TIME,
        },
      },
    ]);
  });

  it("pushes every chunk exactly once, each with the batch id and the batch's range count", () => {
    expect(result.inputsOf(S.pushChunk)).toEqual(
      expect.arrayContaining(
        CHUNK_KEYS.map((chunkKey) => ({
          FunctionName: TEST_WORKFLOW_PROPS.pushFunctionArn,
          Payload: { batchId: BATCH_ID, chunkKey, rangeCount: RANGE_CHUNKS.length },
        })),
      ),
    );
    expect(result.inputsOf(S.pushChunk)).toHaveLength(CHUNK_KEYS.length);
  });

  it("checks delivery from the push's start to its end (the time the map run ended), in the batch's event hours, until delivered", () => {
    const payload = {
      since: "2026-11-25T06:00:42.000Z",
      until: LOCAL_STATE_ENTERED_TIME,
      eventHours: { first: "2026-11-25T05", last: "2026-11-25T06" },
    };
    expect(result.inputsOf(S.checkDelivery)).toEqual([
      { FunctionName: TEST_WORKFLOW_PROPS.deliveryCheckFunctionArn, Payload: payload },
      { FunctionName: TEST_WORKFLOW_PROPS.deliveryCheckFunctionArn, Payload: payload },
    ]);
  });

  it("starts and polls the configured crawler", () => {
    expect(result.inputsOf(S.startCrawler)).toEqual([{ Name: TEST_WORKFLOW_PROPS.crawlerName }]);
    expect(result.inputsOf(S.getCrawlerState)).toEqual([
      { Name: TEST_WORKFLOW_PROPS.crawlerName },
      { Name: TEST_WORKFLOW_PROPS.crawlerName },
    ]);
  });

  it("runs the extract's validation query in the configured workgroup and reads two rows of its results", () => {
    expect(result.inputsOf(S.runValidationQuery)).toEqual([
      {
        QueryString: VALIDATION_QUERY,
        WorkGroup: TEST_WORKFLOW_PROPS.workgroup,
        ClientRequestToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(result.inputsOf(S.getValidationResults)).toEqual([{ QueryExecutionId: "q-1", MaxResults: 2 }]);
  });

  it("finalizes with the batch id, the manifest key and the execution id", () => {
    expect(result.inputsOf(S.finalizeBatch)).toEqual([
      {
        FunctionName: TEST_WORKFLOW_PROPS.finalizeFunctionArn,
        Payload: { batchId: BATCH_ID, manifestKey: `staging/${BATCH_ID}/manifest.json`, executionId: LOCAL_EXECUTION.Id },
      },
    ]);
  });

  it("sends no notification", () => {
    expect(result.inputsOf(S.notifyFailure)).toEqual([]);
    expect(result.path).not.toContain(S.notifyFailure);
  });
});

describe("batch workflow: input", () => {
  it("passes force=true through to the extract", async () => {
    const result = await run(happyPath(), { scheduledTime: SCHEDULED_TIME, force: true });

    expect(result.inputsOf(S.planBatch)[0].Payload).toEqual({
      mode: "plan",
      scheduledTime: SCHEDULED_TIME,
      force: true,
      replay: null,
      executionId: LOCAL_EXECUTION.Id,
    });
  });

  it("fails with InvalidInput, without extracting, when scheduledTime is missing", async () => {
    const result = await run(happyPath(), { force: true });

    expect(result).toMatchObject({ status: "FAILED", error: "InvalidInput" });
    expect(result.calls.map((c) => c.state)).toEqual([S.notifyFailure]);
    expect(notification(result)).toContain('Input: {"force":true}');
  });
});

describe("batch workflow: skipped batches", () => {
  it.each([
    ["an empty landing prefix", { skipped: true, skipReason: "empty", fileCount: 0, rangeCount: 0 }],
    ["a batch already claimed by another run", { skipped: true, skipReason: "already-claimed" }],
  ] as const)("ends in BatchSkipped for %s, with the plan output and no further calls", async (_, overrides) => {
    const output = planOutput(overrides);

    const result = await run(happyPath({ [S.planBatch]: lambda(() => output) }));

    expect(result).toMatchObject({ status: "SUCCEEDED", output });
    expect(result.path.at(-1)).toBe(S.batchSkipped);
    expect(result.calls.map((c) => c.state)).toEqual([S.planBatch]);
  });
});

describe("batch workflow: every record rejected", () => {
  it("fails with AllRecordsRejected from SummarizeBatch, called once (never retried), notified, never SUCCEEDED", async () => {
    const noneAccepted = (payload: { item: { range: { index: number } } }) => ({
      ...rangeOutput(payload.item.range.index),
      accepted: 0,
      rejected: 50,
      chunkKeys: [],
    });
    const result = await run(
      happyPath({
        [S.extractRange]: lambda(noneAccepted),
        [S.summarizeBatch]: lambda(() => {
          throw lambdaError("AllRecordsRejected", "2 landing files read, 100 lines rejected, 0 records accepted");
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "AllRecordsRejected" });
    expect(result.inputsOf(S.summarizeBatch)).toHaveLength(1);
    expect(result.inputsOf(S.pushChunk)).toEqual([]);
    expect(result.path.slice(-3)).toEqual([S.describeFailure, S.notifyFailure, S.batchFailed]);
    expect(result.path).not.toContain(S.batchSkipped);
    expect(notification(result)).toMatch(/failed in state SummarizeBatch\. Batch: 20261125T0600Z\. Error: AllRecordsRejected\./);
    expect(result.inputsOf(S.checkDelivery)).toEqual([]);
  });
});

describe("batch workflow: push", () => {
  it("fails the map run when a child's chunk stays undelivered: RecordsUndelivered is not retried, the run fails and is notified", async () => {
    const pushChunk = lambda((payload) => {
      if (payload.chunkKey === CHUNK_KEYS[1])
        throw lambdaError("RecordsUndelivered", "12 records still failing after 5 PutRecords attempts");
      return { chunkKey: payload.chunkKey, pushed: 34, calls: 1 };
    });

    const result = await run(happyPath({ [S.pushChunk]: pushChunk }));

    expect(result).toMatchObject({ status: "FAILED", error: "States.ExceedToleratedFailureThreshold" });
    expect(result.children.map((c) => [c.status, c.error])).toEqual([
      ["FAILED", "RecordsUndelivered"],
      ["SUCCEEDED", undefined],
    ]);
    expect(result.inputsOf(S.pushChunk).filter((input) => input.Payload.chunkKey === CHUNK_KEYS[1])).toHaveLength(1);
    expect(notification(result)).toMatch(
      /failed in state ExtractAndPush\. Batch: 20261125T0600Z\. Error: States\.ExceedToleratedFailureThreshold\./,
    );
    expect(result.path.slice(-2)).toEqual([S.notifyFailure, S.batchFailed]);
    expect(result.inputsOf(S.summarizeBatch)).toEqual([]);
    expect(result.inputsOf(S.checkDelivery)).toEqual([]);
  });

  it("fails the map run when a range cannot be extracted (a permanent error, tried once)", async () => {
    const result = await run(
      happyPath({
        [S.extractRange]: lambda((payload) => {
          if (payload.item.range.index === 1) throw lambdaError("InvalidBatchInput", "range 1 names no landing object");
          return rangeOutput(payload.item.range.index);
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "States.ExceedToleratedFailureThreshold" });
    expect(result.inputsOf(S.extractRange)).toHaveLength(2);
    expect(result.path).toContain(S.notifyFailure);
    expect(result.path).not.toContain(S.batchLoaded);
  });

  it("retries a chunk whose invocation hit Lambda.ServiceException and then succeeds", async () => {
    let failed = false;
    const pushChunk = lambda((payload) => {
      if (payload.chunkKey === CHUNK_KEYS[0] && !failed) {
        failed = true;
        throw awsError("Lambda.ServiceException", "Lambda is unavailable");
      }
      return { chunkKey: payload.chunkKey, pushed: 34, calls: 1 };
    });

    const result = await run(happyPath({ [S.pushChunk]: pushChunk }));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.inputsOf(S.pushChunk)).toHaveLength(CHUNK_KEYS.length + 1);
  });
});

describe("batch workflow: delivery", () => {
  it("gives up with DeliveryTimedOut after ceil(480 s / 60 s) = 8 checks, naming the partitions still missing", async () => {
    const result = await run(happyPath({ [S.checkDelivery]: lambda(() => NOT_DELIVERED) }));

    expect(result).toMatchObject({ status: "FAILED", error: "DeliveryTimedOut" });
    expect(result.inputsOf(S.checkDelivery)).toHaveLength(8);
    expect(result.inputsOf(S.startCrawler)).toEqual([]);
    expect(notification(result)).toContain(
      'expected partitions still had no data object written since 2026-11-25T06:00:42.000Z after 8 delivery checks (budget 480 seconds): ["data/year=2026/month=11/day=25/hour=06/"]',
    );
  });
});

describe("batch workflow: crawler", () => {
  it("waits out a crawl that is already running, then starts its own and succeeds", async () => {
    const result = await run(
      happyPath({
        [S.startCrawler]: sequence(awsError("Glue.CrawlerRunningException", "Crawler with name acme-test-crawler has already started"), {}),
        [S.getCrawlerState]: sequence(crawler("RUNNING"), crawler("READY"), crawler("RUNNING"), crawler("READY")),
      }),
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(taskOrder(result).slice(8, 15)).toEqual([
      S.startCrawler,
      S.getCrawlerState,
      S.startCrawler,
      S.getCrawlerState,
      S.getLastCrawl,
      S.runValidationQuery,
      S.getValidationResults,
    ]);
    expect(result.inputsOf(S.startCrawler)).toHaveLength(2);
    expect(result.inputsOf(S.getCrawlerState)).toHaveLength(4);
    expect(result.inputsOf(S.notifyFailure)).toEqual([]);
  });

  it("fails with CrawlerFailed and notifies the crawler's error message when the crawl FAILED", async () => {
    const result = await run(
      happyPath({
        [S.getLastCrawl]: sequence(lastCrawl({ Status: "FAILED", ErrorMessage: "Insufficient Lake Formation permission(s) on events" })),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "CrawlerFailed" });
    expect(notification(result)).toContain("the crawl ended with status FAILED: Insufficient Lake Formation permission(s) on events");
    expect(result.inputsOf(S.runValidationQuery)).toEqual([]);
  });

  it("fails with CrawlerFailed when the crawl was CANCELLED without a message", async () => {
    const result = await run(happyPath({ [S.getLastCrawl]: sequence(lastCrawl({ Status: "CANCELLED" })) }));

    expect(result).toMatchObject({ status: "FAILED", error: "CrawlerFailed" });
    expect(notification(result)).toContain("the crawl ended with status CANCELLED");
  });

  it("gives up with CrawlerTimedOut after ceil(1800 s / 30 s) = 60 polls", async () => {
    const result = await run(happyPath({ [S.getCrawlerState]: sequence(crawler("RUNNING")) }));

    expect(result).toMatchObject({ status: "FAILED", error: "CrawlerTimedOut" });
    expect(result.inputsOf(S.getCrawlerState)).toHaveLength(60);
    expect(notification(result)).toContain("the crawler was still RUNNING after 60 polls");
  });
});

describe("batch workflow: validation", () => {
  it("fails and notifies when the Athena query fails", async () => {
    const result = await run(
      happyPath({
        [S.runValidationQuery]: sequence(
          awsError("States.TaskFailed", "Athena query FAILED: TABLE_NOT_FOUND: line 1:102: Table lake.events does not exist"),
        ),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "States.TaskFailed" });
    expect(notification(result)).toContain("failed in state RunValidationQuery");
    expect(notification(result)).toContain("TABLE_NOT_FOUND");
    expect(notification(result)).toContain(`Batch: ${BATCH_ID}.`);
    expect(result.inputsOf(S.finalizeBatch)).toEqual([]);
    // A query that fails every time is submitted once and re-submitted VALIDATION_QUERY_RESUBMITS times, no more.
    expect(result.inputsOf(S.runValidationQuery)).toHaveLength(1 + VALIDATION_QUERY_RESUBMITS);
  });

  // A failed Athena query can succeed when submitted again (AthenaError.Retryable,
  // https://docs.aws.amazon.com/athena/latest/APIReference/API_AthenaError.html), but only under a new
  // ClientRequestToken: the same token returns the same execution
  // (https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html).
  it("re-submits a validation query that ended FAILED under a new token, and succeeds when the next one does", async () => {
    const runValidationQuery = sequence(awsError("States.TaskFailed", "Athena query FAILED: INTERNAL_ERROR_QUERY_ENGINE"), {
      QueryExecution: { QueryExecutionId: "q-2", Status: { State: "SUCCEEDED" } },
    });

    const result = await runWithMapRuns(
      definition,
      { scheduledTime: SCHEDULED_TIME },
      happyPath({ [S.runValidationQuery]: runValidationQuery }),
      { [RANGES_KEY]: RANGE_ITEMS },
      { executionId: "exec-1" },
    );

    const tokens = result.inputsOf(S.runValidationQuery).map((input) => input.ClientRequestToken);
    expect(result).toMatchObject({ status: "SUCCEEDED", output: expect.objectContaining({ found: 100, validationRuns: 1 }) });
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(tokens[0]);
    expect(result.inputsOf(S.notifyFailure)).toEqual([]);
  });

  it("records a validation query that timed out as a failure without re-submitting it (a query that ran out its time would again)", async () => {
    const result = await run(happyPath({ [S.runValidationQuery]: sequence(awsError("States.Timeout", "Task timed out")) }));

    expect(result).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    expect(result.inputsOf(S.runValidationQuery)).toHaveLength(1);
    expect(notification(result)).toContain("failed in state RunValidationQuery");
  });

  it("re-crawls before re-running the query after a shortfall, and succeeds when the count catches up", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence(queryRows(90), queryRows(100)) }));

    expect(result).toMatchObject({ status: "SUCCEEDED", output: expect.objectContaining({ found: 100, validationRuns: 2 }) });
    expect(result.inputsOf(S.runValidationQuery)).toHaveLength(2);
    expect(taskOrder(result).slice(11)).toEqual([
      S.runValidationQuery,
      S.getValidationResults,
      S.startCrawler,
      S.getCrawlerState,
      S.getLastCrawl,
      S.runValidationQuery,
      S.getValidationResults,
      S.finalizeBatch,
    ]);
  });

  it("uses a different ClientRequestToken for each validation run", async () => {
    // A short execution id: the engine's States.Hash collides on long inputs (AWS's does not).
    const result = await runWithMapRuns(
      definition,
      { scheduledTime: SCHEDULED_TIME },
      happyPath({ [S.getValidationResults]: sequence(queryRows(90), queryRows(100)) }),
      { [RANGES_KEY]: RANGE_ITEMS },
      {
        executionId: "exec-1",
      },
    );

    const [first, second] = result.inputsOf(S.runValidationQuery).map((input) => input.ClientRequestToken);
    expect(first).not.toEqual(second);
  });

  it("keeps the ClientRequestToken when a throttled query start is retried, so Athena never runs it twice", async () => {
    const runValidationQuery = sequence(awsError("Athena.TooManyRequestsException", "Rate exceeded"), {
      QueryExecution: { QueryExecutionId: "q-1" },
    });

    const result = await run(happyPath({ [S.runValidationQuery]: runValidationQuery }));

    const tokens = result.inputsOf(S.runValidationQuery).map((input) => input.ClientRequestToken);
    expect(result.status).toBe("SUCCEEDED");
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it("fails with CountMismatch after 3 runs when the shortfall persists, naming expected and found", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence(queryRows(90)) }));

    expect(result).toMatchObject({ status: "FAILED", error: "CountMismatch" });
    expect(result.inputsOf(S.runValidationQuery)).toHaveLength(3);
    expect(result.inputsOf(S.startCrawler)).toHaveLength(3);
    expect(notification(result)).toContain("validation expected 100 records but found 90 after 3 validation runs");
    expect(notification(result)).toContain(`Batch: ${BATCH_ID}.`);
    expect(result.inputsOf(S.finalizeBatch)).toEqual([]);
  });

  it("fails with NoValidationRows when the results hold only the header row", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence({ ResultSet: { Rows: [HEADER] } }) }));

    expect(result).toMatchObject({ status: "FAILED", error: "NoValidationRows" });
    expect(notification(result)).toContain("validation query returned no rows");
    expect(notification(result)).toContain(`Batch: ${BATCH_ID}.`);
    expect(result.inputsOf(S.finalizeBatch)).toEqual([]);
  });

  it("fails with RequiredColumnsMissing, naming the count, when rows lack a required column", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence(queryRows(100, 7)) }));

    expect(result).toMatchObject({ status: "FAILED", error: "RequiredColumnsMissing" });
    expect(notification(result)).toContain("7 rows of the batch have a NULL required column");
  });

  it("fails with UnexpectedRecords when more distinct records are found than were pushed", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence(queryRows(104)) }));

    expect(result).toMatchObject({ status: "FAILED", error: "UnexpectedRecords" });
    expect(notification(result)).toContain("validation expected 100 records but found 104");
    expect(notification(result)).toContain(`Batch: ${BATCH_ID}.`);
  });
});

describe("batch workflow: failure path", () => {
  it("names the execution, the failed state and the input when the plan fails before a batch id exists", async () => {
    const result = await run(
      happyPath({
        [S.planBatch]: lambda(() => {
          throw lambdaError("InvalidBatchInput", "scheduledTime is not an ISO-8601 date-time");
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "InvalidBatchInput" });
    expect(notification(result)).toMatch(
      /^Batch workflow failed in state PlanBatch\. Batch: \(none: the batch was not extracted\)\. Error: InvalidBatchInput\./,
    );
    expect(notification(result)).toContain(`Execution: ${LOCAL_EXECUTION.Id}`);
    expect(notification(result)).toContain(`Input: {"scheduledTime":"${SCHEDULED_TIME}"}`);
  });

  it("publishes to the configured topic with a short subject", async () => {
    const result = await run(
      happyPath({
        [S.finalizeBatch]: lambda(() => {
          throw lambdaError("AccessDenied", "s3:DeleteObject denied");
        }),
      }),
    );

    expect(result.inputsOf(S.notifyFailure)).toEqual([
      { TopicArn: TEST_WORKFLOW_PROPS.notificationTopicArn, Subject: "Batch load failed", Message: expect.any(String) },
    ]);
  });

  it("makes the execution's cause the notification text", async () => {
    const result = await run(
      happyPath({
        [S.finalizeBatch]: lambda(() => {
          throw lambdaError("AccessDenied", "s3:DeleteObject denied");
        }),
      }),
    );

    expect(result.cause).toBe(notification(result));
  });

  it("still ends in BatchFailed with the original error when the notification cannot be sent", async () => {
    const result = await run(
      happyPath({
        [S.getValidationResults]: sequence(queryRows(90)),
        [S.notifyFailure]: sequence(awsError("SNS.AuthorizationErrorException", "not allowed")),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "CountMismatch" });
    expect(result.path.slice(-2)).toEqual([S.notifyFailure, S.batchFailed]);
  });
});

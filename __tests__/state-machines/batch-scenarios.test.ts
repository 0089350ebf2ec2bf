/**
 * Executes the real batch workflow definition in aws-local-stepfunctions: Waits and retry intervals
 * run in 0 ms, every Task is answered per scenario, and each test asserts the outcome together with
 * the calls the workflow made.
 */
import type { ExtractOutput } from "../../contract/batch";
import { BATCH_STATES as S, BatchLoadedOutput, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import {
  awsError,
  lambda,
  lambdaError,
  LOCAL_EXECUTION,
  LOCAL_STATE_ENTERED_TIME,
  LocalHandler,
  LocalRun,
  runLocally,
  sequence,
  TEST_WORKFLOW_PROPS,
} from "../support/local-sfn";

const definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
const SCHEDULED_TIME = "2026-11-25T06:00:00Z";
const BATCH_ID = "20261125T0600Z";
const CHUNK_KEYS = [0, 1, 2].map((n) => `staging/${BATCH_ID}/chunk-0000${n}.ndjson`);
const VALIDATION_QUERY = `SELECT count(DISTINCT event_id) AS found, count_if(event_type IS NULL) AS missing_required FROM lake.events WHERE batch_id = '${BATCH_ID}'`;

function extractOutput(overrides: Partial<ExtractOutput> = {}): ExtractOutput {
  return {
    batchId: BATCH_ID,
    skipped: false,
    fileCount: 2,
    recordCount: 100,
    rejectedCount: 2,
    chunkKeys: CHUNK_KEYS,
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
    [S.extractBatch]: lambda(() => extractOutput()),
    [S.pushChunk]: lambda((payload) => ({ chunkKey: payload.chunkKey, pushed: 34, calls: 1 })),
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
  runLocally(definition, input, handlers);
const taskOrder = (r: LocalRun) => r.calls.map((c) => c.state).filter((name, i, all) => name !== all[i - 1]);
const notification = (r: LocalRun): string => r.inputsOf(S.notifyFailure)[0]?.Message;

describe("batch workflow: happy path", () => {
  let result: LocalRun;
  beforeAll(async () => {
    result = await run(happyPath());
  });

  it("succeeds with a summary of pushed, found and rejected records", () => {
    expect(result).toMatchObject({ status: "SUCCEEDED" });
    expect(result.output).toEqual<BatchLoadedOutput>({
      batchId: BATCH_ID,
      pushed: 100,
      found: 100,
      rejected: 2,
      chunks: 3,
      validationRuns: 1,
      landingFilesMoved: 2,
    });
  });

  it("runs extract, push, delivery, crawler, validation and finalize in that order", () => {
    expect(taskOrder(result)).toEqual([
      S.extractBatch,
      S.pushChunk,
      S.checkDelivery,
      S.startCrawler,
      S.getCrawlerState,
      S.getLastCrawl,
      S.runValidationQuery,
      S.getValidationResults,
      S.finalizeBatch,
    ]);
  });

  it("invokes the extract function with the scheduled time, force defaulted to false, no replay and the execution id", () => {
    expect(result.inputsOf(S.extractBatch)).toEqual([
      {
        FunctionName: TEST_WORKFLOW_PROPS.extractFunctionArn,
        Payload: { scheduledTime: SCHEDULED_TIME, force: false, replay: null, executionId: LOCAL_EXECUTION.Id },
      },
    ]);
  });

  it("pushes every chunk exactly once, each with the batch id", () => {
    expect(result.inputsOf(S.pushChunk)).toEqual(
      expect.arrayContaining(
        CHUNK_KEYS.map((chunkKey) => ({ FunctionName: TEST_WORKFLOW_PROPS.pushFunctionArn, Payload: { batchId: BATCH_ID, chunkKey } })),
      ),
    );
    expect(result.inputsOf(S.pushChunk)).toHaveLength(CHUNK_KEYS.length);
  });

  it("checks delivery from the push's start to its end (the time the push Map ended), in the batch's event hours, until delivered", () => {
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

    expect(result.inputsOf(S.extractBatch)[0].Payload).toEqual({
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
    ["an empty batch", { skipped: true, skipReason: "empty", recordCount: 0, chunkKeys: [] }],
    ["a batch already claimed by another run", { skipped: true, skipReason: "already-claimed" }],
  ] as const)("ends in BatchSkipped for %s, with the extract output and no further calls", async (_, overrides) => {
    const output = extractOutput(overrides as Partial<ExtractOutput>);

    const result = await run(happyPath({ [S.extractBatch]: lambda(() => output) }));

    expect(result).toMatchObject({ status: "SUCCEEDED", output });
    expect(result.path.at(-1)).toBe(S.batchSkipped);
    expect(result.calls.map((c) => c.state)).toEqual([S.extractBatch]);
  });
});

describe("batch workflow: push", () => {
  it("fails with RecordsUndelivered after a single attempt, notifying the undelivered count", async () => {
    const pushChunk = lambda((payload) => {
      if (payload.chunkKey === CHUNK_KEYS[1])
        throw lambdaError("RecordsUndelivered", "12 records still failing after 5 PutRecords attempts");
      return { chunkKey: payload.chunkKey, pushed: 34, calls: 1 };
    });

    const result = await run(happyPath({ [S.pushChunk]: pushChunk }));

    expect(result).toMatchObject({ status: "FAILED", error: "RecordsUndelivered" });
    expect(result.cause).toContain("12 records still failing");
    expect(result.inputsOf(S.pushChunk).filter((input) => input.Payload.chunkKey === CHUNK_KEYS[1])).toHaveLength(1);
    expect(notification(result)).toMatch(
      /failed in state PushToKinesis\. Batch: 20261125T0600Z\. Error: RecordsUndelivered\. Cause: .*12 records still failing/,
    );
    expect(result.inputsOf(S.checkDelivery)).toEqual([]);
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
    expect(taskOrder(result).slice(3, 10)).toEqual([
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
    expect(result.inputsOf(S.finalizeBatch)).toEqual([]);
  });

  it("re-crawls before re-running the query after a shortfall, and succeeds when the count catches up", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence(queryRows(90), queryRows(100)) }));

    expect(result).toMatchObject({ status: "SUCCEEDED", output: expect.objectContaining({ found: 100, validationRuns: 2 }) });
    expect(result.inputsOf(S.runValidationQuery)).toHaveLength(2);
    expect(taskOrder(result).slice(6)).toEqual([
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
    const result = await runLocally(
      definition,
      { scheduledTime: SCHEDULED_TIME },
      happyPath({ [S.getValidationResults]: sequence(queryRows(90), queryRows(100)) }),
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
    expect(result.inputsOf(S.finalizeBatch)).toEqual([]);
  });

  it("fails with NoValidationRows when the results hold only the header row", async () => {
    const result = await run(happyPath({ [S.getValidationResults]: sequence({ ResultSet: { Rows: [HEADER] } }) }));

    expect(result).toMatchObject({ status: "FAILED", error: "NoValidationRows" });
    expect(notification(result)).toContain("validation query returned no rows");
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
  });
});

describe("batch workflow: failure path", () => {
  it("names the execution, the failed state and the input when the extract fails before a batch id exists", async () => {
    const result = await run(
      happyPath({
        [S.extractBatch]: lambda(() => {
          throw lambdaError("BatchTooLarge", "2400 chunks exceed 2000");
        }),
      }),
    );

    expect(result).toMatchObject({ status: "FAILED", error: "BatchTooLarge" });
    expect(notification(result)).toMatch(
      /^Batch workflow failed in state ExtractBatch\. Batch: \(none: the batch was not extracted\)\. Error: BatchTooLarge\./,
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

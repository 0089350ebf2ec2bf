/**
 * A replay run of the real batch workflow in aws-local-stepfunctions, with the real extract and
 * FinalizeBatch logic over an in-memory lake: the replay input reaches the extract, the staged records
 * are pushed, the validation query selects the replay batch by id, and the error objects move only when
 * the run succeeds. The Distributed Map runs through the test double (map-run-double.ts).
 *
 * The extract's plan, range and summarize modes are bridged to `extractBatch`: PlanBatch runs it and
 * plans one range carrying the chunks it staged, ExtractRange returns those, SummarizeBatch its counts.
 * Once the modes exist, the three answers call them instead.
 */
import { extractBatch } from "../../handlers/extract/extract-batch";
import type { BatchManifest } from "../../handlers/shared/batch-records";
import { finalizeBatch } from "../../handlers/finalize/logic";
import { BATCH_ID_COLUMN, type ExtractOutput } from "../../contract/batch";
import { BATCH_STATES as S, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { lambda, LOCAL_EXECUTION, type LocalHandler, sequence, TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { runWithMapRuns } from "./map-run-double";
import { MemoryStore } from "../support/memory-store";
import { click, conversionFailedEnvelope, errorObject, processingFailedEnvelope } from "../support/replay-objects";
import { testBatchSettings } from "../support/schema";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: ReturnType<typeof buildBatchWorkflow>;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
});
/** The lake's JSON objects the Distributed Map reads (ranges.json), written by PlanBatch. */
const mapObjects: Record<string, unknown[]> = {};
const runLocally = (def: typeof definition, input: unknown, hs: Record<string, LocalHandler>) => runWithMapRuns(def, input, hs, mapObjects);
const SCHEDULED_TIME = "2026-11-25T14:00:00Z";
const BATCH_ID = "20261125T1400Z-replay";
const REPLAY = { from: "errors", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" } as const;
const PF_KEY = "errors/processing-failed/year=2026/month=11/day=25/hour=10/acme-test-delivery-1-2026-11-25-10-04-12-aaaa";
const FCF_KEY = "errors/format-conversion-failed/year=2026/month=11/day=25/hour=10/acme-test-delivery-1-2026-11-25-10-10-00-bbbb.gz";

const SETTINGS = testBatchSettings({ recordsPerChunk: 2 });

const log = { info: jest.fn(), warn: jest.fn() };
const HEADER = { Data: [{ VarCharValue: "found" }, { VarCharValue: "missing_required" }] };

/** A lake with two error objects in the 10:00 hour. */
function lake(): MemoryStore {
  return new MemoryStore()
    .seed(PF_KEY, errorObject([processingFailedEnvelope(`${click("e-1")}\n`), processingFailedEnvelope(click("e-2"))]))
    .seed(FCF_KEY, errorObject([conversionFailedEnvelope(`${click("e-3", 3, { duration_ms: "7" })}\n`)], { gzip: true }));
}

/**
 * Handlers over `store`: the real extract and finalize logic; a push that "delivers" every staged
 * record except those in `lost` to a fake table; an Athena that counts distinct event ids of the
 * queried batch in that table.
 */
function handlers(
  store: MemoryStore,
  lost: ReadonlySet<string> = new Set(),
): { handlers: Record<string, LocalHandler>; table: Record<string, unknown>[]; queries: string[] } {
  const table: Record<string, unknown>[] = [];
  const queries: string[] = [];
  let extracted: ExtractOutput | undefined;
  return {
    table,
    queries,
    handlers: {
      [S.planBatch]: lambda(async ({ mode: _mode, ...payload }) => {
        extracted = await extractBatch(payload, SETTINGS, { store, now: () => new Date("2026-11-25T14:01:00Z"), log });
        const rangesKey = `staging/${extracted.batchId}/ranges.json`;
        mapObjects[rangesKey] = [{ batchId: extracted.batchId, range: { index: 0 }, chunkKeys: extracted.chunkKeys, rangeCount: 1 }];
        const { batchId, skipped, skipReason, source, fileCount, manifestKey } = extracted;
        return { batchId, skipped, skipReason, source, fileCount, rangeCount: 1, rangesKey, manifestKey };
      }),
      [S.extractRange]: lambda(({ item }) => ({
        rangeId: "r00000",
        accepted: extracted!.recordCount,
        rejected: extracted!.rejectedCount,
        chunkKeys: item.chunkKeys,
      })),
      [S.summarizeBatch]: lambda(() => {
        const { chunkKeys: _chunks, ...summary } = extracted!;
        return summary;
      }),
      [S.pushChunk]: lambda((payload) => {
        const rows = store.ndjson<Record<string, unknown>>(payload.chunkKey);
        table.push(...rows.filter((row) => !lost.has(String(row.event_id))));
        return { chunkKey: payload.chunkKey, pushed: rows.length, calls: 1 };
      }),
      [S.checkDelivery]: lambda(() => ({ delivered: true, objects: 1, expected: 1, missing: [] })),
      [S.startCrawler]: sequence({}),
      [S.getCrawlerState]: sequence({ Crawler: { State: "READY" } }),
      [S.getLastCrawl]: sequence({ Crawler: { State: "READY", LastCrawl: { Status: "SUCCEEDED" } } }),
      [S.runValidationQuery]: (input) => {
        queries.push(input.QueryString);
        return { QueryExecution: { QueryExecutionId: `q-${queries.length}` } };
      },
      [S.getValidationResults]: () => {
        const batchId = /"batch_id" = '([^']+)'/.exec(queries[queries.length - 1]!)?.[1];
        const found = new Set(table.filter((row) => row[BATCH_ID_COLUMN] === batchId).map((row) => row.event_id)).size;
        return { ResultSet: { Rows: [HEADER, { Data: [{ VarCharValue: String(found) }, { VarCharValue: "0" }] }] } };
      },
      [S.finalizeBatch]: lambda((payload) => finalizeBatch(payload, { store, now: () => new Date("2026-11-25T14:20:00Z"), log })),
      [S.notifyFailure]: sequence({ MessageId: "m-1" }),
    },
  };
}

describe("replay run: success", () => {
  let store: MemoryStore;
  let fake: ReturnType<typeof handlers>;
  let result: Awaited<ReturnType<typeof runLocally>>;
  // A fresh lake and run per test (a run moves the error objects), after the per-test build above.
  beforeEach(async () => {
    store = lake();
    fake = handlers(store);
    result = await runLocally(definition, { scheduledTime: SCHEDULED_TIME, replay: REPLAY }, fake.handlers);
  });

  it("passes the replay input through to PlanBatch", () => {
    expect(result.inputsOf(S.planBatch)).toEqual([
      {
        FunctionName: TEST_WORKFLOW_PROPS.extractFunctionArn,
        Payload: { mode: "plan", scheduledTime: SCHEDULED_TIME, force: false, replay: REPLAY, executionId: LOCAL_EXECUTION.Id },
      },
    ]);
  });

  it("pushes the records decoded from the error objects, under the replay batch id", () => {
    expect(result.inputsOf(S.pushChunk).map((input) => input.Payload)).toEqual([
      { batchId: BATCH_ID, chunkKey: `staging/${BATCH_ID}/chunk-00000.ndjson`, rangeCount: 1 },
      { batchId: BATCH_ID, chunkKey: `staging/${BATCH_ID}/chunk-00001.ndjson`, rangeCount: 1 },
    ]);
    expect(fake.table.map((row) => [row.event_id, row[BATCH_ID_COLUMN]])).toEqual([
      ["e-1", BATCH_ID],
      ["e-2", BATCH_ID],
      ["e-3", BATCH_ID],
    ]);
  });

  it("validates by the replay batch id", () => {
    expect(fake.queries).toHaveLength(1);
    expect(fake.queries[0]).toContain(`"batch_id" = '${BATCH_ID}'`);
  });

  it("succeeds, and finalize moves the error objects to processed/<batchId>/", () => {
    expect(result.status).toBe("SUCCEEDED");
    expect(result.output).toMatchObject({ batchId: BATCH_ID, pushed: 3, found: 3, rejected: 0, landingFilesMoved: 2 });
    expect(store.keys("errors/")).toEqual([]);
    expect(store.keys(`processed/${BATCH_ID}/`)).toEqual([FCF_KEY, PF_KEY].map((key) => `processed/${BATCH_ID}/${key}`));
    expect(store.json<BatchManifest>(`staging/${BATCH_ID}/manifest.json`).replayed).toHaveLength(2);
  });
});

describe("replay run: failure", () => {
  it("does not finalize when validation keeps finding fewer records, so the error objects stay for the next replay", async () => {
    // Prepare: e-2 fails again in the stream and never reaches the table.
    const store = lake();
    const fake = handlers(store, new Set(["e-2"]));
    // Act
    const result = await runLocally(definition, { scheduledTime: SCHEDULED_TIME, replay: REPLAY }, fake.handlers);
    // Assess
    expect(result).toMatchObject({ status: "FAILED", error: "CountMismatch" });
    expect(result.inputsOf(S.finalizeBatch)).toEqual([]);
    expect(result.inputsOf(S.notifyFailure)[0]?.Message).toContain(
      `Batch: ${BATCH_ID}. Error: CountMismatch. Cause: validation expected 3 records but found 2 after 3 validation runs`,
    );
    expect(store.keys("errors/")).toEqual([FCF_KEY, PF_KEY]);
    expect(store.keys("processed/")).toEqual([]);
  });

  it("fails in PlanBatch with InvalidBatchInput for a window the extract rejects, touching nothing", async () => {
    const store = lake();

    const result = await runLocally(
      definition,
      { scheduledTime: SCHEDULED_TIME, replay: { ...REPLAY, until: "2026-12-25T00:00:00Z" } },
      handlers(store).handlers,
    );

    expect(result).toMatchObject({ status: "FAILED", error: "InvalidBatchInput" });
    expect(result.inputsOf(S.pushChunk)).toEqual([]);
    expect(store.writes).toEqual([]);
  });
});

describe("replay run: input checks", () => {
  const stub = (): Record<string, LocalHandler> => ({
    [S.planBatch]: lambda(() => ({ skipped: true, skipReason: "empty" }) as Partial<ExtractOutput>),
    [S.notifyFailure]: sequence({ MessageId: "m-1" }),
  });

  it.each([
    ["a string", "errors"],
    ["an object without until", { from: "errors", since: "2026-11-25T10:00:00Z" }],
    ["a numeric since", { from: "errors", since: 1, until: "2026-11-25T11:00:00Z" }],
    ["a non-string errorType", { ...REPLAY, errorType: 3 }],
  ])("fails with InvalidInput, without extracting, when replay is %s", async (_, replay) => {
    const result = await runLocally(definition, { scheduledTime: SCHEDULED_TIME, replay }, stub());

    expect(result).toMatchObject({ status: "FAILED", error: "InvalidInput" });
    expect(result.calls.map((c) => c.state)).toEqual([S.notifyFailure]);
  });

  it("treats replay: null as a landing batch", async () => {
    const result = await runLocally(definition, { scheduledTime: SCHEDULED_TIME, replay: null }, stub());

    expect(result.status).toBe("SUCCEEDED");
    expect(result.inputsOf(S.planBatch)[0]!.Payload).toEqual({
      mode: "plan",
      scheduledTime: SCHEDULED_TIME,
      force: false,
      replay: null,
      executionId: LOCAL_EXECUTION.Id,
    });
  });

  it("passes an errorType through", async () => {
    const replay = { ...REPLAY, errorType: "processing-failed" };

    const result = await runLocally(definition, { scheduledTime: SCHEDULED_TIME, replay }, stub());

    expect(result.inputsOf(S.planBatch)[0]!.Payload.replay).toEqual(replay);
  });
});

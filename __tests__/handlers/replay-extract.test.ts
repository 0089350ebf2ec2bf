/**
 * A replay run end to end on the in-memory lake: ExtractBatch reading errors/ or raw/ for a window,
 * then FinalizeBatch moving only the replayed error objects.
 */
import type { RejectedEntry } from "../../handlers/extract/batch-builder";
import { generatedEventId } from "../../handlers/extract/event-id";
import { extractBatch, type ExtractDeps } from "../../handlers/extract/extract-batch";
import type { BatchManifest, RunMarker } from "../../handlers/shared/batch-records";
import { finalizeBatch, replayedProcessedKey, type FinalizeDeps } from "../../handlers/finalize/logic";
import { BATCH_ID_COLUMN, type ExtractInput, type ReplaySpec } from "../../contract/batch";
import { MemoryStore } from "../support/memory-store";
import {
  click,
  conversionFailedEnvelope,
  errorObject,
  partitionExceededEnvelope,
  processingFailedEnvelope,
  rawBackupObject,
} from "../support/replay-objects";
import { testBatchSettings } from "../support/schema";
import { trinoSyntaxErrors } from "../support/trino-syntax";

const EXECUTION_ID = "arn:aws:states:eu-west-1:123456789012:execution:batch:replay-1";
const BATCH_ID = "20261125T1400Z-replay";
const MANIFEST_KEY = `staging/${BATCH_ID}/manifest.json`;
const WINDOW = { since: "2026-11-25T10:00:00Z", until: "2026-11-25T12:00:00Z" } as const;

const PF = "errors/processing-failed/year=2026/month=11/day=25";
const FCF = "errors/format-conversion-failed/year=2026/month=11/day=25";
const RAW = "raw/year=2026/month=11/day=25";
const KEYS = {
  pf10: `${PF}/hour=10/acme-test-delivery-1-2026-11-25-10-04-12-aaaa`,
  pf11: `${PF}/hour=11/acme-test-delivery-1-2026-11-25-11-30-00-bbbb.gz`,
  pf09: `${PF}/hour=09/acme-test-delivery-1-2026-11-25-09-59-00-cccc`,
  pf12: `${PF}/hour=12/acme-test-delivery-1-2026-11-25-12-00-00-dddd`,
  fcf10: `${FCF}/hour=10/acme-test-delivery-1-2026-11-25-10-10-00-eeee`,
  raw10: `${RAW}/hour=10/acme-test-delivery-1-2026-11-25-10-00-00-ffff.gz`,
  raw12: `${RAW}/hour=12/acme-test-delivery-1-2026-11-25-12-00-00-gggg.gz`,
};

const SETTINGS = testBatchSettings();

type Row = Record<string, unknown>;

function replayInput(replay: ReplaySpec, overrides: Partial<ExtractInput> = {}): ExtractInput {
  return { scheduledTime: "2026-11-25T14:00:00Z", executionId: EXECUTION_ID, replay, ...overrides };
}

function extractDeps(store: MemoryStore): ExtractDeps {
  return { store, now: () => new Date("2026-11-25T14:01:00Z"), log: { info: jest.fn(), warn: jest.fn() } };
}

function finalizeDeps(store: MemoryStore): FinalizeDeps {
  return { store, now: () => new Date("2026-11-25T14:30:00Z"), log: { info: jest.fn(), warn: jest.fn() } };
}

/** The lake with error objects and raw backup inside and outside the 10:00–12:00 window. */
function lake(): MemoryStore {
  return new MemoryStore()
    .seed(KEYS.pf10, errorObject([processingFailedEnvelope(`${click("e-1")}\n`), processingFailedEnvelope(click(undefined, 5))]))
    .seed(
      KEYS.pf11,
      errorObject([processingFailedEnvelope(`${click("e-3")}${click("e-4")}`), processingFailedEnvelope("", { rawData: "%%%" })], {
        gzip: true,
      }),
    )
    .seed(KEYS.pf09, errorObject([processingFailedEnvelope(click("before-window"))]))
    .seed(KEYS.pf12, errorObject([processingFailedEnvelope(click("after-window"))]))
    .seed(KEYS.fcf10, errorObject([conversionFailedEnvelope(`${click("e-5", 7, { duration_ms: "12" })}\n`)]))
    .seed(KEYS.raw10, rawBackupObject([click("r-1"), click(undefined, 9), "not json", click("r-3")]))
    .seed(KEYS.raw12, rawBackupObject([click("r-after")]))
    .seed("landing/today.ndjson", `${click("landing-1")}\n`);
}

const staged = (store: MemoryStore) => store.ndjson<Row>(`staging/${BATCH_ID}/chunk-`);
const rejected = (store: MemoryStore) => store.ndjson<RejectedEntry>(`rejected/${BATCH_ID}/`);

describe("extractBatch: replay of errors/", () => {
  let store: MemoryStore;
  let output: Awaited<ReturnType<typeof extractBatch>>;
  beforeAll(async () => {
    store = lake();
    output = await extractBatch(replayInput({ from: "errors", ...WINDOW }), SETTINGS, extractDeps(store));
  });

  it("names the batch after the scheduled time with a -replay suffix", () => {
    expect(output).toMatchObject({ batchId: BATCH_ID, skipped: false, source: "errors", fileCount: 3, recordCount: 5, rejectedCount: 1 });
  });

  it("reads only the hourly prefixes of the window, both error types, never landing/ or raw/", () => {
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    expect(manifest.replayed!.map((o) => o.key)).toEqual([KEYS.pf10, KEYS.pf11, KEYS.fcf10]);
    expect(manifest.files).toEqual([]);
    expect(staged(store).map((r) => r.event_id)).not.toContain("before-window");
    expect(staged(store).map((r) => r.event_id)).not.toContain("after-window");
  });

  it("keeps the event ids the records carry and stamps the replay batch id", () => {
    const rows = staged(store);
    expect(rows.map((r) => r.event_id)).toEqual(["e-1", expect.stringMatching(/^[0-9a-f]{32}$/), "e-3", "e-4", "e-5"]);
    expect(new Set(rows.map((r) => r[BATCH_ID_COLUMN]))).toEqual(new Set([BATCH_ID]));
    expect(rows[4]).toMatchObject({ duration_ms: 12 });
  });

  it("gives a record without an event id the landing path's id, from the error object key and its position", () => {
    const generated = staged(store)[1]!;
    const { event_id: _id, [BATCH_ID_COLUMN]: _batch, ...record } = generated;

    expect(generated.event_id).toBe(generatedEventId(KEYS.pf10, "2.1", record, "event_id"));
  });

  it("reports the undecodable envelope with its object key, line and reason, and skips it", () => {
    expect(rejected(store)).toEqual([
      { key: KEYS.pf11, line: 2, reason: "rawData is not valid base64", raw: expect.stringContaining('"rawData":"%%%"') },
    ]);
  });

  it("records every replayed object in the manifest with its ETag, counts, and move: true", () => {
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    expect(manifest.source).toBe("errors");
    expect(manifest.replay).toMatchObject({
      from: "errors",
      errorTypes: ["processing-failed", "format-conversion-failed", "activePartitionExceeded"],
      since: "2026-11-25T10:00:00.000Z",
    });
    expect(manifest.replay!.prefixes).toHaveLength(6);
    expect(manifest.replayed).toEqual([
      { key: KEYS.pf10, etag: store.etag(KEYS.pf10), size: expect.any(Number), move: true, records: 2, rejected: 0 },
      { key: KEYS.pf11, etag: store.etag(KEYS.pf11), size: expect.any(Number), move: true, records: 2, rejected: 1 },
      { key: KEYS.fcf10, etag: store.etag(KEYS.fcf10), size: expect.any(Number), move: true, records: 1, rejected: 0 },
    ]);
  });

  it("claims the replay batch with a marker naming the replay", () => {
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toMatchObject({
      batchId: BATCH_ID,
      status: "running",
      replay: { from: "errors", until: "2026-11-25T12:00:00.000Z" },
    });
  });

  it("validates through the view's deduplication, by batch id, within the run's partitions", () => {
    const { query, expectedCount } = output.validation;
    expect(expectedCount).toBe(5);
    expect(query).toContain(
      'row_number() OVER (PARTITION BY "event_id" ORDER BY "year" DESC, "month" DESC, "day" DESC, "hour" DESC, "batch_id" DESC NULLS LAST)',
    );
    expect(query).toContain(`WHERE "batch_id" = '${BATCH_ID}'`);
    expect(query).toContain(`("year" = '2026' AND "month" = '11' AND "day" = '25' AND "hour" IN ('13', '14', '15'))`);
    expect(trinoSyntaxErrors(query)).toEqual([]);
  });

  it("leaves the replayed objects and landing/ alone until finalize", () => {
    expect(store.has(KEYS.pf10)).toBe(true);
    expect(store.keys("landing/")).toEqual(["landing/today.ndjson"]);
    expect(store.writes.filter((w) => w.op !== "put")).toEqual([]);
  });
});

// Event-time partitions: Firehose sends records beyond its active-partition limit (500 per stream by
// default) to the error prefix as activePartitionExceeded (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html).
// A backfill spanning many event hours is the typical cause; the replay reads them back like the other types.
describe("extractBatch and finalizeBatch: replay of activePartitionExceeded", () => {
  const APE = "errors/activePartitionExceeded/year=2026/month=11/day=25/hour=10/acme-test-delivery-1-2026-11-25-10-20-00-hhhh.gz";
  /** The transform's output for a backfilled event of `day`, as it sits in rawData. */
  const backfilled = (id: string, day: number) =>
    `${click(id, 0, { event_time: `2026-10-${String(day).padStart(2, "0")}T08:00:00.000Z` })}\n`;
  const settings = testBatchSettings({ partitionTime: "event" });
  const lakeWithPartitionErrors = () =>
    lake().seed(
      APE,
      errorObject([partitionExceededEnvelope(backfilled("old-1", 3)), partitionExceededEnvelope(backfilled("old-2", 17))], { gzip: true }),
    );

  it("stages the records beyond the partition limit with the replay batch id, and only those when asked", async () => {
    // Prepare
    const store = lakeWithPartitionErrors();
    // Act
    const output = await extractBatch(
      replayInput({ from: "errors", errorType: "activePartitionExceeded", ...WINDOW }),
      settings,
      extractDeps(store),
    );
    // Assess
    expect(output).toMatchObject({ batchId: BATCH_ID, skipped: false, source: "errors", fileCount: 1, recordCount: 2, rejectedCount: 0 });
    expect(staged(store).map((r) => [r.event_id, r.event_time, r[BATCH_ID_COLUMN]])).toEqual([
      ["old-1", "2026-10-03T08:00:00.000Z", BATCH_ID],
      ["old-2", "2026-10-17T08:00:00.000Z", BATCH_ID],
    ]);
    expect(store.json<BatchManifest>(MANIFEST_KEY).replayed!.map((o) => [o.key, o.move])).toEqual([[APE, true]]);
  });

  it("is part of a replay of every error type, and finalize moves its object out of errors/", async () => {
    // Prepare
    const store = lakeWithPartitionErrors();
    const output = await extractBatch(replayInput({ from: "errors", ...WINDOW }), settings, extractDeps(store));
    // Act
    const result = await finalizeBatch(
      { batchId: BATCH_ID, manifestKey: output.manifestKey, executionId: EXECUTION_ID },
      finalizeDeps(store),
    );
    // Assess
    expect(output).toMatchObject({ fileCount: 4, recordCount: 7 });
    expect(result).toEqual({ moved: 4, replayedObjectsMoved: 4 });
    expect(store.has(APE)).toBe(false);
    expect(store.has(replayedProcessedKey(BATCH_ID, APE))).toBe(true);
  });
});

describe("extractBatch: replay options", () => {
  it("reads one error type when asked", async () => {
    const store = lake();

    const output = await extractBatch(
      replayInput({ from: "errors", errorType: "format-conversion-failed", ...WINDOW }),
      SETTINGS,
      extractDeps(store),
    );

    expect(output).toMatchObject({ fileCount: 1, recordCount: 1 });
    expect(store.json<BatchManifest>(MANIFEST_KEY).replayed!.map((o) => o.key)).toEqual([KEYS.fcf10]);
  });

  it("replays the raw backup of the window, marking its objects not to be moved", async () => {
    // Prepare
    const store = lake();
    // Act
    const output = await extractBatch(replayInput({ from: "backup", ...WINDOW }), SETTINGS, extractDeps(store));
    // Assess
    expect(output).toMatchObject({ batchId: BATCH_ID, source: "backup", fileCount: 1, recordCount: 3, rejectedCount: 1 });
    const rows = staged(store);
    expect(rows.map((r) => r.event_id)).toEqual(["r-1", expect.stringMatching(/^[0-9a-f]{32}$/), "r-3"]);
    const { event_id: id, [BATCH_ID_COLUMN]: _batch, ...record } = rows[1]!;
    expect(id).toBe(generatedEventId(KEYS.raw10, "2", record, "event_id"));
    expect(store.json<BatchManifest>(MANIFEST_KEY).replayed).toEqual([
      { key: KEYS.raw10, etag: store.etag(KEYS.raw10), size: expect.any(Number), move: false, records: 3, rejected: 1 },
    ]);
    expect(rejected(store)).toEqual([
      { key: KEYS.raw10, line: 1, reason: "not a JSON object: unexpected text between records", raw: "not json" },
    ]);
  });

  it("generates the same ids when the same window is replayed again", async () => {
    const first = lake();
    const second = lake();
    await extractBatch(replayInput({ from: "backup", ...WINDOW }), SETTINGS, extractDeps(first));
    await extractBatch(
      replayInput({ from: "backup", ...WINDOW }, { scheduledTime: "2026-11-26T14:00:00Z" }),
      SETTINGS,
      extractDeps(second),
    );

    expect(staged(first).map((r) => r.event_id)).toEqual(second.ndjson<Row>("staging/20261126T1400Z-replay/chunk-").map((r) => r.event_id));
  });

  it("reports an unreadable (truncated gzip) object whole and still replays the others", async () => {
    const store = lake();
    const gzip = errorObject([processingFailedEnvelope(click("x"))], { gzip: true });
    store.seed(`${PF}/hour=10/zz-truncated.gz`, gzip.subarray(0, 20));

    const output = await extractBatch(
      replayInput({ from: "errors", errorType: "processing-failed", ...WINDOW }),
      SETTINGS,
      extractDeps(store),
    );

    expect(output).toMatchObject({ fileCount: 3, recordCount: 4 });
    expect(rejected(store)).toContainEqual({
      key: `${PF}/hour=10/zz-truncated.gz`,
      line: null,
      reason: expect.stringMatching(/^not a valid gzip file/),
      raw: null,
    });
  });

  it("ends as an empty batch when the window holds no objects", async () => {
    const store = lake();

    const output = await extractBatch(
      replayInput({ from: "errors", since: "2026-11-20T00:00:00Z", until: "2026-11-20T05:00:00Z" }),
      SETTINGS,
      extractDeps(store),
    );

    expect(output).toMatchObject({ skipped: true, skipReason: "empty", fileCount: 0 });
  });

  it("treats replay: null (what the state machine passes) as a landing batch", async () => {
    const store = lake();

    const output = await extractBatch(
      { scheduledTime: "2026-11-25T14:00:00Z", executionId: EXECUTION_ID, replay: null },
      SETTINGS,
      extractDeps(store),
    );

    expect(output).toMatchObject({ batchId: "20261125T1400Z", source: "landing", fileCount: 1, recordCount: 1 });
  });

  it("claims a replay separately from the scheduled batch of the same minute", async () => {
    const store = lake().seed("_runs/20261125T1400Z.json", JSON.stringify({ batchId: "20261125T1400Z", executionId: "other" }));

    const output = await extractBatch(replayInput({ from: "errors", ...WINDOW }), SETTINGS, extractDeps(store));

    expect(output.skipped).toBe(false);
  });

  it.each([
    [
      { from: "errors", since: "2026-11-25T12:00:00Z", until: "2026-11-25T10:00:00Z" },
      /invalid replay: replay\.since .* must be before replay\.until/,
    ],
    [{ from: "backup", errorType: "processing-failed", ...WINDOW }, /errorType applies to errors only/],
    [{ from: "errors", since: "2026-11-01T00:00:00Z", until: "2026-11-25T00:00:00Z" }, /at most 168 \(7 days\)/],
  ])("fails with InvalidBatchInput for %j, before claiming anything", async (replay, message) => {
    const store = lake();

    await expect(extractBatch(replayInput(replay as ReplaySpec), SETTINGS, extractDeps(store))).rejects.toMatchObject({
      name: "InvalidBatchInput",
      message: expect.stringMatching(message),
    });
    expect(store.writes).toEqual([]);
  });
});

describe("finalizeBatch after a replay", () => {
  it("moves the replayed error objects to processed/<batchId>/errors/… and nothing else", async () => {
    // Prepare
    const store = lake();
    const output = await extractBatch(replayInput({ from: "errors", ...WINDOW }), SETTINGS, extractDeps(store));
    const content = store.text(KEYS.fcf10);
    // Act
    const result = await finalizeBatch(
      { batchId: BATCH_ID, manifestKey: output.manifestKey, executionId: EXECUTION_ID },
      finalizeDeps(store),
    );
    // Assess
    expect(result).toEqual({ moved: 3, replayedObjectsMoved: 3 });
    expect(store.keys("errors/")).toEqual([KEYS.pf12, KEYS.pf09].sort());
    expect(store.keys(`processed/${BATCH_ID}/`)).toEqual([KEYS.fcf10, KEYS.pf10, KEYS.pf11].map((key) => `processed/${BATCH_ID}/${key}`));
    expect(store.text(replayedProcessedKey(BATCH_ID, KEYS.fcf10))).toBe(content);
    expect(store.keys("landing/")).toEqual(["landing/today.ndjson"]);
    expect(store.keys("raw/")).toEqual([KEYS.raw10, KEYS.raw12]);
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toMatchObject({
      status: "succeeded",
      replay: { from: "errors" },
      counts: { moved: 3, replayedObjects: 3, replayedObjectsMoved: 3 },
    });
  });

  it("so a second replay of the window finds nothing to take", async () => {
    const store = lake();
    const first = await extractBatch(replayInput({ from: "errors", ...WINDOW }), SETTINGS, extractDeps(store));
    await finalizeBatch({ batchId: BATCH_ID, manifestKey: first.manifestKey, executionId: EXECUTION_ID }, finalizeDeps(store));

    const second = await extractBatch(
      replayInput({ from: "errors", ...WINDOW }, { scheduledTime: "2026-11-25T15:00:00Z" }),
      SETTINGS,
      extractDeps(store),
    );

    expect(second).toMatchObject({ skipped: true, skipReason: "empty", fileCount: 0 });
  });

  it("never moves raw backup objects", async () => {
    const store = lake();
    const output = await extractBatch(replayInput({ from: "backup", ...WINDOW }), SETTINGS, extractDeps(store));

    const result = await finalizeBatch(
      { batchId: BATCH_ID, manifestKey: output.manifestKey, executionId: EXECUTION_ID },
      finalizeDeps(store),
    );

    expect(result).toEqual({ moved: 0, replayedObjectsMoved: 0 });
    expect(store.keys("raw/")).toEqual([KEYS.raw10, KEYS.raw12]);
    expect(store.keys("processed/")).toEqual([]);
  });

  it("completes a move interrupted after the copy when re-run", async () => {
    const store = lake();
    const output = await extractBatch(
      replayInput({ from: "errors", errorType: "processing-failed", ...WINDOW }),
      SETTINGS,
      extractDeps(store),
    );
    const input = { batchId: BATCH_ID, manifestKey: output.manifestKey, executionId: EXECUTION_ID };
    store.failOnce("delete", KEYS.pf11);
    await expect(finalizeBatch(input, finalizeDeps(store))).rejects.toThrow(/simulated delete failure/);

    expect(await finalizeBatch(input, finalizeDeps(store))).toEqual({ moved: 2, replayedObjectsMoved: 2 });
    expect(store.keys(PF)).toEqual([KEYS.pf09, KEYS.pf12]);
  });

  it("leaves an error object that changed since extraction in errors/", async () => {
    const store = lake();
    const output = await extractBatch(
      replayInput({ from: "errors", errorType: "format-conversion-failed", ...WINDOW }),
      SETTINGS,
      extractDeps(store),
    );
    store.seed(KEYS.fcf10, "rewritten");

    const result = await finalizeBatch(
      { batchId: BATCH_ID, manifestKey: output.manifestKey, executionId: EXECUTION_ID },
      finalizeDeps(store),
    );

    expect(result).toEqual({ moved: 0, replayedObjectsMoved: 0 });
    expect(store.has(KEYS.fcf10)).toBe(true);
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`).notMoved).toEqual([
      { key: KEYS.fcf10, reason: expect.stringMatching(/changed since extraction .*; left in errors\/$/) },
    ]);
  });

  it("refuses a manifest that would move a replayed object outside errors/", async () => {
    const store = lake();
    const output = await extractBatch(replayInput({ from: "backup", ...WINDOW }), SETTINGS, extractDeps(store));
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    store.seed(MANIFEST_KEY, JSON.stringify({ ...manifest, replayed: manifest.replayed!.map((o) => ({ ...o, move: true })) }));

    await expect(
      finalizeBatch({ batchId: BATCH_ID, manifestKey: output.manifestKey, executionId: EXECUTION_ID }, finalizeDeps(store)),
    ).rejects.toThrow(/replayed key "raw\/.*" is not under errors\/; refusing to move it/);
    expect(store.keys("raw/")).toHaveLength(2);
  });
});

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { extractHandler } from "../../handlers/extract";
import { MAX_CHUNKS, MAX_REJECTED_RAW_BYTES, type RejectedEntry } from "../../handlers/extract/batch-builder";
import { extractBatch, type ExtractDeps } from "../../handlers/extract/extract-batch";
import type { BatchManifest, RunMarker } from "../../handlers/shared/batch-records";
import { BATCH_ID_COLUMN, type ExtractInput } from "../../contract/batch";
import { MemoryStore } from "../support/memory-store";
import { click, rawBackupObject } from "../support/replay-objects";
import { testBatchSettings } from "../support/schema";
import { trinoSyntaxErrors } from "../support/trino-syntax";
import { BATCH_ERRORS } from "../../contract/errors";
import { type BatchSettings } from "../../contract/settings";

const FIXTURES = join(__dirname, "..", "fixtures", "landing");
const BATCH_ID = "20261125T0200Z";
const MANIFEST_KEY = `staging/${BATCH_ID}/manifest.json`;

type Row = Record<string, unknown>;

function batchSettings(overrides: Partial<BatchSettings> = {}): BatchSettings {
  return testBatchSettings({ dayKey: "date", ...overrides });
}

function extractInput(overrides: Partial<ExtractInput> = {}): ExtractInput {
  return {
    scheduledTime: "2026-11-25T02:00:00Z",
    executionId: "arn:aws:states:eu-west-1:123456789012:execution:batch:run-1",
    ...overrides,
  };
}

function deps(store: MemoryStore, now = "2026-11-25T02:03:00Z"): ExtractDeps {
  return { store, now: () => new Date(now), log: { info: jest.fn(), warn: jest.fn() } };
}

function fixtureStore(...names: string[]): MemoryStore {
  return new MemoryStore().seedDirectory(FIXTURES, "landing/", names.length > 0 ? names : undefined);
}

/** An NDJSON landing file of `count` valid click events, the event id omitted when `withIds` is false. */
function clickLines(count: number, withIds = true): string {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      ...(withIds ? { event_id: `gen-${i}` } : {}),
      event_type: "page_view",
      event_time: new Date(Date.UTC(2026, 10, 25, 1) + i * 1000).toISOString(),
    }),
  ).join("\n");
}

const staged = (store: MemoryStore) => store.ndjson<Row>(`staging/${BATCH_ID}/chunk-`);
const rejected = (store: MemoryStore) => store.ndjson<RejectedEntry>(`rejected/${BATCH_ID}/`);

describe("extractBatch: landing formats", () => {
  it.each([
    ["clicks.ndjson", 3, 2],
    ["orders.json", 2, 1],
    ["export.csv", 3, 3],
    ["mobile.ndjson.gz", 3, 0],
    ["empty.jsonl", 0, 0],
    ["notes.xml", 0, 1],
  ])("reads %s into %i records and %i rejected entries", async (name, records, rejectedCount) => {
    // Prepare
    const store = fixtureStore(name);
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    expect(manifest.counts).toMatchObject({ files: 1, records, rejected: rejectedCount });
    expect(store.keys(`staging/${BATCH_ID}/chunk-`).length > 0 ? staged(store) : []).toHaveLength(records);
  });

  it("reports the files, records and rejected entries of all fixtures together", async () => {
    // Prepare
    const store = fixtureStore();
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({
      batchId: BATCH_ID,
      skipped: false,
      fileCount: 6,
      recordCount: 11,
      rejectedCount: 7,
    });
  });

  it("coerces values to the schema types and lower-cases keys", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson", "export.csv");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    const rows = staged(store);
    expect(rows).toContainEqual(
      expect.objectContaining({
        event_id: "evt-005",
        event_time: "2026-11-25T01:08:00.000Z",
        revenue: 19.99,
        is_bot: false,
      }),
    );
    expect(rows).toContainEqual(expect.objectContaining({ event_type: "click", event_time: "2026-11-25T01:06:00Z", user_id: "u2" }));
    expect(rows).toContainEqual(expect.objectContaining({ event_id: "csv-1", duration_ms: 1500, is_bot: false }));
  });

  it("reads a quoted comma, a quoted newline and doubled quotes in CSV cells", async () => {
    // Prepare
    const store = fixtureStore("export.csv");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    const rows = staged(store);
    expect(rows.find((row) => row.event_id === "csv-1")?.page_url).toBe("https://shop.example.com/search?q=boots,waterproof");
    expect(rows.find((row) => row.event_id === "csv-2")?.page_url).toBe('https://shop.example.com/a\nb "quoted"');
  });

  it("treats an empty CSV cell as a missing value", async () => {
    // Prepare
    const store = fixtureStore("export.csv");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(staged(store).find((row) => row.event_id === "csv-2")).not.toHaveProperty("duration_ms");
  });

  it("gunzips a file by its magic bytes even without a .gz name", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/zipped.ndjson", gzipSync(clickLines(4)));
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output.recordCount).toBe(4);
  });

  it("rejects a corrupt gzip file as a whole", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/broken.ndjson.gz", gzipSync(clickLines(50)).subarray(0, 40));
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(rejected(store)).toEqual([
      {
        key: "landing/broken.ndjson.gz",
        line: null,
        reason: expect.stringMatching(/not a valid gzip file/),
        raw: null,
      },
    ]);
  });
});

describe("extractBatch: rejected lines", () => {
  it("writes a malformed JSON line with its line number and the parser's reason", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(rejected(store)).toContainEqual({
      key: "landing/clicks.ndjson",
      line: 5,
      reason: expect.stringMatching(/^malformed JSON: /),
      raw: expect.stringContaining('"event_id":"evt-004"'),
    });
  });

  it("reports the first and last event hour of the staged records for the delivery check", async () => {
    // Prepare
    const store = new MemoryStore();
    store.put("landing/span.ndjson", clickLines(7201));
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess: 7,201 events one second apart from 01:00:00 end at 03:00:00
    expect(output.eventHours).toEqual({
      first: "2026-11-25T01",
      last: "2026-11-25T03",
      hours: ["2026-11-25T01", "2026-11-25T02", "2026-11-25T03"],
    });
  });

  it("lists only the event hours holding records, and drops the list past 168 hours", async () => {
    const lines = (times: string[]) =>
      times.map((t, i) => JSON.stringify({ event_id: `e${i}`, event_type: "x", event_time: t })).join("\n");
    const gap = new MemoryStore();
    gap.put("landing/gap.ndjson", lines(["2026-11-25T05:10:00Z", "2026-11-20T01:00:00Z", "2026-11-25T05:50:00Z"]));
    const wide = new MemoryStore();
    wide.put("landing/wide.ndjson", lines(Array.from({ length: 169 }, (_, h) => new Date(Date.UTC(2026, 10, 1, h)).toISOString())));

    expect((await extractBatch(extractInput(), batchSettings(), deps(gap))).eventHours).toEqual({
      first: "2026-11-20T01",
      last: "2026-11-25T05",
      hours: ["2026-11-20T01", "2026-11-25T05"],
    });
    expect((await extractBatch(extractInput(), batchSettings(), deps(wide))).eventHours).toEqual({
      first: "2026-11-01T00",
      last: "2026-11-08T00",
    });
  });

  it("reports no event hours for an empty batch", async () => {
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(new MemoryStore()));
    // Assess
    expect(output).toMatchObject({ skipped: true, eventHours: null });
  });

  it("rejects records the stream transform's drop rules would drop, so validation never expects them", async () => {
    // Prepare
    const store = new MemoryStore();
    store.put(
      "landing/mixed.ndjson",
      clickLines(3) + "\n" + JSON.stringify({ event_id: "hb-1", event_type: "heartbeat", event_time: "2026-11-25T01:00:00Z" }),
    );
    // Act
    const output = await extractBatch(
      extractInput(),
      batchSettings({ dropRules: [{ column: "event_type", equals: ["heartbeat"] }] }),
      deps(store),
    );
    // Assess
    expect(output.recordCount).toBe(3);
    expect(output.validation.expectedCount).toBe(3);
    expect(rejected(store)).toContainEqual(
      expect.objectContaining({ line: 4, reason: expect.stringMatching(/^matches the drop rule on event_type \("heartbeat"\)/) }),
    );
  });

  it("writes a value of the wrong type with the column, the type and the value", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(rejected(store)).toContainEqual(
      expect.objectContaining({ line: 3, reason: 'column duration_ms: expected bigint, got "not-a-number"' }),
    );
  });

  it("writes a record missing a required column at the line where its array element starts", async () => {
    // Prepare
    const store = fixtureStore("orders.json");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(rejected(store)).toEqual([
      expect.objectContaining({
        key: "landing/orders.json",
        line: 12,
        reason: expect.stringMatching(/^missing required column event_type/),
      }),
    ]);
  });

  it("writes CSV rows at the physical line where they start, after a row spanning two lines", async () => {
    // Prepare
    const store = fixtureStore("export.csv");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(rejected(store).map(({ line, reason }) => ({ line, reason }))).toEqual([
      { line: 5, reason: 'column duration_ms: expected bigint, got "12.5"' },
      { line: 6, reason: "CSV row has 5 cells; the header has 6" },
      { line: 8, reason: expect.stringMatching(/^missing required column event_type/) },
    ]);
  });

  it("rejects a record over 1,000 KiB with its size", async () => {
    // Prepare
    const big = JSON.stringify({
      event_id: "big",
      event_type: "x",
      event_time: "2026-11-25T01:00:00Z",
      page_url: "p".repeat(1_100_000),
    });
    const store = new MemoryStore().seed("landing/big.ndjson", `${clickLines(1)}\n${big}\n`);
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({ recordCount: 1, rejectedCount: 1 });
    expect(rejected(store)[0]).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/^record is 1100\d{3} bytes; Kinesis\/Firehose accept at most 1024000 bytes/),
      truncated: true,
    });
  });

  it("keeps at most 10 KiB of a rejected line's raw text", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/long.ndjson", `{"event_id": "${"x".repeat(50_000)}`);
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(Buffer.byteLength(rejected(store)[0].raw ?? "")).toBe(MAX_REJECTED_RAW_BYTES);
  });

  it("rejects an unsupported file type as a whole and lists it in the manifest", async () => {
    // Prepare
    const store = fixtureStore("notes.xml");
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(rejected(store)).toEqual([
      { key: "landing/notes.xml", line: null, reason: expect.stringMatching(/^unsupported file type/), raw: null },
    ]);
    expect(output).toMatchObject({ fileCount: 1, rejectedCount: 1 });
  });

  it("cuts rejected lines into objects of recordsPerChunk entries", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/bad.ndjson", Array.from({ length: 250 }, () => "{").join("\n"));
    // Act
    await extractBatch(extractInput(), batchSettings({ recordsPerChunk: 100 }), deps(store));
    // Assess
    expect(store.keys(`rejected/${BATCH_ID}/`)).toEqual([0, 1, 2].map((n) => `rejected/${BATCH_ID}/rejected-0000${n}.ndjson`));
  });
});

describe("extractBatch: stamping", () => {
  it("stamps the batch id on every record, replacing one the record carried", async () => {
    // Prepare
    const store = fixtureStore();
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(new Set(staged(store).map((row) => row[BATCH_ID_COLUMN]))).toEqual(new Set([BATCH_ID]));
  });

  it("keeps the event ids records carry", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson", "mobile.ndjson.gz");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(staged(store).map((row) => row.event_id)).toEqual(expect.arrayContaining(["evt-001", "evt-005", "mob-1", "mob-2"]));
  });

  it("gives records without an event id 32-hex-digit ids, distinct per record", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/same.ndjson", [1, 2, 3].map(() => clickLines(1, false)).join("\n"));
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    const ids = staged(store).map((row) => row.event_id as string);
    expect(ids).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), expect.any(String), expect.any(String)]);
    expect(new Set(ids).size).toBe(3);
  });

  it("generates the same event ids when the same files are extracted again", async () => {
    // Prepare
    const first = fixtureStore();
    const second = fixtureStore();
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(first));
    await extractBatch(extractInput({ scheduledTime: "2026-11-26T02:00:00Z" }), batchSettings(), deps(second));
    // Assess
    const ids = (store: MemoryStore) =>
      store
        .ndjson<Row>("staging/")
        .map((row) => row.event_id)
        .sort();
    expect(ids(second)).toEqual(ids(first));
  });
});

describe("extractBatch: chunks", () => {
  it("cuts accepted records into chunks of recordsPerChunk, the last one partial", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/many.ndjson", clickLines(2345));
    // Act
    const output = await extractBatch(extractInput(), batchSettings({ recordsPerChunk: 1000 }), deps(store));
    // Assess
    expect(output.chunkKeys).toEqual([0, 1, 2].map((n) => `staging/${BATCH_ID}/chunk-0000${n}.ndjson`));
    expect(output.chunkKeys.map((key) => store.ndjson(key).length)).toEqual([1000, 1000, 345]);
  });

  it("fails with BatchTooLarge past 2,000 chunks, telling the operator what to change", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/many.ndjson", clickLines(MAX_CHUNKS + 1));
    // Act
    const run = extractBatch(extractInput(), batchSettings({ recordsPerChunk: 1 }), deps(store));
    // Assess
    await expect(run).rejects.toMatchObject({
      name: BATCH_ERRORS.batchTooLarge,
      message: expect.stringMatching(/raise batch\.recordsPerChunk or split the landing files/),
    });
  });

  it("marks the run failed when the batch is too large", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/many.ndjson", clickLines(MAX_CHUNKS + 1));
    // Act
    await extractBatch(extractInput(), batchSettings({ recordsPerChunk: 1 }), deps(store)).catch(() => undefined);
    // Assess
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^BatchTooLarge/),
    });
  });

  it("returns an output far under the 256 KiB state limit for 2,000 chunks: only the chunk keys grow", async () => {
    // Prepare
    const store = new MemoryStore().seed("landing/many.ndjson", clickLines(MAX_CHUNKS));
    // Act
    const output = await extractBatch(extractInput(), batchSettings({ recordsPerChunk: 1 }), deps(store));
    // Assess
    // 2,000 keys of 41 characters cannot fit in 16 KiB: bound the keys by their length, the rest by 2 KiB.
    expect(output.chunkKeys).toHaveLength(MAX_CHUNKS);
    expect(Buffer.byteLength(JSON.stringify({ ...output, chunkKeys: [] }))).toBeLessThan(2 * 1024);
    expect(Buffer.byteLength(JSON.stringify(output))).toBeLessThan(96 * 1024);
  });

  it("writes a manifest of the landing files with their ETags and sizes", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson", "notes.xml");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(store.json<BatchManifest>(MANIFEST_KEY).files).toEqual([
      { key: "landing/clicks.ndjson", etag: store.etag("landing/clicks.ndjson"), size: 531 },
      { key: "landing/notes.xml", etag: store.etag("landing/notes.xml"), size: 57 },
    ]);
  });
});

describe("extractBatch: claims and reruns", () => {
  it("derives the batch id from the scheduled time, not from the clock", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    // Act
    const output = await extractBatch(
      extractInput({ scheduledTime: "2026-11-25T10:00:00Z" }),
      batchSettings(),
      deps(store, "2026-11-25T10:07:00Z"),
    );
    // Assess
    expect(output.batchId).toBe("20261125T1000Z");
  });

  it("claims the batch with a running marker naming the execution", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    // Act
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toEqual({
      batchId: BATCH_ID,
      status: "running",
      executionId: extractInput().executionId,
      scheduledTime: "2026-11-25T02:00:00Z",
      claimedAt: "2026-11-25T02:03:00.000Z",
    });
  });

  it("skips a batch claimed by another execution without writing anything", async () => {
    // Prepare
    const store = fixtureStore();
    await extractBatch(extractInput(), batchSettings(), deps(store));
    const writesBefore = [...store.writes];
    // Act
    const output = await extractBatch(extractInput({ executionId: "arn:…:execution:batch:duplicate" }), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({
      skipped: true,
      skipReason: "already-claimed",
      fileCount: 0,
      recordCount: 0,
      rejectedCount: 0,
      chunkKeys: [],
    });
    expect(store.writes).toEqual(writesBefore);
  });

  it("skips a claimed batch whose marker it cannot read", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    await store.put(`_runs/${BATCH_ID}.json`, JSON.stringify({ status: "running", executionId: extractInput().executionId }));
    store.failOnce("get", `_runs/${BATCH_ID}.json`, Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({ skipped: true, skipReason: "already-claimed" });
  });

  it("proceeds when the execution holding the claim is retried", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    await store.put(`_runs/${BATCH_ID}.json`, JSON.stringify({ status: "running", executionId: extractInput().executionId }));
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({ skipped: false, recordCount: 3 });
  });

  it("re-runs a claimed batch with force, overwriting the marker", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    await extractBatch(extractInput(), batchSettings(), deps(store));
    // Act
    const output = await extractBatch(
      extractInput({ executionId: "arn:…:execution:batch:rerun", force: true }),
      batchSettings(),
      deps(store),
    );
    // Assess
    expect(output).toMatchObject({ skipped: false, recordCount: 3 });
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toMatchObject({
      executionId: "arn:…:execution:batch:rerun",
      forced: true,
    });
  });

  it("skips an empty landing prefix as empty, writing the manifest but no chunk", async () => {
    // Prepare
    const store = new MemoryStore();
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({ skipped: true, skipReason: "empty", fileCount: 0, recordCount: 0, chunkKeys: [] });
    expect(store.keys("staging/")).toEqual([MANIFEST_KEY]);
  });

  it("skips a batch of rejected lines only as empty, still writing them and marking the run empty", async () => {
    // Prepare
    const store = fixtureStore("notes.xml", "empty.jsonl");
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store));
    // Assess
    expect(output).toMatchObject({ skipped: true, skipReason: "empty", fileCount: 2, rejectedCount: 1 });
    expect(rejected(store)).toHaveLength(1);
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`).status).toBe("empty");
  });

  it("sets pushStartedAt to the time extraction finished", async () => {
    // Prepare
    const store = fixtureStore("clicks.ndjson");
    // Act
    const output = await extractBatch(extractInput(), batchSettings(), deps(store, "2026-11-25T02:04:30Z"));
    // Assess
    expect(output.pushStartedAt).toBe("2026-11-25T02:04:30.000Z");
  });
});

describe("extractBatch: run marker, outputs and log", () => {
  const MARKER = `_runs/${BATCH_ID}.json`;

  it("marks the run failed only for BatchTooLarge: a failed write leaves the claim running for the retry", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", clickLines(3));
    store.failOnce("put", MANIFEST_KEY, new Error("SlowDown"));

    await expect(extractBatch(extractInput(), batchSettings(), deps(store))).rejects.toThrow("SlowDown");

    expect(store.json<RunMarker>(MARKER).status).toBe("running");
  });

  it("logs why it skips or resumes a claim, naming the batch and the holder", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", clickLines(3));
    await extractBatch(extractInput(), batchSettings(), deps(store));
    const other = deps(store);
    const same = deps(store);
    const unreadable = deps(store);

    await extractBatch(extractInput({ executionId: "arn:other" }), batchSettings(), other);
    await extractBatch(extractInput(), batchSettings(), same);
    store.failOnce("get", MARKER, Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    const output = await extractBatch(extractInput({ executionId: "arn:other" }), batchSettings(), unreadable);

    expect(other.log.info).toHaveBeenCalledWith("batch already claimed; skipping", {
      batchId: BATCH_ID,
      claimedBy: extractInput().executionId,
      status: "running",
    });
    expect(same.log.info).toHaveBeenCalledWith("resuming the claim held by this execution (a retry)", { batchId: BATCH_ID });
    expect(unreadable.log.warn).toHaveBeenCalledWith("cannot read the claim marker; treating the batch as claimed by another execution", {
      batchId: BATCH_ID,
      error: "AccessDenied: Access Denied",
    });
    expect(output).toEqual({
      batchId: BATCH_ID,
      skipped: true,
      skipReason: "already-claimed",
      fileCount: 0,
      recordCount: 0,
      rejectedCount: 0,
      chunkKeys: [],
      manifestKey: MANIFEST_KEY,
      pushStartedAt: "2026-11-25T02:03:00.000Z",
      eventHours: null,
      validation: { query: "", expectedCount: 0 },
    });
  });

  it.each([undefined, "", 5])("refuses the execution id %p as a wrong input before claiming", async (executionId) => {
    const store = new MemoryStore();
    await expect(extractBatch(extractInput({ executionId: executionId as never }), batchSettings(), deps(store))).rejects.toThrow(
      expect.objectContaining({
        name: BATCH_ERRORS.invalidBatchInput,
        message: expect.stringMatching(/^executionId must be the execution ARN, got /),
      }),
    );
    expect(store.writes).toEqual([]);
  });

  it("refuses no input at all, or a bad replay, as a wrong input naming the problem", async () => {
    const store = new MemoryStore();
    await expect(extractBatch(undefined as never, batchSettings(), deps(store))).rejects.toHaveProperty(
      "name",
      BATCH_ERRORS.invalidBatchInput,
    );
    await expect(extractBatch(extractInput({ replay: { from: "nowhere" } as never }), batchSettings(), deps(store))).rejects.toThrow(
      expect.objectContaining({
        name: BATCH_ERRORS.invalidBatchInput,
        message: expect.stringMatching(/^invalid replay: replay\.from must be "errors" or "backup"/),
      }),
    );
  });

  it("records the replay window in the run marker, and an empty run's counts and end", async () => {
    const store = new MemoryStore();
    const replay = { from: "backup", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" } as const;

    const output = await extractBatch(extractInput({ replay }), batchSettings(), deps(store, "2026-11-25T12:00:00Z"));

    expect(store.json<RunMarker>(`_runs/${BATCH_ID}-replay.json`)).toEqual(
      expect.objectContaining({
        status: "empty",
        finishedAt: "2026-11-25T12:00:00.000Z",
        counts: expect.objectContaining({ files: 0, records: 0 }),
        replay: { from: "backup", errorTypes: [], since: "2026-11-25T10:00:00.000Z", until: "2026-11-25T11:00:00.000Z" },
      }),
    );
    expect(output).toEqual(
      expect.objectContaining({
        skipped: true,
        skipReason: "empty",
        recordCount: 0,
        chunkKeys: [],
        validation: { query: "", expectedCount: 0 },
      }),
    );
  });

  it("counts each replayed object's own records and rejections", async () => {
    const store = new MemoryStore()
      .seed("raw/year=2026/month=11/date=25/hour=10/a.gz", rawBackupObject([click("r-1"), "not json", click("r-2")], "\n"))
      .seed(
        "raw/year=2026/month=11/date=25/hour=10/b.gz",
        rawBackupObject([click("r-3"), "bad", click("r-4"), "worse", click("r-5")], "\n"),
      );
    const replay = { from: "backup", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" } as const;

    await extractBatch(extractInput({ replay }), batchSettings({ dayKey: "date" }), deps(store));

    expect(store.json<BatchManifest>(`staging/${BATCH_ID}-replay/manifest.json`).replayed!.map((o) => [o.records, o.rejected])).toEqual([
      [2, 1],
      [3, 2],
    ]);
  });

  it("logs what it extracted, and warns of repeated event ids only when there are some", async () => {
    const repeated = deps(new MemoryStore().seed("landing/a.ndjson", `${clickLines(3)}\n${clickLines(2)}`));
    const distinct = deps(new MemoryStore().seed("landing/a.ndjson", clickLines(3)));

    await extractBatch(extractInput(), batchSettings(), repeated);
    await extractBatch(extractInput(), batchSettings(), distinct);

    expect(repeated.log.info).toHaveBeenCalledWith(
      "batch extracted",
      expect.objectContaining({ batchId: BATCH_ID, source: "landing", files: 1, records: 5, chunks: 1, unknownFields: 0, unknownKeys: [] }),
    );
    expect(repeated.log.warn).toHaveBeenCalledWith("records repeat an event id within the batch; the validation expects distinct ids", {
      batchId: BATCH_ID,
      duplicateEventIds: 2,
    });
    expect(distinct.log.warn).not.toHaveBeenCalled();
  });
});

describe("extractBatch: validation query", () => {
  async function validationOf(settings: BatchSettings, landing = clickLines(3), now?: string) {
    const store = new MemoryStore().seed("landing/a.ndjson", landing);
    return (await extractBatch(extractInput(), settings, deps(store, now))).validation;
  }

  it("passes the Trino syntax check", async () => {
    // Act
    const { query } = await validationOf(batchSettings());
    // Assess
    expect(trinoSyntaxErrors(query)).toEqual([]);
  });

  it("quotes every identifier, the reserved day key date included", async () => {
    // Act
    const { query } = await validationOf(batchSettings({ dayKey: "date" }));
    // Assess
    expect(query).toContain('FROM "lake_db"."clicks"');
    expect(query).toContain('count(DISTINCT "event_id") AS "found"');
    expect(query).toContain("\"date\" = '25'");
    expect(query).not.toMatch(/[^"]\bdate\b[^"]/);
  });

  it("selects the batch by its id as a string literal", async () => {
    // Act
    const { query } = await validationOf(batchSettings());
    // Assess
    expect(query).toContain(`"batch_id" = '${BATCH_ID}'`);
  });

  it("counts rows missing a required column", async () => {
    // Act
    const { query } = await validationOf(batchSettings());
    // Assess
    expect(query).toContain('count_if("event_id" IS NULL OR "event_type" IS NULL OR "event_time" IS NULL) AS "missing_required"');
  });

  it("scans arrival hours from 30 minutes before extraction through the run timeout", async () => {
    // Act
    const { query } = await validationOf(
      batchSettings({ partitionTime: "arrival", runTimeoutSeconds: 5400 }),
      clickLines(3),
      "2026-11-25T10:07:00Z",
    );
    // Assess: a buffer opened by live traffic at 09:40 is filed under hour 09 and may hold the batch's first records
    expect(query).toContain(`("year" = '2026' AND "month" = '11' AND "date" = '25' AND "hour" IN ('09', '10', '11'))`);
  });

  it("starts the arrival window in the extraction's hour when it ended more than 30 minutes into it", async () => {
    const { query } = await validationOf(
      batchSettings({ partitionTime: "arrival", runTimeoutSeconds: 1800 }),
      clickLines(3),
      "2026-11-25T10:31:00Z",
    );

    expect(query).toContain(`"hour" IN ('10', '11')`);
  });

  it("caps the arrival window at 168 hours", async () => {
    // Act
    const { query } = await validationOf(batchSettings({ runTimeoutSeconds: 30 * 24 * 3600 }), clickLines(3), "2026-11-25T10:07:00Z");
    // Assess
    expect(query).toContain(
      `"date" = '02' AND "hour" IN (${Array.from({ length: 10 }, (_, h) => `'${String(h).padStart(2, "0")}'`).join(", ")})`,
    );
    expect(trinoSyntaxErrors(query)).toEqual([]);
  });

  it("scans the event hours of the accepted records under event-time partitioning", async () => {
    // Prepare
    const landing = [
      { event_id: "a", event_type: "x", event_time: "2026-11-24T22:15:00Z" },
      { event_id: "b", event_type: "x", event_time: "2026-11-25T01:59:59Z" },
    ]
      .map((row) => JSON.stringify(row))
      .join("\n");
    // Act
    const { query } = await validationOf(batchSettings({ partitionTime: "event" }), landing);
    // Assess
    expect(query).toContain(`("year" = '2026' AND "month" = '11' AND "date" = '24' AND "hour" IN ('22', '23'))`);
    expect(query).toContain(`("year" = '2026' AND "month" = '11' AND "date" = '25' AND "hour" IN ('00', '01'))`);
  });

  it("bounds the scan by the event hours even when they span more than 168 hours (a backfill never scans the whole table)", async () => {
    // Prepare
    const landing = ["2025-12-30T07:00:00Z", "2026-11-25T00:00:00Z"]
      .map((time, i) => JSON.stringify({ event_id: `e${i}`, event_type: "x", event_time: time }))
      .join("\n");
    // Act
    const { query } = await validationOf(batchSettings({ partitionTime: "event" }), landing);
    // Assess
    expect(query).toMatch(/FROM "lake_db"\."clicks"\s+WHERE/);
    expect(query).toContain(`BETWEEN '2025123007' AND '2026112500'`);
    expect(query).toContain(`"year" IN ('2025', '2026')`);
    expect(trinoSyntaxErrors(query)).toEqual([]);
  });

  it("expects the accepted records' distinct event ids", async () => {
    // Prepare
    const landing = ["dup", "dup", "other"]
      .map((id) => JSON.stringify({ event_id: id, event_type: "x", event_time: "2026-11-25T01:00:00Z" }))
      .join("\n");
    // Act
    const { expectedCount } = await validationOf(batchSettings(), landing);
    // Assess
    expect(expectedCount).toBe(2);
  });
});

describe("extract handler (S3 adapter)", () => {
  const s3 = mockClient(S3Client);
  const ORIGINAL_ENV = process.env;
  const handler = extractHandler({
    s3: new S3Client({}),
    now: () => new Date("2026-11-25T02:03:00Z"),
    log: { info: jest.fn(), warn: jest.fn() },
  });
  // The part of the SDK's streaming body the adapter reads.
  const body = (text: string) => ({ transformToByteArray: async () => Buffer.from(text) }) as never;

  beforeEach(() => {
    s3.reset();
    process.env = { ...ORIGINAL_ENV, LAKE_BUCKET: "lake", BATCH_SETTINGS: JSON.stringify(batchSettings()) };
  });
  afterAll(() => {
    process.env = ORIGINAL_ENV;
  });

  it("claims the marker with a conditional PutObject (If-None-Match: *)", async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    // Act
    await handler(extractInput());
    // Assess
    expect(s3).toHaveReceivedNthCommandWith(1, PutObjectCommand, {
      Bucket: "lake",
      Key: `_runs/${BATCH_ID}.json`,
      IfNoneMatch: "*",
    });
  });

  it("returns skipped when the conditional PutObject fails with 412", async () => {
    // Prepare
    const preconditionFailed = Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), {
      name: "PreconditionFailed",
      $metadata: { httpStatusCode: 412 },
    });
    s3.on(PutObjectCommand).rejects(preconditionFailed);
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ status: "running", executionId: "another" })) });
    // Act
    const output = await handler(extractInput());
    // Assess
    expect(output).toMatchObject({ skipped: true, skipReason: "already-claimed" });
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  it("returns skipped when another conditional write to the marker is in flight (409)", async () => {
    // Prepare
    const conflict = Object.assign(new Error("A conflicting conditional operation is currently in progress"), {
      name: "ConditionalRequestConflict",
      $metadata: { httpStatusCode: 409 },
    });
    s3.on(PutObjectCommand).rejects(conflict);
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ status: "running", executionId: "another" })) });
    // Act
    const output = await handler(extractInput());
    // Assess
    expect(output).toMatchObject({ skipped: true, skipReason: "already-claimed" });
  });

  it("reports every invalid setting at once", async () => {
    // Prepare
    process.env.BATCH_SETTINGS = JSON.stringify(batchSettings({ eventIdColumn: "nope", recordsPerChunk: 0, table: "" }));
    // Act
    const run = handler(extractInput());
    // Assess
    await expect(run).rejects.toThrow(
      /BATCH_SETTINGS is invalid: recordsPerChunk must be an integer ≥ 1, got 0; table must be a non-empty string, got ""; eventIdColumn must name a string column of the schema, got "nope"/,
    );
  });

  it("reads every page of the landing listing", async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: "landing/a.ndjson", ETag: '"a"', Size: 10 }],
        IsTruncated: true,
        NextContinuationToken: "page-2",
      })
      .resolvesOnce({ Contents: [{ Key: "landing/b.ndjson", ETag: '"b"', Size: 10 }], IsTruncated: false });
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body(clickLines(2)), ETag: '"x"' }));
    // Act
    const output = await handler(extractInput());
    // Assess
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: "lake",
      Prefix: "landing/",
      ContinuationToken: "page-2",
    });
    expect(output).toMatchObject({ fileCount: 2, recordCount: 4 });
  });
});

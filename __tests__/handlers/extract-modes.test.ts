/**
 * The extract function's Distributed Map modes on the in-memory lake: PlanBatch splits landing files into
 * ranges (a gzip file is one), ExtractRange over every range stages exactly what a whole-file ExtractBatch
 * stages (records, generated event ids, rejected line numbers), SummarizeBatch reads the ResultWriter
 * output and counts distinct event ids across ranges and files, an all-rejected batch fails, and only a
 * truly empty source is skipped.
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { gzipSync } from "node:zlib";
import { extractHandler } from "../../handlers/extract";
import type { PlanInput, RangeItem, ReplaySpec } from "../../contract/batch";
import { MAX_LISTED_EVENT_HOURS, MIN_RANGE_TARGET_BYTES, RANGE_TARGET_BYTES, rangeTargetBytes } from "../../contract/batch";
import { AllRecordsRejected, BATCH_ERRORS } from "../../contract/errors";
import type { BatchSettings } from "../../contract/settings";
import { extractBatch, type ExtractDeps } from "../../handlers/extract/extract-batch";
import { extractRange } from "../../handlers/extract/extract-range";
import { planBatch } from "../../handlers/extract/plan-batch";
import { countDistinctSorted, pieceBytes, readInPieces } from "../../handlers/extract/id-merge";
import { MAX_REPLAY_OBJECT_BYTES } from "../../handlers/extract/object-text";
import { bytesOf } from "../../handlers/extract/stream/bytes";
import { summarizeBatch, unionHours } from "../../handlers/extract/summarize-batch";
import type { BatchManifest, RunMarker } from "../../handlers/shared/batch-records";
import { runRanges } from "../support/map-run";
import { MemoryStore } from "../support/memory-store";
import { click, errorObject, processingFailedEnvelope, rawBackupObject } from "../support/replay-objects";
import { testBatchSettings } from "../support/schema";

const BATCH_ID = "20261125T0200Z";
const SETTINGS: BatchSettings = testBatchSettings({ dayKey: "date", recordsPerChunk: 100 });
const RANGES_KEY = `staging/${BATCH_ID}/ranges.json`;
const MANIFEST_KEY = `staging/${BATCH_ID}/manifest.json`;

type Row = Record<string, unknown>;

function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    mode: "plan",
    scheduledTime: "2026-11-25T02:00:00Z",
    executionId: "arn:aws:states:eu-west-1:1:execution:batch:run-1",
    ...overrides,
  };
}

function deps(store: MemoryStore): ExtractDeps {
  return { store, now: () => new Date("2026-11-25T02:03:00Z"), log: { info: jest.fn(), warn: jest.fn() } };
}

/** `count` click events, every seventh line bad, ids `<prefix>-<i>` (none when prefix is undefined). */
function ndjson(count: number, prefix?: string, offset = 0): string {
  return Array.from({ length: count }, (_, i) =>
    i % 7 === 3
      ? `{"broken": ${i}`
      : JSON.stringify({
          ...(prefix ? { event_id: `${prefix}-${i + offset}` } : {}),
          event_type: "page_view",
          event_time: new Date(Date.UTC(2026, 10, 25, 1) + i * 60_000).toISOString(),
          page_url: `/p/${"é".repeat(i % 5)}`,
        }),
  ).join(lineEnding(count));
}

/** Mixed line endings: CRLF in some files, so ranges start after either. */
function lineEnding(count: number): string {
  return count % 2 === 0 ? "\r\n" : "\n";
}

function csv(count: number): string {
  const rows = Array.from({ length: count }, (_, i) =>
    i % 9 === 4 ? `,,` : `c-${i},click,2026-11-25T0${1 + (i % 3)}:00:00Z,"line one\nline ""two"""`,
  );
  return `event_id,event_type,event_time,page_url\r\n${rows.join("\r\n")}\r\n`;
}

function jsonArray(count: number): string {
  const elements = Array.from({ length: count }, (_, i) =>
    i % 11 === 5
      ? `{"event_type": }`
      : JSON.stringify({ event_type: "view", event_time: `2026-11-25T01:${String(i % 60).padStart(2, "0")}:00Z`, note: "[,]" }),
  );
  return `[\n  ${elements.join(",\n  ")}\n]\n`;
}

async function planned(store: MemoryStore, targetBytes = 4096) {
  const output = await planBatch(planInput(), SETTINGS, deps(store), { targetBytes });
  return { output, items: store.has(RANGES_KEY) ? store.json<RangeItem[]>(RANGES_KEY) : [] };
}

describe("PlanBatch", () => {
  it("splits a large NDJSON file into several contiguous ranges and a gzip file into one", async () => {
    const text = ndjson(600, "a");
    const store = new MemoryStore().seed("landing/big.ndjson", text).seed("landing/small.ndjson.gz", gzipSync(ndjson(600, "b")));

    const { output, items } = await planned(store);

    const big = items.filter((item) => item.range.key === "landing/big.ndjson").map((item) => item.range);
    const gz = items.filter((item) => item.range.key === "landing/small.ndjson.gz").map((item) => item.range);
    expect(big.length).toBeGreaterThan(5);
    expect(big[0].start).toBe(0);
    expect(big.at(-1)!.end).toBe(Buffer.byteLength(text));
    big.slice(1).forEach((range, i) => expect(range.start).toBe(big[i].end));
    expect(gz).toEqual([expect.objectContaining({ compression: "gzip", start: 0, index: 0 })]);
    expect(items.map((item) => item.rangeId)).toEqual(items.map((_, i) => `r${String(i).padStart(5, "0")}`));
    expect(new Set(items.map((item) => item.rangeCount))).toEqual(new Set([items.length]));
    expect(output).toEqual(
      expect.objectContaining({
        batchId: BATCH_ID,
        skipped: false,
        fileCount: 2,
        rangeCount: items.length,
        rangesKey: RANGES_KEY,
        manifestKey: MANIFEST_KEY,
      }),
    );
    expect(store.json<BatchManifest>(MANIFEST_KEY).files.map((f) => f.key)).toEqual(["landing/big.ndjson", "landing/small.ndjson.gz"]);
  });

  it("cuts enough ranges for the push concurrency, so every concurrent push is busy (1 MiB to 64 MiB each)", async () => {
    const text = ndjson(100_000, "c");
    const store = new MemoryStore().seed("landing/one.ndjson", text);

    await planBatch(planInput(), { ...SETTINGS, pushConcurrency: 8 }, deps(store));

    const ranges = store.json<RangeItem[]>(RANGES_KEY).map((item) => item.range);
    expect(Buffer.byteLength(text)).toBeGreaterThan(8 * MIN_RANGE_TARGET_BYTES);
    expect(ranges.length).toBeGreaterThanOrEqual(8);
    expect(ranges.length).toBeLessThanOrEqual(9);
  });

  it.each([
    [0, 40, MIN_RANGE_TARGET_BYTES],
    [10 * 1024 * 1024 * 1024, 40, RANGE_TARGET_BYTES],
    [400 * 1024 * 1024, 40, 10 * 1024 * 1024],
    [400 * 1024 * 1024, 1, RANGE_TARGET_BYTES],
  ])("sizes ranges of %i bytes at concurrency %i to %i bytes", (total, concurrency, expected) => {
    expect(rangeTargetBytes(total, concurrency)).toBe(expected);
  });

  it("skips a batch only when the landing prefix is empty, marking the run empty", async () => {
    const store = new MemoryStore().seed("landing/", "");

    const { output } = await planned(store);

    expect(output).toEqual(expect.objectContaining({ skipped: true, skipReason: "empty", fileCount: 0, rangeCount: 0 }));
    expect(store.has(RANGES_KEY)).toBe(false);
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`).status).toBe("empty");
  });

  it("plans a landing prefix holding only an empty file (it is not skipped)", async () => {
    const { output, items } = await planned(new MemoryStore().seed("landing/empty.jsonl", ""));
    expect(output.skipped).toBe(false);
    expect(items).toHaveLength(1);
  });

  it("returns already-claimed after no write when another execution holds the claim", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", ndjson(10, "a"));
    await planned(store);
    const writes = store.writes.length;

    const again = await planBatch(planInput({ executionId: "arn:aws:states:eu-west-1:1:execution:batch:other" }), SETTINGS, deps(store));

    expect(again).toEqual(expect.objectContaining({ skipped: true, skipReason: "already-claimed" }));
    expect(store.writes).toHaveLength(writes);
  });
});

describe("PlanBatch's items and manifest", () => {
  /** The MemoryStore listing `extra` objects it does not hold (listed, then gone before the read). */
  const listingAlso = (store: MemoryStore, extra: { key: string; size: number }[]) =>
    Object.assign(Object.create(store) as MemoryStore, {
      async *list(prefix: string) {
        yield* store.list(prefix);
        for (const { key, size } of extra) if (key.startsWith(prefix)) yield { key, etag: '"gone"', size };
      },
    });

  it("plans an unsupported file as one rejecting item over the whole file, and skips folder placeholders", async () => {
    const store = new MemoryStore().seed("landing/", "").seed("landing/notes.xml", "<a/>").seed("landing/z.ndjson", ndjson(3, "z"));

    const { output, items } = await planned(store);

    expect(items.map((item) => [item.rangeId, item.range.key, item.rangeCount])).toEqual([
      ["r00000", "landing/notes.xml", 2],
      ["r00001", "landing/z.ndjson", 2],
    ]);
    expect(items[0]).toEqual({
      batchId: BATCH_ID,
      rangeId: "r00000",
      rangeCount: 2,
      range: { key: "landing/notes.xml", format: "ndjson", compression: "none", start: 0, end: 4, firstLine: 1, index: 0 },
      reject: "unsupported file type; expected .ndjson, .jsonl, .json, .csv, optionally gzipped (.gz)",
    });
    expect(output).toEqual(expect.objectContaining({ skipped: false, fileCount: 2, rangeCount: 2, source: "landing" }));
    expect(store.json<BatchManifest>(MANIFEST_KEY).files.map((file) => file.key)).toEqual(["landing/notes.xml", "landing/z.ndjson"]);
  });

  it("leaves a landing file that disappeared before planning to its owner, with a warning", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", ndjson(3, "a"));
    const d = { ...deps(store), store: listingAlso(store, [{ key: "landing/gone.ndjson", size: 10 }]) };

    const output = await planBatch(planInput(), SETTINGS, d, { targetBytes: 4096 });

    expect(d.log.warn).toHaveBeenCalledWith("landing file disappeared between listing and planning; left for its owner", {
      key: "landing/gone.ndjson",
    });
    expect(output.fileCount).toBe(1);
    expect(store.json<RangeItem[]>(RANGES_KEY).map((item) => item.range.key)).toEqual(["landing/a.ndjson"]);
  });

  it("writes a manifest that records the run, the plan and zero counts for SummarizeBatch to fill in", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", ndjson(3, "a")).seed("landing/b.csv", csv(3));
    const d = deps(store);

    const { output } = { output: await planBatch(planInput(), SETTINGS, d, { targetBytes: 4096 }) };

    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    expect(manifest).toEqual({
      batchId: BATCH_ID,
      executionId: planInput().executionId,
      scheduledTime: planInput().scheduledTime,
      extractedAt: "2026-11-25T02:03:00.000Z",
      plannedAt: "2026-11-25T02:03:00.000Z",
      rangesKey: RANGES_KEY,
      rangeCount: 2,
      files: [expect.objectContaining({ key: "landing/a.ndjson" }), expect.objectContaining({ key: "landing/b.csv" })],
      chunkKeys: [],
      rejectedKeys: [],
      counts: { files: 2, records: 0, rejected: 0, rejectedLines: 0, rejectedFiles: 0, duplicateEventIds: 0, generatedEventIds: 0 },
      source: "landing",
    });
    expect(output.plannedAt).toBe(manifest.plannedAt);
    expect(d.log.info).toHaveBeenCalledWith("batch planned", { batchId: BATCH_ID, source: "landing", files: 2, ranges: 2 });
  });

  it("marks an empty batch's run empty with zero counts, and says why it is skipped", async () => {
    const store = new MemoryStore().seed("landing/", "");
    const d = deps(store);

    const output = await planBatch(planInput(), SETTINGS, d);

    expect(output).toEqual(expect.objectContaining({ skipped: true, skipReason: "empty", fileCount: 0, rangeCount: 0 }));
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toEqual(
      expect.objectContaining({ status: "empty", finishedAt: output.plannedAt, counts: { files: 0, records: 0, rejected: 0 } }),
    );
    expect(d.log.info).toHaveBeenCalledWith("no source objects; the batch is skipped", { batchId: BATCH_ID, source: "landing" });
    expect(store.has(RANGES_KEY)).toBe(false);
  });

  it("releases each landing object's response once its ranges are planned (a gzip object is planned from its first bytes)", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson.gz", gzipSync(ndjson(50, "a"))).seed("landing/b.ndjson", ndjson(5, "b"));
    const destroyed: string[] = [];
    const streaming = Object.assign(Object.create(store) as MemoryStore, {
      async stream(key: string) {
        const object = await store.get(key);
        if (!object) return undefined;
        const body = Object.assign(bytesOf(object.body), { destroy: () => destroyed.push(key) });
        return { body, etag: object.etag, size: object.body.byteLength };
      },
    });

    await planBatch(planInput(), SETTINGS, { ...deps(store), store: streaming }, { targetBytes: 4096 });

    expect(destroyed).toEqual(["landing/a.ndjson.gz", "landing/b.ndjson"]);
  });

  it("plans each replayed object as one range read whole, rejecting one too large to read and leaving it in place", async () => {
    const prefix = "errors/processing-failed/year=2026/month=11/date=25/hour=10/";
    const store = new MemoryStore().seed(`${prefix}`, "").seed(`${prefix}a`, errorObject([processingFailedEnvelope(click("e-1"))]));
    const d = {
      ...deps(store),
      store: listingAlso(store, [
        { key: `${prefix}huge`, size: MAX_REPLAY_OBJECT_BYTES + 1 },
        { key: `${prefix}max`, size: MAX_REPLAY_OBJECT_BYTES },
      ]),
    };
    const replay: ReplaySpec = { from: "errors", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" };

    const output = await planBatch(planInput({ replay }), SETTINGS, d);

    const items = store.json<RangeItem[]>(output.rangesKey);
    expect(items.map((item) => [item.range.key, item.replay, item.range.end, item.reject])).toEqual([
      [`${prefix}a`, "errors", store.text(`${prefix}a`).length, undefined],
      [
        `${prefix}huge`,
        "errors",
        MAX_REPLAY_OBJECT_BYTES + 1,
        `object is ${MAX_REPLAY_OBJECT_BYTES + 1} bytes; at most ${MAX_REPLAY_OBJECT_BYTES} are read`,
      ],
      [`${prefix}max`, "errors", MAX_REPLAY_OBJECT_BYTES, undefined],
    ]);
    // Read whole as NDJSON lines by the replay decoder: one range from byte 0, line 1.
    expect(items[0]!.range).toEqual({
      key: `${prefix}a`,
      format: "ndjson",
      compression: "none",
      start: 0,
      end: items[0]!.range.end,
      firstLine: 1,
      index: 0,
    });
    const manifest = store.json<BatchManifest>(output.manifestKey);
    expect(manifest.replayed!.map((object) => [object.key, object.move])).toEqual([
      [`${prefix}a`, true],
      [`${prefix}huge`, false],
      [`${prefix}max`, true],
    ]);
    expect(manifest).toEqual(expect.objectContaining({ source: "errors", files: [], counts: expect.objectContaining({ files: 3 }) }));
    expect(manifest.replay).toEqual(expect.objectContaining({ from: "errors", prefixes: expect.arrayContaining([prefix]) }));
    expect(output.fileCount).toBe(3);
  });
});

describe("ExtractRange", () => {
  it.each([
    ["events.ndjson", ndjson(500)],
    ["events.csv", csv(400)],
    ["events.json", jsonArray(400)],
    ["events.ndjson.gz", gzipSync(ndjson(300))],
  ])("stages %s range by range exactly as a whole-file extract does (records, generated ids, rejected lines)", async (name, body) => {
    const whole = new MemoryStore().seed(`landing/${name}`, body);
    await extractBatch(planInput(), SETTINGS, deps(whole));
    const split = new MemoryStore().seed(`landing/${name}`, body);
    const { items } = await planned(split, 2048);

    const outputs = [];
    for (const item of items) outputs.push(await extractRange(item, SETTINGS, deps(split)));

    if (!name.endsWith(".gz")) expect(items.length).toBeGreaterThan(3);
    const stagedWhole = whole.ndjson<Row>(`staging/${BATCH_ID}/chunk-`);
    const stagedRanges = outputs.flatMap((output) => output.chunkKeys.flatMap((key) => split.ndjson<Row>(key)));
    expect(stagedWhole.length).toBeGreaterThan(100);
    expect(stagedRanges).toEqual(stagedWhole);
    expect(split.ndjson(`rejected/${BATCH_ID}/`)).toEqual(whole.ndjson(`rejected/${BATCH_ID}/`));
    const ids = outputs.flatMap((output) => split.text(output.idsKey).split("\n").filter(Boolean));
    expect(ids.sort()).toEqual(stagedWhole.map((row) => JSON.stringify(row.event_id)).sort());
  });

  it("rewrites the same keys with the same contents when a child is retried", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", ndjson(300, "a"));
    const { items } = await planned(store);
    const first = await extractRange(items[1], SETTINGS, deps(store));
    const contents = [...first.chunkKeys, ...first.rejectedKeys, first.idsKey].map((key) => store.text(key));

    const retried = await extractRange(items[1], SETTINGS, deps(store));

    expect(retried).toEqual(first);
    expect([...retried.chunkKeys, ...retried.rejectedKeys, retried.idsKey].map((key) => store.text(key))).toEqual(contents);
    expect(first.chunkKeys[0]).toBe(`staging/${BATCH_ID}/r00001/00000.ndjson`);
  });

  it("rejects an unsupported file whole, with no line", async () => {
    const store = new MemoryStore().seed("landing/notes.xml", "<a/>");
    const { items } = await planned(store);
    const output = await extractRange(items[0], SETTINGS, deps(store));
    expect(output).toEqual(expect.objectContaining({ accepted: 0, rejected: 1, rejectedFiles: 1 }));
    expect(store.ndjson(`rejected/${BATCH_ID}/`)).toEqual([expect.objectContaining({ key: "landing/notes.xml", line: null })]);
  });
});

describe("ExtractRange on its own", () => {
  async function firstItem(body: string, key = "landing/a.ndjson") {
    const store = new MemoryStore().seed(key, body);
    const { items } = await planned(store, 1 << 20);
    return { store, item: items[0]! };
  }

  it.each([
    ["no item", () => undefined],
    ["a batch id that is no string", (item: RangeItem) => ({ ...item, batchId: 5 })],
    ["a range id of four digits", (item: RangeItem) => ({ ...item, rangeId: "r0000" })],
    ["a range id with a prefix", (item: RangeItem) => ({ ...item, rangeId: "xr00000" })],
    ["a range id with a suffix", (item: RangeItem) => ({ ...item, rangeId: "r00000x" })],
    ["no range", (item: RangeItem) => ({ ...item, range: undefined })],
    ["a key that is no string", (item: RangeItem) => ({ ...item, range: { ...item.range, key: 5 } })],
    ["a fractional start", (item: RangeItem) => ({ ...item, range: { ...item.range, start: 0.5 } })],
    ["an end that is a string", (item: RangeItem) => ({ ...item, range: { ...item.range, end: "10" } })],
    ["no first line", (item: RangeItem) => ({ ...item, range: { ...item.range, firstLine: undefined } })],
  ])("refuses %s as a wrong input, showing what it got, before touching the lake", async (_, change) => {
    const { store, item } = await firstItem(ndjson(5, "a"));
    const writes = store.writes.length;
    const bad = change(item) as unknown as RangeItem;

    await expect(extractRange(bad, SETTINGS, deps(store))).rejects.toThrow(
      expect.objectContaining({
        name: BATCH_ERRORS.invalidBatchInput,
        message: expect.stringMatching(/^the range item must be an element of ranges\.json, got /),
      }),
    );
    expect(store.writes.length).toBe(writes);
  });

  it("accepts a range id of more than five digits (a batch of over 100,000 ranges)", async () => {
    const { store, item } = await firstItem(ndjson(5, "a"));
    const output = await extractRange({ ...item, rangeId: "r123456" }, SETTINGS, deps(store));
    expect(output.chunkKeys).toEqual([`staging/${BATCH_ID}/r123456/00000.ndjson`]);
  });

  it("stages nothing and warns, naming the key and range, when the object disappeared after planning", async () => {
    const { store, item } = await firstItem(ndjson(5, "a"));
    await store.delete("landing/a.ndjson");
    const d = deps(store);

    const output = await extractRange(item, SETTINGS, d);

    expect(d.log.warn).toHaveBeenCalledWith("object disappeared between planning and extraction; nothing read", {
      key: "landing/a.ndjson",
      rangeId: "r00000",
    });
    expect(output).toEqual(expect.objectContaining({ accepted: 0, rejected: 0, chunkKeys: [], idsBytes: 0 }));
    expect(output).not.toHaveProperty("firstHour");
    expect(store.text(output.idsKey)).toBe("");
  });

  it("writes rejected lines under rejected/<batch>/<range>/ and reports the range's event hours and id list size", async () => {
    const { store, item } = await firstItem(ndjson(14, "a"));
    const d = deps(store);

    const output = await extractRange(item, SETTINGS, d);

    expect(output.rejectedKeys).toEqual([`rejected/${BATCH_ID}/r00000/rejected-00000.ndjson`]);
    expect(store.ndjson(output.rejectedKeys[0]!).map((row) => row.line)).toEqual([4, 11]);
    expect(output).toEqual(
      expect.objectContaining({ accepted: 12, firstHour: "2026-11-25T01", lastHour: "2026-11-25T01", hours: ["2026-11-25T01"] }),
    );
    expect(d.log.warn).not.toHaveBeenCalled();
    expect(output.idsBytes).toBe(Buffer.byteLength(store.text(output.idsKey)));
    expect(store.text(output.idsKey).split("\n")).toHaveLength(13);
    expect(d.log.info).toHaveBeenCalledWith(
      "range extracted",
      expect.objectContaining({ batchId: BATCH_ID, rangeId: "r00000", key: "landing/a.ndjson", start: 0, records: 12 }),
    );
  });

  it("writes each full staging chunk while the range is still being read (one chunk in memory)", async () => {
    const { store, item } = await firstItem(ndjson(60, "a"));
    const events: string[] = [];
    const body = Buffer.from(store.text("landing/a.ndjson"));
    const lazy = {
      ...store,
      get: store.get.bind(store),
      list: store.list.bind(store),
      put: async (key: string, text: string) => {
        events.push(`put ${key}`);
        await store.put(key, text);
      },
      async streamRange(_key: string, start: number, end: number) {
        async function* lines() {
          for (let at = start; at < end; at += 64) {
            events.push("read");
            yield body.subarray(at, Math.min(end, at + 64));
          }
        }
        return { body: lines(), etag: "", size: end - start };
      },
    };

    const output = await extractRange(item, testBatchSettings({ dayKey: "date", recordsPerChunk: 10 }), {
      ...deps(store),
      store: lazy as never,
    });

    expect(output.chunkKeys).toHaveLength(6);
    expect(events.indexOf(`put staging/${BATCH_ID}/r00000/00000.ndjson`)).toBeLessThan(events.lastIndexOf("read"));
  });
});

describe("SummarizeBatch", () => {
  it("sums the ranges and counts distinct event ids across ranges and files, duplicates included", async () => {
    // a: ids 0..299 (every 7th line bad); b: ids 150..449; b repeats a's ids 150..299
    const store = new MemoryStore().seed("landing/a.ndjson", ndjson(300, "id")).seed("landing/b.ndjson", ndjson(300, "id", 150));
    const { output: plan } = await planned(store);
    const { resultWriter, outputs } = await runRanges(store, RANGES_KEY, SETTINGS, deps(store));

    const summary = await summarizeBatch(
      { mode: "summarize", batchId: BATCH_ID, manifestKey: MANIFEST_KEY, resultWriter },
      SETTINGS,
      deps(store),
    );

    const accepted = outputs.reduce((sum, output) => sum + output.accepted, 0);
    const distinct = new Set(outputs.flatMap((output) => store.text(output.idsKey).split("\n").filter(Boolean))).size;
    expect(plan.rangeCount).toBeGreaterThan(4);
    expect(summary.recordCount).toBe(accepted);
    expect(summary.validation.expectedCount).toBe(distinct);
    expect(distinct).toBeLessThan(accepted);
    expect(summary).toEqual(
      expect.objectContaining({ batchId: BATCH_ID, skipped: false, fileCount: 2, rejectedCount: 2 * 43, pushStartedAt: plan.plannedAt }),
    );
    expect(summary).not.toHaveProperty("chunkKeys");
    expect(summary.validation.query).toContain(`= '${BATCH_ID}'`);
    expect(summary.eventHours).toEqual(expect.objectContaining({ first: "2026-11-25T01", last: "2026-11-25T05" }));
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    expect(manifest.counts).toEqual(expect.objectContaining({ files: 2, records: accepted, duplicateEventIds: accepted - distinct }));
    expect(manifest.chunkKeys).toEqual(outputs.flatMap((output) => output.chunkKeys));
  });

  it("gives the whole-file extract's counts and expected count", async () => {
    const body = `${ndjson(250, "x")}\n${ndjson(40, "x")}`; // repeats x-0..x-39 within the file
    const whole = new MemoryStore().seed("landing/a.ndjson", body);
    const expected = await extractBatch(planInput(), SETTINGS, deps(whole));
    const store = new MemoryStore().seed("landing/a.ndjson", body);
    await planned(store);
    const { resultWriter } = await runRanges(store, RANGES_KEY, SETTINGS, deps(store));

    const summary = await summarizeBatch(
      { mode: "summarize", batchId: BATCH_ID, manifestKey: MANIFEST_KEY, resultWriter },
      SETTINGS,
      deps(store),
    );

    expect(summary.recordCount).toBe(expected.recordCount);
    expect(summary.rejectedCount).toBe(expected.rejectedCount);
    expect(summary.validation.expectedCount).toBe(expected.validation.expectedCount);
  });

  it("throws AllRecordsRejected when objects were read and nothing was accepted, and marks the run failed", async () => {
    const store = new MemoryStore().seed("landing/bad.ndjson", '{not json\n{"also": \n').seed("landing/notes.xml", "<a/>");
    await planned(store);
    const { resultWriter } = await runRanges(store, RANGES_KEY, SETTINGS, deps(store));

    const summarizing = summarizeBatch(
      { mode: "summarize", batchId: BATCH_ID, manifestKey: MANIFEST_KEY, resultWriter },
      SETTINGS,
      deps(store),
    );

    await expect(summarizing).rejects.toBeInstanceOf(AllRecordsRejected);
    await expect(summarizing).rejects.toHaveProperty("name", BATCH_ERRORS.allRecordsRejected);
    expect(store.json<RunMarker>(`_runs/${BATCH_ID}.json`)).toEqual(
      expect.objectContaining({ status: "failed", error: expect.stringMatching(/^AllRecordsRejected/) }),
    );
  });

  it("refuses a ResultWriter manifest that lists failed children or lacks a range", async () => {
    const store = new MemoryStore().seed("landing/a.ndjson", ndjson(300, "a"));
    await planned(store);
    const { resultWriter } = await runRanges(store, RANGES_KEY, SETTINGS, deps(store));
    const manifest = store.json<any>(resultWriter.Key);
    const input = { mode: "summarize", batchId: BATCH_ID, manifestKey: MANIFEST_KEY, resultWriter } as const;

    await store.put(
      resultWriter.Key,
      JSON.stringify({ ...manifest, ResultFiles: { ...manifest.ResultFiles, FAILED: [{ Key: "x", Size: 1 }] } }),
    );
    await expect(summarizeBatch(input, SETTINGS, deps(store))).rejects.toThrow(/failed or pending children/);
    const file = manifest.ResultFiles.SUCCEEDED[0].Key;
    await store.put(resultWriter.Key, JSON.stringify(manifest));
    await store.put(file, JSON.stringify(store.json<unknown[]>(file).slice(1)));
    await expect(summarizeBatch(input, SETTINGS, deps(store))).rejects.toThrow(/planned/);
  });
});

describe("SummarizeBatch's inputs and records", () => {
  /** A two-file batch planned and extracted, ready to summarize. */
  async function ready(files: Record<string, string> = { "landing/a.ndjson": ndjson(30, "a"), "landing/b.ndjson": ndjson(30, "a", 10) }) {
    const store = new MemoryStore();
    for (const [key, body] of Object.entries(files)) store.seed(key, body);
    await planned(store, 1 << 20);
    const { resultWriter, outputs } = await runRanges(store, RANGES_KEY, SETTINGS, deps(store));
    const input = { mode: "summarize", batchId: BATCH_ID, manifestKey: MANIFEST_KEY, resultWriter } as const;
    return { store, input, outputs };
  }
  const summarize = (input: unknown, store: MemoryStore, d = deps(store)) => summarizeBatch(input as never, SETTINGS, d);

  it.each([
    ["no input", () => undefined],
    ["no batch id", (input: object) => ({ ...input, batchId: undefined })],
    ["no manifest key", (input: object) => ({ ...input, manifestKey: 7 })],
    ["no ResultWriter key", (input: object) => ({ ...input, resultWriter: { Bucket: "lake" } })],
    ["no ResultWriter", (input: object) => ({ ...input, resultWriter: undefined })],
  ])("refuses %s as a wrong input, naming what it needs", async (_, change) => {
    const { store, input } = await ready();
    await expect(summarize(change(input), store)).rejects.toThrow(
      expect.objectContaining({
        name: BATCH_ERRORS.invalidBatchInput,
        message: expect.stringMatching(/^summarize needs batchId, manifestKey and resultWriter \{ Bucket, Key \}, got /),
      }),
    );
  });

  it("refuses a manifest of another batch, or none, as a wrong input", async () => {
    const { store, input } = await ready();
    await expect(summarize({ ...input, batchId: "20261125T0300Z" }, store)).rejects.toThrow(
      expect.objectContaining({
        name: BATCH_ERRORS.invalidBatchInput,
        message: `${MANIFEST_KEY} is not the manifest of batch 20261125T0300Z`,
      }),
    );
    await expect(summarize({ ...input, manifestKey: "staging/none.json" }, store)).rejects.toThrow("staging/none.json is not the manifest");
  });

  it("fails loudly when the ResultWriter's manifest or one of its files is missing or malformed", async () => {
    const { store, input } = await ready();
    const resultManifest = store.json<any>(input.resultWriter.Key);
    const file = resultManifest.ResultFiles.SUCCEEDED[0].Key as string;
    const body = store.text(file);

    await expect(summarize({ ...input, resultWriter: { Bucket: "lake", Key: "nowhere.json" } }, store)).rejects.toThrow(
      "no ResultWriter manifest at nowhere.json",
    );
    await store.put(input.resultWriter.Key, JSON.stringify({ ...resultManifest, ResultFiles: [] }));
    await expect(summarize(input, store)).rejects.toThrow(`no ResultWriter manifest at ${input.resultWriter.Key}`);
    await store.put(
      input.resultWriter.Key,
      JSON.stringify({ ...resultManifest, ResultFiles: { ...resultManifest.ResultFiles, PENDING: [{ Key: "p1", Size: 1 }] } }),
    );
    await expect(summarize(input, store)).rejects.toThrow(`the Map run ${resultManifest.MapRunArn} has failed or pending children (p1)`);
    await store.put(input.resultWriter.Key, JSON.stringify(resultManifest));
    await store.put(file, "{}");
    await expect(summarize(input, store)).rejects.toThrow(`ResultWriter file ${file} is not a JSON array`);
    await store.delete(file);
    await expect(summarize(input, store)).rejects.toThrow(`ResultWriter file ${file} is not a JSON array`);
    await store.put(file, JSON.stringify([{ Output: JSON.stringify({ rangeId: "r00000" }) }]));
    await expect(summarize(input, store)).rejects.toThrow(`a child in ${file} has no RangeOutput as its output: `);
    await store.put(file, JSON.stringify([{ Output: { rangeId: "r00000", accepted: 1 } }]));
    await expect(summarize(input, store)).rejects.toThrow(`a child in ${file} has no RangeOutput as its output: `);
    await store.put(file, body);
  });

  it("reads a child output nested under extract, and orders the ranges by id whatever order the files list them in", async () => {
    const { store, input, outputs } = await ready();
    const resultManifest = store.json<any>(input.resultWriter.Key);
    const file = resultManifest.ResultFiles.SUCCEEDED[0].Key as string;
    const children = store.json<{ Output: string }[]>(file);
    const nested = children.map((child) => ({ ...child, Output: JSON.stringify({ extract: JSON.parse(child.Output) }) })).reverse();
    await store.put(file, JSON.stringify(nested));

    await summarize(input, store);

    expect(outputs.length).toBe(2);
    expect(store.json<BatchManifest>(MANIFEST_KEY).chunkKeys).toEqual(outputs.flatMap((output) => output.chunkKeys));
  });

  it("reads a ResultWriter manifest that lists only its SUCCEEDED files, and counts none when it lists no file", async () => {
    const { store, input } = await ready();
    const resultManifest = store.json<any>(input.resultWriter.Key);
    await store.put(
      input.resultWriter.Key,
      JSON.stringify({ ...resultManifest, ResultFiles: { SUCCEEDED: resultManifest.ResultFiles.SUCCEEDED } }),
    );
    expect((await summarize(input, store)).recordCount).toBeGreaterThan(0);
    await store.put(input.resultWriter.Key, JSON.stringify({ ...resultManifest, ResultFiles: {} }));
    await expect(summarize(input, store)).rejects.toThrow(`the Map run reported 0 range outputs; batch ${BATCH_ID} planned 2`);
  });

  it("does not compare the outputs with a planned count a manifest does not record", async () => {
    const { store, input } = await ready();
    const { rangeCount: _rangeCount, ...manifest } = store.json<BatchManifest>(MANIFEST_KEY);
    await store.put(MANIFEST_KEY, JSON.stringify(manifest));
    expect((await summarize(input, store)).recordCount).toBeGreaterThan(0);
  });

  it("says how many range outputs arrived against how many were planned", async () => {
    const { store, input } = await ready();
    const file = store.json<any>(input.resultWriter.Key).ResultFiles.SUCCEEDED[0].Key as string;
    await store.put(file, JSON.stringify(store.json<unknown[]>(file).slice(1)));
    await expect(summarize(input, store)).rejects.toThrow(`the Map run reported 1 range outputs; batch ${BATCH_ID} planned 2`);
  });

  it("fails loudly, naming it, when a range's id list is missing", async () => {
    const { store, input, outputs } = await ready();
    await store.delete(outputs[1]!.idsKey);
    await expect(summarize(input, store)).rejects.toThrow(`the id list ${outputs[1]!.idsKey} is missing`);
  });

  it("counts rejected lines and files together, generated ids and duplicates, and records when it summarized", async () => {
    const files = {
      "landing/a.ndjson": ndjson(30),
      "landing/b.ndjson": ndjson(30, "a"),
      "landing/c.ndjson": ndjson(20, "a", 5),
      "landing/d.xml": "<x/>",
    };
    const { store, input, outputs } = await ready(files);
    const d = deps(store);

    const summary = await summarize(input, store, d);

    const sum = (field: "accepted" | "rejectedLines" | "generatedEventIds") => outputs.reduce((total, output) => total + output[field], 0);
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    const ids = outputs.flatMap((output) => output.chunkKeys.flatMap((key) => store.ndjson<Row>(key).map((row) => row.event_id)));
    expect(ids.length - new Set(ids).size).toBeGreaterThan(0);
    expect(manifest.counts).toEqual({
      files: 4,
      records: sum("accepted"),
      rejected: sum("rejectedLines") + 1,
      rejectedLines: sum("rejectedLines"),
      rejectedFiles: 1,
      duplicateEventIds: ids.length - new Set(ids).size,
      generatedEventIds: 26,
    });
    expect(summary.rejectedCount).toBe(manifest.counts.rejected);
    expect(manifest.summarizedAt).toBe("2026-11-25T02:03:00.000Z");
    expect(manifest.rejectedKeys).toEqual(outputs.flatMap((output) => output.rejectedKeys));
    expect(d.log.info).toHaveBeenCalledWith(
      "batch summarized",
      expect.objectContaining({ batchId: BATCH_ID, ranges: 4, distinctEventIds: summary.validation.expectedCount }),
    );
  });

  it("takes the push's start from the input, else from the plan; the source from the manifest, else landing", async () => {
    const { store, input } = await ready();
    const plannedAt = store.json<BatchManifest>(MANIFEST_KEY).plannedAt;

    expect((await summarize({ ...input, pushStartedAt: "2026-11-25T02:05:00.000Z" }, store)).pushStartedAt).toBe(
      "2026-11-25T02:05:00.000Z",
    );
    const summary = await summarize({ ...input, pushStartedAt: null }, store);
    expect(summary.pushStartedAt).toBe(plannedAt);
    expect(summary.source).toBe("landing");
    const { source: _source, plannedAt: _plannedAt, ...older } = store.json<BatchManifest>(MANIFEST_KEY);
    await store.put(MANIFEST_KEY, JSON.stringify(older));
    const fromOlder = await summarize(input, store);
    expect(fromOlder.pushStartedAt).toBe(older.extractedAt);
    expect(fromOlder.source).toBe("landing");
  });

  it("still fails with AllRecordsRejected when no run marker is there to mark", async () => {
    const { store, input } = await ready({ "landing/bad.ndjson": "{not json\n" });
    await store.delete(`_runs/${BATCH_ID}.json`);
    const writes = store.writes.length;

    await expect(summarize(input, store)).rejects.toThrow(
      `batch ${BATCH_ID} read 1 object(s) and accepted no record (1 line(s) and 0 whole object(s) rejected; see rejected/${BATCH_ID}/)`,
    );
    expect(store.writes.slice(writes).map((write) => write.key)).toEqual([MANIFEST_KEY]);
  });
});

describe("replay through ranges", () => {
  it("plans one range per errors/ or raw/ object and stages what a whole replay extract stages", async () => {
    const replay: ReplaySpec = { from: "backup", since: "2026-11-25T10:00:00Z", until: "2026-11-25T12:00:00Z" };
    const seed = (store: MemoryStore) =>
      store
        .seed("raw/year=2026/month=11/date=25/hour=10/a.gz", rawBackupObject([click("r-1"), click(undefined, 9), "not json", click("r-3")]))
        .seed("raw/year=2026/month=11/date=25/hour=11/b.gz", rawBackupObject([click("r-4"), click("r-1")]))
        .seed("errors/processing-failed/year=2026/month=11/date=25/hour=10/c", errorObject([processingFailedEnvelope(click("e-1"))]));
    const whole = seed(new MemoryStore());
    const expected = await extractBatch(planInput({ replay }), SETTINGS, deps(whole));
    const store = seed(new MemoryStore());
    const batchId = `${BATCH_ID}-replay`;

    const plan = await planBatch(planInput({ replay }), SETTINGS, deps(store));
    const { resultWriter } = await runRanges(store, plan.rangesKey, SETTINGS, deps(store));
    const summary = await summarizeBatch(
      { mode: "summarize", batchId, manifestKey: plan.manifestKey, resultWriter },
      SETTINGS,
      deps(store),
    );

    expect(store.json<RangeItem[]>(plan.rangesKey).map((item) => [item.range.key, item.replay])).toEqual([
      ["raw/year=2026/month=11/date=25/hour=10/a.gz", "backup"],
      ["raw/year=2026/month=11/date=25/hour=11/b.gz", "backup"],
    ]);
    expect(summary).toEqual(
      expect.objectContaining({ source: "backup", fileCount: 2, recordCount: expected.recordCount, rejectedCount: expected.rejectedCount }),
    );
    expect(summary.validation.expectedCount).toBe(expected.validation.expectedCount);
    expect(store.json<BatchManifest>(plan.manifestKey).replayed).toEqual([
      expect.objectContaining({ key: "raw/year=2026/month=11/date=25/hour=10/a.gz", move: false, records: 3, rejected: 1 }),
      expect.objectContaining({ key: "raw/year=2026/month=11/date=25/hour=11/b.gz", move: false, records: 2, rejected: 0 }),
    ]);
  });
});

describe("the distinct count's k-way merge", () => {
  it("counts distinct lines across sorted lists read in small ranged pieces", async () => {
    const lists = [["a", "b", "d", "x"], ["b", "c", "d"], [], ['"é"', "a", "zz"].sort()].map((lines) =>
      Buffer.from(lines.map((line) => `${line}\n`).join("")),
    );
    const open = (data: Buffer) => async () => readInPieces(data.length, 3, async (start, end) => bytesOf(data.subarray(start, end), 2));

    expect(await countDistinctSorted(lists.map(open))).toBe(new Set(["a", "b", "c", "d", "x", '"é"', "zz"]).size);
  });

  it("skips blank lines and compares ids exactly as written, a leading byte order mark included", async () => {
    const list = (text: string) => async () => bytesOf(Buffer.from(text), 2);
    expect(await countDistinctSorted([list("a\n\nb\n"), list("\n\nb\n")])).toBe(2);
    expect(await countDistinctSorted([list("\uFEFFa\n"), list("a\n")])).toBe(2);
  });

  it("reads a list in ranged pieces that cover it exactly, never asking for an empty range (S3 answers 416)", async () => {
    // An empty Range has no HTTP form: https://www.rfc-editor.org/rfc/rfc9110#section-14.1.2 (last-pos >= first-pos)
    for (const size of [0, 1, 5, 6, 7]) {
      const ranges: [number, number][] = [];
      const pieces = readInPieces(size, 3, async (start, end) => {
        ranges.push([start, end]);
        return bytesOf(Buffer.alloc(end - start), 2);
      });
      let bytes = 0;
      for await (const chunk of pieces) bytes += chunk.byteLength;
      expect(bytes).toBe(size);
      expect(ranges).toHaveLength(Math.ceil(size / 3));
      expect(ranges.every(([start, end]) => end > start && end <= size)).toBe(true);
    }
  });

  it("lists the union of event hours up to MAX_LISTED_EVENT_HOURS, and only bounds them beyond", () => {
    const hour = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString().slice(0, 13);
    const outputs = (count: number) => [
      { firstHour: hour(0), lastHour: hour(count - 2), hours: Array.from({ length: count - 1 }, (_, i) => hour(i)) },
      { firstHour: hour(count - 1), lastHour: hour(count - 1), hours: [hour(count - 1)] },
    ];
    expect(unionHours(outputs(MAX_LISTED_EVENT_HOURS))?.hours).toHaveLength(MAX_LISTED_EVENT_HOURS);
    expect(unionHours(outputs(MAX_LISTED_EVENT_HOURS + 1))).toEqual({ first: hour(0), last: hour(MAX_LISTED_EVENT_HOURS) });
  });

  it("shares a 64 MiB budget between the lists, 64 KiB to 8 MiB each", () => {
    expect(pieceBytes(1)).toBe(8 * 1024 * 1024);
    expect(pieceBytes(64)).toBe(1024 * 1024);
    expect(pieceBytes(100_000)).toBe(64 * 1024);
  });

  it("unions event hours, listing them only while every range lists its own", () => {
    expect(
      unionHours([
        { firstHour: "2026-11-25T03", lastHour: "2026-11-25T04", hours: ["2026-11-25T03", "2026-11-25T04"] },
        {},
        { firstHour: "2026-11-25T01", lastHour: "2026-11-25T01", hours: ["2026-11-25T01"] },
      ]),
    ).toEqual({
      first: "2026-11-25T01",
      last: "2026-11-25T04",
      hours: ["2026-11-25T01", "2026-11-25T03", "2026-11-25T04"],
    });
    expect(
      unionHours([
        { firstHour: "2026-11-25T03", lastHour: "2026-11-25T04" },
        { firstHour: "2026-11-25T01", lastHour: "2026-11-25T01", hours: ["2026-11-25T01"] },
      ]),
    ).toEqual({
      first: "2026-11-25T01",
      last: "2026-11-25T04",
    });
    expect(unionHours([{}])).toBeUndefined();
  });
});

describe("the extract function's adapter", () => {
  const s3 = mockClient(S3Client);
  const ORIGINAL_ENV = process.env;
  const handler = extractHandler({
    s3: new S3Client({}),
    now: () => new Date("2026-11-25T02:03:00Z"),
    log: { info: jest.fn(), warn: jest.fn() },
  });

  beforeEach(() => {
    s3.reset();
    process.env = { ...ORIGINAL_ENV, LAKE_BUCKET: "lake", BATCH_SETTINGS: JSON.stringify(SETTINGS) };
  });
  afterAll(() => {
    process.env = ORIGINAL_ENV;
  });

  it("dispatches mode plan to PlanBatch over the lake bucket", async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });

    const output = await handler(planInput());

    expect(output).toEqual(expect.objectContaining({ skipped: true, skipReason: "empty", rangesKey: RANGES_KEY }));
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: "lake", Prefix: "landing/" });
  });

  it("refuses an unknown mode as a wrong input (never retried)", async () => {
    await expect(handler({ ...planInput(), mode: "extract" } as never)).rejects.toHaveProperty("name", BATCH_ERRORS.invalidBatchInput);
    expect(s3.calls()).toHaveLength(0);
  });
});

/**
 * Benchmarks the batch extract as the deployed workflow runs it (the extract function's modes, bundled
 * with the deployed handlers' esbuild options into .build/bench/), on generated NDJSON landing files of
 * two sizes (default 100 MB and 1 GB uncompressed) read from the local disk through the same stream code
 * as S3 bodies (a store whose `stream`/`streamRange` are file ReadStreams; staging written to a temp dir):
 *
 * - PlanBatch (`plan`) over each file: it streams the whole file once to find the ~64 MiB range
 *   boundaries; its peak memory at 100 MB and at 1 GB shows memory is flat in file size.
 * - ExtractRange (`range`) over every range of the largest file, one child process each (one Distributed
 *   Map child each when deployed): peak RSS and heap of one 64 MiB range, and records/s through extract.
 * - SummarizeBatch (`summarize`) over the ranges' outputs, exported as the Map's ResultWriter writes them:
 *   peak memory of the k-way merge of the ranges' id lists (its read budget: 64 MiB shared by the lists).
 *
 * Every step runs in its own child process that samples its RSS and heap every 20 ms, so the peaks are
 * the step's alone. Checks that the counts add up (accepted = generated, no duplicate event ids).
 * Prints figures; asserts nothing about timings.
 *
 * Run: node scripts/bench-batch.mjs [sizeMB …]   or   import { benchBatch } from "./bench-batch.mjs".
 */
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { deployedHandlerOptions } from "./bundle-ts.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, ".build", "bench");
const SELF = fileURLToPath(import.meta.url);
const MB = 1_000_000;
const INPUT = { scheduledTime: "2026-11-25T02:00:00Z", executionId: "arn:aws:states:eu-west-1:123456789012:execution:batch:bench" };
const MAP_RUN = "arn:aws:states:eu-west-1:123456789012:mapRun:batch/extract-and-push:bench";

/** Generates the files, plans each, extracts and summarizes the largest, and returns the figures. */
export async function benchBatch({ sizesMb = [100, 1000], log = console.log } = {}) {
  const bundle = await bundleExtract();
  const root = mkdtempSync(join(tmpdir(), "bench-batch-"));
  const figures = { plan: [] };
  const fmt = (r) => `peak RSS ${r.peakRssMb.toFixed(0)} MB, peak heap ${r.peakHeapMb.toFixed(0)} MB`;
  try {
    let largest;
    for (const sizeMb of [...sizesMb].sort((a, b) => a - b)) {
      const dir = join(root, `${sizeMb}mb`);
      const file = join(dir, "landing", `clicks-${sizeMb}mb.ndjson`);
      mkdirSync(dirname(file), { recursive: true });
      const records = await generate(file, sizeMb * MB);
      const plan = runChild("plan", bundle, dir);
      figures.plan.push({ sizeMb, fileRecords: records, ...plan });
      log(
        `PlanBatch (plan)          ${String(sizeMb).padStart(5)} MB, ${records.toLocaleString("en-US")} records → ${plan.rangeCount} range(s): ` +
          `${plan.seconds.toFixed(1)} s, ${fmt(plan)}`,
      );
      if (largest) rmSync(largest.dir, { recursive: true, force: true });
      largest = { dir, sizeMb, records, plan };
    }
    figures.ranges = extractRanges(bundle, largest, log, fmt);
    figures.summarize = summarize(bundle, largest, figures.ranges, log, fmt);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return figures;
}

/** ExtractRange over every range of the largest file, each in its own child; writes the ResultWriter export. */
function extractRanges(bundle, { dir, sizeMb, records, plan }, log, fmt) {
  const items = JSON.parse(readFileSync(join(dir, plan.rangesKey), "utf8"));
  const runs = items.map((item) => runChild("range", bundle, dir, JSON.stringify(item)));
  const accepted = runs.reduce((sum, run) => sum + run.output.accepted, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const biggest = runs.reduce((a, b) => (b.peakRssMb > a.peakRssMb ? b : a));
  const first = runs[0];
  const firstBytes = items[0].range.end - items[0].range.start;
  log(
    `ExtractRange (range)      one ${(firstBytes / 2 ** 20).toFixed(0)} MiB range (${first.output.accepted.toLocaleString("en-US")} records): ` +
      `${first.seconds.toFixed(1)} s, ${fmt(first)}; largest of the ${runs.length} ranges: ` +
      `peak RSS ${biggest.peakRssMb.toFixed(0)} MB, peak heap ${Math.max(...runs.map((run) => run.peakHeapMb)).toFixed(0)} MB`,
  );
  log(
    `ExtractRange throughput   ${runs.length} ranges of the ${sizeMb} MB file, one after another: ${accepted.toLocaleString("en-US")} records in ${seconds.toFixed(1)} s ` +
      `= ${Math.round(accepted / seconds).toLocaleString("en-US")} records/s per range child (accepted ${accepted === records ? "= generated" : `≠ generated ${records}`})`,
  );
  const resultKey = "results/bench/SUCCEEDED_0.json";
  const executions = runs.map((run, i) => ({
    ExecutionArn: `${MAP_RUN}:${items[i].rangeId}`,
    Name: items[i].rangeId,
    Status: "SUCCEEDED",
    Input: JSON.stringify({ item: items[i] }),
    Output: JSON.stringify(run.output),
  }));
  mkdirSync(join(dir, "results/bench"), { recursive: true });
  writeFileSync(join(dir, resultKey), JSON.stringify(executions));
  const manifest = {
    DestinationBucket: "lake",
    MapRunArn: MAP_RUN,
    ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: resultKey, Size: statSync(join(dir, resultKey)).size }] },
  };
  writeFileSync(join(dir, "results/bench/manifest.json"), JSON.stringify(manifest));
  return {
    sizeMb,
    count: runs.length,
    firstRangeBytes: firstBytes,
    first: { records: first.output.accepted, seconds: first.seconds, peakRssMb: first.peakRssMb, peakHeapMb: first.peakHeapMb },
    maxPeakRssMb: biggest.peakRssMb,
    maxPeakHeapMb: Math.max(...runs.map((run) => run.peakHeapMb)),
    records: accepted,
    seconds,
    recordsPerSecond: accepted / seconds,
    addsUp: accepted === records,
  };
}

/** SummarizeBatch over the ResultWriter export of the ranges. */
function summarize(bundle, { dir, records, plan }, ranges, log, fmt) {
  const input = {
    mode: "summarize",
    batchId: plan.batchId,
    manifestKey: plan.manifestKey,
    resultWriter: { Bucket: "lake", Key: "results/bench/manifest.json" },
  };
  const run = runChild("summarize", bundle, dir, JSON.stringify(input));
  const idBytes = readdirSync(join(dir, "staging", plan.batchId, "ids")).reduce(
    (sum, name) => sum + statSync(join(dir, "staging", plan.batchId, "ids", name)).size,
    0,
  );
  const manifest = JSON.parse(readFileSync(join(dir, plan.manifestKey), "utf8"));
  const distinct = manifest.counts.records - manifest.counts.duplicateEventIds;
  const addsUp = run.output.recordCount === records && distinct === records && manifest.counts.rejected === 0;
  log(
    `SummarizeBatch (summarize) ${ranges.count} id lists (${(idBytes / 2 ** 20).toFixed(0)} MiB, ${distinct.toLocaleString("en-US")} distinct ids): ` +
      `${run.seconds.toFixed(1)} s, ${fmt(run)}; records ${run.output.recordCount.toLocaleString("en-US")}, rejected ${run.output.rejectedCount}, ` +
      `duplicates ${manifest.counts.duplicateEventIds}: ${addsUp ? "counts add up" : "COUNTS DO NOT ADD UP"}`,
  );
  return {
    lists: ranges.count,
    idMb: idBytes / 2 ** 20,
    distinct,
    seconds: run.seconds,
    peakRssMb: run.peakRssMb,
    peakHeapMb: run.peakHeapMb,
    addsUp,
  };
}

/** Runs one step in a child process; returns its figures. */
function runChild(mode, bundle, dir, arg = "") {
  const child = spawnSync(process.execPath, ["--expose-gc", SELF, "--child", mode, bundle, dir, arg], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) throw new Error(`${mode} child failed:\n${child.stdout}\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1));
}

/** The extract function's modes as deployed, bundled with the stack's handler options. */
async function bundleExtract() {
  mkdirSync(OUT_DIR, { recursive: true });
  const entry = join(OUT_DIR, "extract-modes-entry.ts");
  writeFileSync(
    entry,
    [
      `export { planBatch } from ${JSON.stringify(join(ROOT, "handlers/extract/plan-batch"))};`,
      `export { extractRange } from ${JSON.stringify(join(ROOT, "handlers/extract/extract-range"))};`,
      `export { summarizeBatch } from ${JSON.stringify(join(ROOT, "handlers/extract/summarize-batch"))};`,
    ].join("\n"),
  );
  const outfile = join(OUT_DIR, "extract-modes.cjs");
  const options = await deployedHandlerOptions(entry, outfile);
  await build({ ...options, logLevel: "warning" });
  return outfile;
}

/** Writes an NDJSON file of click events of about `bytes` bytes; returns the number of records. */
async function generate(file, bytes) {
  const out = createWriteStream(file);
  let written = 0;
  let records = 0;
  const start = Date.UTC(2026, 10, 25, 1);
  while (written < bytes) {
    const lines = [];
    for (let i = 0; i < 2000; i++, records++) {
      lines.push(
        JSON.stringify({
          event_id: `evt-${records}`,
          event_type: records % 7 === 0 ? "click" : "page_view",
          event_time: new Date(start + (records % 3_600_000)).toISOString(),
          user_id: `user-${records % 9973}`,
          session_id: `s-${records % 50_021}`,
          page_url: `https://shop.example.com/products/${records % 1000}?ref=newsletter&q=boots,waterproof`,
          device_type: records % 3 === 0 ? "mobile" : "desktop",
          country: "DE",
          duration_ms: records % 5000,
        }),
      );
    }
    const text = `${lines.join("\n")}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise((done) => out.once("drain", done));
  }
  await new Promise((done) => out.end(done));
  return records;
}

/** A lake bucket on the local disk: landing files are streamed from it exactly as S3 bodies are. */
function diskStore(dir) {
  const path = (key) => join(dir, key);
  return {
    async *list(prefix) {
      const folder = path(prefix);
      for (const name of readdirSync(folder).sort()) {
        const size = statSync(join(folder, name)).size;
        yield { key: `${prefix}${name}`, etag: `"${size}"`, size };
      }
    },
    async get(key) {
      try {
        return { body: readFileSync(path(key)), etag: '"local"' };
      } catch {
        return undefined;
      }
    },
    async stream(key) {
      const size = statSync(path(key)).size;
      return { body: createReadStream(path(key), { highWaterMark: 64 * 1024 }), etag: `"${size}"`, size };
    },
    async streamRange(key, start, end) {
      const size = statSync(path(key)).size;
      const body = createReadStream(path(key), { start, end: end - 1, highWaterMark: 64 * 1024 });
      return { body, etag: `"${size}"`, size: end - start };
    },
    async put(key, body) {
      mkdirSync(dirname(path(key)), { recursive: true });
      writeFileSync(path(key), body);
    },
    async putIfAbsent(key, body) {
      mkdirSync(dirname(path(key)), { recursive: true });
      try {
        writeFileSync(path(key), body, { flag: "wx" });
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The batch settings of the generated files' schema (as batchSettings derives them). */
const SETTINGS = {
  schema: {
    eventTimeColumn: "event_time",
    columns: [
      ["event_id", "string", true],
      ["event_type", "string", true],
      ["event_time", "timestamp", true],
      ["user_id", "string", false],
      ["session_id", "string", false],
      ["page_url", "string", false],
      ["device_type", "string", false],
      ["country", "string", false],
      ["duration_ms", "bigint", false],
      ["batch_id", "string", false],
    ].map(([name, type, required]) => ({ name, type, required })),
  },
  dayKey: "day",
  partitionTime: "arrival",
  eventIdColumn: "event_id",
  partitionKeyField: "user_id",
  recordsPerChunk: 5000,
  maxPushAttempts: 3,
  database: "lake_db",
  table: "clicks",
  runTimeoutSeconds: 3600,
};

/** Child: runs one mode against `dir`, sampling memory, and prints the figures as JSON. */
async function child(mode, bundle, dir, arg) {
  const { planBatch, extractRange, summarizeBatch } = createRequire(import.meta.url)(bundle);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  };
  const timer = setInterval(sample, 20);
  const deps = { store: diskStore(dir), now: () => new Date(), log: { info: () => undefined, warn: () => undefined } };
  const started = process.hrtime.bigint();
  let output;
  if (mode === "plan") output = await planBatch(INPUT, SETTINGS, deps);
  else if (mode === "range") output = await extractRange(JSON.parse(arg), SETTINGS, deps);
  else output = await summarizeBatch(JSON.parse(arg), SETTINGS, deps);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sample();
  clearInterval(timer);
  const figures = { seconds, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 };
  console.log(JSON.stringify(mode === "plan" ? { ...figures, ...output } : { ...figures, output }));
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], process.argv[5], process.argv[6]);
else if (process.argv[1] === SELF) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  await benchBatch(sizes.length > 0 ? { sizesMb: sizes } : {});
}

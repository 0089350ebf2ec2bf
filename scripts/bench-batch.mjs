/**
 * Benchmarks ExtractBatch on one generated NDJSON landing file at two sizes (default 100 MB and 1 GB
 * uncompressed): the real extract (handlers/extract/extract-batch.ts bundled with the deployed handlers'
 * esbuild options into .build/bench/), reading the file from the local disk through the same stream
 * code as an S3 body (a store whose `stream` is a file ReadStream), staging chunks to a temp directory.
 * Each size runs in a child process that samples its own RSS and heap every 20 ms, so the peaks are the
 * extract's alone. Also reads each file through the streamed reader alone (no BatchBuilder), which
 * separates the reader's memory from the batch-wide state the builder keeps (the distinct event ids).
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

/** Generates the files, runs the extract on each in a child process and returns the figures. */
export async function benchBatch({ sizesMb = [100, 1000], log = console.log } = {}) {
  const bundle = await bundleExtract();
  const dir = mkdtempSync(join(tmpdir(), "bench-batch-"));
  const figures = [];
  try {
    for (const sizeMb of sizesMb) {
      const file = join(dir, "landing", `clicks-${sizeMb}mb.ndjson`);
      mkdirSync(dirname(file), { recursive: true });
      const records = await generate(file, sizeMb * MB);
      for (const mode of ["reader", "extract"]) {
        const child = spawnSync(process.execPath, ["--expose-gc", SELF, "--child", mode, bundle, dir], {
          encoding: "utf8",
          maxBuffer: 1 << 24,
        });
        if (child.status !== 0) throw new Error(`extract child failed:\n${child.stdout}\n${child.stderr}`);
        const result = JSON.parse(child.stdout.trim().split("\n").at(-1));
        const figure = { sizeMb, mode, fileRecords: records, ...result };
        figures.push(figure);
        log(
          `${mode === "extract" ? "extract (reader + BatchBuilder + staging)" : "streamed reader alone           "} ${String(sizeMb).padStart(5)} MB, ${records} records: ` +
            `${result.seconds.toFixed(1)} s, ${Math.round(result.records / result.seconds).toLocaleString("en-US")} records/s, ` +
            `peak RSS ${result.peakRssMb.toFixed(0)} MB, peak heap ${result.peakHeapMb.toFixed(0)} MB`,
        );
      }
      rmSync(join(dir, "landing"), { recursive: true, force: true });
      rmSync(join(dir, "staging"), { recursive: true, force: true });
      rmSync(join(dir, "rejected"), { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** The extract as deployed: handlers/extract/extract-batch.ts and the streamed reader, bundled with the stack's handler options. */
async function bundleExtract() {
  mkdirSync(OUT_DIR, { recursive: true });
  const entry = join(OUT_DIR, "extract-entry.ts");
  writeFileSync(
    entry,
    [
      `export { extractBatch } from ${JSON.stringify(join(ROOT, "handlers/extract/extract-batch"))};`,
      `export { readLanding } from ${JSON.stringify(join(ROOT, "handlers/extract/stream/read"))};`,
    ].join("\n"),
  );
  const outfile = join(OUT_DIR, "extract-batch.cjs");
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

/** Child: runs one mode against `dir`, sampling memory, and prints the figures as JSON. */
async function child(mode, bundle, dir) {
  const { extractBatch, readLanding } = createRequire(import.meta.url)(bundle);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  };
  const timer = setInterval(sample, 20);
  const store = diskStore(dir);
  const started = process.hrtime.bigint();
  let records = 0;
  if (mode === "reader") {
    for await (const listed of store.list("landing/")) {
      const { body } = await store.stream(listed.key);
      for await (const item of readLanding("ndjson", body)) if (item.kind === "value") records++;
    }
  } else {
    const settings = {
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
    const output = await extractBatch(
      { scheduledTime: "2026-11-25T02:00:00Z", executionId: "arn:aws:states:eu-west-1:123456789012:execution:batch:bench" },
      settings,
      { store, now: () => new Date(), log: { info: () => undefined, warn: () => undefined } },
    );
    records = output.recordCount;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sample();
  clearInterval(timer);
  console.log(JSON.stringify({ records, seconds, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 }));
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], process.argv[5]);
else if (process.argv[1] === SELF) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  await benchBatch(sizes.length > 0 ? { sizesMb: sizes } : {});
}

/**
 * Benchmarks the transform Lambda: bundles handlers/transform/index.ts with the stack's own handler
 * options (handlerBuildOptions of stacks/constructs/bundled-handler.ts, read through bundle-ts.mjs),
 * reports the bundle size, then times the real handler against a naive transform (decode, parse,
 * stringify, encode) on the same ~6 MB Firehose event. Prints figures; asserts nothing about timings.
 *
 * Run: node scripts/bench-transform.mjs   or   import { benchTransform } from "./bench-transform.mjs".
 */
import { build } from "esbuild";
import { bundleTypeScript, deployedHandlerOptions } from "./bundle-ts.mjs";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, ".build", "bench");
const TARGETS = { speedup: 1.5, bundleBytes: 50 * 1024 };
const EVENT_BYTES = 6_000_000;
const WARM_UP_RUNS = 3;
const TIMED_RUNS = 20;

/**
 * The transform settings of the tests (`testSettings` of __tests__/support/schema.ts) with event-time
 * partitions, flat and with the nested columns of `NESTED_TEST_COLUMNS` (`items` an array of structs,
 * `properties` a map). Code without nested types has no such export: its nested scenario then runs the
 * flat schema, the nested fields passing through as unknown keys (the figure before nested types).
 */
async function benchSettings() {
  const module = join(ROOT, "dist", "test-schema.js");
  await bundleTypeScript(join(ROOT, "__tests__", "support", "schema.ts"), module);
  const { testSettings, TEST_SCHEMA, NESTED_TEST_COLUMNS } = createRequire(import.meta.url)(module);
  const flat = testSettings({ partitionTime: "event" });
  const nestedSchema = NESTED_TEST_COLUMNS ? { ...TEST_SCHEMA, columns: [...TEST_SCHEMA.columns, ...NESTED_TEST_COLUMNS] } : TEST_SCHEMA;
  return { flat, nested: testSettings({ partitionTime: "event", schema: nestedSchema }), nestedColumns: Boolean(NESTED_TEST_COLUMNS) };
}

/** Bundles the handler, times it against the naive transform and returns the figures. */
export async function benchTransform({ log = console.log } = {}) {
  const bundle = await bundleHandler();
  log(`transform bundle: ${bundle.bytes} bytes (${(bundle.bytes / 1024).toFixed(1)} KiB), gzipped ${bundle.gzipBytes} bytes`);
  log(`  target ≤ ${TARGETS.bundleBytes} bytes: ${bundle.bytes <= TARGETS.bundleBytes ? "met" : "NOT met"}`);
  for (const [name, bytes] of bundle.breakdown) log(`    ${String(bytes).padStart(8)}  ${name}`);

  const settings = await benchSettings();
  const handler = loadHandler(bundle.path, settings.flat);
  const nestedHandler = loadHandler(bundle.path, settings.nested);
  const scenarios = {
    valid: [handler, clickEvent(validRecord)],
    coerced: [handler, clickEvent(coercedRecord)],
    nested: [nestedHandler, clickEvent(nestedRecord)],
  };
  if (!settings.nestedColumns) log("nested scenario: this code has no nested columns; items and properties pass as unknown keys");
  const results = {};
  for (const [name, [handler, event]] of Object.entries(scenarios)) {
    const { real, naive } = await timeInterleaved(
      () => handler(event),
      () => naiveTransform(event),
    );
    const response = await handler(event);
    const ok = response.records.filter((record) => record.result === "Ok").length;
    const count = event.records.length;
    results[name] = {
      records: count,
      eventBytes: Buffer.byteLength(JSON.stringify(event)),
      responseBytes: Buffer.byteLength(JSON.stringify(response)),
      okRecords: ok,
      realMs: real,
      naiveMs: naive,
      realRecordsPerSecond: Math.round((count / real) * 1000),
      naiveRecordsPerSecond: Math.round((count / naive) * 1000),
      speedup: naive / real,
    };
    const r = results[name];
    log(`${name} records: ${count} records, event ${r.eventBytes} bytes, response ${r.responseBytes} bytes, ${ok} Ok`);
    log(`  real : ${r.realMs.toFixed(2)} ms/event, ${r.realRecordsPerSecond} records/s (median of ${TIMED_RUNS})`);
    log(`  naive: ${r.naiveMs.toFixed(2)} ms/event, ${r.naiveRecordsPerSecond} records/s`);
    log(
      `  real/naive throughput: ${r.speedup.toFixed(2)}×${
        name === "valid"
          ? ` (target ≥ ${TARGETS.speedup}×: ${r.speedup >= TARGETS.speedup ? "met" : "NOT met"})`
          : name === "nested"
            ? ` (target ≥ 1×: ${r.speedup >= 1 ? "met" : "NOT met"})`
            : " (slow path, no target)"
      }`,
    );
  }
  return {
    bundle: { bytes: bundle.bytes, gzipBytes: bundle.gzipBytes, breakdown: bundle.breakdown },
    ...results,
    targets: TARGETS,
  };
}

async function bundleHandler() {
  mkdirSync(OUT_DIR, { recursive: true });
  const path = join(OUT_DIR, "transform.cjs");
  const options = await deployedHandlerOptions(join(ROOT, "handlers/transform/index.ts"), path);
  const result = await build({ ...options, metafile: true, logLevel: "warning" });
  const output = Object.values(result.metafile.outputs)[0];
  const code = readFileSync(path);
  const byPackage = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const breakdown = [...byPackage.entries()].sort((a, b) => b[1] - a[1]);
  return { path, bytes: code.length, gzipBytes: gzipSync(code).length, breakdown };
}

function packageOf(input) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match ? match[1] : relative(ROOT, resolve(ROOT, input));
}

function loadHandler(path, settings) {
  const saved = { ...process.env };
  Object.assign(process.env, {
    TRANSFORM_SETTINGS: JSON.stringify(settings),
    POWERTOOLS_SERVICE_NAME: "bench-transform",
    POWERTOOLS_METRICS_NAMESPACE: "Bench",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  try {
    const require = createRequire(import.meta.url);
    delete require.cache[path];
    return require(path).handler;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * Median wall time in ms of each function over the timed runs, after warm-up. Runs alternate (and alternate
 * which goes first) so both see the same machine load and garbage-collector state.
 */
async function timeInterleaved(real, naive) {
  for (let i = 0; i < WARM_UP_RUNS; i++) {
    await real();
    await naive();
  }
  const samples = { real: [], naive: [] };
  for (let i = 0; i < TIMED_RUNS; i++) {
    const order = i % 2 === 0 ? ["real", "naive"] : ["naive", "real"];
    for (const name of order) {
      const run = name === "real" ? real : naive;
      const start = performance.now();
      await run();
      samples[name].push(performance.now() - start);
    }
  }
  return { real: median(samples.real), naive: median(samples.naive) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The baseline: decode, parse, re-serialise with a newline and encode every record; everything Ok. */
function naiveTransform(event) {
  return {
    records: event.records.map(({ recordId, data }) => ({
      recordId,
      result: "Ok",
      data: Buffer.from(`${JSON.stringify(JSON.parse(Buffer.from(data, "base64").toString("utf8")))}\n`).toString("base64"),
    })),
  };
}

function validRecord(index) {
  return {
    event_id: `evt-${String(index).padStart(10, "0")}`,
    event_type: ["page_view", "click", "add_to_cart", "purchase"][index % 4],
    event_time: new Date(Date.UTC(2025, 0, 1, 12) + index * 997).toISOString(),
    user_id: `user-${(index * 7919) % 100_000}`,
    session_id: `sess-${(index * 104_729) % 1_000_000}-${index % 13}`,
    page_url: `https://shop.example.com/catalog/category-${index % 40}/products/${
      index % 5000
    }?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale-2025&variant=${index % 7}&ref=${"r".repeat(420)}`,
    referrer: `https://www.example.org/search?q=${encodeURIComponent("winter boots size 42 waterproof")}&page=${
      index % 9
    }&lang=en-GB&ua=${"u".repeat(160)}`,
    device_type: ["mobile", "desktop", "tablet"][index % 3],
    country: ["DE", "FR", "GB", "US", "JP"][index % 5],
    duration_ms: 1_000 + ((index * 31) % 60_000),
    revenue: index % 4 === 3 ? Number(((index % 10_000) / 100).toFixed(2)) : null,
    is_bot: index % 50 === 0,
  };
}

function coercedRecord(index) {
  const { event_id: eventId, event_time: eventTime, ...rest } = validRecord(index);
  return {
    Event_ID: eventId,
    event_time: Math.floor(Date.parse(eventTime) / 1000),
    ...rest,
    duration_ms: String(rest.duration_ms),
  };
}

/** A valid record with nested values: a purchase's items (array of structs) and a map of properties. */
function nestedRecord(index) {
  const { page_url: pageUrl, referrer, ...rest } = validRecord(index);
  return {
    ...rest,
    page_url: pageUrl.slice(0, 200),
    referrer: referrer.slice(0, 120),
    items: Array.from({ length: 1 + (index % 4) }, (_, i) => ({
      sku: `sku-${(index * 31 + i) % 9973}`,
      price: Number((((index + i) % 5000) / 100 + 0.99).toFixed(2)),
      quantity: 1 + ((index + i) % 3),
    })),
    properties: { campaign: `winter-sale-${index % 12}`, variant: String(index % 7), experiment: index % 2 === 0 ? "a" : "b" },
  };
}

/** A Kinesis-source Firehose event of ~6 MB (as JSON) of ~1 KB records built by `record`. */
function clickEvent(record) {
  const records = [];
  let bytes = 200;
  for (let index = 0; bytes < EVENT_BYTES; index++) {
    const sequenceNumber = `4963108792438927347820213591785734018469${String(index).padStart(16, "0")}`;
    const entry = {
      recordId: `${sequenceNumber}000000`,
      approximateArrivalTimestamp: 1_735_732_800_000 + index,
      data: Buffer.from(JSON.stringify(record(index))).toString("base64"),
      kinesisRecordMetadata: {
        shardId: `shardId-00000000000${index % 4}`,
        partitionKey: `user-${index % 997}`,
        approximateArrivalTimestamp: 1_735_732_800_000 + index,
        sequenceNumber,
        subsequenceNumber: "0",
      },
    };
    bytes += JSON.stringify(entry).length + 1;
    if (bytes < EVENT_BYTES) records.push(entry);
  }
  return {
    invocationId: "5f1e4a9c-3b8d-4f2a-9c61-0d7e2b4a8f13",
    deliveryStreamArn: "arn:aws:firehose:eu-west-1:123456789012:deliverystream/clicks-delivery",
    sourceKinesisStreamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks",
    region: "eu-west-1",
    records,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchTransform();
}

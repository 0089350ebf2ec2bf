/**
 * Benchmarks the push sender against kinesalite (started here on a free port, in memory): the real
 * sender of handlers/push/logic.ts (bundled with the deployed handlers' esbuild options into .build/bench/, driven through an SDK client
 * configured like the adapter's) against a naive producer that sends one PutRecord per record, on two
 * 4-shard streams of the same engine in the same run. Reads both streams back to check nothing was lost
 * or duplicated. Then the paced push as the workflow runs it: a third 4-shard stream, the chunks pushed
 * `pushPlan(stream).concurrency` at a time (as the Distributed Map runs its children), each paced to its
 * share of the stream's write capacity (`pushPlan(stream).share`, state-machines/timing.ts): the rate
 * achieved is reported against the stream's limit (4 shards → 4,000 records/s and 4 MiB/s). Last, the
 * same paced push for at least 20 s through the rehearsal's shard-limit proxy
 * (rehearsal/kinesis-shard-proxy.ts: 1,000 records/s and 1 MiB/s per shard, per-entry
 * ProvisionedThroughputExceededException): the sustained rate each shard accepted, as a percentage of
 * its 1,000 records/s, with the throttled entries the push resent, and every record read back exactly
 * once. Prints figures; asserts nothing about timings. kinesalite itself enforces no shard limits.
 *
 * Run: node scripts/bench-push.mjs   or   import { benchPush } from "./bench-push.mjs".
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { deployedHandlerOptions } from "./bundle-ts.mjs";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, ".build", "bench");
const SHARDS = 4;
const NAIVE_RECORDS = 2_000;
const REAL_CHUNKS = 4;
const RECORDS_PER_CHUNK = 5_000;
const SETTINGS = { partitionKeyField: "user_id", eventIdColumn: "event_id", maxPushAttempts: 8 };
/** Paced push: chunks of this many records, two per concurrent slot (about 5 s at 4,000 records/s). */
const PACED_RECORDS_PER_CHUNK = 2_500;
/** Through the shard-limit proxy: two chunks per concurrent slot, ~22 s at 4,000 records/s. */
const LIMITED_RECORDS_PER_CHUNK = 11_000;

/** Starts kinesalite, pushes with both producers, reads back, stops the engine and returns the figures. */
export async function benchPush({ log = console.log } = {}) {
  const { pushChunk, pushPlan, startKinesisShardProxy, shardRates } = await bundleSender();
  const port = await freePort();
  const engine = await startKinesalite(port);
  const stop = () => {
    if (engine.exitCode === null) engine.kill("SIGKILL");
  };
  process.once("exit", stop);
  const client = new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
  try {
    await createStream(client, "bench-naive");
    await createStream(client, "bench-real");
    await createStream(client, "bench-paced");
    await createStream(client, "bench-limits");

    const naiveLines = Array.from({ length: NAIVE_RECORDS }, (_, i) => JSON.stringify(clickRecord(i)));
    const naiveStart = performance.now();
    for (const line of naiveLines) {
      const record = JSON.parse(line);
      await client.send(
        new PutRecordCommand({
          StreamName: "bench-naive",
          Data: Buffer.from(`${line}\n`),
          PartitionKey: record.user_id || record.event_id,
        }),
      );
    }
    const naiveMs = performance.now() - naiveStart;

    const chunks = Array.from({ length: REAL_CHUNKS }, (_, c) =>
      Array.from({ length: RECORDS_PER_CHUNK }, (_, i) => `${JSON.stringify(clickRecord(c * RECORDS_PER_CHUNK + i))}\n`).join(""),
    );
    const deps = {
      putRecords: (request) => client.send(new PutRecordsCommand(request)),
      sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
      random: Math.random,
    };
    let calls = 0;
    const realStart = performance.now();
    for (const [c, ndjson] of chunks.entries()) {
      const output = await pushChunk(
        ndjson,
        { chunkKey: `staging/bench/chunk-${String(c).padStart(5, "0")}.ndjson`, streamName: "bench-real", settings: SETTINGS },
        deps,
      );
      calls += output.calls;
    }
    const realMs = performance.now() - realStart;
    const realRecords = REAL_CHUNKS * RECORDS_PER_CHUNK;

    const plan = pushPlan({ mode: "PROVISIONED", shardCount: SHARDS });
    const paced = await pushPaced(pushChunk, plan, client);
    const proxy = await startKinesisShardProxy({ upstream: `http://127.0.0.1:${port}`, region: "us-east-1" });
    const limitedClient = new KinesisClient({
      endpoint: proxy.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      requestHandler: new NodeHttpHandler(),
    });
    let limited;
    try {
      limited = await pushPaced(pushChunk, plan, limitedClient, {
        stream: "bench-limits",
        recordsPerChunk: LIMITED_RECORDS_PER_CHUNK,
        first: 2_000_000,
      });
    } finally {
      limitedClient.destroy();
      await proxy.close();
    }
    const rates = shardRates(proxy.stats, "bench-limits");

    const naiveBack = await readBack(client, "bench-naive");
    const realBack = await readBack(client, "bench-real");
    const pacedBack = await readBack(client, "bench-paced");
    const limitedBack = await readBack(client, "bench-limits");
    const shardRecordsPerSecond = Object.values(rates.perShard);
    const meanShard = shardRecordsPerSecond.reduce((sum, r) => sum + r, 0) / shardRecordsPerSecond.length;
    const figures = {
      engine: "kinesalite 3.3.3 (in memory, no shard limits)",
      shards: SHARDS,
      recordBytes: Buffer.byteLength(chunks[0].split("\n")[0]) + 1,
      naive: {
        records: NAIVE_RECORDS,
        ms: Math.round(naiveMs),
        recordsPerSecond: Math.round((NAIVE_RECORDS / naiveMs) * 1000),
        calls: NAIVE_RECORDS,
        readBack: naiveBack.records,
        duplicates: naiveBack.duplicates,
      },
      real: {
        records: realRecords,
        ms: Math.round(realMs),
        recordsPerSecond: Math.round((realRecords / realMs) * 1000),
        calls,
        callsPer10k: Math.round((calls / realRecords) * 10_000),
        readBack: realBack.records,
        duplicates: realBack.duplicates,
        perShard: realBack.perShard,
      },
    };
    figures.speedup = figures.real.recordsPerSecond / figures.naive.recordsPerSecond;
    figures.paced = { ...paced, readBack: pacedBack.records, duplicates: pacedBack.duplicates };
    figures.throughLimits = {
      ...limited,
      seconds: rates.seconds,
      perShard: rates.perShard,
      percentOfShardLimit: meanShard / 10,
      lowestShardPercent: Math.min(...shardRecordsPerSecond) / 10,
      throttledEntries: proxy.stats.throttledEntries,
      readBack: limitedBack.records,
      duplicates: limitedBack.duplicates,
      noLoss: limitedBack.records === limited.records && limitedBack.duplicates === 0,
    };
    figures.noLoss =
      naiveBack.records === NAIVE_RECORDS &&
      realBack.records === realRecords &&
      pacedBack.records === paced.records &&
      figures.throughLimits.noLoss &&
      naiveBack.duplicates + realBack.duplicates + pacedBack.duplicates === 0;

    log(`engine: ${figures.engine}, ${SHARDS} shards per stream, ~${figures.recordBytes} B records`);
    log(
      `naive (1 PutRecord per record): ${figures.naive.records} records in ${figures.naive.ms} ms = ${figures.naive.recordsPerSecond} records/s, ${figures.naive.calls} calls (10000 per 10k records)`,
    );
    log(
      `real sender (PutRecords):       ${figures.real.records} records in ${figures.real.ms} ms = ${figures.real.recordsPerSecond} records/s, ${figures.real.calls} calls (${figures.real.callsPer10k} per 10k records)`,
    );
    log(`real/naive throughput: ${figures.speedup.toFixed(1)}×`);
    log(
      `paced push (as deployed):       ${paced.records} records in ${paced.ms} ms = ${paced.recordsPerSecond} records/s, ${paced.chunks} chunks ${paced.concurrency} at once, ` +
        `each paced to ${paced.share.recordsPerSecond} records/s and ${(paced.share.bytesPerSecond / 2 ** 20).toFixed(2)} MiB/s: ` +
        `${(paced.fractionOfRecordLimit * 100).toFixed(1)} % of the stream's ${paced.limit.recordsPerSecond.toLocaleString("en-US")} records/s ` +
        `(${(paced.fractionOfByteLimit * 100).toFixed(1)} % of its ${paced.limit.bytesPerSecond / 2 ** 20} MiB/s)`,
    );
    const t = figures.throughLimits;
    log(
      `through the shard-limit proxy:  ${t.records} records over ${t.seconds.toFixed(1)} s, ${t.chunks} chunks ${t.concurrency} at once: ` +
        `${t.percentOfShardLimit.toFixed(1)} % of 1,000 records/s per shard (lowest shard ${t.lowestShardPercent.toFixed(1)} %; ` +
        `${Object.values(t.perShard)
          .map((r) => Math.round(r))
          .join("/")} records/s), ${t.throttledEntries} entries throttled and resent, ${t.calls} calls; ` +
        `read back ${t.readBack}/${t.records}, duplicates ${t.duplicates}: ${t.noLoss ? "zero loss" : "LOSS OR DUPLICATES"}`,
    );
    log(
      `read back: naive ${naiveBack.records}/${NAIVE_RECORDS}, real ${realBack.records}/${realRecords} (per shard ${realBack.perShard.join("/")}), paced ${pacedBack.records}/${paced.records}, duplicates ${naiveBack.duplicates + realBack.duplicates + pacedBack.duplicates}: ${figures.noLoss ? "no loss" : "LOSS OR DUPLICATES"}`,
    );
    return figures;
  } finally {
    client.destroy();
    stop();
    process.removeListener("exit", stop);
  }
}

/**
 * Pushes `2 × plan.concurrency` chunks to bench-paced, `plan.concurrency` at a time, each paced to
 * `plan.share` as the deployed PushChunk is (settings.pushRate); returns the rate achieved against the limit.
 */
async function pushPaced(
  pushChunk,
  plan,
  client,
  { stream = "bench-paced", recordsPerChunk = PACED_RECORDS_PER_CHUNK, first = 1_000_000 } = {},
) {
  const chunks = Array.from({ length: 2 * plan.concurrency }, (_, c) =>
    Array.from({ length: recordsPerChunk }, (_, i) => `${JSON.stringify(clickRecord(first + c * recordsPerChunk + i))}\n`).join(""),
  );
  const deps = {
    putRecords: (request) => client.send(new PutRecordsCommand(request)),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
    random: Math.random,
    now: () => performance.now(),
  };
  const settings = { ...SETTINGS, pushRate: plan.share };
  let next = 0;
  let calls = 0;
  const started = performance.now();
  const slot = async () => {
    for (let c = next++; c < chunks.length; c = next++) {
      const chunkKey = `staging/bench/paced-${String(c).padStart(5, "0")}.ndjson`;
      // Not `calls += await …`: that reads calls before the await, losing the other slots' counts.
      const output = await pushChunk(chunks[c], { chunkKey, streamName: stream, settings }, deps);
      calls += output.calls;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, slot));
  const ms = performance.now() - started;
  const records = chunks.length * recordsPerChunk;
  const bytes = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  const recordsPerSecond = (records / ms) * 1000;
  return {
    records,
    chunks: chunks.length,
    concurrency: plan.concurrency,
    share: plan.share,
    limit: { recordsPerSecond: plan.capacity.recordsPerSecond, bytesPerSecond: plan.capacity.bytesPerSecond },
    ms: Math.round(ms),
    calls,
    recordsPerSecond: Math.round(recordsPerSecond),
    fractionOfRecordLimit: recordsPerSecond / plan.capacity.recordsPerSecond,
    fractionOfByteLimit: ((bytes / ms) * 1000) / plan.capacity.bytesPerSecond,
  };
}

/** The sender as deployed (handlers/push/logic.ts) and the workflow's push plan, bundled with the stack's handler options. */
async function bundleSender() {
  mkdirSync(OUT_DIR, { recursive: true });
  const entry = join(OUT_DIR, "push-entry.ts");
  writeFileSync(
    entry,
    [
      `export { pushChunk } from ${JSON.stringify(join(ROOT, "handlers/push/logic"))};`,
      `export { pushPlan } from ${JSON.stringify(join(ROOT, "state-machines/timing"))};`,
      `export { startKinesisShardProxy, shardRates } from ${JSON.stringify(join(ROOT, "rehearsal/kinesis-shard-proxy"))};`,
    ].join("\n"),
  );
  const outfile = join(OUT_DIR, "push-logic.cjs");
  const options = await deployedHandlerOptions(entry, outfile);
  await build({ ...options, logLevel: "warning" });
  const require = createRequire(import.meta.url);
  delete require.cache[outfile];
  return require(outfile);
}

async function createStream(client, name) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  for (let i = 0; i < 100; i++) {
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

async function readBack(client, name) {
  const ids = new Set();
  let records = 0;
  const perShard = [];
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: name }));
  for (const shard of Shards) {
    let count = 0;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    for (let reads = 0; iterator && reads < 1_000; reads++) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      if (!page.Records?.length) break;
      for (const record of page.Records) ids.add(JSON.parse(Buffer.from(record.Data).toString("utf8")).event_id);
      count += page.Records.length;
      iterator = page.NextShardIterator;
    }
    records += count;
    perShard.push(count);
  }
  return { records, duplicates: records - ids.size, perShard };
}

function clickRecord(index) {
  return {
    event_id: `evt-${String(index).padStart(10, "0")}`,
    event_type: ["page_view", "click", "add_to_cart", "purchase"][index % 4],
    event_time: new Date(Date.UTC(2025, 0, 1, 12) + index * 997).toISOString(),
    user_id: `user-${(index * 7919) % 100_000}`,
    session_id: `sess-${(index * 104_729) % 1_000_000}-${index % 13}`,
    page_url: `https://shop.example.com/catalog/category-${index % 40}/products/${index % 5000}?utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale-2025&variant=${index % 7}&ref=${"r".repeat(420)}`,
    referrer: `https://www.example.org/search?q=winter%20boots&page=${index % 9}&lang=en-GB&ua=${"u".repeat(160)}`,
    device_type: ["mobile", "desktop", "tablet"][index % 3],
    country: ["DE", "FR", "GB", "US", "JP"][index % 5],
    duration_ms: 1_000 + ((index * 31) % 60_000),
    revenue: index % 4 === 3 ? Number(((index % 10_000) / 100).toFixed(2)) : null,
    is_bot: index % 50 === 0,
  };
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function startKinesalite(port) {
  const cli = join(ROOT, "node_modules", "kinesalite", "cli.js");
  const child = spawn(process.execPath, [cli, "--port", String(port), "--createStreamMs", "0", "--shardLimit", "50"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((done, fail) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`kinesalite did not start on port ${port}: ${output}`));
    }, 10_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (!output.includes("Listening at")) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      child.stderr.resume();
      done(child);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`kinesalite exited with ${code}: ${output}`));
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await benchPush();
}

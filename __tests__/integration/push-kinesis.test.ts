/**
 * The push handler against a local Kinesis engine (kinesalite, started here on a free port with the
 * rehearsal's `startKinesisEngine`): the real
 * adapter, sender and SDK client write 12,000 records in four chunks to a 4-shard stream, and every
 * shard is read back from TRIM_HORIZON. Only S3 is mocked (the chunk bodies).
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { mockClient } from "aws-sdk-client-mock";
import type { PushInput, PushOutput } from "../../contract/batch";
import { type RunningKinesisEngine, startKinesisEngine } from "../../rehearsal/local-servers";
import { testBatchSettings } from "../support/schema";

const STREAM = "clicks-it";
const SHARDS = 4;
const CHUNKS = 4;
const RECORDS_PER_CHUNK = 3_000;
const REGION = "us-east-1";

const s3 = mockClient(S3Client);
const ORIGINAL_ENV = process.env;
let engine: RunningKinesisEngine | undefined;
let kinesis: KinesisClient;
let handler: (input: PushInput) => Promise<PushOutput>;

beforeAll(async () => {
  engine = await startKinesisEngine("kinesalite");
  const { endpoint } = engine;
  process.env = {
    ...ORIGINAL_ENV,
    AWS_ENDPOINT_URL_KINESIS: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    LAKE_BUCKET: "acme-lake",
    STREAM_NAME: STREAM,
    BATCH_SETTINGS: JSON.stringify(testBatchSettings({ partitionKeyField: "user_id", eventIdColumn: "event_id", maxPushAttempts: 8 })),
  };
  kinesis = new KinesisClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
  await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: SHARDS }));
  await waitUntilActive(kinesis, STREAM);
  // Required after the env is set, so the adapter's module-level clients see the local endpoint.
  handler = (require("../../handlers/push") as typeof import("../../handlers/push")).handler;
}, 30_000);

afterAll(async () => {
  kinesis?.destroy();
  await engine?.stop();
  process.env = ORIGINAL_ENV;
});

it("delivers every record of every chunk to the stream exactly once", async () => {
  // Prepare: four staged chunks; every 10th record has no user_id, so it is keyed by its event id
  const chunks = new Map<string, string>();
  for (let c = 0; c < CHUNKS; c++) {
    const lines = Array.from({ length: RECORDS_PER_CHUNK }, (_, i) => JSON.stringify(clickRecord(c * RECORDS_PER_CHUNK + i)));
    chunks.set(`staging/2025-01-01T12/chunk-${String(c).padStart(5, "0")}.ndjson`, `${lines.join("\n")}\n`);
  }
  s3.on(GetObjectCommand).callsFake(({ Key }: { Key: string }) => ({ Body: body(chunks.get(Key)!) }));

  // Act
  const outputs: PushOutput[] = [];
  for (const chunkKey of chunks.keys()) outputs.push(await handler({ batchId: "2025-01-01T12", chunkKey }));

  // Assess
  expect(outputs.map((o) => o.pushed)).toEqual(Array(CHUNKS).fill(RECORDS_PER_CHUNK));
  expect(outputs.map((o) => o.calls)).toEqual(Array(CHUNKS).fill(RECORDS_PER_CHUNK / 500));
  const { perShard, seen } = await readStream(kinesis, STREAM);
  expect(perShard).toHaveLength(SHARDS);
  for (const count of perShard) expect(count).toBeGreaterThan(0);
  const total = CHUNKS * RECORDS_PER_CHUNK;
  expect(seen.size).toBe(total);
  expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
  for (let i = 0; i < total; i++) expect(seen.has(eventId(i))).toBe(true);
});

function eventId(index: number): string {
  return `evt-${String(index).padStart(8, "0")}`;
}

function clickRecord(index: number): Record<string, unknown> {
  return {
    event_id: eventId(index),
    event_type: ["page_view", "click", "add_to_cart", "purchase"][index % 4],
    event_time: new Date(Date.UTC(2025, 0, 1, 12) + index * 97).toISOString(),
    user_id: index % 10 === 0 ? "" : `user-${(index * 7_919) % 5_000}`,
    page_url: `https://shop.example.com/catalog/${index % 40}/products/${index % 5_000}?utm_source=newsletter`,
    duration_ms: 1_000 + ((index * 31) % 60_000),
  };
}

function body(text: string): GetObjectCommandOutput["Body"] {
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput["Body"];
}

/** Reads every shard from TRIM_HORIZON until a read comes back empty; counts records per shard and per event id. */
async function readStream(client: KinesisClient, stream: string): Promise<{ perShard: number[]; seen: Map<string, number> }> {
  const seen = new Map<string, number>();
  const perShard: number[] = [];
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of Shards) {
    let count = 0;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    for (let reads = 0; iterator && reads < 1_000; reads++) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = page.Records ?? [];
      if (records.length === 0) break;
      for (const record of records) {
        const id = (JSON.parse(Buffer.from(record.Data!).toString("utf8")) as { event_id: string }).event_id;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      count += records.length;
      iterator = page.NextShardIterator;
    }
    perShard.push(count);
  }
  return { perShard, seen };
}

async function waitUntilActive(client: KinesisClient, stream: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${stream} did not become ACTIVE`);
}

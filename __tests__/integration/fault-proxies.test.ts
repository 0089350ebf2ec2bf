/**
 * The rehearsal's fault proxies against the real local engines: the shard-limit proxy in front of
 * kinesalite (Kinesis's per-shard write limits and PutRecords' partial-failure shape) and the S3 proxy
 * in front of s3rver (transient errors the SDK retries, and CopySourceIfMatch, which s3rver ignores).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type Shard,
} from "@aws-sdk/client-kinesis";
import { planRequests, sendRequests } from "../../handlers/push/logic";
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  partitionKeyHash,
  SHARD_WRITE_LIMITS,
  shardForHashKey,
  startKinesisShardProxy,
  type KinesisShardProxy,
} from "../../rehearsal/kinesis-shard-proxy";
import { LOCAL_CREDENTIALS, startLocalServers, type LocalServers } from "../../rehearsal/local-servers";
import { startS3FaultProxy, type S3FaultProxy } from "../../rehearsal/s3-fault-proxy";

const REGION = "eu-west-1";
const client = <T>(Client: new (config: object) => T, endpoint: string, extra: object = {}): T =>
  new Client({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler(), ...extra });

let work: string;
let servers: LocalServers;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fault-proxies-"));
  servers = await startLocalServers({ engine: "kinesalite", workDir: work, region: REGION });
});

afterAll(async () => {
  await servers?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the shard-limit proxy", () => {
  let clock = 0;
  let proxy: KinesisShardProxy;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    await servers.createStream("limits", 4);
    // A clock the test moves: token buckets refill only when it advances.
    proxy = await startKinesisShardProxy({ upstream: servers.kinesisEndpoint, region: REGION, now: () => clock });
    kinesis = client(KinesisClient, proxy.endpoint, { maxAttempts: 1 });
  });

  afterAll(async () => {
    kinesis?.destroy();
    await proxy?.close();
  });

  const entries = (count: number, key: (i: number) => string, bytes = 100) =>
    Array.from({ length: count }, (_, i) => ({ Data: Buffer.alloc(bytes, 120), PartitionKey: key(i) }));

  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html: "An MD5 hash function is used to map
  // partition keys to 128-bit integer values and to map associated data records to shards".
  it("maps a partition key to the shard whose HashKeyRange holds the key's MD5, as the engine does", async () => {
    const { Shards = [] } = await servers.kinesis.send(new ListShardsCommand({ StreamName: "limits" }));
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const result = await kinesis.send(
      new PutRecordsCommand({ StreamName: "limits", Records: keys.map((k) => ({ Data: Buffer.from("x"), PartitionKey: k })) }),
    );
    expect(result.FailedRecordCount).toBe(0);
    const expected = keys.map((k) => shardForHashKey(partitionKeyHash(k), Shards as Shard[])?.ShardId);
    expect(result.Records?.map((r) => r.ShardId)).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(1);
  });

  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsResultEntry.html: a failed entry carries
  // ErrorCode ProvisionedThroughputExceededException and an ErrorMessage that "includes the account ID, stream name, and
  // shard ID"; FailedRecordCount counts them; Records keeps the request's order (API_PutRecords).
  // Limits: https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
  it("refuses the entries beyond 1,000 records per second of one shard, per entry, in order", async () => {
    clock += 10_000;
    const sameShard = entries(500, () => "one-key");
    const first = await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: sameShard }));
    const second = await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: sameShard }));
    const third = await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: sameShard.slice(0, 200) }));
    expect([first.FailedRecordCount, second.FailedRecordCount, third.FailedRecordCount]).toEqual([0, 0, 200]);
    const failed = third.Records!;
    expect(failed.every((r) => r.ErrorCode === "ProvisionedThroughputExceededException" && r.SequenceNumber === undefined)).toBe(true);
    const shard = /shardId-\d{12}/.exec(failed[0].ErrorMessage ?? "")?.[0];
    expect(shard).toBe(first.Records![0].ShardId);
    expect(failed[0].ErrorMessage).toContain("limits");
    expect(failed[0].ErrorMessage).toContain("000000000000");
    // Half a second later the shard has room for 500 more.
    clock += 500;
    const later = await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(500, () => "one-key") }));
    expect(later.FailedRecordCount).toBe(0);
    const more = await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(3, () => "one-key") }));
    expect(more.FailedRecordCount).toBe(3);
  });

  it("accepts the other shards' entries of a call in which one shard is over its limit", async () => {
    clock += 10_000;
    await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(500, () => "one-key") }));
    await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(500, () => "one-key") }));
    const { Shards = [] } = await servers.kinesis.send(new ListShardsCommand({ StreamName: "limits" }));
    const hot = shardForHashKey(partitionKeyHash("one-key"), Shards as Shard[])!.ShardId;
    const keys = Array.from({ length: 100 }, (_, i) => `k-${i}`);
    const mixed = await kinesis.send(
      new PutRecordsCommand({ StreamName: "limits", Records: keys.map((k) => ({ Data: Buffer.from("x"), PartitionKey: k })) }),
    );
    keys.forEach((key, i) => {
      const onHot = shardForHashKey(partitionKeyHash(key), Shards as Shard[])!.ShardId === hot;
      expect(mixed.Records![i].ErrorCode).toBe(onHot ? "ProvisionedThroughputExceededException" : undefined);
    });
    expect(mixed.FailedRecordCount).toBe(mixed.Records!.filter((r) => r.ErrorCode).length);
    expect(mixed.FailedRecordCount).toBeGreaterThan(0);
    expect(mixed.FailedRecordCount).toBeLessThan(keys.length);
  });

  it("refuses the bytes beyond 1 MiB per second of one shard (data plus partition key)", async () => {
    clock += 10_000;
    const key = "big-key";
    const size = 100 * 1024; // 10 records = 1,024,070 bytes with the key: within 1 MiB; the 11th is over
    const result = await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(11, () => key, size) }));
    const perRecord = size + key.length;
    expect(10 * perRecord).toBeLessThanOrEqual(SHARD_WRITE_LIMITS.bytesPerSecond);
    expect(11 * perRecord).toBeGreaterThan(SHARD_WRITE_LIMITS.bytesPerSecond);
    expect(result.Records!.map((r) => r.ErrorCode ?? "ok")).toEqual([...Array(10).fill("ok"), "ProvisionedThroughputExceededException"]);
  });

  // API_PutRecord Errors: ProvisionedThroughputExceededException, HTTP 400.
  it("throttles PutRecord over the limit, and whole PutRecords calls when asked, with HTTP 400 ProvisionedThroughputExceededException", async () => {
    clock += 10_000;
    await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(500, () => "one-key") }));
    await kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(500, () => "one-key") }));
    await expect(
      kinesis.send(new PutRecordCommand({ StreamName: "limits", PartitionKey: "one-key", Data: Buffer.from("x") })),
    ).rejects.toMatchObject({
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 },
    });
    const before = proxy.stats.throttledCalls;
    proxy.setWholeCallThrottleRate(1);
    await expect(kinesis.send(new PutRecordsCommand({ StreamName: "limits", Records: entries(1, () => "other") }))).rejects.toMatchObject({
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 },
    });
    proxy.setWholeCallThrottleRate(0);
    expect(proxy.stats.throttledCalls).toBe(before + 1);
  });
});

describe("the push through the shard-limit proxy", () => {
  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html: a request can fail for some of its
  // records only (FailedRecordCount, per-entry ErrorCode); the push resends those records (handlers/push/logic.ts).
  it("resends the throttled entries until every record is on the stream, each exactly once", async () => {
    await servers.createStream("hot", 1);
    const proxy = await startKinesisShardProxy({
      upstream: servers.kinesisEndpoint,
      region: REGION,
      limits: { recordsPerSecond: 400, bytesPerSecond: SHARD_WRITE_LIMITS.bytesPerSecond },
    });
    const kinesis = client(KinesisClient, proxy.endpoint);
    try {
      const records = Array.from({ length: 1_200 }, (_, i) => ({ Data: Buffer.from(`{"event_id":"e-${i}"}\n`), PartitionKey: "same" }));
      const sent = await sendRequests(
        planRequests(records),
        {
          putRecords: (request) => kinesis.send(new PutRecordsCommand(request)),
          sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
          random: () => 1,
        },
        { streamName: "hot", chunkKey: "staging/test/hot.ndjson", maxAttempts: 20, baseDelayMs: 100, maxDelayMs: 400 },
      );
      expect(sent.pushed).toBe(1_200);
      expect(proxy.stats.throttledEntries).toBeGreaterThan(0);
      const { Shards = [] } = await servers.kinesis.send(new ListShardsCommand({ StreamName: "hot" }));
      const { ShardIterator } = await servers.kinesis.send(
        new GetShardIteratorCommand({ StreamName: "hot", ShardId: Shards[0].ShardId!, ShardIteratorType: "TRIM_HORIZON" }),
      );
      const page = await servers.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      const ids = (page.Records ?? []).map((r) => Buffer.from(r.Data!).toString("utf8"));
      expect(ids.length).toBe(1_200);
      expect(new Set(ids).size).toBe(1_200);
    } finally {
      kinesis.destroy();
      await proxy.close();
    }
  });
});

describe("the S3 fault proxy", () => {
  let proxy: S3FaultProxy;
  const bucket = "faults";

  beforeAll(async () => {
    await servers.createBucket(bucket);
    proxy = await startS3FaultProxy({ upstream: servers.s3Endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, random: () => 0.99 });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  // The SDK's standard retry mode retries 500 and 503 (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
  it("answers a request with 503 SlowDown, which the SDK retries, marking the retry", async () => {
    const s3 = client(S3Client, proxy.endpoint, { forcePathStyle: true });
    proxy.resetStats();
    proxy.setFaultRate(0.01); // the first request after arming is faulted; random() = 0.99 spares the rest
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a.txt", Body: "hello" }));
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" }));
    expect(await read.Body!.transformToString()).toBe("hello");
    expect(proxy.stats.injected).toEqual({ SlowDown: 1 });
    expect(proxy.stats.sdkRetries).toBe(1);
    proxy.setFaultRate(0);
    s3.destroy();
  });

  it("fails with the S3 error name once the SDK's attempts are spent", async () => {
    const s3 = client(S3Client, proxy.endpoint, { forcePathStyle: true, maxAttempts: 1 });
    proxy.setFaultRate(0.5);
    proxy.setFaultRate(0.01); // re-armed: the next request fails; InternalError follows SlowDown
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" })).catch(() => undefined);
    proxy.setFaultRate(0.01);
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" }))).rejects.toMatchObject({
      name: expect.stringMatching(/^(SlowDown|InternalError)$/),
    });
    proxy.setFaultRate(0);
    s3.destroy();
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html: x-amz-copy-source-if-match; 412 Precondition Failed otherwise.
  it("enforces CopySourceIfMatch, which s3rver ignores", async () => {
    const s3 = client(S3Client, proxy.endpoint, { forcePathStyle: true });
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "landing/x.ndjson", Body: "one" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "landing/x.ndjson", Body: "two" }));
    await expect(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "processed/x.ndjson",
          CopySource: `${bucket}/landing/x.ndjson`,
          CopySourceIfMatch: ETag,
        }),
      ),
    ).rejects.toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    // Straight to s3rver, the same copy goes through: the guard is the proxy's.
    await expect(
      servers.s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "processed/y.ndjson",
          CopySource: `${bucket}/landing/x.ndjson`,
          CopySourceIfMatch: ETag,
        }),
      ),
    ).resolves.toBeDefined();
    const { ETag: now } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "landing/z.ndjson", Body: "three" }));
    await expect(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "processed/z.ndjson",
          CopySource: `${bucket}/landing/z.ndjson`,
          CopySourceIfMatch: now,
        }),
      ),
    ).resolves.toBeDefined();
    expect(proxy.stats.preconditionFailed).toBe(1);
    s3.destroy();
  });
});

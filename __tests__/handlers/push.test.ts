import { createHash } from "node:crypto";
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { handler } from "../../handlers/push";
import {
  backoffCeiling,
  chunkEntries,
  entryBytes,
  partitionKeyFor,
  planRequests,
  pushChunk,
  PUT_RECORDS_LIMITS,
  sendRequests,
  type PushEntry,
  type PushSettings,
  type PutRecordsRequest,
  type PutRecordsResult,
  type SenderDeps,
} from "../../handlers/push/logic";
import { BATCH_ERRORS } from "../../contract/errors";
import { testBatchSettings } from "../support/schema";

const CHUNK_KEY = "staging/2025-01-01T12/chunk-00000.ndjson";
const SETTINGS: PushSettings = { partitionKeyField: "user_id", eventIdColumn: "event_id", maxPushAttempts: 5 };

/** A small click record; `overrides` replace or remove (undefined) fields. */
function clickRecord(index: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `evt-${String(index).padStart(8, "0")}`,
    event_type: "page_view",
    event_time: "2025-01-01T12:00:00.000Z",
    user_id: `user-${index % 997}`,
    ...overrides,
  };
}

/** NDJSON of the records, as the extract step stages it. */
function ndjson(records: readonly Record<string, unknown>[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join("");
}

function chunkOf(count: number, record: (index: number) => Record<string, unknown> = clickRecord): string {
  return ndjson(Array.from({ length: count }, (_, i) => record(i)));
}

function eventIdOf(entry: PushEntry): string {
  return (JSON.parse(Buffer.from(entry.Data).toString("utf8")) as { event_id: string }).event_id;
}

/** Records every request (a copy of its entries) and answers with the scripted responses in turn. */
function fakeKinesis(respond: (request: PutRecordsRequest, call: number) => PutRecordsResult | Promise<PutRecordsResult>) {
  const requests: PushEntry[][] = [];
  const sleeps: number[] = [];
  const deps: SenderDeps = {
    putRecords: async (request) => {
      requests.push([...request.Records]);
      return respond(request, requests.length);
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
  };
  return { deps, requests, sleeps };
}

const accepted = (request: PutRecordsRequest): PutRecordsResult => ({
  FailedRecordCount: 0,
  Records: request.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-000000000000" })),
});

/** Fails the entries at `failing` indices with the given codes, accepts the rest. */
function failing(request: PutRecordsRequest, failures: Record<number, string>): PutRecordsResult {
  return {
    FailedRecordCount: Object.keys(failures).filter((i) => Number(i) < request.Records.length).length,
    Records: request.Records.map((_, i) =>
      failures[i]
        ? { ErrorCode: failures[i], ErrorMessage: "Rate exceeded for shard" }
        : { SequenceNumber: String(i), ShardId: "shardId-000000000000" },
    ),
  };
}

function throttlingError(name: string): Error {
  return Object.assign(new Error(`${name} for stream clicks`), { name });
}

describe("chunkEntries", () => {
  it("sends each staged line's bytes followed by one newline", () => {
    // Prepare
    const text = '{"event_id":"e1","user_id":"u1"}\n{"event_id":"e2","user_id":"u2"}\n';
    // Act
    const entries = chunkEntries(text, SETTINGS, CHUNK_KEY);
    // Assess
    expect(entries.map((e) => Buffer.from(e.Data).toString("utf8"))).toEqual([
      '{"event_id":"e1","user_id":"u1"}\n',
      '{"event_id":"e2","user_id":"u2"}\n',
    ]);
    expect(entries.map((e) => e.PartitionKey)).toEqual(["u1", "u2"]);
  });

  it("skips blank lines and strips a carriage return", () => {
    const entries = chunkEntries('{"event_id":"e1"}\r\n\n  \n{"event_id":"e2"}', SETTINGS, CHUNK_KEY);

    expect(entries.map((e) => Buffer.from(e.Data).toString("utf8"))).toEqual(['{"event_id":"e1"}\n', '{"event_id":"e2"}\n']);
  });

  it("names the chunk and line of a line that is not a JSON object", () => {
    expect(() => chunkEntries('{"event_id":"e1"}\n{not json\n', SETTINGS, CHUNK_KEY)).toThrow(
      expect.objectContaining({ name: "InvalidChunk", message: expect.stringMatching(/chunk-00000\.ndjson line 2 is not JSON/) }),
    );
    expect(() => chunkEntries("[1,2]\n", SETTINGS, CHUNK_KEY)).toThrow(/line 1 is not a JSON object/);
  });
});

describe("partitionKeyFor", () => {
  const data = Buffer.from("{}\n");

  it("uses the string value of the partition key field", () => {
    expect(partitionKeyFor({ user_id: "user-7", event_id: "e" }, SETTINGS, data)).toBe("user-7");
    expect(partitionKeyFor({ user_id: 42, event_id: "e" }, SETTINGS, data)).toBe("42");
  });

  it("falls back to the event id when the field is empty, null or missing", () => {
    expect(partitionKeyFor({ user_id: "", event_id: "evt-1" }, SETTINGS, data)).toBe("evt-1");
    expect(partitionKeyFor({ user_id: null, event_id: "evt-2" }, SETTINGS, data)).toBe("evt-2");
    expect(partitionKeyFor({ event_id: "evt-3" }, SETTINGS, data)).toBe("evt-3");
  });

  it("hashes keys longer than 256 characters, keeping distinct keys distinct", () => {
    const long = "u".repeat(300);

    const key = partitionKeyFor({ user_id: long }, SETTINGS, data);

    expect(key).toBe(createHash("md5").update(long).digest("hex"));
    expect(partitionKeyFor({ user_id: `${long}x` }, SETTINGS, data)).not.toBe(key);
    expect(partitionKeyFor({ user_id: "k".repeat(256) }, SETTINGS, data)).toBe("k".repeat(256));
  });

  it("hashes the data when neither the field nor the event id has a value", () => {
    expect(partitionKeyFor({}, SETTINGS, data)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("planRequests", () => {
  it("splits 1,201 small records into requests of 500, 500 and 201", () => {
    const entries = chunkEntries(chunkOf(1_201), SETTINGS, CHUNK_KEY);

    const requests = planRequests(entries);

    expect(requests.map((r) => r.length)).toEqual([500, 500, 201]);
    expect(requests.flat()).toEqual(entries);
  });

  it("keeps every request of ~12 MiB of records within 5 MiB, data plus keys", () => {
    // Prepare: 125 records of ~100 KiB
    const text = chunkOf(125, (i) => clickRecord(i, { page_url: "p".repeat(100 * 1024) }));
    const entries = chunkEntries(text, SETTINGS, CHUNK_KEY);
    // Act
    const requests = planRequests(entries);
    // Assess
    const sizes = requests.map((r) => r.reduce((sum, e) => sum + entryBytes(e), 0));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(12 * 1024 * 1024);
    expect(requests.length).toBe(3);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxRequestBytes);
    expect(requests.flat()).toEqual(entries);
  });

  it("accepts a record of exactly 1 MiB with its key and rejects one byte more", () => {
    const entry = (bytes: number): PushEntry => ({ Data: new Uint8Array(bytes - 4), PartitionKey: "user" });

    expect(planRequests([entry(1024 * 1024)])).toHaveLength(1);
    expect(() => planRequests([entry(100), entry(1024 * 1024 + 1)])).toThrow(
      expect.objectContaining({ name: "RecordTooLarge", message: expect.stringMatching(/record 2 is 1048577 bytes/) }),
    );
  });
});

describe("sendRequests and pushChunk", () => {
  it("resends exactly the entries that failed (3 and 7), then stops", async () => {
    // Prepare
    const { deps, requests } = fakeKinesis((request, call) =>
      call === 1 ? failing(request, { 3: "ProvisionedThroughputExceededException", 7: "InternalFailure" }) : accepted(request),
    );
    // Act
    const output = await pushChunk(chunkOf(10), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps);
    // Assess
    expect(requests).toHaveLength(2);
    expect(requests[1].map(eventIdOf)).toEqual(["evt-00000003", "evt-00000007"]);
    expect(requests[1]).toEqual([requests[0][3], requests[0][7]]);
    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 10, calls: 2 });
  });

  it("sends 1,201 small records in 3 calls", async () => {
    const { deps, requests } = fakeKinesis(accepted);

    const output = await pushChunk(chunkOf(1_201), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps);

    expect(requests.map((r) => r.length)).toEqual([500, 500, 201]);
    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 1_201, calls: 3 });
  });

  it("fails with RecordsUndelivered after maxPushAttempts, the backoff ceiling doubling up to its cap", async () => {
    // Prepare: every entry always throttled; random fixed at 1.0 so each delay is its ceiling
    const settings = { ...SETTINGS, maxPushAttempts: 8 };
    const { deps, requests, sleeps } = fakeKinesis((request) =>
      failing(request, Object.fromEntries(request.Records.map((_, i) => [i, "ProvisionedThroughputExceededException"]))),
    );
    // Act
    const push = pushChunk(chunkOf(10), { chunkKey: CHUNK_KEY, streamName: "clicks", settings }, deps);
    // Assess
    await expect(push).rejects.toMatchObject({
      name: BATCH_ERRORS.recordsUndelivered,
      message: `10 of 10 records of ${CHUNK_KEY} were not accepted by Kinesis after 8 attempts: ProvisionedThroughputExceededException ×10`,
    });
    expect(requests).toHaveLength(8);
    expect(sleeps).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000]);
    for (let i = 1; i < sleeps.length; i++) expect(sleeps[i]).toBeGreaterThanOrEqual(sleeps[i - 1]);
  });

  it("draws each delay uniformly below its ceiling (full jitter)", async () => {
    const { deps, sleeps } = fakeKinesis((request, call) => (call < 4 ? failing(request, { 0: "InternalFailure" }) : accepted(request)));
    deps.random = () => 0.25;

    await sendRequests([chunkEntries(chunkOf(2), SETTINGS, CHUNK_KEY)], deps, {
      streamName: "clicks",
      chunkKey: CHUNK_KEY,
      maxAttempts: 5,
    });

    expect(sleeps).toEqual([1, 2, 3].map((n) => 0.25 * backoffCeiling(n, 100, 5_000)));
  });

  it("reports mixed error codes with their counts", async () => {
    const { deps } = fakeKinesis((request) =>
      failing(
        request,
        request.Records.length === 10
          ? {
              1: "ProvisionedThroughputExceededException",
              4: "ProvisionedThroughputExceededException",
              5: "InternalFailure",
              8: "ProvisionedThroughputExceededException",
            }
          : {
              0: "ProvisionedThroughputExceededException",
              1: "ProvisionedThroughputExceededException",
              2: "ProvisionedThroughputExceededException",
              3: "InternalFailure",
            },
      ),
    );

    const push = pushChunk(chunkOf(10), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, maxPushAttempts: 3 } }, deps);

    await expect(push).rejects.toThrow(
      `4 of 10 records of ${CHUNK_KEY} were not accepted by Kinesis after 3 attempts: ProvisionedThroughputExceededException ×3, InternalFailure ×1`,
    );
  });

  it("counts the records of later, unsent requests as undelivered", async () => {
    const { deps, requests } = fakeKinesis((request, call) =>
      call === 1 ? accepted(request) : failing(request, { 0: "InternalFailure" }),
    );

    const push = pushChunk(
      chunkOf(1_100),
      { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, maxPushAttempts: 2 } },
      deps,
    );

    await expect(push).rejects.toThrow(
      /^101 of 1100 records .* after 2 attempts: InternalFailure ×1 \(100 of them in later requests, not sent\)$/,
    );
    expect(requests.map((r) => r.length)).toEqual([500, 500, 1]);
  });

  it("retries a whole call rejected with a throttling exception", async () => {
    const { deps, requests, sleeps } = fakeKinesis((request, call) => {
      if (call === 1) throw throttlingError("LimitExceededException");
      if (call === 2) throw throttlingError("ProvisionedThroughputExceededException");
      return accepted(request);
    });

    const output = await pushChunk(chunkOf(3), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps);

    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 3, calls: 3 });
    expect(requests.map((r) => r.length)).toEqual([3, 3, 3]);
    expect(sleeps).toEqual([100, 200]);
  });

  it("names the exception when whole calls keep being throttled", async () => {
    const { deps } = fakeKinesis(() => {
      throw throttlingError("ProvisionedThroughputExceededException");
    });

    const push = pushChunk(chunkOf(3), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, maxPushAttempts: 2 } }, deps);

    await expect(push).rejects.toMatchObject({
      name: "RecordsUndelivered",
      message: expect.stringMatching(/3 of 3 records .* after 2 attempts: ProvisionedThroughputExceededException ×3$/),
    });
  });

  it("lets a non-throttling error through at once", async () => {
    const { deps, requests } = fakeKinesis(() => {
      throw throttlingError("ResourceNotFoundException");
    });

    const push = pushChunk(chunkOf(3), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps);

    await expect(push).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect(requests).toHaveLength(1);
  });

  it("resends the whole request when a failure count comes without itemised errors", async () => {
    const { deps, requests } = fakeKinesis((request, call) => (call === 1 ? { FailedRecordCount: 2 } : accepted(request)));

    const output = await pushChunk(chunkOf(4), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps);

    expect(requests.map((r) => r.length)).toEqual([4, 4]);
    expect(output.pushed).toBe(4);
  });

  it("sends nothing for an empty chunk", async () => {
    const { deps, requests } = fakeKinesis(accepted);

    expect(await pushChunk("\n", { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps)).toEqual({
      chunkKey: CHUNK_KEY,
      pushed: 0,
      calls: 0,
    });
    expect(requests).toHaveLength(0);
  });

  it("delivers everything through a stream that accepts 1,000 records per second per shard", async () => {
    // Prepare: 4 shards by MD5 of the partition key, a simulated clock advanced by sleeps and 20 ms per call
    const shards = 4;
    let nowMs = 0;
    const perShardSecond = new Map<string, number>();
    const delivered = new Map<string, number>();
    let throttled = 0;
    let seed = 42;
    const { deps, requests } = fakeKinesis((request) => {
      nowMs += 20;
      const second = Math.floor(nowMs / 1000);
      const results = request.Records.map((entry) => {
        const shard = createHash("md5").update(entry.PartitionKey).digest()[0] % shards;
        const bucket = `${shard}@${second}`;
        const used = perShardSecond.get(bucket) ?? 0;
        if (used >= 1_000) {
          throttled++;
          return { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" };
        }
        perShardSecond.set(bucket, used + 1);
        const id = eventIdOf(entry);
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
        return { SequenceNumber: id, ShardId: `shardId-${shard}` };
      });
      return { FailedRecordCount: results.filter((r) => r.ErrorCode).length, Records: results };
    });
    deps.sleep = async (ms) => {
      nowMs += ms;
    };
    deps.random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    // Act
    const output = await pushChunk(
      chunkOf(10_000),
      { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, maxPushAttempts: 10 } },
      deps,
    );
    // Assess
    expect(output.pushed).toBe(10_000);
    expect(delivered.size).toBe(10_000);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    expect(throttled).toBeGreaterThan(0);
    expect(output.calls).toBe(requests.length);
    expect(output.calls).toBeGreaterThan(20);
    expect(nowMs).toBeGreaterThanOrEqual(2_000);
  });
});

describe("push handler", () => {
  const s3 = mockClient(S3Client);
  const kinesis = mockClient(KinesisClient);
  const ORIGINAL_ENV = process.env;
  beforeEach(() => {
    s3.reset();
    kinesis.reset();
    process.env = {
      ...ORIGINAL_ENV,
      LAKE_BUCKET: "acme-lake",
      STREAM_NAME: "clicks",
      BATCH_SETTINGS: JSON.stringify(testBatchSettings(SETTINGS)),
    };
  });
  afterAll(() => {
    process.env = ORIGINAL_ENV;
  });

  const body = (text: string) => ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput["Body"];

  it("reads the chunk from the lake bucket and puts its records on the stream", async () => {
    // Prepare
    s3.on(GetObjectCommand).resolves({ Body: body(chunkOf(600)) });
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsRequest) => accepted(input));
    // Act
    const output = await handler({ batchId: "2025-01-01T12", chunkKey: CHUNK_KEY });
    // Assess
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: "acme-lake", Key: CHUNK_KEY });
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 2);
    expect(kinesis).toHaveReceivedNthSpecificCommandWith(1, PutRecordsCommand, {
      StreamName: "clicks",
      Records: expect.arrayContaining([{ Data: Buffer.from(`${JSON.stringify(clickRecord(0))}\n`), PartitionKey: "user-0" }]),
    });
    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 600, calls: 2 });
  });

  it("resends the entries a partial failure left out", async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(chunkOf(3)) });
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [{ SequenceNumber: "1", ShardId: "s" }, { ErrorCode: "InternalFailure" }, { SequenceNumber: "2", ShardId: "s" }],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: "3", ShardId: "s" }] });

    const output = await handler({ batchId: "b", chunkKey: CHUNK_KEY });

    const second = kinesis.commandCalls(PutRecordsCommand)[1].args[0].input;
    expect(second.Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual([`${JSON.stringify(clickRecord(1))}\n`]);
    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 3, calls: 2 });
  });

  it("refuses a key outside the staging prefix", async () => {
    await expect(handler({ batchId: "b", chunkKey: "data/year=2025/part.parquet" })).rejects.toThrow(/chunkKey must be under staging\//);
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it("names the construct that sets a missing variable", async () => {
    delete process.env.STREAM_NAME;

    await expect(handler({ batchId: "b", chunkKey: CHUNK_KEY })).rejects.toThrow("STREAM_NAME is not set (set by BatchStage)");
  });
});

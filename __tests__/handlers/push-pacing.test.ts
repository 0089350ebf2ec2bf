/**
 * The push paced to its share of the stream's write capacity, on an injected clock: a chunk takes at least
 * as long as its share allows, no longer when calls take no time, and throttled entries are still retried.
 */
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../handlers/push";
import {
  chunkEntries,
  entryBytes,
  paceDelayMs,
  planRequests,
  pushChunk,
  PUT_RECORDS_LIMITS,
  requestLimits,
  sendRequests,
  type PushEntry,
  type PushSettings,
  type PutRecordsRequest,
  type PutRecordsResult,
  type SenderDeps,
  settingsForBatch,
} from "../../handlers/push/logic";
import { batchSettingsSchema, parseSettings } from "../../contract/settings";
import type { WriteRate } from "../../contract/stream-capacity";
import { testBatchSettings } from "../support/schema";

const CHUNK_KEY = "staging/2025-01-01T12/chunk-00000.ndjson";
const SETTINGS: PushSettings = { partitionKeyField: "user_id", eventIdColumn: "event_id", maxPushAttempts: 5 };
const ONE_SHARD: WriteRate = { recordsPerSecond: 1000, bytesPerSecond: 1024 * 1024 };

function chunkOf(count: number, pageBytes = 20): string {
  return Array.from(
    { length: count },
    (_, i) => `${JSON.stringify({ event_id: `evt-${i}`, user_id: `user-${i % 97}`, page_url: "p".repeat(pageBytes) })}\n`,
  ).join("");
}

/** A fake stream and clock: sleeps advance the clock; each call takes `callMs`; `respond` answers. */
function fakeStream(respond: (request: PutRecordsRequest, call: number) => PutRecordsResult, callMs = 0) {
  const clock = { nowMs: 0 };
  const calls: { atMs: number; records: number; bytes: number }[] = [];
  const deps: SenderDeps = {
    putRecords: async (request) => {
      calls.push({
        atMs: clock.nowMs,
        records: request.Records.length,
        bytes: request.Records.reduce((sum, entry) => sum + entryBytes(entry), 0),
      });
      clock.nowMs += callMs;
      return respond(request, calls.length);
    },
    sleep: async (ms) => {
      clock.nowMs += ms;
    },
    random: () => 1,
    now: () => clock.nowMs,
  };
  return { deps, clock, calls };
}

const accepted = (request: PutRecordsRequest): PutRecordsResult => ({
  FailedRecordCount: 0,
  Records: request.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-000000000000" })),
});

const bytesOf = (entries: readonly PushEntry[]) => entries.reduce((sum, entry) => sum + entryBytes(entry), 0);

describe("paceDelayMs", () => {
  it("waits until the records sent fit the records per second: 1,500 records at 1,000/s are due at 1.5 s", () => {
    expect(paceDelayMs({ records: 1500, bytes: 1000 }, 400, ONE_SHARD)).toBeCloseTo(1100);
  });

  it("waits until the bytes sent fit the bytes per second when bytes bind: 3 MiB at 1 MiB/s are due at 3 s", () => {
    expect(paceDelayMs({ records: 10, bytes: 3 * 1024 * 1024 }, 1000, ONE_SHARD)).toBeCloseTo(2000);
  });

  it("does not wait once the time is past what was sent", () => {
    expect(paceDelayMs({ records: 500, bytes: 500 }, 600, ONE_SHARD)).toBe(0);
  });
});

describe("requestLimits", () => {
  it("keeps PutRecords' own limits without a rate", () => {
    expect(requestLimits()).toEqual({
      maxRecordsPerRequest: PUT_RECORDS_LIMITS.maxRecordsPerRequest,
      maxRequestBytes: PUT_RECORDS_LIMITS.maxRequestBytes,
    });
  });

  it("lowers them to one second of the rate", () => {
    expect(requestLimits({ recordsPerSecond: 200, bytesPerSecond: 1024 * 1024 })).toEqual({
      maxRecordsPerRequest: 200,
      maxRequestBytes: 1024 * 1024,
    });
    expect(requestLimits({ recordsPerSecond: 1250, bytesPerSecond: 6 * 1024 * 1024 })).toEqual({
      maxRecordsPerRequest: 500,
      maxRequestBytes: PUT_RECORDS_LIMITS.maxRequestBytes,
    });
  });

  it("sends an entry larger than the lowered byte limit alone, never an empty request", () => {
    const entries = chunkEntries(chunkOf(3, 2000), SETTINGS, CHUNK_KEY);

    const requests = planRequests(entries, { maxRecordsPerRequest: 500, maxRequestBytes: 1000 });

    expect(requests.map((r) => r.length)).toEqual([1, 1, 1]);
    expect(requests.flat()).toEqual(entries);
  });
});

describe("a paced push", () => {
  it("takes at least N ÷ R seconds: 2,500 records at 1,000 records/s take ≥ 2.5 s of the injected clock", async () => {
    // Prepare
    const { deps, clock } = fakeStream(accepted);
    // Act
    const output = await pushChunk(
      chunkOf(2500),
      { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, pushRate: ONE_SHARD } },
      deps,
    );
    // Assess
    expect(output.pushed).toBe(2500);
    expect(clock.nowMs).toBeGreaterThanOrEqual(2500);
  });

  it("is no slower than its share when calls take no time", async () => {
    const { deps, clock } = fakeStream(accepted);

    await pushChunk(chunkOf(2500), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, pushRate: ONE_SHARD } }, deps);

    expect(clock.nowMs).toBeCloseTo(2500, 6);
  });

  it("takes at least bytes ÷ bytes/s when bytes bind", async () => {
    // Prepare: ~2 KB records at 100,000 B/s and 1,000 records/s
    const rate = { recordsPerSecond: 1000, bytesPerSecond: 100_000 };
    const entries = chunkEntries(chunkOf(200, 2000), SETTINGS, CHUNK_KEY);
    const { deps, clock, calls } = fakeStream(accepted);
    // Act
    await sendRequests(planRequests(entries, requestLimits(rate)), deps, {
      streamName: "clicks",
      chunkKey: CHUNK_KEY,
      maxAttempts: 3,
      rate,
    });
    // Assess
    expect(clock.nowMs).toBeGreaterThanOrEqual((1000 * bytesOf(entries)) / rate.bytesPerSecond);
    expect(clock.nowMs).toBeGreaterThan((1000 * entries.length) / rate.recordsPerSecond);
    for (const call of calls) expect(call.bytes).toBeLessThanOrEqual(rate.bytesPerSecond);
  });

  it("never has sent more than one second of its share ahead of the clock", async () => {
    const rate = { recordsPerSecond: 200, bytesPerSecond: 1024 * 1024 };
    const { deps, calls } = fakeStream(accepted, 7);

    await pushChunk(chunkOf(1000), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, pushRate: rate } }, deps);

    expect(calls.map((c) => c.records)).toEqual([200, 200, 200, 200, 200]);
    let sent = 0;
    for (const call of calls) {
      expect(sent).toBeLessThanOrEqual((call.atMs / 1000) * rate.recordsPerSecond);
      sent += call.records;
    }
  });

  it("still resends throttled entries, and counts the resent ones against its share", async () => {
    // Prepare: the first call has entries 3 and 7 throttled
    const { deps, clock, calls } = fakeStream((request, call) =>
      call === 1
        ? {
            FailedRecordCount: 2,
            Records: request.Records.map((_, i) =>
              i === 3 || i === 7
                ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" }
                : { SequenceNumber: "1" },
            ),
          }
        : accepted(request),
    );
    // Act
    const output = await pushChunk(
      chunkOf(10),
      {
        chunkKey: CHUNK_KEY,
        streamName: "clicks",
        settings: { ...SETTINGS, pushRate: { recordsPerSecond: 10, bytesPerSecond: 1024 * 1024 } },
      },
      deps,
    );
    // Assess
    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 10, calls: 2 });
    expect(calls.map((c) => c.records)).toEqual([10, 2]);
    expect(calls[1].atMs).toBeGreaterThanOrEqual(1000);
    expect(clock.nowMs).toBeGreaterThanOrEqual((1000 * 12) / 10);
  });

  it("does not pace, and needs no clock, without a rate", async () => {
    const { deps, clock } = fakeStream(accepted);
    delete deps.now;

    await pushChunk(chunkOf(2500), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: SETTINGS }, deps);

    expect(clock.nowMs).toBe(0);
  });

  it("refuses a rate without a clock", async () => {
    const { deps } = fakeStream(accepted);
    delete deps.now;

    await expect(
      pushChunk(chunkOf(3), { chunkKey: CHUNK_KEY, streamName: "clicks", settings: { ...SETTINGS, pushRate: ONE_SHARD } }, deps),
    ).rejects.toThrow(/pacing needs a clock/);
  });
});

describe("push handler", () => {
  const s3 = mockClient(S3Client);
  const kinesis = mockClient(KinesisClient);
  const ORIGINAL_ENV = process.env;
  afterAll(() => {
    process.env = ORIGINAL_ENV;
  });

  it("paces to BATCH_SETTINGS.pushRate on the real clock: 20 records at 100 records/s take ≥ 0.2 s", async () => {
    // Prepare
    const pushRate = { recordsPerSecond: 100, bytesPerSecond: 1024 * 1024 };
    process.env = {
      ...ORIGINAL_ENV,
      LAKE_BUCKET: "acme-lake",
      STREAM_NAME: "clicks",
      BATCH_SETTINGS: JSON.stringify(testBatchSettings({ pushRate })),
    };
    const text = chunkOf(20);
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput["Body"] });
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsRequest) => accepted(input));
    const started = performance.now();
    // Act
    const output = await handler({ batchId: "2025-01-01T12", chunkKey: CHUNK_KEY });
    // Assess
    expect(output).toEqual({ chunkKey: CHUNK_KEY, pushed: 20, calls: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe("BATCH_SETTINGS.pushRate", () => {
  it("is optional, and must be whole records and bytes per second when set", () => {
    const parse = (settings: unknown) => parseSettings(batchSettingsSchema, "BATCH_SETTINGS", JSON.stringify(settings));
    expect(parse(testBatchSettings()).pushRate).toBeUndefined();
    expect(parse(testBatchSettings({ pushRate: ONE_SHARD })).pushRate).toEqual(ONE_SHARD);
    expect(() => parse(testBatchSettings({ pushRate: { recordsPerSecond: 0, bytesPerSecond: 1.5 } }))).toThrow(
      /pushRate\.recordsPerSecond must be an integer ≥ 1, got 0; pushRate\.bytesPerSecond must be an integer ≥ 1, got 1\.5/,
    );
  });
});

describe("settingsForBatch: a batch with fewer ranges than pushes at once", () => {
  const paced: PushSettings = { ...SETTINGS, pushRate: { recordsPerSecond: 1_000, bytesPerSecond: 1_048_576 }, pushConcurrency: 40 };

  it("gives the single range of a batch (one gzip file) the whole stream's capacity", () => {
    expect(settingsForBatch(paced, 1).pushRate).toEqual({ recordsPerSecond: 40_000, bytesPerSecond: 41_943_040 });
  });

  it("divides the capacity among the ranges when they are fewer than the concurrency", () => {
    expect(settingsForBatch(paced, 5).pushRate).toEqual({ recordsPerSecond: 8_000, bytesPerSecond: 8_388_608 });
  });

  it.each([40, 41, undefined])("keeps the share at capacity ÷ concurrency for %s ranges", (rangeCount) => {
    expect(settingsForBatch(paced, rangeCount).pushRate).toEqual(paced.pushRate);
  });

  it("leaves an unpaced push unpaced", () => {
    expect(settingsForBatch(SETTINGS, 1)).toEqual(SETTINGS);
  });
});

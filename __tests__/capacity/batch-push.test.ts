/**
 * The synth warnings for a declared batch the stream cannot take within the run, and for a staging chunk
 * the push function cannot push within its timeout at its share of the stream: at the boundary, with the
 * arithmetic written out.
 */
import { batchPushWarning, capacityWarnings, chunkPushWarning, pushBudget, pushTime } from "../../capacity";
import { loadConfig, type Overrides, type PipelineConfig, type PipelineSettings } from "../../stacks/config";

const MiB = 1024 * 1024;

function configWith(overrides: Overrides<PipelineSettings> = {}): PipelineConfig {
  return loadConfig({ defaults: { namePrefix: "acme", region: "us-east-1" }, environments: { test: overrides } }, "test");
}

/** A batch of `recordsPerBatch` records of `averageRecordBytes` on the default stream (PROVISIONED, 1 shard), 120-minute runs. */
function batchOf(recordsPerBatch: number, averageRecordBytes: number, overrides: Overrides<PipelineSettings> = {}): PipelineConfig {
  return configWith({ ...overrides, workload: { eventsPerSecond: 100, averageRecordBytes, recordsPerBatch } });
}

// Defaults: delivery 60 s processor buffer + 300 s buffer + 120 s margin = 480 s; crawler 1,800 s;
// 2 validation waits × 120 s = 240 s; 2,520 s of waiting in a 7,200 s run leaves 4,680 s.
const AVAILABLE_SECONDS = 4680;

describe("pushBudget", () => {
  it("is the run timeout less the waiting loops: 7,200 − (480 + 1,800 + 240) = 4,680 s by default", () => {
    const budget = pushBudget(configWith());
    expect(budget).toMatchObject({ seconds: AVAILABLE_SECONDS, waitingSeconds: 2520 });
    expect(budget.arithmetic).toBe(
      "batch.runTimeoutMinutes 120 × 60 = 7,200 s less the waiting loops (delivery 480 s + crawler 1,800 s + 2 validation waits × 120 s = 2,520 s) = 4,680 s",
    );
  });
});

describe("pushTime", () => {
  it("lets records bind for small records: 5,000 × 100 B at one shard = 5 s by records, 0.48 s by bytes", () => {
    expect(pushTime(5000, 100, { recordsPerSecond: 1000, bytesPerSecond: MiB })).toEqual({
      recordSeconds: 5,
      byteSeconds: 500_000 / MiB,
      seconds: 5,
      binding: "records",
    });
  });

  it("lets bytes bind for large records: 1,000 × 4,096 B at one shard = 3.9 s by bytes", () => {
    expect(pushTime(1000, 4096, { recordsPerSecond: 1000, bytesPerSecond: MiB })).toMatchObject({ seconds: 3.90625, binding: "bytes" });
  });
});

describe("batchPushWarning", () => {
  it("stays quiet for a batch that just fits by records: 4,680,000 records of 100 B at 1,000 records/s take 4,680 s", () => {
    expect(batchPushWarning(batchOf(AVAILABLE_SECONDS * 1000, 100))).toBeUndefined();
  });

  it("warns for one record more, with the arithmetic, the binding limit and the fixes", () => {
    const warning = batchPushWarning(batchOf(AVAILABLE_SECONDS * 1000 + 1, 100));
    expect(warning).toContain("workload.recordsPerBatch 4,680,001 cannot be pushed within batch.runTimeoutMinutes 120");
    expect(warning).toContain("PROVISIONED, 1 shard × 1,000 records/s and 1 MiB/s = 1,000 records/s and 1 MiB/s");
    expect(warning).toContain("records 4,680,001 ÷ 1,000/s = 4,680 s");
    expect(warning).toContain("records bind: 4,680 s (78 min), against 4,680 s available");
    expect(warning).toMatch(
      /Fix: set stream\.shardCount to at least 2; or set stream\.mode to ON_DEMAND \(19\.5 min at its initial 4 MiB\/s/,
    );
    expect(warning).toContain("raise batch.runTimeoutMinutes to at least 121");
    expect(warning).toContain("at most 4,680,000 records per run at this rate");
  });

  it("stays quiet for a batch that just fits by bytes: 4,680 s × 256 records of 4,096 B per second", () => {
    expect(batchPushWarning(batchOf(AVAILABLE_SECONDS * 256, 4096))).toBeUndefined();
  });

  it("warns for one record more, with bytes binding", () => {
    const warning = batchPushWarning(batchOf(AVAILABLE_SECONDS * 256 + 1, 4096));
    expect(warning).toMatch(/bytes 1,198,081 × 4,096 B = 4\.6 GiB ÷ 1 MiB\/s = 4,680 s; bytes bind/);
    expect(warning).toContain("at most 1,198,080 records per run");
  });

  it("judges an ON_DEMAND stream by its initial 4,000 records/s and points to shards", () => {
    const warning = batchPushWarning(batchOf(AVAILABLE_SECONDS * 4000 + 1, 100, { stream: { mode: "ON_DEMAND" } }));
    expect(warning).toContain("ON_DEMAND, starting at 4,000 records/s and 4 MiB/s");
    expect(warning).toContain("set stream.mode to PROVISIONED with stream.shardCount at least 5");
    expect(batchPushWarning(batchOf(AVAILABLE_SECONDS * 4000, 100, { stream: { mode: "ON_DEMAND" } }))).toBeUndefined();
  });

  it("scales with the shards: 3 shards take 3 × as many records", () => {
    expect(batchPushWarning(batchOf(AVAILABLE_SECONDS * 3000, 100, { stream: { shardCount: 3 } }))).toBeUndefined();
    expect(batchPushWarning(batchOf(AVAILABLE_SECONDS * 3000 + 1, 100, { stream: { shardCount: 3 } }))).toBeDefined();
  });

  it("leaves out a longer run timeout when even 1,440 minutes would not do", () => {
    const warning = batchPushWarning(batchOf(100_000_000, 100));
    expect(warning).not.toContain("batch.runTimeoutMinutes to at least");
    expect(warning).toContain("set stream.shardCount to at least 22");
  });

  it("stays quiet without a declared batch size or with the batch path off", () => {
    expect(batchPushWarning(configWith({ workload: { eventsPerSecond: 100, averageRecordBytes: 100 } }))).toBeUndefined();
    expect(batchPushWarning(batchOf(100_000_000, 100, { batch: { enabled: false } }))).toBeUndefined();
  });

  it("is among the synth warnings", () => {
    expect(capacityWarnings(batchOf(AVAILABLE_SECONDS * 1000 + 1, 100))).toContainEqual(
      expect.stringMatching(/^workload\.recordsPerBatch 4,680,001 cannot be pushed/),
    );
  });
});

describe("chunkPushWarning", () => {
  // One shard: a chunk's share is 1,000 records/s and 1 MiB/s; the push function times out at 300 s.
  it("stays quiet for a chunk that just fits: 5,000 records of 62,914 B take 299.99 s", () => {
    expect(chunkPushWarning(batchOf(1, 62_914))).toBeUndefined();
  });

  it("warns for a chunk that does not, naming the largest chunk that fits", () => {
    const warning = chunkPushWarning(batchOf(1, 62_915));
    expect(warning).toMatch(
      /a staging chunk of batch\.recordsPerChunk 5,000 records cannot be pushed within the push function's 300 s timeout/,
    );
    expect(warning).toContain("capacity ÷ 1 chunk at once = 1,000 records/s and 1 MiB/s");
    expect(warning).toContain("Fix: set batch.recordsPerChunk to at most 4,999");
  });
});

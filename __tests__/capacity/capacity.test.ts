/**
 * The capacity planner: the shard formula on hand-computed cases, the files buffering writes, the
 * cost model on a worked example whose arithmetic is written out here, the savings, the synth-time
 * warnings, and the workload part of the configuration.
 */
import type { State } from "../../state-machines/asl";
import { buildBatchWorkflow } from "../../state-machines/batch-workflow";
import {
  batchRunTransitions,
  capacityWarnings,
  CostLine,
  deliveryFiles,
  estimatedAlarms,
  HAPPY_PATH,
  planCapacity,
  PlanOptions,
  priceItems,
  requiredShards,
  resolveWorkload,
  runsPerDay,
  US_EAST_1_PRICES,
  Workload,
} from "../../capacity";
import { ConfigError, loadConfig, Overrides, PipelineConfig, PipelineSettings, WorkloadSettings } from "../../stacks/config";
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { synthPipeline, testConfig } from "../support/synth";

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const MiB = 1024 ** 2;

/** A validated configuration of environment `test` in us-east-1 (the price table's region). */
function configWith(overrides: Overrides<PipelineSettings> = {}): PipelineConfig {
  return loadConfig({ defaults: { namePrefix: "acme", region: "us-east-1" }, environments: { test: overrides } }, "test");
}

/** The ConfigError for `overrides`, or a failure when none is thrown. */
function problemsFor(overrides: Overrides<PipelineSettings>): ConfigError {
  try {
    configWith(overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const workloadOf = (declared: WorkloadSettings, config: PipelineConfig): Workload => resolveWorkload(declared, config);

// ------------------------------------------------------------------------------------ shards

describe("requiredShards", () => {
  const base = { peakFactor: 1, consumers: 1 };

  it("lets incoming bytes bind: 500 events/s × 3,000 B = 1,500,000 B/s ÷ 1,048,576 = 1.43 → 2 shards", () => {
    const result = requiredShards({ ...base, eventsPerSecond: 500, averageRecordBytes: 3000 });
    // records 500 ÷ 1,000 = 0.5 → 1; out 1,500,000 ÷ 2,097,152 = 0.72 → 1
    expect(result).toMatchObject({ shards: 2, binding: "bytesIn", byLimit: { bytesIn: 2, recordsIn: 1, bytesOut: 1 } });
  });

  it("lets incoming records bind: 2,500 records/s ÷ 1,000 = 2.5 → 3 shards", () => {
    const result = requiredShards({ ...base, eventsPerSecond: 2500, averageRecordBytes: 100 });
    // bytes 250,000 ÷ 1,048,576 = 0.24 → 1; out 0.12 → 1
    expect(result).toMatchObject({ shards: 3, binding: "recordsIn", byLimit: { bytesIn: 1, recordsIn: 3, bytesOut: 1 } });
  });

  it("lets outgoing bytes bind with four consumers: 900,000 B/s × 4 ÷ 2,097,152 = 1.72 → 2 shards", () => {
    const result = requiredShards({ ...base, consumers: 4, eventsPerSecond: 600, averageRecordBytes: 1500 });
    // in 900,000 ÷ 1,048,576 = 0.86 → 1; records 0.6 → 1
    expect(result).toMatchObject({ shards: 2, binding: "bytesOut", byLimit: { bytesIn: 1, recordsIn: 1, bytesOut: 2 } });
  });

  it("rounds up: 1,001 records/s need 2 shards", () => {
    expect(requiredShards({ ...base, eventsPerSecond: 1001, averageRecordBytes: 100 }).shards).toBe(2);
  });

  it("does not round up a load exactly at the limit: 1,000 records/s fit 1 shard", () => {
    expect(requiredShards({ ...base, eventsPerSecond: 1000, averageRecordBytes: 100 }).shards).toBe(1);
  });

  it("sizes for the peak: 400 events/s × peak factor 3 = 1,200 records/s → 2 shards", () => {
    expect(requiredShards({ ...base, peakFactor: 3, eventsPerSecond: 400, averageRecordBytes: 100 }).shards).toBe(2);
  });

  it("needs at least one shard however small the load", () => {
    expect(requiredShards({ ...base, eventsPerSecond: 0.01, averageRecordBytes: 10 }).shards).toBe(1);
  });

  it("counts records, not events, when events are packed: 2,500 events/s ÷ 5 per record = 500 records/s → 1 shard", () => {
    expect(requiredShards({ ...base, eventsPerSecond: 2500, averageRecordBytes: 100, eventsPerRecord: 5 }).shards).toBe(1);
  });

  it("writes the computation out", () => {
    expect(requiredShards({ ...base, eventsPerSecond: 2500, averageRecordBytes: 100 }).arithmetic).toContain(
      "records 2,500/s ÷ 1,000 = 2.5 → 3",
    );
  });
});

// ------------------------------------------------------------------------------------ files

describe("deliveryFiles", () => {
  it("flushes on the interval at 100 KiB/s: 102,400 × 300 = 30,720,000 B per flush, 12 files/hour", () => {
    const files = deliveryFiles({
      bytesPerSecond: 102_400,
      bufferSizeMiB: 128,
      bufferIntervalSeconds: 300,
      compressionRatio: 0.25,
      format: "parquet",
    });
    expect(files).toMatchObject({ flushedBy: "interval", filesPerHour: 12, bufferedBytes: 30_720_000, fileBytes: 7_680_000 });
  });

  it("calls files small when the interval flushes a buffer under a quarter full (30,720,000 B is 22.9% of 128 MiB)", () => {
    const files = deliveryFiles({
      bytesPerSecond: 102_400,
      bufferSizeMiB: 128,
      bufferIntervalSeconds: 300,
      compressionRatio: 0.25,
      format: "parquet",
    });
    expect(files.small).toBe(true);
  });

  it("flushes on size when the buffer fills first: 128 MiB at 1 MiB/s every 128 s, 28.125 files/hour", () => {
    const files = deliveryFiles({
      bytesPerSecond: MiB,
      bufferSizeMiB: 128,
      bufferIntervalSeconds: 300,
      compressionRatio: 0.25,
      format: "parquet",
    });
    expect(files).toMatchObject({ flushedBy: "size", flushSeconds: 128, filesPerHour: 28.125, fileBytes: 32 * MiB, small: false });
  });
});

describe("runsPerDay", () => {
  it.each([
    ["cron(10 * * * ? *)", 24],
    ["cron(0 2 * * ? *)", 1],
    ["cron(0/15 * * * ? *)", 96],
    ["rate(6 hours)", 4],
    ["rate(1 day)", 1],
  ])("counts %s as %d runs a day", (expression, runs) => {
    expect(runsPerDay(expression)).toBe(runs);
  });

  it("averages a weekday schedule over the week", () => {
    expect(runsPerDay("cron(0 2 ? * MON-FRI *)")).toBeCloseTo(5 / 7, 10);
  });

  it("counts no runs without a schedule", () => {
    expect(runsPerDay(null)).toBe(0);
  });
});

// ------------------------------------------------------------------------------------ Step Functions

describe("batchRunTransitions", () => {
  const definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
  const successors = (name: string): string[] => {
    const child = (definition.States.ExtractAndPush as any).ItemProcessor.States;
    const state = (definition.States[name] ?? child[name] ?? child.PushRangeChunks.ItemProcessor.States[name]) as State &
      Record<string, any>;
    const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c: { Next: string }) => c.Next)];
    if (state.Type === "Map") next.push(state.ItemProcessor.StartAt);
    return next.filter((n): n is string => typeof n === "string");
  };
  const sequence = [
    ...HAPPY_PATH.start,
    ...HAPPY_PATH.perRange,
    ...HAPPY_PATH.perChunk,
    ...HAPPY_PATH.afterMap,
    ...HAPPY_PATH.startDelivery,
    ...HAPPY_PATH.deliveryMiss,
    ...HAPPY_PATH.deliveryHit,
    ...HAPPY_PATH.startValidation,
    ...HAPPY_PATH.startCrawl,
    ...HAPPY_PATH.crawlerBusy,
    ...HAPPY_PATH.crawlerDone,
    ...HAPPY_PATH.validationRun,
    ...HAPPY_PATH.validationRetry,
    ...HAPPY_PATH.validationRun,
    ...HAPPY_PATH.finish,
  ];

  it("follows transitions the built workflow has, state by state", () => {
    const broken = sequence.slice(0, -1).flatMap((from, i) => {
      const to = sequence[i + 1]!;
      // The chunk's iteration ends inside the child's inline Map, the child inside the Distributed Map; the Map itself then moves on.
      if (from === HAPPY_PATH.perChunk[0])
        return successors(HAPPY_PATH.start[HAPPY_PATH.start.length - 1]!).includes(to) ? [] : [`${from} → ${to}`];
      return successors(from).includes(to) ? [] : [`${from} → ${to}`];
    });
    expect(broken).toEqual([]);
  });

  it("ends in the workflow's success state", () => {
    expect(definition.States[HAPPY_PATH.finish[HAPPY_PATH.finish.length - 1]!]!.Type).toBe("Succeed");
  });

  it("counts 91 transitions for 1 range of 20 chunks, 6 delivery checks, 4 crawler polls and 1 validation run", () => {
    // start 7 + ranges 1 × 2 + chunks 20 + summarize 1 + delivery (1 + 5 × 5 + 3 = 29) + crawl (2 + 3 × 5 + 5 = 22) + validation (1 + 6) + finish 3
    expect(batchRunTransitions({ chunks: 20, deliveryChecks: 6, crawlerPolls: 4, validationRuns: 1 }).transitions).toBe(91);
  });

  it("counts each range's child execution: 3 ranges add 2 × 2 transitions to 1 range", () => {
    const shape = { chunks: 20, deliveryChecks: 6, crawlerPolls: 4, validationRuns: 1 };
    expect(batchRunTransitions({ ...shape, ranges: 3 }).transitions - batchRunTransitions(shape).transitions).toBe(4);
  });
});

// ------------------------------------------------------------------------------------ price table

describe("US_EAST_1_PRICES", () => {
  it("names its region and the date it was taken", () => {
    expect(US_EAST_1_PRICES).toMatchObject({ region: "us-east-1", currency: "USD", takenOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it("gives every item a source, a date and a status", () => {
    const incomplete = priceItems(US_EAST_1_PRICES).filter(({ price }) => !price.source || !/^\d{4}/.test(price.seen) || !price.status);
    expect(incomplete).toEqual([]);
  });

  it("flags the extended-retention shard-hour rate as UNCONFIRMED", () => {
    expect(US_EAST_1_PRICES.kinesis.extendedRetentionShardHour.status).toBe("unconfirmed");
  });
});

// ------------------------------------------------------------------------------------ cost model

/**
 * Worked example: 100 events/s of 1,024 B, flat (peak factor 1), one consumer (Firehose), no batch
 * path, no monitoring, 24 h retention, the hourly crawler, 100 Athena queries a day scanning 1 MiB each.
 *   records a month   = 100 × 2,592,000 s (30 days)                 = 259,200,000
 *   JSON bytes        = 259,200,000 × 1,024 B = 265,420,800,000 B     = 247.19 GiB
 */
describe("the cost model on the worked example", () => {
  const config = configWith({
    stream: { retentionHours: 24 },
    batch: { enabled: false },
    monitoring: { enabled: false },
  });
  const workload = workloadOf(
    { eventsPerSecond: 100, averageRecordBytes: 1024, athenaQueriesPerDay: 100, athenaBytesScannedPerQuery: MiB },
    config,
  );
  const plan = (options: PlanOptions = {}, settings: PipelineConfig = config) => planCapacity({ settings, workload, options });
  const costOf = (item: string, lines: readonly CostLine[] = plan().costs) => {
    const found = lines.find((l) => l.item.startsWith(item));
    if (!found) throw new Error(`no cost line "${item}" in ${lines.map((l) => l.item).join(", ")}`);
    return found;
  };

  it("bills one shard for 720 hours: 1 × 720 × $0.015 = $10.80", () => {
    expect(costOf("shard-hours").monthlyUsd).toBeCloseTo(10.8, 10);
  });

  it("bills one 25 KiB PUT payload unit per 1 KiB record: 259.2M units × $0.014/M = $3.6288", () => {
    expect(costOf("PUT payload units").monthlyUsd).toBeCloseTo(3.6288, 10);
  });

  it("bills Firehose ingestion in 5 KiB steps: 259,200,000 × 5,120 B = 1,235.96 GiB × $0.029 = $35.84", () => {
    // Without the rounding it would be 247.19 GiB × $0.029 = $7.17: 1 KiB events cost as much as 5 KiB ones.
    const expected = ((259_200_000 * 5120) / GiB) * 0.029;
    expect(costOf("ingestion").monthlyUsd).toBeCloseTo(expected, 10);
    expect(expected).toBeCloseTo(35.84, 2);
  });

  it("bills the Parquet conversion on the same rounded volume: 1,235.96 GiB × $0.018 = $22.25", () => {
    expect(costOf("JSON → Parquet conversion").monthlyUsd).toBeCloseTo(((259_200_000 * 5120) / GiB) * 0.018, 10);
  });

  it("bills each Athena query at least 10 MB: 3,000 queries × 10 MiB (not 1 MiB) = 0.0286 TiB × $5 = $0.143", () => {
    const expected = ((3000 * 10 * MiB) / TiB) * 5;
    expect(costOf("queries").monthlyUsd).toBeCloseTo(expected, 10);
    expect(expected).toBeCloseTo(0.143, 3);
  });

  it("bills every hourly crawl at the 10-minute minimum: 24 × 30 = 720 crawls × 10 min × 1 DPU = 120 DPU-h × $0.44 = $52.80", () => {
    expect(costOf("crawler").monthlyUsd).toBeCloseTo(52.8, 10);
  });

  it("stores one month of Parquet at a quarter of the JSON: 247.19 GiB × 0.25 × $0.023 = $1.42", () => {
    expect(costOf("Parquet data").monthlyUsd).toBeCloseTo((265_420_800_000 / GiB) * 0.25 * 0.023, 10);
  });

  it("writes each line's arithmetic ending in its amount", () => {
    const lines = plan().costs;
    expect(lines.filter((l) => !/= \$[\d,.]+$/.test(l.arithmetic))).toEqual([]);
  });

  it("totals the lines", () => {
    const result = plan();
    expect(result.totalUsd).toBeCloseTo(
      result.costs.reduce((sum, l) => sum + l.monthlyUsd, 0),
      10,
    );
  });

  it("marks the lines that use an UNCONFIRMED price", () => {
    const withRetention = plan(
      {},
      configWith({ stream: { retentionHours: 168 }, batch: { enabled: false }, monitoring: { enabled: false } }),
    );
    expect(costOf("extended retention", withRetention.costs).unconfirmed).toBe(true);
  });

  it("bills no stream retention beyond 24 hours when the stream keeps 24 hours", () => {
    expect(plan().costs.filter((l) => l.item.includes("retention") && l.service === "Kinesis Data Streams")).toEqual([]);
  });

  it("adds dynamic partitioning only with event-time partitions", () => {
    const eventTime = plan(
      {},
      configWith({ batch: { enabled: false }, monitoring: { enabled: false }, partitioning: { partitionTime: "event" } }),
    );
    expect(plan().costs.some((l) => l.item.startsWith("dynamic partitioning"))).toBe(false);
    expect(costOf("dynamic partitioning, data", eventTime.costs).monthlyUsd).toBeCloseTo((265_420_800_000 / GiB) * 0.02, 10);
  });

  it("adds a KMS key only with a customer-managed key", () => {
    const withKey = plan(
      {},
      configWith({ batch: { enabled: false }, monitoring: { enabled: false }, security: { encryption: "customer-managed" } }),
    );
    expect(plan().costs.some((l) => l.service === "KMS")).toBe(false);
    expect(costOf("customer-managed key", withKey.costs).monthlyUsd).toBe(1);
  });

  it("prices QuickSight users when asked: 2 authors × $24 + 5 readers × $3 = $63", () => {
    expect(costOf("users", plan({ quickSight: { authors: 2, readers: 5 } }).costs).monthlyUsd).toBe(63);
  });

  it("leaves QuickSight out when it is neither enabled nor asked for", () => {
    expect(plan().costs.some((l) => l.service === "QuickSight")).toBe(false);
  });

  it("subtracts the Lambda free tier only when asked", () => {
    expect(costOf("requests", plan().costs).monthlyUsd).toBeGreaterThan(0);
    expect(costOf("requests", plan({ applyFreeTiers: true }).costs).monthlyUsd).toBe(0);
  });

  it("estimates as many CloudWatch alarms as the stack creates", () => {
    expect(estimatedAlarms(testConfig())).toBe(synthPipeline().resources("aws_cloudwatch_metric_alarm").length);
  });

  it("warns that us-east-1 prices are used for another region", () => {
    const euWest = loadConfig({ defaults: { namePrefix: "acme", region: "eu-west-1" }, environments: { test: {} } }, "test");
    expect(plan({}, euWest).warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/us-east-1 list prices.*deploys to eu-west-1/)]),
    );
  });
});

// ------------------------------------------------------------------------------------ savings

describe("savings", () => {
  const quiet = { batch: { enabled: false }, monitoring: { enabled: false } } as const;
  const saving = (overrides: Overrides<PipelineSettings>, declared: WorkloadSettings, id: string) => {
    const config = configWith({ ...quiet, ...overrides });
    const result = planCapacity({ settings: config, workload: workloadOf(declared, config) });
    return result.savings.find((s) => s.id === id)!;
  };
  const steady = { eventsPerSecond: 100, averageRecordBytes: 1024 };

  it("keeps a steady stream PROVISIONED: ON_DEMAND costs $44.03 more at 100 events/s of 1 KiB", () => {
    // PROVISIONED: 1 shard $10.80 + PUT units $3.63 = $14.43
    // ON_DEMAND: 720 h × $0.04 = $28.80 + 247.19 GiB × ($0.08 in + $0.04 out) = $29.66 → $58.46
    const result = saving({ stream: { retentionHours: 24 } }, steady, "stream-mode");
    expect(result).toMatchObject({ saves: false, title: "Keep the stream PROVISIONED" });
    expect(result.monthlyUsd).toBeCloseTo(28.8 + (265_420_800_000 / GiB) * 0.12 - (10.8 + 3.6288), 6);
  });

  it("recommends ON_DEMAND for a spiky stream that needs shards for a rare peak", () => {
    // peak 10 × 200 = 2,000 events/s × 10,240 B = 19.5 MiB/s → 20 shards × $10.80 = $216 for 247 GiB a month
    const result = saving(
      { stream: { retentionHours: 24 } },
      { eventsPerSecond: 10, peakFactor: 200, averageRecordBytes: 10_240 },
      "stream-mode",
    );
    expect(result).toMatchObject({ saves: true, title: "Switch the stream to ON_DEMAND" });
  });

  it("prices dropping the crawler's schedule at no less than its 720 minimum-billed crawls ($52.80)", () => {
    const result = saving({}, steady, "crawler-batch-only");
    expect(result.saves).toBe(true);
    expect(result.monthlyUsd).toBeGreaterThanOrEqual(52.8);
    expect(result.monthlyUsd).toBeLessThan(53.5);
  });

  it("prices partition projection like dropping the schedule, since the crawler stays for the batch workflow", () => {
    expect(saving({}, steady, "partition-projection").monthlyUsd).toBeCloseTo(saving({}, steady, "crawler-batch-only").monthlyUsd, 10);
  });

  it("finds nothing to save on the crawler when partition projection is on", () => {
    expect(saving({ catalog: { partitionProjection: true } }, steady, "crawler-batch-only")).toMatchObject({ saves: false, monthlyUsd: 0 });
  });

  it("prices 168 h of retention on one provisioned shard at 720 × $0.02 = $14.40", () => {
    expect(saving({ stream: { retentionHours: 168 } }, steady, "retention-24h").monthlyUsd).toBeCloseTo(14.4, 10);
  });

  it("packs 5 events of 1,024 B per record and saves at least Firehose's rounding: (1,235.96 − 247.19) GiB × $0.047 = $46.47", () => {
    const result = saving({ stream: { retentionHours: 24 } }, steady, "record-packing");
    expect(result.title).toBe("Pack 5 events per Kinesis record");
    expect(result.monthlyUsd).toBeGreaterThanOrEqual(((259_200_000 * 5120 - 265_420_800_000) / GiB) * 0.047 - 1e-9);
  });

  it("states that record format conversion accepts concatenated JSON objects, as verified in AWS's documentation", () => {
    expect(saving({}, steady, "record-packing").detail).toMatch(
      /accepts several JSON documents in one record when they are concatenated.*verified in AWS documentation: https:\/\/docs\.aws\.amazon\.com\/firehose\/latest\/dev\/record-format-conversion\.html/,
    );
  });

  it("suggests no packing when events already fill a 5 KiB step", () => {
    expect(saving({}, { eventsPerSecond: 100, averageRecordBytes: 5120 }, "record-packing")).toMatchObject({ saves: false, monthlyUsd: 0 });
  });
});

// ------------------------------------------------------------------------------------ synth warnings

describe("capacityWarnings", () => {
  it("warns when the configured shards are below the peak, naming the numbers", () => {
    // 2,500 events/s × 1,200 B = 3,000,000 B/s ÷ 1,048,576 = 2.86 → 3 shards; 2,500 records/s → 3 shards
    const config = configWith({ stream: { shardCount: 1 }, workload: { eventsPerSecond: 2500, averageRecordBytes: 1200 } });
    expect(capacityWarnings(config)).toEqual([
      expect.stringMatching(/stream\.shardCount is 1, but the declared workload needs 3 shards at peak/),
    ]);
  });

  it("gives no warning when the shards suffice and the buffer fills before the interval", () => {
    const config = configWith({ stream: { shardCount: 3 }, workload: { eventsPerSecond: 2500, averageRecordBytes: 1200 } });
    expect(capacityWarnings(config)).toEqual([]);
  });

  it("warns when buffering writes files far smaller than the buffer size, naming the sizes", () => {
    const config = configWith({ workload: { eventsPerSecond: 100, averageRecordBytes: 1024 } });
    expect(capacityWarnings(config)).toEqual([
      expect.stringMatching(/files of about 29\.\d MiB of JSON \(7\.\d MiB Parquet\) every 300 s, 23% of delivery\.bufferSizeMiB 128/),
    ]);
  });

  it("gives no warning without a declared workload", () => {
    expect(capacityWarnings(configWith({ stream: { shardCount: 1 } }))).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------ configuration

describe("the workload and partition projection settings", () => {
  it("leave the workload unset and partition projection off by default", () => {
    const config = configWith();
    expect(config.workload).toBeUndefined();
    expect(config.catalog.partitionProjection).toBe(false);
  });

  it("accept a declared workload", () => {
    expect(configWith({ workload: { eventsPerSecond: 100, averageRecordBytes: 1024, peakFactor: 3 } }).workload).toEqual({
      eventsPerSecond: 100,
      averageRecordBytes: 1024,
      peakFactor: 3,
    });
  });

  it("derive batch runs from the batch schedule when the workload does not declare them", () => {
    const config = configWith({ batch: { schedule: "rate(6 hours)" }, workload: { eventsPerSecond: 1, averageRecordBytes: 100 } });
    expect(resolveWorkload(config.workload!, config).batchRunsPerDay).toBe(4);
  });

  it("reject a negative event rate with field, received, allowed and fix", () => {
    expect(problemsFor({ workload: { eventsPerSecond: -5, averageRecordBytes: 1024 } }).message).toMatch(
      /\[test\] workload\.eventsPerSecond: received -5; allowed: a number greater than 0 and at most 10,000,000 \(average events per second\)\. Fix: set the average/,
    );
  });

  it("reject a fractional record size", () => {
    expect(problemsFor({ workload: { eventsPerSecond: 1, averageRecordBytes: 10.5 } }).message).toMatch(
      /workload\.averageRecordBytes: received 10\.5; allowed: an integer from 1 to 1,024,000/,
    );
  });

  it("reject a peak factor below 1", () => {
    expect(problemsFor({ workload: { eventsPerSecond: 1, averageRecordBytes: 100, peakFactor: 0.5 } }).message).toMatch(
      /workload\.peakFactor: received 0\.5; allowed: a number from 1 to 1,000/,
    );
  });

  it("reject a maximum record size below the average", () => {
    expect(problemsFor({ workload: { eventsPerSecond: 1, averageRecordBytes: 1000, maxRecordBytes: 500 } }).message).toMatch(
      /workload\.maxRecordBytes: received 500; allowed: at least averageRecordBytes \(1000\)/,
    );
  });

  it("reject an unknown workload field", () => {
    const workload = { eventsPerSecond: 1, averageRecordBytes: 100, eventsPerMinute: 60 } as unknown as WorkloadSettings;
    expect(problemsFor({ workload }).message).toMatch(/workload\.eventsPerMinute/);
  });
});

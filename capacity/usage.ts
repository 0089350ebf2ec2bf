/**
 * The monthly usage the cost lines price: volumes, shards, files, one batch run's shape, function
 * invocations, crawls and S3 requests. Several services bill the same usage (KMS the S3 requests,
 * CloudWatch the invocations), so it is worked out once, before any price is applied. Pure.
 */
import { CRAWLER_POLL_SECONDS, DELIVERY_POLL_SECONDS } from "../stacks/config/batch-timing";
import type { PlanAssumptions } from "./assumptions";
import { batchRunTransitions, BatchRunShape } from "./batch-transitions";
import { LARGEST_RANGE_BYTES } from "../state-machines/history";
import { deliveryFiles, FilePlan } from "./files";
import type { PriceTable } from "./prices";
import { requiredShards, ShardRequirement } from "./shards";
import { ceilSafe, DAYS_PER_MONTH, GiB, HOURS_PER_MONTH, MiB, num, SECONDS_PER_MONTH } from "./units";
import { monthlyVolumes, PlannerSettings, Volumes, Workload } from "./workload";

/** Options of the cost model. */
export interface CostOptions {
  readonly prices: PriceTable;
  readonly assumptions: PlanAssumptions;
  /** Subtract the account's monthly free tiers (they are shared with every other workload). */
  readonly applyFreeTiers: boolean;
  /** QuickSight users, when dashboards are planned. */
  readonly quickSight?: { readonly authors: number; readonly readers: number };
}

/** One batch run's loops, its state transitions and their arithmetic. */
export type BatchRun = BatchRunShape & { transitions: number; arithmetic: string };

/** Lambda invocations and compute of a month. */
export interface Invocations {
  readonly transformCalls: number;
  readonly mibPerCall: number;
  readonly transformSeconds: number;
  readonly transformGbS: number;
  readonly batchCalls: number;
  readonly runGbS: number;
  readonly batchGbS: number;
}

/** S3 requests of a month, by kind. */
export interface S3Requests {
  readonly dataFiles: number;
  readonly rawFiles: number;
  readonly resultPuts: number;
  readonly stagingPuts: number;
  readonly lists: number;
  readonly puts: number;
  readonly objectsPerQuery: number;
  readonly gets: number;
}

/** Everything the per-service cost functions read. */
export interface MonthlyUsage {
  readonly settings: PlannerSettings;
  readonly workload: Workload;
  readonly prices: PriceTable;
  readonly assumptions: PlanAssumptions;
  /** Subtract the free tiers. */
  readonly free: boolean;
  readonly quickSight?: CostOptions["quickSight"];
  readonly volumes: Volumes;
  readonly shards: ShardRequirement;
  readonly billedShards: number;
  readonly parquet: boolean;
  readonly files: FilePlan;
  readonly batchRun: BatchRun;
  /** JSON GiB a day. */
  readonly dailyJsonGb: number;
  readonly invocations: Invocations;
  /** Crawler runs a month, scheduled and batch. */
  readonly crawls: number;
  readonly s3: S3Requests;
}

/** Works out the month's usage of `settings` under `workload`. */
export function monthlyUsage(settings: PlannerSettings, workload: Workload, options: CostOptions): MonthlyUsage {
  const { prices, assumptions: A } = options;
  const volumes = monthlyVolumes(settings, workload);
  const shards = requiredShards(workload);
  const parquet = settings.delivery.format === "parquet";
  const files = deliveryFiles({
    bytesPerSecond: volumes.bytesPerSecond,
    bufferSizeMiB: settings.delivery.bufferSizeMiB,
    bufferIntervalSeconds: settings.delivery.bufferIntervalSeconds,
    compressionRatio: parquet ? A.parquetRatio : A.gzipRatio,
    format: settings.delivery.format,
  });
  const batchRun = batchShape(settings, workload, A);
  const base = { settings, workload, prices, assumptions: A, volumes, parquet, files, batchRun };
  return {
    ...base,
    free: options.applyFreeTiers,
    quickSight: options.quickSight,
    shards,
    billedShards: Math.max(settings.stream.shardCount ?? 0, shards.shards),
    dailyJsonGb: volumes.jsonBytes / GiB / DAYS_PER_MONTH,
    invocations: invocations(settings, volumes, A, batchRun),
    crawls: volumes.scheduledCrawls + volumes.batchCrawls,
    s3: s3Requests(base),
  };
}

/** Memory of the batch functions in GB (as `BatchStage` configures them). */
const BATCH_FUNCTION_MEMORY_GB = { extract: 1, push: 0.5, deliveryCheck: 0.25, finalize: 0.25 } as const;

function invocations(settings: PlannerSettings, v: Volumes, A: PlanAssumptions, batchRun: BatchRun): Invocations {
  const processorBytes = settings.delivery.processorBufferSizeMB * MiB;
  const byTime = SECONDS_PER_MONTH / settings.delivery.processorBufferIntervalSeconds;
  const bySize = v.jsonBytes / processorBytes;
  const transformCalls = v.events > 0 ? Math.max(byTime, bySize) : 0;
  const mibPerCall = transformCalls > 0 ? v.jsonBytes / transformCalls / MiB : 0;
  const transformSeconds = (A.transformBaseMs + A.transformMsPerMiB * mibPerCall) / 1000;
  const transformGbS = transformCalls * transformSeconds * (settings.transform.memoryMiB / 1024);
  const runCalls = 1 + batchRun.chunks + batchRun.deliveryChecks + 1;
  const batchCalls = v.batchRuns * runCalls;
  const bs = A.batchFunctionSeconds;
  const memory = BATCH_FUNCTION_MEMORY_GB;
  const runGbS =
    memory.extract * bs.extract +
    batchRun.chunks * memory.push * bs.push +
    batchRun.deliveryChecks * memory.deliveryCheck * bs.deliveryCheck +
    memory.finalize * bs.finalize;
  const batchGbS = v.batchRuns * runGbS;
  return { transformCalls, mibPerCall, transformSeconds, transformGbS, batchCalls, runGbS, batchGbS };
}

type S3Inputs = Pick<MonthlyUsage, "settings" | "workload" | "assumptions" | "volumes" | "parquet" | "files" | "batchRun">;

function s3Requests({ settings, workload, assumptions: A, volumes: v, parquet, files, batchRun }: S3Inputs): S3Requests {
  const dataFiles = files.filesPerHour * HOURS_PER_MONTH;
  const rawPlan = deliveryFiles({
    bytesPerSecond: v.bytesPerSecond,
    bufferSizeMiB: Math.min(settings.delivery.bufferSizeMiB, 64),
    bufferIntervalSeconds: Math.max(settings.delivery.bufferIntervalSeconds, 60),
    compressionRatio: A.gzipRatio,
    format: "json",
  });
  const rawFiles = rawPlan.filesPerHour * HOURS_PER_MONTH;
  const resultPuts = v.queries * 2 + v.batchRuns * batchRun.validationRuns * 2;
  const stagingPuts = v.batchRuns * (batchRun.chunks + 3);
  const crawls = v.scheduledCrawls + v.batchCrawls;
  const partitionBytes = (v.jsonBytes * (parquet ? A.parquetRatio : A.gzipRatio)) / HOURS_PER_MONTH;
  const partitionsPerQuery = partitionBytes > 0 ? Math.max(1, ceilSafe(workload.athenaBytesScannedPerQuery / partitionBytes)) : 1;
  const lists = crawls * A.crawlerListsPerRun + v.queries * partitionsPerQuery + v.batchRuns * batchRun.deliveryChecks;
  const puts = dataFiles + rawFiles + resultPuts + stagingPuts + lists;
  const objectsPerQuery = files.fileBytes > 0 ? Math.max(1, ceilSafe(workload.athenaBytesScannedPerQuery / files.fileBytes)) : 1;
  const gets = v.queries * objectsPerQuery * A.getsPerObjectRead + v.batchRuns * batchRun.chunks;
  return { dataFiles, rawFiles, resultPuts, stagingPuts, lists, puts, objectsPerQuery, gets };
}

/** How many times each loop of one batch run goes round, from the configuration and the estimates. */
export function batchShape(settings: PlannerSettings, workload: Workload, assumptions: PlanAssumptions): BatchRun {
  const eventTime = settings.partitioning.partitionTime === "event";
  const deliveryWait = settings.delivery.processorBufferIntervalSeconds + settings.delivery.bufferIntervalSeconds * (eventTime ? 1.5 : 1);
  const shape: BatchRunShape = {
    // One child execution per planned byte range (gzip objects are one range each: not modelled).
    ranges: Math.max(1, Math.ceil((workload.recordsPerBatch * workload.averageRecordBytes) / LARGEST_RANGE_BYTES)),
    chunks: Math.max(1, Math.ceil(workload.recordsPerBatch / settings.batch.recordsPerChunk)),
    deliveryChecks: Math.max(1, Math.ceil(deliveryWait / DELIVERY_POLL_SECONDS)),
    crawlerPolls: assumptions.crawlerPollsPerRun ?? Math.max(1, Math.ceil(assumptions.crawlerRunSeconds / CRAWLER_POLL_SECONDS)),
    validationRuns: 1,
  };
  return { ...shape, ...batchRunTransitions(shape) };
}

/** Text for the records a service bills per record: stream records, plus batch records when there are any. */
export function recordsText(
  { volumes: v, workload }: Pick<MonthlyUsage, "volumes" | "workload">,
  unitName: string,
  roundTo: (bytes: number) => number,
): string {
  const stream = `${num(v.streamRecords, 0)} records × ${num(roundTo(v.streamRecordBytes), 0)} ${unitName}`;
  if (v.batchRecords === 0) return stream;
  return `${stream} + ${num(v.batchRecords, 0)} batch records × ${num(roundTo(workload.averageRecordBytes), 0)} ${unitName}`;
}

/**
 * The capacity plan: shards, stream mode, files, the itemised monthly cost, the savings worth making
 * and the warnings, for one configuration and workload. Pure.
 */
import type { PipelineSettings, StreamMode } from "../stacks/config/settings";
import { PlanAssumptions, resolveAssumptions } from "./assumptions";
import { batchPushWarning, chunkPushWarning } from "./batch-push";
import { CostLine, CostModel, CostOptions, monthlyCosts } from "./costs";
import { deliveryFiles, FilePlan, SMALL_FILE_FRACTION } from "./files";
import { PriceTable, US_EAST_1_PRICES } from "./prices";
import { requiredShards, ShardLimit, ShardRequirement, SHARD_LIMITS } from "./shards";
import { bytes, KiB, num, roundUpTo, usd } from "./units";
import { monthlyVolumes, PlannerSettings, resolveWorkload, Workload } from "./workload";

/** What Firehose record format conversion accepts, as read in AWS's documentation. */
export const PACKING_CONVERSION_FACT = {
  verified: true,
  source: "https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html",
  statement:
    'Firehose record format conversion accepts several JSON documents in one record when they are concatenated ({"a":1}{"a":2}); a JSON array of documents is not valid input',
} as const;

/** Options of a plan. */
export interface PlanOptions {
  /** Subtract the account's monthly free tiers (shared with every other workload). @default false */
  readonly applyFreeTiers?: boolean;
  /** QuickSight users, when dashboards are planned. @default none */
  readonly quickSight?: { readonly authors: number; readonly readers: number };
  /** Overrides of the default estimates. */
  readonly assumptions?: Partial<PlanAssumptions>;
  /** @default US_EAST_1_PRICES */
  readonly prices?: PriceTable;
}

/** Input of {@link planCapacity}. */
export interface PlanInput {
  readonly settings: PlannerSettings;
  readonly workload: Workload;
  readonly options?: PlanOptions;
}

/** PROVISIONED (at the shards the workload needs) against ON_DEMAND, Kinesis costs only. */
export interface StreamModeComparison {
  readonly configured: StreamMode;
  readonly recommended: StreamMode;
  readonly shards: number;
  readonly provisionedUsd: number;
  readonly onDemandUsd: number;
  readonly arithmetic: string;
}

/** Identifies a saving. */
export type SavingId = "stream-mode" | "crawler-batch-only" | "partition-projection" | "retention-24h" | "record-packing";

/** A change the planner points out, with its monthly difference for this workload. */
export interface Saving {
  readonly id: SavingId;
  readonly title: string;
  /** Monthly difference between the configuration and the change (never negative). */
  readonly monthlyUsd: number;
  /** Whether making the change lowers the bill (false: the configuration is already the cheaper one). */
  readonly saves: boolean;
  readonly detail: string;
}

/** The complete plan. */
export interface CapacityPlan {
  readonly region: string;
  readonly prices: { readonly region: string; readonly takenOn: string; readonly document: string };
  readonly workload: Workload;
  readonly shards: ShardRequirement & { readonly configured?: number; readonly billed: number };
  readonly streamMode: StreamModeComparison;
  readonly files: FilePlan;
  readonly costs: readonly CostLine[];
  readonly totalUsd: number;
  readonly savings: readonly Saving[];
  readonly warnings: readonly string[];
  readonly freeTiersApplied: boolean;
  readonly assumptions: PlanAssumptions;
}

/** Builds the plan. */
export function planCapacity(input: PlanInput): CapacityPlan {
  const options = input.options ?? {};
  const costOptions: CostOptions = {
    prices: options.prices ?? US_EAST_1_PRICES,
    assumptions: resolveAssumptions(options.assumptions),
    applyFreeTiers: options.applyFreeTiers ?? false,
    quickSight: options.quickSight,
  };
  const { settings, workload } = input;
  const model = monthlyCosts(settings, workload, costOptions);
  const streamMode = compareStreamModes(settings, workload, costOptions);
  const warnings = [
    shardWarning(settings, model.shards),
    fileWarning(settings, model.files),
    settings.region === costOptions.prices.region
      ? undefined
      : `prices are ${costOptions.prices.region} list prices (taken ${costOptions.prices.takenOn}); the stack deploys to ${settings.region}, where most prices are a few percent higher`,
  ].filter((w): w is string => w !== undefined);
  return {
    region: settings.region,
    prices: { region: costOptions.prices.region, takenOn: costOptions.prices.takenOn, document: costOptions.prices.document },
    workload,
    shards: { ...model.shards, configured: settings.stream.shardCount, billed: model.billedShards },
    streamMode,
    files: model.files,
    costs: model.lines,
    totalUsd: model.totalUsd,
    savings: findSavings(settings, workload, costOptions, model),
    warnings,
    freeTiersApplied: costOptions.applyFreeTiers,
    assumptions: costOptions.assumptions,
  };
}

function kinesisUsd(model: CostModel): number {
  return model.lines.filter((l) => l.service === "Kinesis Data Streams").reduce((sum, l) => sum + l.monthlyUsd, 0);
}

function withStream(settings: PlannerSettings, stream: Partial<PipelineSettings["stream"]>): PlannerSettings {
  return { ...settings, stream: { ...settings.stream, ...stream } };
}

/** Kinesis cost in both modes; PROVISIONED at exactly the shards the workload needs. */
export function compareStreamModes(settings: PlannerSettings, workload: Workload, options: CostOptions): StreamModeComparison {
  const shards = requiredShards(workload).shards;
  const provisioned = monthlyCosts(withStream(settings, { mode: "PROVISIONED", shardCount: shards }), workload, options);
  const onDemand = monthlyCosts(withStream(settings, { mode: "ON_DEMAND", shardCount: undefined }), workload, options);
  const provisionedUsd = kinesisUsd(provisioned);
  const onDemandUsd = kinesisUsd(onDemand);
  const recommended: StreamMode = onDemandUsd < provisionedUsd ? "ON_DEMAND" : "PROVISIONED";
  return {
    configured: settings.stream.mode,
    recommended,
    shards,
    provisionedUsd,
    onDemandUsd,
    arithmetic: `PROVISIONED with ${shards} shard${shards === 1 ? "" : "s"}: ${usd(provisionedUsd)}; ON_DEMAND: ${usd(onDemandUsd)}; ${recommended} is cheaper by ${usd(Math.abs(provisionedUsd - onDemandUsd))}/month`,
  };
}

/** Events per record that fill one 5 KiB Firehose billing step; 1 when an event is 5 KiB or more. */
export function eventsPerFirehoseStep(averageRecordBytes: number): number {
  return Math.max(1, Math.floor((5 * KiB) / averageRecordBytes));
}

function findSavings(settings: PlannerSettings, workload: Workload, options: CostOptions, current: CostModel): Saving[] {
  const total = (s: PlannerSettings, w: Workload = workload) => monthlyCosts(s, w, options).totalUsd;
  const difference = (variant: number) => current.totalUsd - variant;
  const savings: Saving[] = [];

  const other: StreamMode = settings.stream.mode === "PROVISIONED" ? "ON_DEMAND" : "PROVISIONED";
  const switched = withStream(
    settings,
    other === "PROVISIONED" ? { mode: other, shardCount: current.shards.shards } : { mode: other, shardCount: undefined },
  );
  const modeDiff = difference(total(switched));
  savings.push({
    id: "stream-mode",
    title: modeDiff > 0 ? `Switch the stream to ${other}` : `Keep the stream ${settings.stream.mode}`,
    monthlyUsd: Math.abs(modeDiff),
    saves: modeDiff > 0,
    detail:
      modeDiff > 0
        ? `${other}${other === "PROVISIONED" ? ` with ${current.shards.shards} shard${current.shards.shards === 1 ? "" : "s"}` : ""} costs ${usd(modeDiff)}/month less for this workload (stream.mode: "${other}")`
        : `${other} would cost ${usd(-modeDiff)}/month more for this workload`,
  });

  const v = current.volumes;
  const projection = settings.catalog.partitionProjection;
  const scheduledCost =
    v.scheduledCrawls > 0 ? difference(total({ ...settings, catalog: { ...settings.catalog, crawlerSchedule: null } })) : 0;
  savings.push({
    id: "crawler-batch-only",
    title: "Crawl only from the batch workflow",
    monthlyUsd: Math.max(0, scheduledCost),
    saves: scheduledCost > 0,
    detail:
      v.scheduledCrawls > 0
        ? `catalog.crawlerSchedule: null drops ${num(v.scheduledCrawls)} scheduled crawls a month, each billed at least 10 minutes; streamed hours then become queryable only after the next batch run's crawl (${num(v.batchCrawls)} a month) or a manual one`
        : "the crawler has no schedule of its own",
  });
  const projectionCost = projection ? 0 : difference(total({ ...settings, catalog: { ...settings.catalog, partitionProjection: true } }));
  savings.push({
    id: "partition-projection",
    title: "Use Athena partition projection",
    monthlyUsd: Math.max(0, projectionCost),
    saves: projectionCost > 0,
    detail: projection
      ? "catalog.partitionProjection is already on: the crawler runs only from the batch workflow"
      : `catalog.partitionProjection: true lets Athena compute the hourly partitions, so a new hour is queryable as soon as Firehose writes it and the crawler's schedule is dropped; the crawler stays for the batch workflow (${num(v.batchCrawls)} crawls a month)`,
  });

  const retention = settings.stream.retentionHours;
  const retentionCost = retention > 24 ? difference(total(withStream(settings, { retentionHours: 24 }))) : 0;
  savings.push({
    id: "retention-24h",
    title: "Keep 24 hours in the stream",
    monthlyUsd: Math.max(0, retentionCost),
    saves: retentionCost > 0,
    detail:
      retention > 24
        ? `stream.retentionHours: 24 instead of ${retention}: the stream stays a one-day replay buffer; the raw backup in S3 (${settings.lake.rawBackupExpirationDays} days) still allows replays through the batch workflow`
        : "the stream keeps 24 hours already",
  });

  const packed = eventsPerFirehoseStep(workload.averageRecordBytes);
  const packing = packed > workload.eventsPerRecord;
  const packingCost = packing ? difference(total(settings, { ...workload, eventsPerRecord: packed })) : 0;
  const billedBytes = roundUpTo(workload.averageRecordBytes * workload.eventsPerRecord, 5 * KiB);
  savings.push({
    id: "record-packing",
    title: `Pack ${packed} events per Kinesis record`,
    monthlyUsd: Math.max(0, packingCost),
    saves: packingCost > 0,
    detail:
      (packing
        ? `Firehose bills every record in 5 KiB steps: a ${num(workload.averageRecordBytes * workload.eventsPerRecord, 0)} B record is billed as ${num(billedBytes, 0)} B. ` +
          `Concatenating ${packed} events per record fills the step. `
        : `Records of ${num(workload.averageRecordBytes * workload.eventsPerRecord, 0)} B already fill their 5 KiB steps. `) +
      `${PACKING_CONVERSION_FACT.statement} (verified in AWS documentation: ${PACKING_CONVERSION_FACT.source}). ` +
      "This pipeline's transform rejects a record that is not exactly one JSON object, so packing also needs the transform to validate each event of a record and return them concatenated.",
  });
  return savings;
}

/** The shard warning, when PROVISIONED with fewer shards than the workload needs at peak. */
function shardWarning(settings: PlannerSettings, shards: ShardRequirement): string | undefined {
  const configured = settings.stream.shardCount;
  if (settings.stream.mode !== "PROVISIONED" || configured === undefined || configured >= shards.shards) return undefined;
  const load: Record<ShardLimit, string> = {
    recordsIn: `records in: ${num(shards.peakRecordsPerSecond)}/s against ${num(SHARD_LIMITS.writeRecordsPerSecond)} per shard`,
    bytesIn: `bytes in: ${bytes(shards.peakBytesInPerSecond)}/s against 1 MiB/s per shard`,
    bytesOut: `bytes out: ${bytes(shards.peakBytesOutPerSecond)}/s against 2 MiB/s per shard, shared by the consumers`,
  };
  return (
    `stream.shardCount is ${configured}, but the declared workload needs ${shards.shards} shards at peak ` +
    `(${load[shards.binding]}). Set stream.shardCount to at least ${shards.shards}, or stream.mode to ON_DEMAND`
  );
}

/** The small-file warning, when the interval flushes buffers less than a quarter full. */
function fileWarning(settings: PlannerSettings, files: FilePlan): string | undefined {
  if (!files.small || files.filesPerHour === 0) return undefined;
  const d = settings.delivery;
  const stored = d.format === "parquet" ? "Parquet" : "gzip";
  const atMax = (files.bufferedBytes / Math.max(1, d.bufferIntervalSeconds)) * 900;
  const maxFill = Math.min(1, atMax / (d.bufferSizeMiB * 1024 * 1024));
  const advice =
    d.bufferIntervalSeconds < 900
      ? `raising delivery.bufferIntervalSeconds to 900 would give ${bytes(Math.min(atMax, d.bufferSizeMiB * 1024 * 1024))} (${num(maxFill * 100, 0)}%)`
      : "the interval is already at its 900 s maximum";
  return (
    `delivery will write files of about ${bytes(files.bufferedBytes)} of JSON (${bytes(files.fileBytes)} ${stored}) every ${num(files.flushSeconds, 0)} s, ` +
    `${num(files.bufferFill * 100, 0)}% of delivery.bufferSizeMiB ${d.bufferSizeMiB} (warning below ${SMALL_FILE_FRACTION * 100}%): ` +
    `the interval flushes before the buffer fills, and many small files make Athena slower; ${advice}`
  );
}

/**
 * Synth-time warnings for a configuration that declares a workload: too few shards for the peak,
 * buffering that writes files far smaller than the buffer size, a declared batch the stream cannot take
 * within the run timeout, and a staging chunk that cannot be pushed within the push function's timeout.
 * Empty when no workload is declared.
 */
export function capacityWarnings(settings: PipelineSettings): string[] {
  if (!settings.workload) return [];
  const workload = resolveWorkload(settings.workload, settings);
  const assumptions = resolveAssumptions();
  const volumes = monthlyVolumes(settings, workload);
  const parquet = settings.delivery.format === "parquet";
  const files = deliveryFiles({
    bytesPerSecond: volumes.bytesPerSecond,
    bufferSizeMiB: settings.delivery.bufferSizeMiB,
    bufferIntervalSeconds: settings.delivery.bufferIntervalSeconds,
    compressionRatio: parquet ? assumptions.parquetRatio : assumptions.gzipRatio,
    format: settings.delivery.format,
  });
  return [
    shardWarning(settings, requiredShards(workload)),
    fileWarning(settings, files),
    batchPushWarning(settings),
    chunkPushWarning(settings),
  ].filter((w): w is string => w !== undefined);
}

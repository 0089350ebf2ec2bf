/**
 * The itemised monthly cost of a configuration under a workload: one line per billed item, each with
 * its arithmetic written out. Pure: prices come from a {@link PriceTable}, estimates from
 * {@link PlanAssumptions}; nothing calls AWS.
 */
import { CRAWLER_POLL_SECONDS, DELIVERY_POLL_SECONDS } from "../stacks/config/batch-timing";
import type { PlanAssumptions } from "./assumptions";
import { batchRunTransitions, BatchRunShape } from "./batch-transitions";
import { deliveryFiles, FilePlan } from "./files";
import type { FreeTier, Price, PriceTable } from "./prices";
import { requiredShards, ShardRequirement } from "./shards";
import { bytes, ceilSafe, DAYS_PER_MONTH, GiB, HOURS_PER_MONTH, KiB, MiB, num, rate, roundUpTo, SECONDS_PER_MONTH, TiB, usd } from "./units";
import { monthlyVolumes, PlannerSettings, Volumes, Workload } from "./workload";

/** Services in the order the table lists them. */
export const SERVICES = [
  "Kinesis Data Streams",
  "Data Firehose",
  "Lambda",
  "S3",
  "Glue",
  "Athena",
  "Step Functions",
  "EventBridge Scheduler",
  "CloudWatch",
  "SNS",
  "KMS",
  "QuickSight",
] as const;

/** One of {@link SERVICES}. */
export type Service = (typeof SERVICES)[number];

/** One billed item. */
export interface CostLine {
  readonly service: Service;
  readonly item: string;
  readonly monthlyUsd: number;
  /** The computation, e.g. `1 shard × 720 h × $0.015 = $10.80`. */
  readonly arithmetic: string;
  /** True when a price it uses is UNCONFIRMED (see the price table). */
  readonly unconfirmed: boolean;
}

/** Options of the cost model. */
export interface CostOptions {
  readonly prices: PriceTable;
  readonly assumptions: PlanAssumptions;
  /** Subtract the account's monthly free tiers (they are shared with every other workload). */
  readonly applyFreeTiers: boolean;
  /** QuickSight users, when dashboards are planned. */
  readonly quickSight?: { readonly authors: number; readonly readers: number };
}

/** Everything the cost lines were computed from. */
export interface CostModel {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  readonly volumes: Volumes;
  readonly shards: ShardRequirement;
  /** Shards the provisioned lines bill: the configured count, or more when the workload needs more. */
  readonly billedShards: number;
  readonly files: FilePlan;
  readonly batchRun: BatchRunShape & { readonly transitions: number };
}

const line = (service: Service, item: string, monthlyUsd: number, arithmetic: string, ...prices: Price[]): CostLine => ({
  service,
  item,
  monthlyUsd,
  arithmetic: `${arithmetic} = ${usd(monthlyUsd)}`,
  unconfirmed: prices.some((p) => p.status === "unconfirmed"),
});

/** Applies a free tier: the billable amount and the text of the subtraction. */
function billable(amount: number, free: FreeTier, apply: boolean, digits = 0): { amount: number; text: string } {
  if (!apply) return { amount, text: num(amount, digits) };
  const left = Math.max(0, amount - free.amount);
  return { amount: left, text: `(${num(amount, digits)} − ${num(free.amount)} free) = ${num(left, digits)}` };
}

const gib = (b: number) => b / GiB;

/** The monthly cost of `settings` under `workload`. */
export function monthlyCosts(settings: PlannerSettings, workload: Workload, options: CostOptions): CostModel {
  const { prices: P, assumptions: A } = options;
  const free = options.applyFreeTiers;
  const v = monthlyVolumes(settings, workload);
  const shards = requiredShards(workload);
  const billedShards = Math.max(settings.stream.shardCount ?? 0, shards.shards);
  const parquet = settings.delivery.format === "parquet";
  const files = deliveryFiles({
    bytesPerSecond: v.bytesPerSecond,
    bufferSizeMiB: settings.delivery.bufferSizeMiB,
    bufferIntervalSeconds: settings.delivery.bufferIntervalSeconds,
    compressionRatio: parquet ? A.parquetRatio : A.gzipRatio,
    format: settings.delivery.format,
  });
  const lines: CostLine[] = [];
  const recordsText = (unitName: string, roundTo: (bytes: number) => number) => {
    const stream = `${num(v.streamRecords, 0)} records × ${num(roundTo(v.streamRecordBytes), 0)} ${unitName}`;
    if (v.batchRecords === 0) return stream;
    return `${stream} + ${num(v.batchRecords, 0)} batch records × ${num(roundTo(workload.averageRecordBytes), 0)} ${unitName}`;
  };

  // ── Kinesis Data Streams ───────────────────────────────────────────────────────────────────
  const dailyJsonGb = gib(v.jsonBytes) / DAYS_PER_MONTH;
  const retention = settings.stream.retentionHours;
  const longTermGbMonth = Math.max(0, retention - 168) / 24 * dailyJsonGb;
  if (settings.stream.mode === "PROVISIONED") {
    const K = P.kinesis;
    const shardLabel = `${billedShards} shard${billedShards === 1 ? "" : "s"}`;
    lines.push(line("Kinesis Data Streams", "shard-hours", billedShards * HOURS_PER_MONTH * K.shardHour.usd, `${shardLabel} × ${HOURS_PER_MONTH} h × ${rate(K.shardHour.usd)}`, K.shardHour));
    const units = v.streamRecords * ceilSafe(v.streamRecordBytes / (25 * KiB)) + v.batchRecords * ceilSafe(workload.averageRecordBytes / (25 * KiB));
    lines.push(
      line(
        "Kinesis Data Streams",
        "PUT payload units (25 KiB steps)",
        (units / 1e6) * K.putPayloadUnitsPerMillion.usd,
        `${recordsText("unit", (b) => ceilSafe(b / (25 * KiB)))} = ${num(units / 1e6)}M units × ${rate(K.putPayloadUnitsPerMillion.usd)}/M`,
        K.putPayloadUnitsPerMillion,
      ),
    );
    if (retention > 24) {
      lines.push(
        line("Kinesis Data Streams", `extended retention (${Math.min(retention, 168)} h)`, billedShards * HOURS_PER_MONTH * K.extendedRetentionShardHour.usd, `${shardLabel} × ${HOURS_PER_MONTH} h × ${rate(K.extendedRetentionShardHour.usd)}`, K.extendedRetentionShardHour),
      );
    }
  } else {
    const K = P.kinesis;
    lines.push(line("Kinesis Data Streams", "on-demand stream-hours", HOURS_PER_MONTH * K.onDemandStreamHour.usd, `${HOURS_PER_MONTH} h × ${rate(K.onDemandStreamHour.usd)}`, K.onDemandStreamHour));
    const ingestBytes = v.streamRecords * roundUpTo(v.streamRecordBytes, KiB) + v.batchRecords * roundUpTo(workload.averageRecordBytes, KiB);
    const ingestGb = gib(ingestBytes);
    lines.push(line("Kinesis Data Streams", "on-demand data in (1 KiB steps)", ingestGb * K.onDemandIngestGb.usd, `${recordsText("B", (b) => roundUpTo(b, KiB))} = ${num(ingestGb)} GiB × ${rate(K.onDemandIngestGb.usd)}`, K.onDemandIngestGb));
    lines.push(
      line("Kinesis Data Streams", "on-demand data out", ingestGb * workload.consumers * K.onDemandRetrievalGb.usd, `${num(ingestGb)} GiB × ${workload.consumers} consumer${workload.consumers === 1 ? "" : "s"} × ${rate(K.onDemandRetrievalGb.usd)}`, K.onDemandRetrievalGb),
    );
    if (retention > 24) {
      const heldDays = (Math.min(retention, 168) - 24) / 24;
      const gbMonth = (ingestGb / DAYS_PER_MONTH) * heldDays;
      lines.push(
        line("Kinesis Data Streams", `extended retention (${Math.min(retention, 168)} h)`, gbMonth * K.onDemandExtendedRetentionGbMonth.usd, `${num(ingestGb / DAYS_PER_MONTH)} GiB/day × ${num(heldDays)} days held beyond 24 h = ${num(gbMonth)} GiB-month × ${rate(K.onDemandExtendedRetentionGbMonth.usd)}`, K.onDemandExtendedRetentionGbMonth),
      );
    }
  }
  if (longTermGbMonth > 0) {
    const K = P.kinesis;
    lines.push(
      line("Kinesis Data Streams", `long-term retention (${retention} h)`, longTermGbMonth * K.longTermRetentionGbMonth.usd, `${num(dailyJsonGb)} GiB/day × ${num((retention - 168) / 24)} days beyond 7 = ${num(longTermGbMonth)} GiB-month × ${rate(K.longTermRetentionGbMonth.usd)}`, K.longTermRetentionGbMonth),
    );
  }

  // ── Data Firehose ──────────────────────────────────────────────────────────────────────────
  const F = P.firehose;
  const firehoseBytes = v.streamRecords * roundUpTo(v.streamRecordBytes, 5 * KiB) + v.batchRecords * roundUpTo(workload.averageRecordBytes, 5 * KiB);
  const firehoseGb = gib(firehoseBytes);
  const firehoseText = `${recordsText("B", (b) => roundUpTo(b, 5 * KiB))} = ${num(firehoseGb)} GiB`;
  lines.push(line("Data Firehose", "ingestion (5 KiB steps per record)", firehoseGb * F.ingestionGb.usd, `${firehoseText} × ${rate(F.ingestionGb.usd)}`, F.ingestionGb));
  if (parquet) {
    lines.push(line("Data Firehose", "JSON → Parquet conversion", firehoseGb * F.formatConversionGb.usd, `${num(firehoseGb)} GiB (as billed for ingestion) × ${rate(F.formatConversionGb.usd)}`, F.formatConversionGb));
  }
  const parquetFilesPerMonth = files.filesPerHour * HOURS_PER_MONTH;
  if (settings.partitioning.partitionTime === "event") {
    const jsonGb = gib(v.jsonBytes);
    lines.push(line("Data Firehose", "dynamic partitioning, data", jsonGb * F.dynamicPartitioningGb.usd, `${num(jsonGb)} GiB delivered × ${rate(F.dynamicPartitioningGb.usd)}`, F.dynamicPartitioningGb));
    lines.push(
      line("Data Firehose", "dynamic partitioning, objects", (parquetFilesPerMonth / 1000) * F.dynamicPartitioningPer1000Objects.usd, `${num(parquetFilesPerMonth, 0)} objects ÷ 1,000 × ${rate(F.dynamicPartitioningPer1000Objects.usd)}`, F.dynamicPartitioningPer1000Objects),
    );
  }

  // ── Lambda ─────────────────────────────────────────────────────────────────────────────────
  const L = P.lambda;
  const processorBytes = settings.delivery.processorBufferSizeMB * MiB;
  const byTime = SECONDS_PER_MONTH / settings.delivery.processorBufferIntervalSeconds;
  const bySize = v.jsonBytes / processorBytes;
  const transformCalls = v.events > 0 ? Math.max(byTime, bySize) : 0;
  const mibPerCall = transformCalls > 0 ? v.jsonBytes / transformCalls / MiB : 0;
  const transformSeconds = (A.transformBaseMs + A.transformMsPerMiB * mibPerCall) / 1000;
  const transformGbS = transformCalls * transformSeconds * (settings.transform.memoryMiB / 1024);
  const batchRun = batchShape(settings, workload, A);
  const runCalls = 1 + batchRun.chunks + batchRun.deliveryChecks + 1;
  const batchCalls = v.batchRuns * runCalls;
  const bs = A.batchFunctionSeconds;
  const memory = BATCH_FUNCTION_MEMORY_GB;
  const runGbS =
    memory.extract * bs.extract + batchRun.chunks * memory.push * bs.push + batchRun.deliveryChecks * memory.deliveryCheck * bs.deliveryCheck + memory.finalize * bs.finalize;
  const batchGbS = v.batchRuns * runGbS;
  const calls = billable(transformCalls + batchCalls, P.freeTiers.lambdaRequests, free);
  const transformText = `transform max(${num(SECONDS_PER_MONTH)} s ÷ ${settings.delivery.processorBufferIntervalSeconds} s, ${bytes(v.jsonBytes, 2)} ÷ ${settings.delivery.processorBufferSizeMB} MiB) = ${num(transformCalls, 0)}`;
  const batchText = v.batchRuns > 0 ? ` + batch ${num(v.batchRuns)} runs × (1 extract + ${batchRun.chunks} push + ${batchRun.deliveryChecks} delivery checks + 1 finalize) = ${num(batchCalls, 0)}` : "";
  lines.push(line("Lambda", "requests", (calls.amount / 1e6) * L.requestsPerMillion.usd, `${transformText}${batchText}; ${calls.text} requests × ${rate(L.requestsPerMillion.usd)}/M`, L.requestsPerMillion));
  const gbS = billable(transformGbS + batchGbS, P.freeTiers.lambdaGbSeconds, free);
  const durationText =
    `transform ${num(transformCalls, 0)} × ${num(transformSeconds, 3)} s (${A.transformBaseMs} ms + ${num(mibPerCall, 3)} MiB × ${A.transformMsPerMiB} ms) × ${num(settings.transform.memoryMiB / 1024, 3)} GB = ${num(transformGbS, 0)} GB-s` +
    (v.batchRuns > 0 ? ` + batch ${num(v.batchRuns)} runs × ${num(runGbS, 1)} GB-s = ${num(batchGbS, 0)} GB-s` : "");
  lines.push(line("Lambda", "duration (arm64)", gbS.amount * L.arm64GbSecond.usd, `${durationText}; ${gbS.text} GB-s × ${rate(L.arm64GbSecond.usd)}`, L.arm64GbSecond));

  // ── S3 ─────────────────────────────────────────────────────────────────────────────────────
  const S = P.s3;
  const storedDays = (expiration: number) => Math.min(expiration, DAYS_PER_MONTH * A.monthsOfData);
  const dataGb = gib(v.jsonBytes) * (parquet ? A.parquetRatio : A.gzipRatio) * A.monthsOfData;
  lines.push(
    line("S3", `${parquet ? "Parquet" : "gzip JSON"} data (never expires)`, dataGb * S.storageGbMonth.usd, `${num(gib(v.jsonBytes))} GiB JSON/month × ${parquet ? A.parquetRatio : A.gzipRatio} × ${A.monthsOfData} month${A.monthsOfData === 1 ? "" : "s"} = ${num(dataGb)} GiB × ${rate(S.storageGbMonth.usd)}`, S.storageGbMonth),
  );
  const rawDays = storedDays(settings.lake.rawBackupExpirationDays);
  const rawGb = dailyJsonGb * A.gzipRatio * rawDays;
  lines.push(line("S3", `raw backup, gzip (${settings.lake.rawBackupExpirationDays}-day expiry)`, rawGb * S.storageGbMonth.usd, `${num(dailyJsonGb)} GiB/day × ${A.gzipRatio} × ${rawDays} days = ${num(rawGb)} GiB × ${rate(S.storageGbMonth.usd)}`, S.storageGbMonth));
  const errorDays = storedDays(settings.lake.errorExpirationDays);
  const errorGb = dailyJsonGb * A.errorFraction * A.errorEnvelopeFactor * errorDays;
  lines.push(
    line("S3", `error records (${settings.lake.errorExpirationDays}-day expiry)`, errorGb * S.storageGbMonth.usd, `${num(dailyJsonGb)} GiB/day × ${A.errorFraction} rejected × ${A.errorEnvelopeFactor} envelope × ${errorDays} days = ${num(errorGb, 3)} GiB × ${rate(S.storageGbMonth.usd)}`, S.storageGbMonth),
  );
  const resultQueriesPerDay = workload.athenaQueriesPerDay + (v.batchRuns / DAYS_PER_MONTH) * batchRun.validationRuns;
  const resultDays = storedDays(settings.lake.queryResultExpirationDays);
  const resultGb = gib(resultQueriesPerDay * A.queryResultBytes * resultDays);
  if (resultGb > 0) {
    lines.push(
      line("S3", `query results (${settings.lake.queryResultExpirationDays}-day expiry)`, resultGb * S.storageGbMonth.usd, `${num(resultQueriesPerDay)} queries/day × ${bytes(A.queryResultBytes)} × ${resultDays} days = ${num(resultGb, 3)} GiB × ${rate(S.storageGbMonth.usd)}`, S.storageGbMonth),
    );
  }
  const rawFiles = deliveryFiles({
    bytesPerSecond: v.bytesPerSecond,
    bufferSizeMiB: Math.min(settings.delivery.bufferSizeMiB, 64),
    bufferIntervalSeconds: Math.max(settings.delivery.bufferIntervalSeconds, 60),
    compressionRatio: A.gzipRatio,
    format: "json",
  });
  const rawFilesPerMonth = rawFiles.filesPerHour * HOURS_PER_MONTH;
  const resultPuts = v.queries * 2 + v.batchRuns * batchRun.validationRuns * 2;
  const stagingPuts = v.batchRuns * (batchRun.chunks + 3);
  const crawls = v.scheduledCrawls + v.batchCrawls;
  const partitionBytes = (v.jsonBytes * (parquet ? A.parquetRatio : A.gzipRatio)) / HOURS_PER_MONTH;
  const partitionsPerQuery = partitionBytes > 0 ? Math.max(1, ceilSafe(workload.athenaBytesScannedPerQuery / partitionBytes)) : 1;
  const lists = crawls * A.crawlerListsPerRun + v.queries * partitionsPerQuery + v.batchRuns * batchRun.deliveryChecks;
  const puts = parquetFilesPerMonth + rawFilesPerMonth + resultPuts + stagingPuts + lists;
  lines.push(
    line(
      "S3",
      "PUT and LIST requests",
      (puts / 1000) * S.putPer1000.usd,
      `${num(parquetFilesPerMonth, 0)} data files + ${num(rawFilesPerMonth, 0)} raw backup files + ${num(resultPuts, 0)} query result writes + ${num(stagingPuts, 0)} batch staging writes + ${num(lists, 0)} LISTs (crawls, partitions per query, delivery checks) = ${num(puts, 0)} × ${rate(S.putPer1000.usd)}/1,000`,
      S.putPer1000,
    ),
  );
  const objectsPerQuery = files.fileBytes > 0 ? Math.max(1, ceilSafe(workload.athenaBytesScannedPerQuery / files.fileBytes)) : 1;
  const gets = v.queries * objectsPerQuery * A.getsPerObjectRead + v.batchRuns * batchRun.chunks;
  lines.push(
    line("S3", "GET requests", (gets / 1000) * S.getPer1000.usd, `${num(v.queries, 0)} queries × ${num(objectsPerQuery)} objects (${bytes(workload.athenaBytesScannedPerQuery)} ÷ ${bytes(files.fileBytes)} files) × ${A.getsPerObjectRead} GETs + ${num(v.batchRuns * batchRun.chunks, 0)} chunk reads = ${num(gets, 0)} × ${rate(S.getPer1000.usd)}/1,000`, S.getPer1000),
  );

  if (settings.security.accessLogging) {
    const accessDays = storedDays(settings.security.accessLogExpirationDays);
    const accessGb = gib(((puts + gets) / DAYS_PER_MONTH) * A.accessLogRecordBytes * accessDays);
    lines.push(
      line("S3", `access logs (${settings.security.accessLogExpirationDays}-day expiry)`, accessGb * S.storageGbMonth.usd, `${num(puts + gets, 0)} requests/month ÷ ${DAYS_PER_MONTH} × ${A.accessLogRecordBytes} B × ${accessDays} days = ${num(accessGb, 3)} GiB × ${rate(S.storageGbMonth.usd)}`, S.storageGbMonth),
    );
  }

  // ── Glue ───────────────────────────────────────────────────────────────────────────────────
  const G = P.glue;
  const billedMinutes = Math.max(10, A.crawlerRunSeconds / 60);
  const dpuHours = crawls * (billedMinutes / 60) * A.crawlerDpus;
  const crawlText =
    settings.catalog.partitionProjection || settings.catalog.crawlerSchedule === null
      ? `${num(v.batchCrawls)} batch-run crawls`
      : `(${num(v.scheduledCrawls / DAYS_PER_MONTH)} scheduled + ${num(v.batchCrawls / DAYS_PER_MONTH)} batch) × ${DAYS_PER_MONTH} days = ${num(crawls)} crawls`;
  lines.push(
    line("Glue", "crawler (10-minute minimum per run)", dpuHours * G.crawlerDpuHour.usd, `${crawlText} × ${num(billedMinutes)} min × ${A.crawlerDpus} DPU = ${num(dpuHours)} DPU-h × ${rate(G.crawlerDpuHour.usd)}`, G.crawlerDpuHour),
  );
  const catalogObjects = HOURS_PER_MONTH * A.monthsOfData + 2;
  const catalogRequests = crawls * A.catalogRequests.perCrawl + (v.queries + v.batchRuns) * A.catalogRequests.perQuery + HOURS_PER_MONTH * A.catalogRequests.firehosePerHour;
  const objects = billable(catalogObjects, P.freeTiers.glueCatalogObjects, free);
  const requests = billable(catalogRequests, P.freeTiers.glueCatalogRequests, free);
  lines.push(
    line(
      "Glue",
      "Data Catalog",
      (objects.amount / 100_000) * G.catalogObjectsPer100k.usd + (requests.amount / 1e6) * G.catalogRequestsPerMillion.usd,
      `${objects.text} objects (hourly partitions) ÷ 100,000 × ${rate(G.catalogObjectsPer100k.usd)} + ${requests.text} requests ÷ 1M × ${rate(G.catalogRequestsPerMillion.usd)}`,
      G.catalogObjectsPer100k,
      G.catalogRequestsPerMillion,
    ),
  );

  // ── Athena ─────────────────────────────────────────────────────────────────────────────────
  const T = P.athena.perTbScanned;
  const billedScan = athenaBilledBytes(workload.athenaBytesScannedPerQuery);
  const minimumNote = workload.athenaBytesScannedPerQuery < ATHENA_MINIMUM_BYTES ? ` (10 MB minimum; each scans ${bytes(workload.athenaBytesScannedPerQuery)})` : "";
  if (v.queries > 0) {
    const tb = (v.queries * billedScan) / TiB;
    lines.push(line("Athena", "queries", tb * T.usd, `${num(workload.athenaQueriesPerDay)} × ${DAYS_PER_MONTH} = ${num(v.queries)} queries × ${bytes(billedScan)}${minimumNote} = ${num(tb, 4)} TiB × ${rate(T.usd)}`, T));
  }
  if (v.batchRuns > 0) {
    const validationBytes = athenaBilledBytes(workload.recordsPerBatch * workload.averageRecordBytes * (parquet ? A.parquetRatio : A.gzipRatio));
    const validations = v.batchRuns * batchRun.validationRuns;
    const tb = (validations * validationBytes) / TiB;
    lines.push(line("Athena", "batch validation queries", tb * T.usd, `${num(validations)} queries × ${bytes(validationBytes)} (at least 10 MB each) = ${num(tb, 6)} TiB × ${rate(T.usd)}`, T));
  }

  // ── Step Functions, EventBridge Scheduler ─────────────────────────────────────────────────
  if (v.batchRuns > 0) {
    const SF = P.stepFunctions.per1000Transitions;
    const transitions = billable(v.batchRuns * batchRun.transitions, P.freeTiers.stepFunctionsTransitions, free);
    lines.push(line("Step Functions", "state transitions", (transitions.amount / 1000) * SF.usd, `${num(v.batchRuns)} runs × ${batchRun.transitions} transitions (${batchRun.arithmetic}); ${transitions.text} × ${rate(SF.usd)}/1,000`, SF));
    const scheduled = settings.batch.schedule === null ? 0 : v.batchRuns;
    const EB = P.scheduler.perMillionInvocations;
    const invocations = billable(scheduled, P.freeTiers.schedulerInvocations, free);
    lines.push(line("EventBridge Scheduler", "invocations", (invocations.amount / 1e6) * EB.usd, `${invocations.text} scheduled runs × ${rate(EB.usd)}/M`, EB));
  }

  // ── CloudWatch, SNS ────────────────────────────────────────────────────────────────────────
  const CW = P.cloudwatch;
  const logGb = gib((transformCalls + batchCalls) * A.logBytesPerInvocation + crawls * A.logBytesPerCrawl);
  const ingest = billable(logGb, P.freeTiers.cloudwatchLogsGb, free, 3);
  const logMonths = storedDays(settings.logs.retentionDays) / DAYS_PER_MONTH;
  lines.push(
    line(
      "CloudWatch",
      `logs (${settings.logs.retentionDays}-day retention)`,
      ingest.amount * CW.logsIngestGb.usd + logGb * logMonths * CW.logsStorageGbMonth.usd,
      `(${num(transformCalls + batchCalls, 0)} invocations × ${bytes(A.logBytesPerInvocation)} + ${num(crawls)} crawls × ${bytes(A.logBytesPerCrawl)}) = ${num(logGb, 3)} GiB; ingest ${ingest.text} GiB × ${rate(CW.logsIngestGb.usd)} + stored ${num(logGb * logMonths, 3)} GiB-month × ${rate(CW.logsStorageGbMonth.usd)}`,
      CW.logsIngestGb,
      CW.logsStorageGbMonth,
    ),
  );
  const metrics = billable(A.customMetrics, P.freeTiers.cloudwatchCustomMetrics, free);
  lines.push(line("CloudWatch", "custom metrics (transform)", metrics.amount * CW.customMetricMonth.usd, `${metrics.text} metrics × ${rate(CW.customMetricMonth.usd)}`, CW.customMetricMonth));
  const alarmCount = A.alarms ?? estimatedAlarms(settings);
  if (alarmCount > 0) {
    const alarms = billable(alarmCount, P.freeTiers.cloudwatchAlarms, free);
    const source = A.alarms === undefined ? " (estimated from the monitoring settings)" : "";
    lines.push(line("CloudWatch", "alarms", alarms.amount * CW.alarmMonth.usd, `${alarms.text} alarms${source} × ${rate(CW.alarmMonth.usd)}`, CW.alarmMonth));
  }
  if (settings.monitoring.enabled) {
    const dashboards = billable(1, P.freeTiers.cloudwatchDashboards, free);
    lines.push(line("CloudWatch", "dashboard", dashboards.amount * CW.dashboardMonth.usd, `${dashboards.text} dashboard × ${rate(CW.dashboardMonth.usd)}`, CW.dashboardMonth));
  }
  const failureNotices = v.batchRuns * A.batchFailureRate;
  const alarmNotices = alarmCount * A.notificationsPerAlarm;
  if (failureNotices + alarmNotices > 0) {
    const N = P.sns;
    const publishes = failureNotices + alarmNotices;
    const emails = settings.monitoring.notificationEmail === undefined ? 0 : publishes;
    const billedPublishes = billable(publishes, P.freeTiers.snsPublishes, free, 1);
    const billedEmails = billable(emails, P.freeTiers.snsEmails, free, 1);
    lines.push(
      line(
        "SNS",
        "alerts topic",
        (billedPublishes.amount / 1e6) * N.publishesPerMillion.usd + (billedEmails.amount / 100_000) * N.emailPer100k.usd,
        `${num(v.batchRuns)} batch runs × ${A.batchFailureRate} failing + ${alarmCount} alarms × ${A.notificationsPerAlarm} = ${billedPublishes.text} publishes × ${rate(N.publishesPerMillion.usd)}/M + ${billedEmails.text} emails × ${rate(N.emailPer100k.usd)}/100,000`,
        N.publishesPerMillion,
        N.emailPer100k,
      ),
    );
  }

  // ── KMS (customer-managed key) ────────────────────────────────────────────────────────────
  const stackKey = settings.security.encryption === "customer-managed";
  if (stackKey || settings.stream.kmsKeyArn !== undefined) {
    const KM = P.kms;
    const keys = (stackKey ? 1 : 0) + (settings.stream.kmsKeyArn !== undefined ? 1 : 0);
    lines.push(line("KMS", "customer-managed key", keys * KM.keyMonth.usd, `${keys} key${keys === 1 ? "" : "s"} × ${rate(KM.keyMonth.usd)} (yearly rotation adds ${rate(KM.keyMonth.usd)} per rotated key version from the second year)`, KM.keyMonth));
    const kmsShards = settings.stream.mode === "PROVISIONED" ? billedShards : shards.shards;
    const streamRequests = kmsShards * HOURS_PER_MONTH * A.kmsRequestsPerShardHour;
    const otherRequests = stackKey ? (puts + gets) / 100 + (transformCalls + batchCalls) / 1000 : 0;
    const kmsRequests = billable(streamRequests + otherRequests, P.freeTiers.kmsRequests, free);
    const otherText = stackKey ? ` + (${num(puts + gets, 0)} S3 requests ÷ 100 with bucket keys + ${num(transformCalls + batchCalls, 0)} invocations ÷ 1,000 cold starts)` : "";
    lines.push(
      line("KMS", "requests", (kmsRequests.amount / 10_000) * KM.requestsPer10k.usd, `${kmsShards} shard${kmsShards === 1 ? "" : "s"} × ${HOURS_PER_MONTH} h × ${A.kmsRequestsPerShardHour}${otherText} = ${kmsRequests.text} requests × ${rate(KM.requestsPer10k.usd)}/10,000`, KM.requestsPer10k),
    );
  }

  // ── QuickSight (optional) ─────────────────────────────────────────────────────────────────
  const quickSight = options.quickSight ?? (settings.quicksight.enabled ? A.quickSightUsers : undefined);
  if (quickSight) {
    const Q = P.quicksight;
    const { authors, readers } = quickSight;
    const assumed = options.quickSight === undefined ? " (assumed users)" : "";
    lines.push(
      line("QuickSight", "users", authors * Q.authorMonth.usd + readers * Q.readerMonth.usd, `${authors} author${authors === 1 ? "" : "s"} × ${rate(Q.authorMonth.usd)} + ${readers} reader${readers === 1 ? "" : "s"} × ${rate(Q.readerMonth.usd)}${assumed}`, Q.authorMonth, Q.readerMonth),
    );
  }

  const totalUsd = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  return { lines, totalUsd, volumes: v, shards, billedShards, files, batchRun };
}

/** Athena's per-query minimum: 10 MB. */
export const ATHENA_MINIMUM_BYTES = 10 * MiB;

/** Bytes Athena bills for a query that scans `scanned` bytes: rounded up to the MB, at least 10 MB. */
export function athenaBilledBytes(scanned: number): number {
  return Math.max(ATHENA_MINIMUM_BYTES, roundUpTo(scanned, MiB));
}

/**
 * CloudWatch alarms `MonitoringStage` creates: stream throttling and iterator age, delivery freshness
 * and success, transform invocations and failed records, Parquet conversion failures, errors and
 * throttles of every function, two batch execution alarms (timed out, throttled) and the schedule's dead letters, and the
 * undelivered crawler alert. An estimate kept in step with that construct by hand.
 */
export function estimatedAlarms(settings: PlannerSettings): number {
  if (!settings.monitoring.enabled) return 0;
  const functions = 1 + (settings.batch.enabled ? 4 : 0);
  return 2 + 2 + 2 + (settings.delivery.format === "parquet" ? 1 : 0) + functions * 2 + (settings.batch.enabled ? 3 : 0) + 1;
}

/** Memory of the batch functions in GB (as `BatchStage` configures them). */
const BATCH_FUNCTION_MEMORY_GB = { extract: 1, push: 0.5, deliveryCheck: 0.25, finalize: 0.25 } as const;

/** How many times each loop of one batch run goes round, from the configuration and the estimates. */
export function batchShape(settings: PlannerSettings, workload: Workload, assumptions: PlanAssumptions): BatchRunShape & { transitions: number; arithmetic: string } {
  const eventTime = settings.partitioning.partitionTime === "event";
  const deliveryWait = settings.delivery.processorBufferIntervalSeconds + settings.delivery.bufferIntervalSeconds * (eventTime ? 1.5 : 1);
  const shape: BatchRunShape = {
    chunks: Math.max(1, Math.ceil(workload.recordsPerBatch / settings.batch.recordsPerChunk)),
    deliveryChecks: Math.max(1, Math.ceil(deliveryWait / DELIVERY_POLL_SECONDS)),
    crawlerPolls: assumptions.crawlerPollsPerRun ?? Math.max(1, Math.ceil(assumptions.crawlerRunSeconds / CRAWLER_POLL_SECONDS)),
    validationRuns: 1,
  };
  return { ...shape, ...batchRunTransitions(shape) };
}

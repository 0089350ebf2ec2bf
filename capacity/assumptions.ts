/**
 * Figures the planner needs that no price page gives: compression ratios, run times, request counts.
 * All are estimates (none is confirmed by AWS); each can be overridden through `PlanOptions.assumptions`.
 */

/** Estimates the cost model uses besides prices and the workload. */
export interface PlanAssumptions {
  /** Parquet (Snappy) bytes ÷ JSON bytes. Repetitive event JSON typically shrinks about 4:1. @default 0.25 */
  readonly parquetRatio: number;
  /** gzip NDJSON bytes ÷ JSON bytes (raw backup; the `json` format). @default 0.2 */
  readonly gzipRatio: number;
  /** Share of records the transform or the conversion rejects into `errors/`. @default 0.001 */
  readonly errorFraction: number;
  /** Error object bytes ÷ record bytes: base64 (4/3) plus Firehose's JSON envelope. @default 1.4 */
  readonly errorEnvelopeFactor: number;
  /** Transform run time per invocation, fixed part, in ms. @default 20 */
  readonly transformBaseMs: number;
  /** Transform run time per MiB of records, in ms (measure yours with `npm run bench`). @default 250 */
  readonly transformMsPerMiB: number;
  /** Run time of each batch function invocation, in seconds. */
  readonly batchFunctionSeconds: {
    /** @default 30 */
    readonly extract: number;
    /** Per staged chunk. @default 10 */
    readonly push: number;
    /** @default 1 */
    readonly deliveryCheck: number;
    /** @default 5 */
    readonly finalize: number;
  };
  /** How long one crawl runs; it is billed at least 10 minutes. @default 120 */
  readonly crawlerRunSeconds: number;
  /** DPUs a crawl uses (AWS does not publish it; `CrawlerHistory.DPUHour` shows it per run). @default 1 */
  readonly crawlerDpus: number;
  /** S3 LIST requests per crawl. @default 50 */
  readonly crawlerListsPerRun: number;
  /** S3 GET requests per object a query reads (footer, then column chunks). @default 3 */
  readonly getsPerObjectRead: number;
  /** Bytes of one query's result file. @default 1048576 */
  readonly queryResultBytes: number;
  /** CloudWatch log bytes per Lambda invocation (platform lines and one summary line). @default 1024 */
  readonly logBytesPerInvocation: number;
  /** CloudWatch log bytes per crawl. @default 10240 */
  readonly logBytesPerCrawl: number;
  /** Glue Data Catalog requests. */
  readonly catalogRequests: {
    /** @default 20 */
    readonly perCrawl: number;
    /** GetTable, GetPartitions… per query. @default 3 */
    readonly perQuery: number;
    /** Firehose's reads of the table schema for the conversion. @default 60 */
    readonly firehosePerHour: number;
  };
  /** KMS requests per shard-hour with a customer-managed key (producers' and consumers' data keys). @default 24 */
  readonly kmsRequestsPerShardHour: number;
  /** Crawler polls of one batch run: ⌈crawlerRunSeconds ÷ 30 s⌉ unless set. */
  readonly crawlerPollsPerRun?: number;
  /** Share of batch runs that fail and publish a notification. @default 0.05 */
  readonly batchFailureRate: number;
  /** CloudWatch alarms. @default estimated from the monitoring settings (see `estimatedAlarms`) */
  readonly alarms?: number;
  /** Custom metrics the transform publishes (Powertools: ok, failed, dropped, coerced, unknown fields). @default 5 */
  readonly customMetrics: number;
  /** SNS notifications per alarm per month (ALARM and OK transitions). @default 2 */
  readonly notificationsPerAlarm: number;
  /** QuickSight users when `quicksight.enabled` and no user counts are given. @default 1 author, 0 readers */
  readonly quickSightUsers: { readonly authors: number; readonly readers: number };
  /** Bytes of one S3 server access log record (with `security.accessLogging`). @default 300 */
  readonly accessLogRecordBytes: number;
  /** Months of Parquet data kept in the lake (`data/` never expires), for storage. @default 1 */
  readonly monthsOfData: number;
}

/** The default estimates. */
export const DEFAULT_ASSUMPTIONS: PlanAssumptions = {
  parquetRatio: 0.25,
  gzipRatio: 0.2,
  errorFraction: 0.001,
  errorEnvelopeFactor: 1.4,
  transformBaseMs: 20,
  transformMsPerMiB: 250,
  batchFunctionSeconds: { extract: 30, push: 10, deliveryCheck: 1, finalize: 5 },
  crawlerRunSeconds: 120,
  crawlerDpus: 1,
  crawlerListsPerRun: 50,
  getsPerObjectRead: 3,
  queryResultBytes: 1_048_576,
  logBytesPerInvocation: 1024,
  logBytesPerCrawl: 10_240,
  catalogRequests: { perCrawl: 20, perQuery: 3, firehosePerHour: 60 },
  kmsRequestsPerShardHour: 24,
  batchFailureRate: 0.05,
  customMetrics: 5,
  notificationsPerAlarm: 2,
  quickSightUsers: { authors: 1, readers: 0 },
  accessLogRecordBytes: 300,
  monthsOfData: 1,
};

/** Defaults with `overrides` applied (nested groups merge). */
export function resolveAssumptions(overrides: Partial<PlanAssumptions> = {}): PlanAssumptions {
  return {
    ...DEFAULT_ASSUMPTIONS,
    ...overrides,
    batchFunctionSeconds: { ...DEFAULT_ASSUMPTIONS.batchFunctionSeconds, ...overrides.batchFunctionSeconds },
    catalogRequests: { ...DEFAULT_ASSUMPTIONS.catalogRequests, ...overrides.catalogRequests },
    quickSightUsers: { ...DEFAULT_ASSUMPTIONS.quickSightUsers, ...overrides.quickSightUsers },
  };
}

/**
 * The planner's view of a configuration: the settings it reads, the workload with every default
 * filled in, and the monthly volumes derived from both. Pure.
 */
import type { PipelineSettings, WorkloadSettings } from "../stacks/config/settings";
import { runsPerDay } from "../contract/schedule";
import { DAYS_PER_MONTH, SECONDS_PER_MONTH } from "./units";

/** The settings the planner reads. */
export type PlannerSettings = Pick<
  PipelineSettings,
  | "region"
  | "stream"
  | "delivery"
  | "transform"
  | "lake"
  | "partitioning"
  | "catalog"
  | "batch"
  | "logs"
  | "security"
  | "monitoring"
  | "quicksight"
>;

/** A workload with every field set (see {@link WorkloadSettings} for each field's meaning). */
export type Workload = { readonly [K in keyof WorkloadSettings]-?: number };

/** Fills in a declared workload's defaults; batch runs default to the runs `batch.schedule` makes. */
export function resolveWorkload(declared: WorkloadSettings, settings: Pick<PipelineSettings, "batch">): Workload {
  return {
    eventsPerSecond: declared.eventsPerSecond,
    peakFactor: declared.peakFactor ?? 1,
    averageRecordBytes: declared.averageRecordBytes,
    maxRecordBytes: declared.maxRecordBytes ?? declared.averageRecordBytes,
    consumers: declared.consumers ?? 1,
    eventsPerRecord: declared.eventsPerRecord ?? 1,
    batchRunsPerDay: declared.batchRunsPerDay ?? (settings.batch.enabled ? runsPerDay(settings.batch.schedule) : 0),
    recordsPerBatch: declared.recordsPerBatch ?? 0,
    athenaQueriesPerDay: declared.athenaQueriesPerDay ?? 0,
    athenaBytesScannedPerQuery: declared.athenaBytesScannedPerQuery ?? 0,
  };
}

/** Monthly volumes of a workload in a configuration. */
export interface Volumes {
  /** Events producers send per month. */
  readonly streamEvents: number;
  /** Kinesis records producers send per month (events ÷ eventsPerRecord). */
  readonly streamRecords: number;
  /** Bytes of one producer record. */
  readonly streamRecordBytes: number;
  readonly batchRuns: number;
  /** Batch records per month; the push function sends one event per record. */
  readonly batchRecords: number;
  /** All events per month. */
  readonly events: number;
  /** JSON bytes per month (streamed and batch). */
  readonly jsonBytes: number;
  /** Average JSON bytes per second over the month. */
  readonly bytesPerSecond: number;
  readonly queries: number;
  /** Crawls started by the crawler's own schedule (none with partition projection). */
  readonly scheduledCrawls: number;
  /** Crawls started by batch runs. */
  readonly batchCrawls: number;
}

/** Volumes of one 30-day month. Batch runs only count when the batch path is enabled. */
export function monthlyVolumes(settings: PlannerSettings, workload: Workload): Volumes {
  const streamEvents = workload.eventsPerSecond * SECONDS_PER_MONTH;
  const batchRuns = settings.batch.enabled ? workload.batchRunsPerDay * DAYS_PER_MONTH : 0;
  const batchRecords = batchRuns * workload.recordsPerBatch;
  const events = streamEvents + batchRecords;
  const jsonBytes = events * workload.averageRecordBytes;
  const schedule = settings.catalog.partitionProjection ? null : settings.catalog.crawlerSchedule;
  return {
    streamEvents,
    streamRecords: streamEvents / workload.eventsPerRecord,
    streamRecordBytes: workload.averageRecordBytes * workload.eventsPerRecord,
    batchRuns,
    batchRecords,
    events,
    jsonBytes,
    bytesPerSecond: jsonBytes / SECONDS_PER_MONTH,
    queries: workload.athenaQueriesPerDay * DAYS_PER_MONTH,
    scheduledCrawls: runsPerDay(schedule) * DAYS_PER_MONTH,
    batchCrawls: batchRuns,
  };
}

/**
 * The batch workflow's contract: environment variables, function timeouts, and the input and output of
 * every batch handler and of the state machine. No cdktf, no SDK: imported by `stacks/`,
 * `state-machines/`, `handlers/` and the operator CLI alike. Every payload is small: records live in S3,
 * states pass keys and counts (a Step Functions payload is at most 256 KiB).
 */

/** Environment variables of the batch functions, set by `BatchStage`. */
export const BATCH_ENV = {
  /** The lake bucket holding every batch prefix and the data/ prefix. */
  bucket: "LAKE_BUCKET",
  /** Kinesis stream the push function writes to. */
  streamName: "STREAM_NAME",
  /** JSON of {@link BatchSettings}. */
  settings: "BATCH_SETTINGS",
} as const;

/** Lambda timeouts of the batch functions, in seconds. */
export const BATCH_FUNCTION_TIMEOUTS = { extract: 900, push: 300, deliveryCheck: 60, finalize: 300 } as const;

/** Name of the column the batch id is stamped into; added to the table by the stack. */
export const BATCH_ID_COLUMN = "batch_id";

/**
 * The error output types Firehose writes under errors/ that a replay can read (`!{firehose:error-output-type}`):
 * transform failures, Parquet conversion failures, and, with event-time partitions (dynamic partitioning),
 * records beyond the stream's active-partition limit, which Firehose delivers to the error prefix as
 * `activePartitionExceeded` (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html).
 */
export const FIREHOSE_ERROR_TYPES = ["processing-failed", "format-conversion-failed", "activePartitionExceeded"] as const;

/** A Firehose error output type a replay can read. */
export type FirehoseErrorType = (typeof FIREHOSE_ERROR_TYPES)[number];

/** Longest replay window: 7 days, the span one run's validation can bound. */
export const MAX_REPLAY_WINDOW_HOURS = 7 * 24;

/** Appended to the batch id of a replay run: `20261125T0200Z-replay`. */
export const REPLAY_BATCH_SUFFIX = "-replay";

/**
 * Re-ingest records Firehose could not deliver (`errors`) or a window of the raw backup (`backup`)
 * instead of the landing files. Every hourly prefix overlapping [since, until) is read.
 */
export interface ReplaySpec {
  readonly from: "errors" | "backup";
  /** Only with `from: "errors"`: one error type. @default both types */
  readonly errorType?: FirehoseErrorType;
  /** ISO-8601 date-time with a zone; the first hour read is the one containing it. */
  readonly since: string;
  /** ISO-8601 date-time with a zone, after `since` and at most 7 days later; the hour containing it is read only when it starts before `until`. */
  readonly until: string;
}

/** Input of a state machine execution. The schedule passes its scheduled time. */
export interface BatchExecutionInput {
  /** ISO-8601 scheduled time of the run; the batch id is derived from it, never from the wall clock. */
  readonly scheduledTime: string;
  /** Re-run a batch whose marker already exists. @default false */
  readonly force?: boolean;
  /**
   * Replay errors/ or raw/ objects of a time window instead of reading landing/. The state machine
   * passes `null` when the execution input has none. @default landing files
   */
  readonly replay?: ReplaySpec | null;
}

/** Input of the ExtractBatch function. */
export interface ExtractInput extends BatchExecutionInput {
  /** The execution ARN, written into the claim marker. */
  readonly executionId: string;
}

/** The validation the workflow runs once the batch is delivered and crawled. */
export interface BatchValidation {
  /** One SELECT returning one row: found (distinct event ids of this batch), missing_required (rows with a NULL required column). */
  readonly query: string;
  /** Number of records pushed, which `found` must equal. */
  readonly expectedCount: number;
}

/** Output of ExtractBatch. */
export interface ExtractOutput {
  readonly batchId: string;
  /** True when there is nothing to push: an empty batch, or a batch already claimed by another run. */
  readonly skipped: boolean;
  /** Why the run was skipped: `empty` or `already-claimed`. */
  readonly skipReason?: "empty" | "already-claimed";
  /** What the batch read: landing files, or for a replay the error or raw backup objects. */
  readonly source?: "landing" | ReplaySpec["from"];
  /** Objects read: landing files, or the replayed objects. */
  readonly fileCount: number;
  /** Records accepted and staged for pushing. */
  readonly recordCount: number;
  /** Lines rejected (written to rejected/<batchId>/ with reasons). */
  readonly rejectedCount: number;
  /** Staging chunk keys, pushed one per Map iteration. */
  readonly chunkKeys: readonly string[];
  /** Key of the manifest listing the objects of this batch (landing files and replayed error objects move to processed/ on success). */
  readonly manifestKey: string;
  /** When extraction finished, ISO-8601; delivery is checked for objects written after it. */
  readonly pushStartedAt: string;
  /**
   * The first and last event hour of the staged records (`YYYY-MM-DDTHH`, UTC), so the delivery check
   * can list exactly those partitions with event-time partitioning; null when there are none.
   */
  readonly eventHours: EventHours | null;
  readonly validation: BatchValidation;
}

/** Input of one PushToKinesis iteration. */
export interface PushInput {
  readonly batchId: string;
  readonly chunkKey: string;
  /** Ranges in the batch (from its RangeItem): fewer than the push concurrency raise this chunk's share. */
  readonly rangeCount?: number;
}

/** Output of one PushToKinesis iteration. */
export interface PushOutput {
  readonly chunkKey: string;
  readonly pushed: number;
  /** PutRecords calls made, retries included. */
  readonly calls: number;
}

/** An inclusive range of UTC hours, each written `YYYY-MM-DDTHH`. */
export interface EventHours {
  readonly first: string;
  readonly last: string;
  /**
   * Every hour holding at least one record, sorted; absent when there are more than
   * {@link MAX_LISTED_EVENT_HOURS} (the delivery check then cannot list each partition).
   */
  readonly hours?: readonly string[];
}

/** Most distinct event hours an ExtractOutput lists (one week of hours). */
export const MAX_LISTED_EVENT_HOURS = 168;

/** Input of the delivery check polled by WaitForDelivery. */
export interface DeliveryCheckInput {
  /** When the push began (ExtractOutput.pushStartedAt): only objects last modified at or after it count. */
  readonly since: string;
  /** When the push ended (the workflow's time after the push Map), ISO-8601; arrival hours run from `since` to it. @default since */
  readonly until?: string | null;
  /** The batch's event hours; with event-time partitions only these partitions are listed. */
  readonly eventHours?: EventHours | null;
}

/** Output of the delivery check. */
export interface DeliveryCheckOutput {
  /** True when every expected partition holds an object written since the push began. */
  readonly delivered: boolean;
  /** Data objects found written since `since` in the expected partitions. */
  readonly objects: number;
  /** Partitions the batch's records are expected in. */
  readonly expected: number;
  /** Prefixes of expected partitions still without a new object (at most 5, then a count of the rest). */
  readonly missing: readonly string[];
}

/** Input of FinalizeBatch, run after a successful validation. */
export interface FinalizeInput {
  readonly batchId: string;
  readonly manifestKey: string;
  readonly executionId: string;
}

/** Output of FinalizeBatch. */
export interface FinalizeOutput {
  /** Objects moved to processed/<batchId>/: landing files, and for a replay of errors/ the replayed error objects. */
  readonly moved: number;
  /** Of `moved`, replayed error objects (absent for a landing batch). */
  readonly replayedObjectsMoved?: number;
}

/**
 * One byte range of a landing object, planned at record boundaries so that reading every range of an
 * object reads each record exactly once, with the line numbers of a whole-object read. A gzip object is
 * never split (one range: the whole object). Small: a Step Functions item.
 */
export interface LandingByteRange {
  /** Landing key of the object. */
  readonly key: string;
  readonly format: "ndjson" | "json" | "csv";
  /** By the object's magic bytes, as the extract decides. */
  readonly compression: "gzip" | "none";
  /** First byte of the range (a record's start). */
  readonly start: number;
  /** Byte after the range's last (exclusive). */
  readonly end: number;
  /** 1-based line of the range's first byte. */
  readonly firstLine: number;
  /** CSV: the header row's cells (the file's first row), for ranges after it. */
  readonly header?: readonly string[];
  /** JSON arrays: the 1-based ordinal of the range's first element (part of generated event ids). */
  readonly firstElement?: number;
  /** 0-based order of the range within its object. */
  readonly index: number;
}

// ---------------------------------------------------------------------------------------------------
// The Distributed Map batch: PlanBatch → ExtractAndPush (one child per range) → SummarizeBatch

/** Largest planned range of a landing object, uncompressed: 64 MiB (a gzip object is one range). */
export const RANGE_TARGET_BYTES = 64 * 1024 * 1024;

/** Smallest range PlanBatch cuts to spread a small batch over the push concurrency: 1 MiB. */
export const MIN_RANGE_TARGET_BYTES = 1024 * 1024;

/**
 * The range size for a batch of `totalBytes` (the splittable objects' sizes) pushed `concurrency` ranges
 * at a time: enough ranges to keep every concurrent push busy, none over {@link RANGE_TARGET_BYTES} and
 * none needlessly under {@link MIN_RANGE_TARGET_BYTES}. Each range's push is paced to capacity ÷
 * concurrency, so fewer ranges than the concurrency would leave part of the stream's capacity unused.
 */
export function rangeTargetBytes(totalBytes: number, concurrency: number): number {
  const even = Math.ceil(totalBytes / Math.max(1, concurrency));
  return Math.min(RANGE_TARGET_BYTES, Math.max(MIN_RANGE_TARGET_BYTES, even));
}

/** Input of the extract function's `plan` mode (PlanBatch): the ExtractBatch input. */
export interface PlanInput extends ExtractInput {
  readonly mode: "plan";
}

/** Output of PlanBatch: pointers and counts; the items are in S3 (`rangesKey`). */
export interface PlanOutput {
  readonly batchId: string;
  /** True when there is nothing to extract: no source objects at all, or a batch claimed by another run. */
  readonly skipped: boolean;
  readonly skipReason?: "empty" | "already-claimed";
  readonly source: "landing" | ReplaySpec["from"];
  /** Objects listed: landing files, or the replayed objects (rejected ones included). */
  readonly fileCount: number;
  /** Items in `rangesKey`: one Distributed Map child each. */
  readonly rangeCount: number;
  /** `staging/<batchId>/ranges.json`: a JSON array of {@link RangeItem}s (the Map's ItemReader reads it). */
  readonly rangesKey: string;
  readonly manifestKey: string;
  /** When planning finished (before any push), ISO-8601. */
  readonly plannedAt: string;
}

/** One element of ranges.json: what one ExtractRange child reads. Small (a Step Functions item). */
export interface RangeItem {
  readonly batchId: string;
  /** `r00000`, … : the item's ordinal in ranges.json; names the range's staging folder and id list. */
  readonly rangeId: string;
  readonly range: LandingByteRange;
  /** A replayed object (errors/ or raw/), always one range read whole; absent for landing files. */
  readonly replay?: ReplaySpec["from"];
  /** The object is rejected whole for this reason (unsupported type, too large to replay); nothing is read. */
  readonly reject?: string;
  /** Ranges in the whole batch: with fewer ranges than pushes at once, each range's push gets a larger share. */
  readonly rangeCount?: number;
}

/** Input of the extract function's `range` mode (ExtractRange). */
export interface RangeInput {
  readonly mode: "range";
  readonly item: RangeItem;
}

/** Output of ExtractRange (one Distributed Map child's output): counts and keys, never records. */
export interface RangeOutput {
  readonly batchId: string;
  readonly rangeId: string;
  /** The object the range belongs to. */
  readonly key: string;
  readonly accepted: number;
  /** Entries written to rejected/: lines plus whole objects. */
  readonly rejected: number;
  readonly rejectedLines: number;
  readonly rejectedFiles: number;
  readonly generatedEventIds: number;
  /** Staging chunks, pushed by the child's PushRangeChunks. */
  readonly chunkKeys: readonly string[];
  readonly rejectedKeys: readonly string[];
  /** `staging/<batchId>/ids/<rangeId>.txt`: the accepted event ids, sorted, distinct, one JSON string a line. */
  readonly idsKey: string;
  /** Size of the id list in bytes (SummarizeBatch reads it in ranged pieces). */
  readonly idsBytes: number;
  readonly firstHour?: string;
  readonly lastHour?: string;
  /** Distinct event hours, sorted; absent above {@link MAX_LISTED_EVENT_HOURS}. */
  readonly hours?: readonly string[];
}

/** Where the Distributed Map's ResultWriter wrote its manifest (`$.mapRun.ResultWriterDetails`). */
export interface ResultWriterDetails {
  readonly Bucket: string;
  readonly Key: string;
}

/** Input of the extract function's `summarize` mode (SummarizeBatch). */
export interface SummarizeInput {
  readonly mode: "summarize";
  readonly batchId: string;
  readonly manifestKey: string;
  readonly resultWriter: ResultWriterDetails;
  /** When the push began (the Map's start); @default the plan's `plannedAt`, recorded in the manifest. */
  readonly pushStartedAt?: string | null;
}

/** Output of SummarizeBatch: the ExtractOutput without chunk keys (the children pushed them). */
export type SummarizeOutput = Omit<ExtractOutput, "chunkKeys">;

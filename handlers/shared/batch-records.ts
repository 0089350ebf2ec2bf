/**
 * The records a batch leaves in the lake bucket, written by ExtractBatch and read by FinalizeBatch:
 * the claim marker `_runs/<batchId>.json` and the manifest `staging/<batchId>/manifest.json`. Types only.
 */
import type { FirehoseErrorType, ReplaySpec } from "../../contract/batch";

/** The claim marker `_runs/<batchId>.json`; finalize sets `succeeded`. */
export interface RunMarker {
  readonly batchId: string;
  readonly status: "running" | "empty" | "failed" | "succeeded";
  readonly executionId: string;
  readonly scheduledTime?: string;
  readonly claimedAt: string;
  readonly forced?: boolean;
  readonly finishedAt?: string;
  readonly counts?: Readonly<Record<string, number>>;
  readonly error?: string;
  /** The replay this run loads, without its prefixes; absent for a landing batch. */
  readonly replay?: ReplayRecord;
  readonly [extra: string]: unknown;
}

/** A replay as the run marker and the manifest record it. */
export interface ReplayRecord {
  readonly from: ReplaySpec["from"];
  readonly errorTypes: readonly FirehoseErrorType[];
  readonly since: string;
  readonly until: string;
}

/** One landing file of a batch, as read. */
export interface ManifestFile {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** One errors/ or raw/ object a replay read. */
export interface ReplayedObject extends ManifestFile {
  /** Finalize moves it to processed/<batchId>/<key>: true for errors/ objects, false for the raw backup (which stays). */
  readonly move: boolean;
  /** Records of this object staged for pushing. */
  readonly records: number;
  /** Entries of this object written to rejected/ (malformed envelopes or records, schema failures, or the whole object). */
  readonly rejected: number;
}

/**
 * `staging/<batchId>/manifest.json`: what the batch read and wrote. Finalize moves exactly `files`
 * (landing files) and the `replayed` objects marked `move`.
 */
export interface BatchManifest {
  readonly batchId: string;
  readonly executionId: string;
  readonly scheduledTime: string;
  readonly extractedAt: string;
  /** Distributed Map batches: when PlanBatch finished (the push began after it). */
  readonly plannedAt?: string;
  /** Distributed Map batches: the items (ranges.json) and how many. */
  readonly rangesKey?: string;
  readonly rangeCount?: number;
  /** Distributed Map batches: when SummarizeBatch filled in the counts. */
  readonly summarizedAt?: string;
  /** Landing files read; empty for a replay. */
  readonly files: readonly ManifestFile[];
  readonly chunkKeys: readonly string[];
  readonly rejectedKeys: readonly string[];
  readonly counts: BatchCounts;
  /** What the batch read: landing/ (absent in manifests written before replays existed) or a replay source. */
  readonly source?: "landing" | ReplaySpec["from"];
  /** For a replay: the window and the hourly prefixes listed. */
  readonly replay?: ReplayRecord & { readonly prefixes: readonly string[] };
  /** For a replay: every object read, in listing order. */
  readonly replayed?: readonly ReplayedObject[];
}

/** Counters of one batch; `records + rejectedLines` equals every record or line read. */
export interface BatchCounts {
  /** Landing files (or replayed objects) in the manifest, rejected ones included. */
  readonly files: number;
  readonly records: number;
  /** Entries written to rejected/: rejected lines plus rejected whole files. */
  readonly rejected: number;
  readonly rejectedLines: number;
  readonly rejectedFiles: number;
  /** Accepted records whose event id was already taken by an earlier record of the batch. */
  readonly duplicateEventIds: number;
  /** Accepted records that had no event id and got a generated one. */
  readonly generatedEventIds: number;
}

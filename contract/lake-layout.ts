/**
 * The lake layout: every folder of the lake and results buckets, and the Firehose prefix expressions
 * that write them. The one source of these strings for the stacks, the handlers, the operator CLI
 * and the rehearsal.
 */
import { partitionKeys, type DayKey } from "./event-schema";
import { type PartitionTime } from "./settings";

/**
 * Top-level folders of the lake bucket. They are disjoint, and only `data/` is the table location,
 * so the crawler and Athena never read raw or error JSON.
 */
export const LAKE_PREFIXES = { data: "data/", raw: "raw/", errors: "errors/" } as const;

/** Folder of Athena query results in the results bucket. */
export const RESULTS_PREFIX = "athena-results/";

/** Batch folders in the lake bucket; disjoint from each other and from data/, raw/ and errors/. */
export const BATCH_PREFIXES = {
  /** Upstream systems drop batch files here. */
  landing: "landing/",
  /** NDJSON chunks of a batch, ready to push: staging/<batchId>/chunk-00000.ndjson, manifest.json. */
  staging: "staging/",
  /** Rejected lines with line numbers and reasons: rejected/<batchId>/<n>.ndjson. */
  rejected: "rejected/",
  /** One claim marker per batch: _runs/<batchId>.json (written with If-None-Match: *). */
  runs: "_runs/",
  /**
   * Landing files of a successful batch are moved here: processed/<batchId>/<key without landing/>;
   * replayed error objects go to processed/<batchId>/<key> (so processed/<batchId>/errors/…).
   */
  processed: "processed/",
} as const;

/** Lake folders Firehose writes and a replay reads, keyed by `ReplaySpec["from"]`. */
export const REPLAY_SOURCE_PREFIXES = {
  /** Firehose error objects: errors/<error type>/year=YYYY/month=MM/<dayKey>=DD/hour=HH/. */
  errors: LAKE_PREFIXES.errors,
  /** Raw backup of every source record: raw/year=YYYY/month=MM/<dayKey>=DD/hour=HH/. */
  backup: LAKE_PREFIXES.raw,
} as const;

/** `year=!{timestamp:yyyy}/month=…/<dayKey>=…/hour=…/` for arrival-time partitions. */
export function arrivalTimePartitions(dayKey: DayKey): string {
  const patterns = ["yyyy", "MM", "dd", "HH"];
  return partitionKeys(dayKey)
    .map((key, i) => `${key}=!{timestamp:${patterns[i]}}/`)
    .join("");
}

/** `year=!{partitionKeyFromLambda:year}/…` for event-time partitions returned by the transform. */
export function eventTimePartitions(dayKey: DayKey): string {
  return partitionKeys(dayKey)
    .map((key) => `${key}=!{partitionKeyFromLambda:${key}}/`)
    .join("");
}

/** The Firehose S3 prefixes for a configuration. */
export function deliveryPrefixes(dayKey: DayKey, partitionTime: PartitionTime) {
  const arrival = arrivalTimePartitions(dayKey);
  return {
    data: `${LAKE_PREFIXES.data}${partitionTime === "event" ? eventTimePartitions(dayKey) : arrival}`,
    errors: `${LAKE_PREFIXES.errors}!{firehose:error-output-type}/${arrival}`,
    raw: `${LAKE_PREFIXES.raw}${arrival}`,
  };
}

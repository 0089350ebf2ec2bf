/**
 * How fast the stream takes writes, in one place: the batch push paces itself to it, the workflow sizes
 * its push concurrency from it, and the synth warnings judge a declared batch against it. Pure.
 *
 * - A shard takes 1 MiB/s and 1,000 records/s of writes, in either capacity mode
 *   (https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html; the byte limit counts
 *   partition keys: https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html).
 * - "By default, new data streams created with the on-demand capacity mode have 4 MB/s of write and 8 MB/s
 *   of read throughput" (service-sizes-and-limits.html): the write capacity of four shards, so 4,000
 *   records/s. An on-demand stream then "accommodates up to double the peak write throughput observed in
 *   the previous 30 days" (https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html),
 *   but nothing in the configuration says what that peak was, so the initial limits are used: the safe side.
 */

/** Write limits of one shard. */
export const SHARD_WRITE_LIMITS = { recordsPerSecond: 1000, bytesPerSecond: 1024 * 1024 } as const;

/** An on-demand stream starts with the write capacity of this many shards (4 MB/s, 4,000 records/s). */
export const ON_DEMAND_INITIAL_SHARDS = 4;

/** What the write capacity depends on: the stream's mode and, when PROVISIONED, its shards. */
export interface StreamCapacityInput {
  readonly mode: "PROVISIONED" | "ON_DEMAND";
  /** Shards of a PROVISIONED stream. @default 1 */
  readonly shardCount?: number;
}

/** A write rate: records and bytes (data plus partition keys) per second. */
export interface WriteRate {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
}

/** The stream's write capacity and what it rests on. */
export interface StreamWriteCapacity extends WriteRate {
  /** Shards whose limits make up the capacity (for ON_DEMAND, its initial four). */
  readonly shards: number;
  /** How the capacity was found, for messages: `PROVISIONED, 2 shards × …`. */
  readonly basis: string;
}

/**
 * The stream's write capacity: shards × 1,000 records/s and × 1 MiB/s when PROVISIONED; the initial
 * 4 MiB/s and 4,000 records/s of a new on-demand stream when ON_DEMAND.
 */
export function streamWriteCapacity(stream: StreamCapacityInput): StreamWriteCapacity {
  const onDemand = stream.mode === "ON_DEMAND";
  const shards = onDemand ? ON_DEMAND_INITIAL_SHARDS : (stream.shardCount ?? 1);
  if (!Number.isInteger(shards) || shards < 1) {
    throw new Error(`streamWriteCapacity: shardCount must be an integer ≥ 1, got ${shards}`);
  }
  const recordsPerSecond = shards * SHARD_WRITE_LIMITS.recordsPerSecond;
  const bytesPerSecond = shards * SHARD_WRITE_LIMITS.bytesPerSecond;
  const limits = `${recordsPerSecond.toLocaleString("en-US")} records/s and ${shards} MiB/s`;
  const basis = onDemand
    ? `ON_DEMAND, starting at ${limits} (its initial capacity; it grows only after traffic has raised its peak)`
    : `PROVISIONED, ${shards} shard${shards === 1 ? "" : "s"} × 1,000 records/s and 1 MiB/s = ${limits}`;
  return { shards, recordsPerSecond, bytesPerSecond, basis };
}

/**
 * One push iteration's share of the capacity when `concurrency` iterations run at once: capacity ÷
 * concurrency, rounded down to whole records and bytes so the iterations together never exceed it.
 */
export function rateShare(capacity: WriteRate, concurrency: number): WriteRate {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`rateShare: concurrency must be an integer ≥ 1, got ${concurrency}`);
  }
  return {
    recordsPerSecond: Math.floor(capacity.recordsPerSecond / concurrency),
    bytesPerSecond: Math.floor(capacity.bytesPerSecond / concurrency),
  };
}

/**
 * Shards a PROVISIONED Kinesis stream needs for a workload at its peak. Pure.
 *
 * Each shard takes 1 MiB/s and 1,000 records/s of writes and serves 2 MiB/s of reads shared by every
 * standard (shared-throughput) consumer; enhanced fan-out consumers get their own 2 MiB/s and are not
 * counted. https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html
 */
import { SHARD_WRITE_LIMITS } from "../contract/stream-capacity";
import { ceilSafe, MiB, num } from "./units";

/** Per-shard limits of a provisioned stream; the write limits are the push's (`contract/stream-capacity.ts`). */
export const SHARD_LIMITS = {
  writeBytesPerSecond: SHARD_WRITE_LIMITS.bytesPerSecond,
  writeRecordsPerSecond: SHARD_WRITE_LIMITS.recordsPerSecond,
  readBytesPerSecond: 2 * MiB,
} as const;

/** What the shard count depends on. */
export interface ShardInputs {
  /** Average events per second. */
  readonly eventsPerSecond: number;
  /** Peak ÷ average. */
  readonly peakFactor: number;
  /** Bytes of one event. */
  readonly averageRecordBytes: number;
  /** Shared-throughput consumers (Firehose counts as one). */
  readonly consumers: number;
  /** Events per Kinesis record. @default 1 */
  readonly eventsPerRecord?: number;
}

/** The limit that decides the shard count. */
export type ShardLimit = "bytesIn" | "recordsIn" | "bytesOut";

/** The shard count and how each limit contributes to it. */
export interface ShardRequirement {
  readonly shards: number;
  /** The limit with the highest load per shard: raising it raises the shard count. */
  readonly binding: ShardLimit;
  /** Shards each limit alone would need (rounded up). */
  readonly byLimit: Readonly<Record<ShardLimit, number>>;
  readonly peakRecordsPerSecond: number;
  readonly peakBytesInPerSecond: number;
  readonly peakBytesOutPerSecond: number;
  /** The computation, as text. */
  readonly arithmetic: string;
}

/**
 * shards = max(1, ⌈peak bytes in / 1 MiB⌉, ⌈peak records / 1,000⌉, ⌈peak bytes in × consumers / 2 MiB⌉),
 * with peak = average × peakFactor. Record bytes are the actual average size (the write limit counts
 * bytes, not the 1 KiB steps the AWS sizing guide rounds to).
 */
export function requiredShards(input: ShardInputs): ShardRequirement {
  const perRecord = input.eventsPerRecord ?? 1;
  const peakEvents = input.eventsPerSecond * input.peakFactor;
  const peakRecordsPerSecond = peakEvents / perRecord;
  const peakBytesInPerSecond = peakEvents * input.averageRecordBytes;
  const peakBytesOutPerSecond = peakBytesInPerSecond * input.consumers;
  const load: Record<ShardLimit, number> = {
    bytesIn: peakBytesInPerSecond / SHARD_LIMITS.writeBytesPerSecond,
    recordsIn: peakRecordsPerSecond / SHARD_LIMITS.writeRecordsPerSecond,
    bytesOut: peakBytesOutPerSecond / SHARD_LIMITS.readBytesPerSecond,
  };
  const byLimit = {
    bytesIn: ceilSafe(load.bytesIn),
    recordsIn: ceilSafe(load.recordsIn),
    bytesOut: ceilSafe(load.bytesOut),
  };
  const shards = Math.max(1, byLimit.bytesIn, byLimit.recordsIn, byLimit.bytesOut);
  const binding = (Object.keys(load) as ShardLimit[]).reduce((a, b) => (load[b] > load[a] ? b : a));
  const peak =
    input.peakFactor === 1
      ? `${num(peakEvents)} events/s`
      : `${num(input.eventsPerSecond)} × ${num(input.peakFactor)} = ${num(peakEvents)} events/s at peak`;
  const records = perRecord === 1 ? "" : ` in ${num(peakRecordsPerSecond)} records/s (${perRecord} events per record)`;
  const arithmetic =
    `${peak}${records}; bytes in ${num(peakBytesInPerSecond, 0)} B/s ÷ 1,048,576 = ${num(load.bytesIn, 3)} → ${byLimit.bytesIn}; ` +
    `records ${num(peakRecordsPerSecond)}/s ÷ 1,000 = ${num(load.recordsIn, 3)} → ${byLimit.recordsIn}; ` +
    `bytes out ${num(peakBytesInPerSecond, 0)} × ${input.consumers} consumer${input.consumers === 1 ? "" : "s"} ÷ 2,097,152 = ${num(load.bytesOut, 3)} → ${byLimit.bytesOut}; ` +
    `shards = max(1, ${byLimit.bytesIn}, ${byLimit.recordsIn}, ${byLimit.bytesOut}) = ${shards}`;
  return { shards, binding, byLimit, peakRecordsPerSecond, peakBytesInPerSecond, peakBytesOutPerSecond, arithmetic };
}

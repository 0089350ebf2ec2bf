/**
 * Whether a declared batch (`workload.recordsPerBatch` records of `workload.averageRecordBytes`) can be
 * pushed within `batch.runTimeoutMinutes` at the rate the push is paced to (the stream's write capacity,
 * see `pushPlan` in `state-machines/timing.ts`), and whether one staging chunk can be pushed within the
 * push function's timeout at its share of that rate. Pure; the arithmetic is written into the warnings.
 */
import { BATCH_FUNCTION_TIMEOUTS } from "../contract/batch";
import { ON_DEMAND_INITIAL_SHARDS, SHARD_WRITE_LIMITS, type WriteRate } from "../contract/stream-capacity";
import type { PipelineSettings } from "../stacks/config/settings";
import { loopBudgetSeconds, pushPlan, workflowTiming } from "../state-machines/timing";
import { bytes, ceilSafe, num } from "./units";

/** The longest run timeout the configuration accepts, in minutes. */
const MAX_RUN_TIMEOUT_MINUTES = 1440;

/** How long pushing `records` of `recordBytes` takes at `rate`, each limit on its own and the binding one. */
export interface PushTime {
  readonly recordSeconds: number;
  readonly byteSeconds: number;
  readonly seconds: number;
  readonly binding: "records" | "bytes";
}

/** Push time = max(records ÷ records/s, records × bytes ÷ bytes/s). */
export function pushTime(records: number, recordBytes: number, rate: WriteRate): PushTime {
  const recordSeconds = records / rate.recordsPerSecond;
  const byteSeconds = (records * recordBytes) / rate.bytesPerSecond;
  const binding = byteSeconds > recordSeconds ? "bytes" : "records";
  return { recordSeconds, byteSeconds, seconds: Math.max(recordSeconds, byteSeconds), binding };
}

/** The seconds of a run left for extract and push: the run timeout less the workflow's waiting loops. */
export function pushBudget(settings: PipelineSettings): {
  readonly seconds: number;
  readonly waitingSeconds: number;
  readonly arithmetic: string;
} {
  const timing = workflowTiming(
    {
      bufferIntervalSeconds: settings.delivery.bufferIntervalSeconds,
      processorBufferIntervalSeconds: settings.delivery.processorBufferIntervalSeconds,
      dynamicPartitioning: settings.partitioning.partitionTime === "event",
    },
    settings.batch.validationAttempts,
  );
  const waitingSeconds = loopBudgetSeconds(timing);
  const runSeconds = settings.batch.runTimeoutMinutes * 60;
  const waits = timing.validationAttempts - 1;
  const arithmetic =
    `batch.runTimeoutMinutes ${num(settings.batch.runTimeoutMinutes)} × 60 = ${num(runSeconds)} s less the waiting loops ` +
    `(delivery ${num(timing.deliveryTimeoutSeconds)} s + crawler ${num(timing.crawlerTimeoutSeconds)} s + ` +
    `${waits} validation wait${waits === 1 ? "" : "s"} × ${timing.validationRetryWaitSeconds} s = ${num(waitingSeconds)} s) ` +
    `= ${num(runSeconds - waitingSeconds)} s`;
  return { seconds: runSeconds - waitingSeconds, waitingSeconds, arithmetic };
}

function timeText(time: PushTime, records: number, recordBytes: number, rate: WriteRate): string {
  return (
    `records ${num(records)} ÷ ${num(rate.recordsPerSecond)}/s = ${num(time.recordSeconds, 1)} s; ` +
    `bytes ${num(records)} × ${num(recordBytes)} B = ${bytes(records * recordBytes)} ÷ ${bytes(rate.bytesPerSecond)}/s = ${num(time.byteSeconds, 1)} s; ` +
    `${time.binding} bind: ${num(time.seconds, 1)} s (${num(time.seconds / 60, 1)} min)`
  );
}

/**
 * The warning when a declared batch cannot be pushed within the run: its push time at the stream's write
 * capacity exceeds the run timeout less the waiting loops. Undefined when it fits, when the batch path is
 * off, or when no batch size is declared.
 */
export function batchPushWarning(settings: PipelineSettings): string | undefined {
  const records = settings.workload?.recordsPerBatch ?? 0;
  if (!settings.batch.enabled || !settings.workload || records <= 0) return undefined;
  const recordBytes = settings.workload.averageRecordBytes;
  const { capacity } = pushPlan(settings.stream);
  const time = pushTime(records, recordBytes, capacity);
  const budget = pushBudget(settings);
  if (time.seconds <= budget.seconds) return undefined;
  return (
    `workload.recordsPerBatch ${num(records)} cannot be pushed within batch.runTimeoutMinutes ${num(settings.batch.runTimeoutMinutes)}: ` +
    `the push is paced to the stream's write capacity (${capacity.basis}); ${timeText(time, records, recordBytes, capacity)}, ` +
    `against ${num(budget.seconds)} s available (${budget.arithmetic}; extract's own time comes out of it too). ` +
    `Fix: ${fixes(settings, records, recordBytes, budget).join("; or ")}`
  );
}

function fixes(
  settings: PipelineSettings,
  records: number,
  recordBytes: number,
  budget: { seconds: number; waitingSeconds: number },
): string[] {
  const perShard = pushTime(records, recordBytes, SHARD_WRITE_LIMITS);
  const shards = Math.max(1, ceilSafe(perShard.seconds / budget.seconds));
  const out: string[] = [];
  if (settings.stream.mode === "PROVISIONED") {
    out.push(`set stream.shardCount to at least ${shards}`);
    if (shards <= ON_DEMAND_INITIAL_SHARDS) {
      const onDemand = pushTime(records, recordBytes, pushPlan({ mode: "ON_DEMAND" }).capacity);
      out.push(`set stream.mode to ON_DEMAND (${num(onDemand.seconds / 60, 1)} min at its initial 4 MiB/s and 4,000 records/s)`);
    }
  } else {
    out.push(
      `set stream.mode to PROVISIONED with stream.shardCount at least ${shards} (an on-demand stream grows only after traffic has raised its peak)`,
    );
  }
  const minutes = Math.ceil((budget.waitingSeconds + pushTime(records, recordBytes, pushPlan(settings.stream).capacity).seconds) / 60);
  if (minutes <= MAX_RUN_TIMEOUT_MINUTES) out.push(`raise batch.runTimeoutMinutes to at least ${minutes}`);
  const perRecordSeconds = pushTime(1, recordBytes, pushPlan(settings.stream).capacity).seconds;
  out.push(`load smaller batches: at most ${num(Math.floor(budget.seconds / perRecordSeconds))} records per run at this rate`);
  return out;
}

/**
 * The warning when one staging chunk (`batch.recordsPerChunk` records of `workload.averageRecordBytes`)
 * cannot be pushed at its share of the stream's rate within the push function's timeout.
 */
export function chunkPushWarning(settings: PipelineSettings): string | undefined {
  if (!settings.batch.enabled || !settings.workload) return undefined;
  const records = settings.batch.recordsPerChunk;
  const recordBytes = settings.workload.averageRecordBytes;
  const { share, concurrency } = pushPlan(settings.stream);
  const time = pushTime(records, recordBytes, share);
  const limit = BATCH_FUNCTION_TIMEOUTS.push;
  if (time.seconds <= limit) return undefined;
  const fits = Math.max(1, Math.floor(limit / pushTime(1, recordBytes, share).seconds));
  return (
    `a staging chunk of batch.recordsPerChunk ${num(records)} records cannot be pushed within the push function's ${limit} s timeout ` +
    `at its share of the stream (capacity ÷ ${concurrency} chunk${concurrency === 1 ? "" : "s"} at once = ${num(share.recordsPerSecond)} records/s and ${bytes(share.bytesPerSecond)}/s): ` +
    `${timeText(time, records, recordBytes, share)}. Fix: set batch.recordsPerChunk to at most ${num(fits)}`
  );
}

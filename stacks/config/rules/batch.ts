import { MIN_RECORDS_PER_CHUNK } from "../../../state-machines/history";
/** Rules on the batch path; they apply only with `batch.enabled`. */
import { BATCH_ID_COLUMN } from "../../../contract/batch";
import { batchTiming } from "../batch-timing";
import { cronProblem, minimumPeriodMinutes, rateProblem } from "../../../contract/schedule";
import { LIMITS } from "../limits";
import type { ProblemList } from "../problems";
import type { PipelineSettings } from "../settings";

export function checkBatch(p: ProblemList, s: PipelineSettings): void {
  if (!s.batch.enabled) return;
  checkBatchColumns(p, s);
  checkBatchNumbers(p, s);
  const timeoutOk = checkRunTimeout(p, s);
  checkSchedule(p, s, { timeoutOk });
}

function checkBatchColumns(p: ProblemList, s: PipelineSettings): void {
  const b = s.batch;
  const columns = new Map(s.schema.columns.map((col) => [col.name, col]));
  if (columns.get(b.eventIdColumn)?.type !== "string") {
    const fix = "name the column holding a unique event id, or add an event_id string column to the schema";
    p.add("batch.eventIdColumn", b.eventIdColumn, `a string column of the schema (${[...columns.keys()].join(", ")})`, fix);
  }
  if (b.partitionKeyField !== undefined && !columns.has(b.partitionKeyField)) {
    const fix = "name a column with many distinct values (spreads records over shards), or remove it to use the event id";
    p.add("batch.partitionKeyField", b.partitionKeyField, "a column of the schema", fix);
  }
  if (columns.has(BATCH_ID_COLUMN)) {
    const allowed = `no column named ${BATCH_ID_COLUMN}: the batch workflow adds it to the table and stamps it`;
    p.add("schema.columns", BATCH_ID_COLUMN, allowed, `rename your ${BATCH_ID_COLUMN} column, or set batch.enabled to false`);
  }
}

function checkBatchNumbers(p: ProblemList, s: PipelineSettings): void {
  const b = s.batch;
  p.range("batch.recordsPerChunk", b.recordsPerChunk, {
    min: MIN_RECORDS_PER_CHUNK,
    max: 100_000,
    unit: "records per staging chunk; fewer would let one range's chunks exceed a child execution's 25,000 history events",
    fix: `set batch.recordsPerChunk between ${MIN_RECORDS_PER_CHUNK} and 100000; 5000 suits ~1 KB records`,
  });
  p.range("batch.maxPushAttempts", b.maxPushAttempts, { min: 1, max: 20, unit: "PutRecords attempts" });
  p.range("batch.validationAttempts", b.validationAttempts, { min: 1, max: 10, unit: "attempts" });
  p.range("batch.validationBytesScannedCutoff", b.validationBytesScannedCutoff, {
    min: LIMITS.athena.bytesScannedCutoff.min,
    max: Number.MAX_SAFE_INTEGER,
    unit: "bytes; Athena's minimum is 10 MB",
    fix: "set batch.validationBytesScannedCutoff to at least 10485760 (10 MB), e.g. 10737418240 for 10 GiB",
  });
  p.range("batch.stagingExpirationDays", b.stagingExpirationDays, {
    min: 1,
    max: 36500,
    unit: "days",
    fix: "set batch.stagingExpirationDays to at least 1",
  });
}

/** The run timeout must cover the workflow's waiting loops; returns whether it does. */
function checkRunTimeout(p: ProblemList, s: PipelineSettings): boolean {
  const b = s.batch;
  const validBuffers = [s.delivery.bufferIntervalSeconds, s.delivery.processorBufferIntervalSeconds].every(
    (v) => Number.isFinite(v) && v >= 0,
  );
  // With invalid buffer intervals (already reported) the workflow's budget cannot be computed.
  if (!validBuffers || !Number.isInteger(b.validationAttempts) || b.validationAttempts < 1) {
    return p.range("batch.runTimeoutMinutes", b.runTimeoutMinutes, { min: 15, max: 1440, unit: "minutes" });
  }
  const timing = batchTiming(b, s.delivery, s.partitioning.partitionTime);
  const retries = b.validationAttempts - 1;
  const retriesSeconds = retries * timing.validationRetryWaitSeconds;
  const waitingSeconds = timing.deliveryTimeoutSeconds + timing.crawlerTimeoutSeconds + retriesSeconds;
  const allowanceMinutes = Math.round((timing.minimumRunSeconds - waitingSeconds) / 60);
  const minimumMinutes = Math.ceil(timing.minimumRunSeconds / 60);
  return p.range("batch.runTimeoutMinutes", b.runTimeoutMinutes, {
    min: minimumMinutes,
    max: 1440,
    unit:
      `minutes; the minimum covers delivery ${timing.deliveryTimeoutSeconds} s, crawler ${timing.crawlerTimeoutSeconds} s, ` +
      `${retries} validation retries of ${timing.validationRetryWaitSeconds} s and ${allowanceMinutes} min for extract and push`,
    fix: `set batch.runTimeoutMinutes between ${minimumMinutes} and 1440`,
  });
}

/** The schedule's time zone and expression, and a run timeout shorter than its shortest period. */
function checkSchedule(p: ProblemList, s: PipelineSettings, options: { readonly timeoutOk: boolean }): void {
  const b = s.batch;
  try {
    new Intl.DateTimeFormat("en", { timeZone: b.scheduleTimezone });
  } catch {
    p.add(
      "batch.scheduleTimezone",
      b.scheduleTimezone,
      "an IANA time zone such as UTC or Europe/Paris",
      "use a time zone name from the IANA database",
    );
  }
  if (b.schedule === null) return;
  const problem = b.schedule.startsWith("rate(") ? rateProblem(b.schedule) : cronProblem(b.schedule);
  if (problem) {
    const allowed = `rate(N minutes|hours|days) or a 6-field ${LIMITS.glue.cron} (${problem})`;
    const fix = 'write e.g. "cron(0 2 * * ? *)" for 02:00 daily, "rate(6 hours)", or null for manual runs only';
    p.add("batch.schedule", b.schedule, allowed, fix);
    return;
  }
  const period = minimumPeriodMinutes(b.schedule);
  if (options.timeoutOk && period <= b.runTimeoutMinutes) {
    const allowed = `less than the schedule's shortest period (${period} minutes for ${b.schedule}) so runs never overlap`;
    p.add("batch.runTimeoutMinutes", b.runTimeoutMinutes, allowed, "lower batch.runTimeoutMinutes or schedule runs further apart");
  }
}

/**
 * Rules for a declared workload (`workload.*`), shared by the configuration validator and the capacity
 * CLI, so a number is judged the same way in `pipeline.config.ts` and on the command line. Pure.
 */
import { workload as workloadSchema } from "./schema/operations";
import type { WorkloadSettings } from "./settings";

/** The transform rejects records over 1,000 KiB; Kinesis itself takes up to 1 MiB. */
export const MAX_RECORD_BYTES = 1_024_000;

/** Most shared-throughput consumers the planner accepts (each shard serves 5 reads per second in total). */
export const MAX_CONSUMERS = 20;

/** One problem with a workload field; `field` is relative to `workload` (e.g. `eventsPerSecond`). */
export interface WorkloadProblem {
  readonly field: keyof WorkloadSettings;
  readonly received: unknown;
  readonly allowed: string;
  readonly fix: string;
}

type Rule = {
  readonly min: number;
  /** Whether `min` itself is allowed. */
  readonly minInclusive: boolean;
  readonly max: number;
  readonly integer: boolean;
  readonly what: string;
  readonly fix: string;
};

const RULES: { readonly [K in keyof WorkloadSettings]-?: Rule } = {
  eventsPerSecond: {
    min: 0,
    minInclusive: false,
    max: 10_000_000,
    integer: false,
    what: "average events per second",
    fix: "set the average number of events producers send per second, e.g. 100",
  },
  peakFactor: {
    min: 1,
    minInclusive: true,
    max: 1000,
    integer: false,
    what: "peak rate ÷ average rate",
    fix: "set how many times the average the busiest second reaches, e.g. 3; 1 means a flat rate",
  },
  averageRecordBytes: {
    min: 1,
    minInclusive: true,
    max: MAX_RECORD_BYTES,
    integer: true,
    what: "bytes per event",
    fix: "set the average size of one JSON event in bytes, e.g. 1024",
  },
  maxRecordBytes: {
    min: 1,
    minInclusive: true,
    max: MAX_RECORD_BYTES,
    integer: true,
    what: "bytes",
    fix: "set the largest event size in bytes (the transform rejects records over 1,000 KiB), or leave it unset",
  },
  consumers: {
    min: 1,
    minInclusive: true,
    max: MAX_CONSUMERS,
    integer: true,
    what: "shared-throughput consumers, Firehose included",
    fix: "count the applications reading the stream, Firehose included (1 for this pipeline alone)",
  },
  eventsPerRecord: {
    min: 1,
    minInclusive: true,
    max: MAX_RECORD_BYTES,
    integer: true,
    what: "events per Kinesis record",
    fix: "set 1 unless producers concatenate several events into one record",
  },
  batchRunsPerDay: {
    min: 0,
    minInclusive: true,
    max: 1440,
    integer: false,
    what: "runs per day",
    fix: "set how many batch runs start per day, or leave it unset to derive it from batch.schedule",
  },
  recordsPerBatch: {
    min: 0,
    minInclusive: true,
    max: 1_000_000_000,
    integer: true,
    what: "records per batch run",
    fix: "set how many records one batch run loads, e.g. 100000",
  },
  athenaQueriesPerDay: {
    min: 0,
    minInclusive: true,
    max: 10_000_000,
    integer: false,
    what: "queries per day",
    fix: "set how many Athena queries run per day, e.g. 100",
  },
  athenaBytesScannedPerQuery: {
    min: 0,
    minInclusive: true,
    max: 2 ** 53,
    integer: false,
    what: "bytes scanned per query",
    fix: "set the bytes a typical query scans, e.g. 1073741824 for 1 GiB",
  },
};

/** The workload fields, in the schema's order (the order their problems are listed). */
const WORKLOAD_FIELDS = workloadSchema.keyof().options;

/** What a rule allows, in the configuration error format ("a number greater than 0 (…)"). */
export function allowedText(field: keyof WorkloadSettings): string {
  const rule = RULES[field];
  const kind = rule.integer ? "an integer" : "a number";
  const lower = rule.minInclusive ? `from ${rule.min}` : `greater than ${rule.min}`;
  return `${kind} ${lower} ${rule.minInclusive ? "to" : "and at most"} ${rule.max.toLocaleString("en-US")} (${rule.what})`;
}

function fits(rule: Rule, value: unknown): boolean {
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  const aboveMin = rule.minInclusive ? value >= rule.min : value > rule.min;
  return aboveMin && value <= rule.max;
}

/** Every problem of a declared workload: ranges per field, then the rules linking two fields. */
export function workloadProblems(workload: WorkloadSettings): WorkloadProblem[] {
  const problems: WorkloadProblem[] = [];
  for (const field of WORKLOAD_FIELDS) {
    const value = workload[field];
    const optional = field !== "eventsPerSecond" && field !== "averageRecordBytes";
    if (value === undefined && optional) continue;
    if (!fits(RULES[field], value)) {
      problems.push({ field, received: value, allowed: allowedText(field), fix: RULES[field].fix });
    }
  }
  if (problems.length > 0) return problems;
  const average = workload.averageRecordBytes;
  if (workload.maxRecordBytes !== undefined && workload.maxRecordBytes < average) {
    problems.push({
      field: "maxRecordBytes",
      received: workload.maxRecordBytes,
      allowed: `at least averageRecordBytes (${average})`,
      fix: "set maxRecordBytes to the largest event size, or leave it unset to use the average",
    });
  }
  const perRecord = workload.eventsPerRecord ?? 1;
  if (perRecord * average > MAX_RECORD_BYTES) {
    problems.push({
      field: "eventsPerRecord",
      received: perRecord,
      allowed:
        `at most ${Math.floor(MAX_RECORD_BYTES / average)} events of ${average} bytes ` +
        `(a record may hold ${MAX_RECORD_BYTES.toLocaleString("en-US")} bytes)`,
      fix: "pack fewer events into one record",
    });
  }
  return problems;
}

/**
 * Argument parsing for the capacity CLI: argv in, a typed command out. Pure; every mistake becomes a
 * {@link UsageError} that names the flag and the value received.
 */
import type { WorkloadSettings } from "../../stacks/config/settings";
import { workloadProblems } from "../../stacks/config/workload";
import { UsageError } from "./errors";
import { type FlagKind, readFlags } from "./flags";

/** Printed by `--help` and after every usage error. */
export const CAPACITY_USAGE = `Usage: npm run capacity -- [options]

Prints the shard count, the files Firehose will write, the monthly cost per service and the savings
worth making. Without workload flags it uses the workload declared in pipeline.config.ts
(environments.<env>.workload); flags override single fields of it.

Workload:
  --events-per-second <n>     Average events per second (required without a declared workload)
  --record-bytes <n>          Average bytes per event (required without a declared workload)
  --max-record-bytes <n>      Largest event in bytes (default: the average)
  --peak-factor <n>           Peak rate ÷ average rate, at least 1 (default 1)
  --consumers <n>             Shared-throughput consumers of the stream, Firehose included (default 1)
  --events-per-record <n>     Events producers pack into one Kinesis record (default 1)
  --batch-runs-per-day <n>    Batch runs per day (default: from batch.schedule)
  --records-per-batch <n>     Records one batch run loads (default 0)
  --queries-per-day <n>       Athena queries per day (default 0)
  --scan-bytes-per-query <n>  Bytes a query scans (default 0; Athena bills at least 10 MB)
Byte values may end in KiB, MiB, GiB or TiB, e.g. 1GiB.

Options:
  --env <name>                Environment in pipeline.config.ts (default: dev, else the first one)
  --free-tier                 Subtract the account's monthly free tiers (shared with other workloads)
  --quicksight-authors <n>    Price QuickSight for this many authors
  --quicksight-readers <n>    Price QuickSight for this many readers
  --json                      Print the plan as JSON
  --help, -h                  Show this help.

Exit codes: 0 plan printed; 2 bad flags, bad configuration or no workload.`;

/** A parsed command line. */
export type CapacityCommand =
  | { readonly kind: "help" }
  | {
      readonly kind: "plan";
      readonly env?: string;
      readonly json: boolean;
      readonly freeTier: boolean;
      /** Workload fields given on the command line. */
      readonly workload: Partial<WorkloadSettings>;
      readonly quickSight?: { readonly authors: number; readonly readers: number };
    };

/** Workload flags and the field each sets. */
export const WORKLOAD_FLAGS = {
  "--events-per-second": "eventsPerSecond",
  "--record-bytes": "averageRecordBytes",
  "--max-record-bytes": "maxRecordBytes",
  "--peak-factor": "peakFactor",
  "--consumers": "consumers",
  "--events-per-record": "eventsPerRecord",
  "--batch-runs-per-day": "batchRunsPerDay",
  "--records-per-batch": "recordsPerBatch",
  "--queries-per-day": "athenaQueriesPerDay",
  "--scan-bytes-per-query": "athenaBytesScannedPerQuery",
} as const satisfies Record<string, keyof WorkloadSettings>;

type WorkloadFlag = keyof typeof WORKLOAD_FLAGS;

const BYTE_FLAGS: ReadonlySet<string> = new Set(["--record-bytes", "--max-record-bytes", "--scan-bytes-per-query"]);
const CAPACITY_FLAGS: Readonly<Record<string, FlagKind>> = {
  ...Object.fromEntries(Object.keys(WORKLOAD_FLAGS).map((flag) => [flag, "value" as const])),
  "--env": "value",
  "--quicksight-authors": "value",
  "--quicksight-readers": "value",
  "--json": "switch",
  "--free-tier": "switch",
};
const UNITS: Readonly<Record<string, number>> = { kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** The flag that sets a workload field. */
export function flagOf(field: keyof WorkloadSettings): string {
  return Object.entries(WORKLOAD_FLAGS).find(([, f]) => f === field)![0];
}

/** Parses a flag's number; byte flags accept a KiB/MiB/GiB/TiB suffix. */
export function parseNumber(flag: string, text: string): number {
  const match = /^(.*?)\s*(kib|mib|gib|tib)?$/i.exec(text.trim())!;
  const [, digits = "", unit] = match;
  if (!NUMBER.test(digits) || (unit !== undefined && !BYTE_FLAGS.has(flag))) {
    const expected = BYTE_FLAGS.has(flag) ? "a number of bytes (optionally ending in KiB, MiB, GiB or TiB)" : "a number";
    throw new UsageError(`${flag} must be ${expected}, got "${text}"`);
  }
  return Number(digits) * (unit ? UNITS[unit.toLowerCase()]! : 1);
}

/** Parses `argv` (without node and script); throws {@link UsageError} on any mistake. */
export function parseCapacityArgs(argv: readonly string[]): CapacityCommand {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help" };
  const unknown = (flag: string) => `unknown flag ${flag}; see --help for the accepted flags`;
  const { flags: values } = readFlags(argv, CAPACITY_FLAGS, {
    unknown,
    positional: (token) => {
      // A lone "-" is an unknown flag here, as every other argument starting with a dash.
      throw new UsageError(
        token.startsWith("-")
          ? unknown(token)
          : `unexpected argument "${token}"; every value follows its flag, e.g. --events-per-second 500`,
      );
    },
    rejectRepeats: true,
  });
  const workload: Partial<Record<keyof WorkloadSettings, number>> = {};
  for (const [flag, field] of Object.entries(WORKLOAD_FLAGS) as [WorkloadFlag, keyof WorkloadSettings][]) {
    const text = values.get(flag);
    if (text !== undefined) workload[field] = parseNumber(flag, text);
  }
  const authors = optionalCount(values, "--quicksight-authors");
  const readers = optionalCount(values, "--quicksight-readers");
  return {
    kind: "plan",
    env: values.get("--env"),
    json: values.has("--json"),
    freeTier: values.has("--free-tier"),
    workload,
    quickSight: authors === undefined && readers === undefined ? undefined : { authors: authors ?? 0, readers: readers ?? 0 },
  };
}

function optionalCount(values: ReadonlyMap<string, string>, flag: string): number | undefined {
  const text = values.get(flag);
  if (text === undefined) return undefined;
  const count = parseNumber(flag, text);
  if (!Number.isInteger(count) || count < 0 || count > 100_000) {
    throw new UsageError(`${flag} must be a whole number from 0 to 100,000, got "${text}"`);
  }
  return count;
}

/**
 * Checks a workload made of the declared one and the flags; a problem in a field the command line set
 * names the flag, one in a declared field names `workload.<field>` of the environment.
 */
export function checkWorkload(workload: WorkloadSettings, fromFlags: Partial<WorkloadSettings>, environment: string): void {
  const [problem] = workloadProblems(workload);
  if (!problem) return;
  const text = (value: unknown) => (typeof value === "number" ? String(value) : (JSON.stringify(value) ?? "nothing"));
  if (problem.field in fromFlags) {
    throw new UsageError(`${flagOf(problem.field)} must be ${problem.allowed}, got ${text(problem.received)}. Fix: ${problem.fix}`);
  }
  throw new UsageError(
    `[${environment}] workload.${problem.field}: received ${text(problem.received)}; allowed: ${problem.allowed}. Fix: ${problem.fix}, or override it with ${flagOf(problem.field)}`,
  );
}

/**
 * What the rehearsal tells the user: a line per step as it goes ({@link Progress}), and the final
 * report ({@link RehearsalReport}, printed by {@link formatReport} and written as `report.json`).
 */

import { formatFaults, type FaultsReport } from "./faults/outcome";

/** Somewhere to write text. */
export interface Output {
  write(text: string): unknown;
}

/** The outcome of a rehearsal. */
export interface RehearsalReport {
  /**
   * Validation passed and every count adds up: the exit code is 0. With faults: every fault was handled
   * as expected, nothing was lost and the counts add up.
   */
  readonly ok: boolean;
  /** With `--faults`: each fault, the invariant, the replay, the deduplicated view and the push rate per shard. */
  readonly faults?: FaultsReport;
  readonly environment: string;
  readonly engine: string;
  readonly batchId?: string;
  readonly seconds: number;
  /** The local resources the run used. */
  readonly local: { readonly bucket: string; readonly stream: string; readonly s3Endpoint: string; readonly kinesisEndpoint: string };
  /** Where everything was written; `lake` is a plain copy of the local lake bucket. */
  readonly folders: { readonly out: string; readonly lake: string; readonly logs: string; readonly athenaResults: string };
  readonly input: {
    readonly source: "generated" | "folder";
    readonly folder?: string;
    readonly files: number;
    /** Records and lines in the landing files, as the extract read them (valid + rejected). */
    readonly recordsInFiles: number;
    /** For generated files: what the generator wrote, to check the extract against. */
    readonly generated?: {
      readonly items: number;
      readonly bad: number;
      readonly badKinds: Readonly<Record<string, number>>;
      readonly beyondIntRange: Readonly<Record<string, number>>;
    };
  };
  readonly counts: {
    readonly recordsInFiles: number;
    readonly rejected: number;
    readonly rejectedFiles: number;
    readonly pushed: number;
    readonly readFromStream: number;
    readonly delivered: number;
    readonly failed: { readonly processingFailed: number; readonly formatConversionFailed: number };
    readonly dropped: number;
    /** recordsInFiles = rejected + delivered + failed + dropped, pushed = read from the stream (and the generator's counts, when generated). */
    readonly addUp: boolean;
    readonly problems: readonly string[];
  };
  readonly rejectedReasons: readonly ReasonCount[];
  readonly processingFailedReasons: readonly ReasonCount[];
  readonly conversionFailedReasons: readonly ReasonCount[];
  readonly delivery: {
    readonly invocations: number;
    readonly failedInvocations: number;
    readonly slowestInvocationMs: number;
    readonly parquetObjects: readonly string[];
    readonly errorObjects: readonly string[];
    readonly rawObjects: readonly string[];
    /** Absolute paths of the Parquet files in the lake folder. */
    readonly parquetFiles: readonly string[];
  };
  readonly partitions: readonly string[];
  readonly validation: {
    readonly passed: boolean;
    readonly query?: string;
    readonly expected?: number;
    readonly found?: number;
    readonly missingRequired?: number;
    readonly runs: number;
    /** Why a query failed, when one did (Trino syntax, or Trino that DuckDB cannot run). */
    readonly queryFailure?: string;
    readonly trinoOnly?: boolean;
  };
  readonly workflow: {
    readonly status: string;
    readonly error?: string;
    readonly cause?: string;
    readonly path: readonly string[];
    readonly output?: unknown;
  };
  /** Functions whose in-process run took longer than their configured timeout. */
  readonly slowFunctions: readonly string[];
  /** Where the local stand-ins do not behave like AWS. */
  readonly standInLimits: readonly string[];
  /** Column types of the Glue table that differ from the configuration (a drift rehearsal). */
  readonly tableDrift: Readonly<Record<string, string>>;
}

export interface ReasonCount {
  readonly reason: string;
  readonly count: number;
}

/** Tally → most frequent first. */
export function topReasons(tally: Readonly<Record<string, number>>, limit = 8): ReasonCount[] {
  return Object.entries(tally)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, limit);
}

/** One line per step, with the time since the start. */
export class Progress {
  private readonly started = Date.now();
  constructor(private readonly out: Output) {}

  /** A step of the rehearsal. */
  step(title: string): void {
    this.out.write(`${this.clock()} ${title}\n`);
  }

  /** A detail of the current step. */
  detail(text: string): void {
    this.out.write(`${" ".repeat(10)}${text}\n`);
  }

  private clock(): string {
    return `[${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s]`;
  }
}

const n = (value: number) => value.toLocaleString("en");

/** The final report as text. */
export function formatReport(r: RehearsalReport): string {
  const lines: string[] = [];
  const c = r.counts;
  lines.push("", "── Rehearsal report ─────────────────────────────────────────────────────────────");
  lines.push(`environment ${r.environment}, batch ${r.batchId ?? "(none)"}, Kinesis engine ${r.engine}, ${r.seconds.toFixed(1)} s`);
  lines.push("");
  lines.push(
    `records in files   ${n(c.recordsInFiles).padStart(9)}   (${r.input.files} landing file(s), ${r.input.source === "generated" ? "generated from the schema" : r.input.folder})`,
  );
  lines.push(
    `rejected lines     ${n(c.rejected).padStart(9)}   (rejected/<batch>/, with line numbers)${c.rejectedFiles ? `, plus ${c.rejectedFiles} whole file(s)` : ""}`,
  );
  for (const { reason, count } of r.rejectedReasons) lines.push(`  ${n(count).padStart(7)}  ${reason}`);
  lines.push(`pushed to Kinesis  ${n(c.pushed).padStart(9)}   (read back by the Firehose stand-in: ${n(c.readFromStream)})`);
  lines.push(`delivered          ${n(c.delivered).padStart(9)}   (rows in ${r.delivery.parquetObjects.length} Parquet object(s))`);
  lines.push(
    `failed             ${n(c.failed.processingFailed + c.failed.formatConversionFailed).padStart(9)}   processing-failed ${n(c.failed.processingFailed)}, format-conversion-failed ${n(c.failed.formatConversionFailed)}${c.dropped ? `; dropped ${n(c.dropped)}` : ""}`,
  );
  for (const { reason, count } of r.processingFailedReasons) lines.push(`  ${n(count).padStart(7)}  processing-failed: ${reason}`);
  for (const { reason, count } of r.conversionFailedReasons) lines.push(`  ${n(count).padStart(7)}  format-conversion-failed: ${reason}`);
  lines.push(
    c.addUp
      ? `counts add up: ${n(c.recordsInFiles)} = ${n(c.rejected)} rejected + ${n(c.delivered)} delivered + ${n(c.failed.processingFailed + c.failed.formatConversionFailed)} failed${c.dropped ? ` + ${n(c.dropped)} dropped` : ""}`
      : `COUNTS DO NOT ADD UP: ${c.problems.join("; ")}`,
  );
  lines.push("");
  lines.push(`partitions         ${r.partitions.length} registered by the crawler stand-in${r.partitions.length ? ":" : ""}`);
  for (const partition of r.partitions.slice(0, 12)) lines.push(`  ${partition}`);
  if (r.partitions.length > 12) lines.push(`  … and ${r.partitions.length - 12} more`);
  lines.push("");
  const v = r.validation;
  if (v.query !== undefined) {
    lines.push(
      `validation         ${v.passed ? "PASSED" : "FAILED"}: found ${v.found ?? "?"} of ${v.expected ?? "?"} expected event ids, ${v.missingRequired ?? "?"} rows missing a required column (${v.runs} query run(s))`,
    );
    if (v.queryFailure) lines.push(`  the validation query failed: ${v.queryFailure}`);
  } else {
    lines.push(`validation         ${v.passed ? "PASSED" : "NOT RUN"}`);
  }
  lines.push(
    `workflow           ${r.workflow.status}${r.workflow.error ? ` with ${r.workflow.error}` : ""} (${r.workflow.path.length} states entered, last ${r.workflow.path.at(-1) ?? "-"})`,
  );
  if (r.workflow.cause) lines.push(`  ${r.workflow.cause}`);
  if (Object.keys(r.tableDrift).length > 0) {
    lines.push(
      `table drift        the Glue table declared ${Object.entries(r.tableDrift)
        .map(([col, type]) => `${col} ${type}`)
        .join(", ")} while the functions validate with the configuration's types`,
    );
  }
  for (const slow of r.slowFunctions) lines.push(`slow function      ${slow}`);
  lines.push("");
  lines.push(`lake folder        ${r.folders.lake}`);
  lines.push(
    `                   data/ (Parquet, open with DuckDB: SELECT * FROM '${r.folders.lake}/data/**/*.parquet'), errors/, raw/, rejected/, staging/, _runs/, landing/ or processed/`,
  );
  lines.push(`function logs      ${r.folders.logs}`);
  lines.push(`Athena results     ${r.folders.athenaResults}`);
  lines.push("");
  lines.push("Where the local stand-ins do not behave like AWS:");
  for (const limit of r.standInLimits) lines.push(`  - ${limit}`);
  if (r.faults) lines.push(...formatFaults(r.faults));
  lines.push("");
  lines.push(r.ok ? "Rehearsal PASSED." : "Rehearsal FAILED (exit code 1).");
  return `${lines.join("\n")}\n`;
}

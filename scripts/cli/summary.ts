/**
 * Text the batch CLI prints about whole executions: the outcome of a finished run, the error of a
 * failed one, the status block and the list table. Pure: SDK shapes in, lines out.
 */
import type { DescribeExecutionOutput, ExecutionListItem } from "@aws-sdk/client-sfn";

/** Statuses of a run that did not succeed; the CLI exits 1 for them. */
export const FAILED_STATUSES: ReadonlySet<string> = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);

const SKIP_REASONS: Readonly<Record<string, string>> = {
  empty: "empty batch (no landing files for this scheduled time)",
  "already-claimed": "already claimed by another run (pass --force to re-run it)",
};

/** Cause fields worth showing first, in this order. */
const CAUSE_FIELDS = ["errorType", "errorMessage", "Error", "Cause", "error", "cause", "message", "Message", "reason"];
const MAX_CAUSE_FIELDS = 5;

/** `3725 ms` → `4s`, `125 s` → `2m 05s`, `3725 s` → `1h 02m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** A UTC timestamp without milliseconds: `2025-01-31T02:00:05Z`. */
export function formatTime(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

/**
 * The outcome of a successful run from the execution's output: batch id and counts, or why it was
 * skipped. Missing fields show as `n/a`; output that is not a JSON object is shown as it is.
 */
export function describeOutcome(output: string | undefined): string[] {
  const parsed = parseJson(output);
  if (!isRecord(parsed)) return [`Outcome: succeeded; output: ${output === undefined ? "(none)" : oneLine(output, 500)}`];
  const batch = typeof parsed.batchId === "string" ? ` (batch ${parsed.batchId})` : "";
  if (parsed.skipped === true) {
    const reason = typeof parsed.skipReason === "string" ? parsed.skipReason : undefined;
    return [`Outcome: skipped: ${(reason && SKIP_REASONS[reason]) ?? reason ?? "no reason given"}${batch}`];
  }
  const field = (key: string) => {
    const value = parsed[key];
    return typeof value === "string" || typeof value === "number" ? String(value) : "n/a";
  };
  return table("Outcome: succeeded", [
    ["batch id", field("batchId")],
    ["pushed", field("pushed")],
    ["found", field("found")],
    ["rejected", field("rejected")],
  ]);
}

/** The error and cause of a failed, timed-out or aborted execution; a JSON cause shows its key fields. */
export function describeFailure(status: string, error: string | undefined, cause: string | undefined): string[] {
  const lines = [`Execution ${status}`, `  error  ${error ?? "(none given)"}`];
  if (cause === undefined || cause === "") return lines;
  const fields = causeFields(cause);
  if (fields === undefined) return [...lines, `  cause  ${oneLine(cause, 1000)}`];
  return [...lines, "  cause", ...table(undefined, fields, "    ")];
}

/** The key fields of a JSON cause (Lambda's errorType/errorMessage first), or undefined if it is not JSON. */
export function causeFields(cause: string): Array<[string, string]> | undefined {
  const parsed = parseJson(cause);
  if (!isRecord(parsed)) return undefined;
  const scalar = (key: string) => ["string", "number", "boolean"].includes(typeof parsed[key]);
  const preferred = CAUSE_FIELDS.filter(scalar);
  const keys = preferred.length > 0 ? preferred : Object.keys(parsed).filter(scalar);
  return keys.slice(0, MAX_CAUSE_FIELDS).map((key) => [key, oneLine(String(parsed[key]), 300)]);
}

/** One line for a progress failure: a JSON cause's errorMessage (or first field), else the cause itself. */
export function briefCause(cause: string | undefined): string | undefined {
  if (cause === undefined || cause === "") return undefined;
  const fields = causeFields(cause);
  if (fields === undefined) return oneLine(cause, 200);
  const message = fields.find(([key]) => /message|cause/i.test(key)) ?? fields[0];
  return message ? oneLine(message[1], 200) : undefined;
}

/** The status block of `status`: ARN, status, times, input, console link. */
export function describeExecution(execution: DescribeExecutionOutput, consoleLink: string, now: Date): string[] {
  const started = execution.startDate;
  const stopped = execution.stopDate;
  const took = started ? ` (${formatDuration((stopped ?? now).getTime() - started.getTime())}${stopped ? "" : " so far"})` : "";
  return table(undefined, [
    ["execution", execution.executionArn ?? "-"],
    ["status", execution.status ?? "-"],
    ["started", formatTime(started)],
    ["stopped", stopped ? `${formatTime(stopped)}${took}` : `-${took}`],
    ["input", execution.input === undefined ? "-" : oneLine(execution.input, 500)],
    ["console", consoleLink],
  ]);
}

/** The `list` table: name, status, start time and duration, one execution a row. */
export function formatExecutionTable(executions: readonly ExecutionListItem[], now: Date): string[] {
  const rows = executions.map((e) => [
    e.name ?? "-",
    e.status ?? "-",
    formatTime(e.startDate),
    e.startDate ? `${formatDuration((e.stopDate ?? now).getTime() - e.startDate.getTime())}${e.stopDate ? "" : " (running)"}` : "-",
  ]);
  const all = [["NAME", "STATUS", "STARTED", "DURATION"], ...rows];
  const widths = all[0]!.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  return all.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  "));
}

function table(title: string | undefined, rows: ReadonlyArray<readonly [string, string]>, indent = "  "): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  const body = rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
  return title === undefined ? body : [title, ...body];
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collapses whitespace and cuts long text with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

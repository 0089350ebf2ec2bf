/**
 * Text the batch CLI prints about replays: the dry-run report and how to confirm a replay in Athena.
 * Pure: counts in, lines out.
 */
import { BATCH_ID_COLUMN, FIREHOSE_ERROR_TYPES, type ReplaySpec } from "../../contract/batch";
import { qualifiedTable, quoteIdentifier, sqlString } from "../../contract/sql/identifiers";
import { latestViewName } from "../../contract/sql/latest-view";
import { oneLine } from "./summary";
import { DEFAULT_ACTIVE_PARTITION_LIMIT, type ReplayPlan, type ReplayReport } from "../../contract/replay";

/** How a replay is described on one line: `errors (processing-failed) from … until …`. */
export function describeReplay(replay: ReplaySpec): string {
  const what = replay.from === "errors" ? `errors (${replay.errorType ?? `all types: ${FIREHOSE_ERROR_TYPES.join(", ")}`})` : "raw backup";
  return `${what} from ${replay.since} until ${replay.until}`;
}

/**
 * The dry-run report: what was listed and decoded, per error type and per error message, folders under
 * errors/ that no replay reads (`unreadFolders`), and the command that replays it.
 */
export function formatDryRun(
  plan: ReplayPlan,
  bucket: string,
  report: ReplayReport,
  replayCommand: string,
  unreadFolders: readonly string[] = [],
): string[] {
  const first = plan.prefixes[0] ?? "-";
  const last = plan.prefixes[plan.prefixes.length - 1] ?? "-";
  const lines = [
    `Replay dry run: ${describeReplay({ from: plan.from, errorType: plan.errorTypes.length === 1 ? plan.errorTypes[0] : undefined, since: wholeSeconds(plan.since), until: wholeSeconds(plan.until) })}`,
    ...rows([
      ["bucket", bucket],
      ["prefixes", `${plan.prefixes.length} hourly prefixes, ${first} … ${last}`],
      ["objects", String(report.objects)],
      ["records", String(report.records)],
      [
        "unreadable",
        `${report.unreadable} (envelopes, records or text that cannot be decoded: the replay lists them in rejected/<batchId>/ and skips them)`,
      ],
      ["unreadable objects", `${report.unreadableObjects} (corrupt gzip or not UTF-8)`],
      ...(report.eventHours === undefined
        ? []
        : [
            [
              "event hours",
              `${report.eventHours} distinct (event-time partitions: each is an active Firehose partition while the run is delivered)`,
            ] as const,
          ]),
    ]),
  ];
  if (report.eventHours !== undefined && report.eventHours > DEFAULT_ACTIVE_PARTITION_LIMIT) {
    lines.push(
      "",
      `Warning: ${report.eventHours} event hours is over Firehose's default limit of ${DEFAULT_ACTIVE_PARTITION_LIMIT} active partitions per delivery stream;`,
      "  records beyond it would land in errors/activePartitionExceeded/ again. Replay a shorter window (fewer event hours),",
      "  or make sure the stream's quota was raised (up to 5,000).",
    );
  }
  if (plan.from === "errors") {
    lines.push(
      "",
      "By error type:",
      ...table(
        ["TYPE", "OBJECTS", "RECORDS", "UNREADABLE"],
        report.byType.map((t) => [t.errorType, String(t.objects), String(t.records), String(t.unreadable)]),
      ),
    );
    if (report.topMessages.length > 0) {
      const more = report.distinctMessages - report.topMessages.length;
      lines.push(
        "",
        `Error messages, by entries (records and unreadable parts)${more > 0 ? `, top ${report.topMessages.length} of ${report.distinctMessages}` : ""}:`,
        ...table(
          ["ENTRIES", "ERROR"],
          report.topMessages.map((m) => [String(m.entries), oneLine(m.message, 160)]),
        ),
      );
    }
    if (unreadFolders.length > 0) {
      lines.push(
        "",
        `Not read by any replay: errors/ also holds ${unreadFolders.join(", ")} (an error output type this project does not know).`,
        "  Inspect those objects; their records are not in the table.",
      );
    }
  }
  lines.push(
    "",
    report.objects === 0
      ? "Nothing to replay in this window. Nothing was started."
      : `Nothing was started. To replay these ${report.records} records: ${replayCommand}`,
  );
  return lines;
}

/** How to confirm a finished replay: the Athena query on the deduplicated view that counts its records. */
export function confirmReplayLines(database: string, table: string, batchId: string): string[] {
  return [
    "Confirm in Athena: the deduplicated view shows the replayed copy of every record of this batch:",
    `  SELECT count(*) AS "records" FROM ${qualifiedTable(database, latestViewName(table))} WHERE ${quoteIdentifier(BATCH_ID_COLUMN)} = ${sqlString(batchId)}`,
  ];
}

/** `2026-11-25T10:00:00.000Z` → `2026-11-25T10:00:00Z`. */
function wholeSeconds(iso: string): string {
  return iso.replace(/\.000Z$/, "Z");
}

function rows(entries: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}

function table(header: readonly string[], body: ReadonlyArray<readonly string[]>): string[] {
  const all = [header, ...body];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  return all.map((row) => `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ")}`);
}

/**
 * The batch's validation query and the partition window it reads. Pure: the SQL comes from the shared
 * builders of `contract/sql/`.
 */
import { BATCH_ID_COLUMN, type BatchValidation } from "../../contract/batch";
import type { BatchSettings } from "../../contract/settings";
import { quoteIdentifier, sqlString } from "../../contract/sql/identifiers";
import { latestRowsSql } from "../../contract/sql/latest-view";
import { hourPartitionPredicate, hourRangePredicate, MAX_WINDOW_HOURS } from "../../contract/sql/partition-filter";
import { HOUR_MS } from "../../contract/time";

/**
 * How long before the push a record sharing an object with a batch record can have arrived: Firehose
 * buffers at most 900 s in the Lambda processor and 900 s for delivery
 * (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html), and names the object after its
 * oldest record's arrival (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html).
 */
export const ARRIVAL_LOOKBACK_MS = 1_800_000;

/**
 * The partition hours the validation scans. Arrival-time partitioning: Firehose files an object under
 * the arrival hour of its OLDEST record, and a record of the batch can share an object with live records
 * that arrived up to {@link ARRIVAL_LOOKBACK_MS} earlier (the longest delivery buffer plus the longest
 * processor buffer), so from the hour of `now - ARRIVAL_LOOKBACK_MS` (`now`: the end of extraction,
 * before the push) through `now + runTimeoutSeconds`, capped at {@link MAX_WINDOW_HOURS}. Event-time
 * partitioning: the first to the last event hour of the accepted records, however far apart (a backfill
 * of months scans those months, never the whole table). Undefined only when there is nothing to bound
 * (no accepted records).
 */
export function validationWindow(
  settings: Pick<BatchSettings, "partitionTime" | "runTimeoutSeconds">,
  now: Date,
  eventHours: { readonly first: string; readonly last: string } | undefined,
): { readonly from: Date; readonly to: Date } | undefined {
  if (settings.partitionTime === "arrival") {
    const fromHour = Math.floor((now.getTime() - ARRIVAL_LOOKBACK_MS) / HOUR_MS) * HOUR_MS;
    const to = Math.min(now.getTime() + settings.runTimeoutSeconds * 1000, fromHour + MAX_WINDOW_HOURS * HOUR_MS);
    return { from: new Date(fromHour), to: new Date(to) };
  }
  if (!eventHours) return undefined;
  const from = new Date(`${eventHours.first}:00:00Z`);
  const to = new Date(`${eventHours.last}:00:00Z`);
  return { from, to };
}

/**
 * The batch's validation: one SELECT returning `found` (distinct event ids whose latest copy carries
 * this batch id) and `missing_required` (of those latest rows, how many have a NULL required column or
 * event id), every identifier quoted, the batch id a string literal.
 *
 * It reads through the deduplication of the `<table>_latest` view (the same generated SQL,
 * {@link latestRowsSql}), so a run passes only when what readers of the view see is this batch's copy
 * of each record. The dedup runs over the partitions of `window` rather than over the view itself:
 * Athena cannot push a partition filter on the view below its row_number(), so querying the view would
 * read the whole table on every run. Nothing newer than the window exists while the run is going, and
 * older copies never win, so within the window the result equals the view's (arrival-time partitions;
 * with event-time partitions, copies of an event share its event hour). A window of at most
 * {@link MAX_WINDOW_HOURS} hours is listed hour by hour; a wider one is a range on the concatenated keys.
 * Without a window (a batch with no accepted records) the query reads no partition at all: no query the
 * project runs scans the whole table.
 */
export function buildValidation(
  settings: Pick<BatchSettings, "schema" | "dayKey" | "eventIdColumn" | "database" | "table">,
  batchId: string,
  expectedCount: number,
  window: { readonly from: Date; readonly to: Date } | undefined,
): BatchValidation {
  const required = settings.schema.columns.filter((column) => column.required).map((column) => column.name);
  if (!required.includes(settings.eventIdColumn)) required.unshift(settings.eventIdColumn);
  const eventId = quoteIdentifier(settings.eventIdColumn);
  const schema = settings.schema.columns.some((column) => column.name === BATCH_ID_COLUMN)
    ? settings.schema
    : { ...settings.schema, columns: [...settings.schema.columns, { name: BATCH_ID_COLUMN, type: "string" as const, required: false }] };
  const latest = latestRowsSql(
    { database: settings.database, table: settings.table, schema, dayKey: settings.dayKey, eventIdColumn: settings.eventIdColumn },
    validationPredicate(settings.dayKey, window),
  );
  const query = [
    `SELECT count(DISTINCT ${eventId}) AS "found",`,
    `  count_if(${required.map((name) => `${quoteIdentifier(name)} IS NULL`).join(" OR ")}) AS "missing_required"`,
    `FROM (`,
    `  ${latest.split("\n").join("\n  ")}`,
    `) AS ${quoteIdentifier("latest")}`,
    `WHERE ${quoteIdentifier(BATCH_ID_COLUMN)} = ${sqlString(batchId)}`,
  ].join("\n");
  return { query, expectedCount };
}

/** The partition predicate of the validation's window; FALSE (nothing to read) without one. */
function validationPredicate(dayKey: BatchSettings["dayKey"], window: { readonly from: Date; readonly to: Date } | undefined): string {
  if (!window) return "FALSE";
  const spanHours = (window.to.getTime() - window.from.getTime()) / HOUR_MS;
  return spanHours > MAX_WINDOW_HOURS
    ? hourRangePredicate(dayKey, window.from, window.to)
    : hourPartitionPredicate(dayKey, window.from, window.to);
}

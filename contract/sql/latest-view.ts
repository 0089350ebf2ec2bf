/**
 * The deduplicated view of the events table, `"<db>"."<table>_latest"`: the latest row per event id.
 * Streams and Firehose deliver at least once, and a replay of the raw backup loads records the lake may
 * already hold, so the table can hold an event more than once; the view keeps one row per id.
 *
 * "Latest" orders the copies of an event by their hourly partition, newest first (`year`, `month`,
 * day key, `hour` DESC: zero-padded strings, so string order is time order), then by `batch_id` DESC
 * NULLS LAST. With arrival-time partitions the newest partition is the copy loaded last, so a replay
 * wins over what it repairs. In the same hour (always the case for the copies of one event under
 * event-time partitions) a batch-loaded copy wins over a streamed one (`batch_id` NULL), and of two
 * batches the later one (batch ids are `YYYYMMDDTHHmmZ`, optionally `-replay`, so they sort by
 * time, and a replay after the scheduled batch of the same minute). Copies equal in all of these are
 * duplicates of one delivery, and either may be kept.
 *
 * The view reads a rolling window of days only ({@link latestViewSql}): `row_number()` needs every copy
 * of an event, so a filter on the view's output cannot be pushed below it, and an unbounded view would
 * read every partition of the table on every query. Deduplicating all of history is a separate,
 * explicit job (see docs/using-the-pipeline.md, "Deduplicating all of history").
 *
 * Pure, no cdktf: the stack builds the Glue view from it, the named queries and the batch validation
 * use the same SQL, and tests check it with the Trino grammar.
 */
import { BATCH_ID_COLUMN } from "../batch";
import { partitionKeys, type DayKey, type EventSchema } from "../event-schema";
import { qualifiedTable, quoteIdentifier } from "./identifiers";
import { recentDaysPredicate } from "./partition-filter";
import { parseGlueType, prestoTypeString } from "../glue-type";

/** Suffix of the view's name: `events` → `events_latest`. */
export const LATEST_VIEW_SUFFIX = "_latest";

/** What the view is generated from. */
export interface LatestRowsProps {
  readonly database: string;
  /** The events table (not the view). */
  readonly table: string;
  /** The table's schema: every column, `batch_id` included when the batch path adds it. */
  readonly schema: EventSchema;
  readonly dayKey: DayKey;
  /** The column holding the event id; one row per value is kept. */
  readonly eventIdColumn: string;
}

/** Default rolling window of the view, in days before the current UTC day (`catalog.latestViewDays`). */
export const DEFAULT_LATEST_VIEW_DAYS = 7;

/** The view's name for a table. */
export function latestViewName(table: string): string {
  return `${table}${LATEST_VIEW_SUFFIX}`;
}

/** The view's columns, in order: the schema's columns, then the partition keys (all `string`). */
export function latestViewColumns(schema: EventSchema, dayKey: DayKey): Array<{ readonly name: string; readonly type: string }> {
  return [
    ...schema.columns.map((column) => ({ name: column.name, type: column.type as string })),
    ...partitionKeys(dayKey).map((name) => ({ name, type: "string" })),
  ];
}

/** The window ordering that makes row 1 the latest copy of an event. */
export function latestRowOrdering(schema: EventSchema, dayKey: DayKey): string {
  const terms = partitionKeys(dayKey).map((key) => `${quoteIdentifier(key)} DESC`);
  if (schema.columns.some((column) => column.name === BATCH_ID_COLUMN)) terms.push(`${quoteIdentifier(BATCH_ID_COLUMN)} DESC NULLS LAST`);
  return terms.join(", ");
}

/**
 * `SELECT <every column> FROM (SELECT <every column>, row_number() OVER (PARTITION BY <event id>
 * ORDER BY <partitions DESC, batch_id DESC NULLS LAST>) AS <rank> FROM <table> [WHERE <where>]) WHERE <rank> = 1`,
 * every identifier quoted. Without `where` it deduplicates the whole table, unbounded; the view passes its
 * rolling window ({@link latestViewSql}). With `where` (a predicate on the table's columns, e.g.
 * partition keys) the same deduplication runs over the selected rows only,
 * which Athena can prune: a filter on the view's output cannot be pushed below row_number() unless it is
 * on the PARTITION BY column, so filtering the view by partition still reads the whole table.
 * Throws when the event id column is not a column of the schema.
 */
export function latestRowsSql(props: LatestRowsProps, where?: string): string {
  const { schema, dayKey, eventIdColumn } = props;
  if (!schema.columns.some((column) => column.name === eventIdColumn)) {
    throw new Error(`latestRowsSql: the event id column "${eventIdColumn}" is not a column of the schema`);
  }
  const columns = latestViewColumns(schema, dayKey).map((column) => quoteIdentifier(column.name));
  const rank = quoteIdentifier(rankColumn(columns));
  return [
    `SELECT ${columns.join(", ")}`,
    `FROM (`,
    `  SELECT ${columns.join(", ")},`,
    `    row_number() OVER (PARTITION BY ${quoteIdentifier(eventIdColumn)} ORDER BY ${latestRowOrdering(schema, dayKey)}) AS ${rank}`,
    `  FROM ${qualifiedTable(props.database, props.table)}`,
    ...(where ? [`  WHERE ${where.split("\n").join("\n  ")}`] : []),
    `)`,
    `WHERE ${rank} = 1`,
  ].join("\n");
}

/**
 * The view's definition: {@link latestRowsSql} over the partitions of the UTC days from `windowDays` days
 * ago through today ({@link recentDaysPredicate}), evaluated by Athena when the view is queried, so the
 * view never reads more than `windowDays + 1` days of partitions. An event whose every copy is older
 * than the window is not in the view. Throws for a window outside 1–366 days.
 */
export function latestViewSql(props: LatestRowsProps, windowDays: number): string {
  return latestRowsSql(props, recentDaysPredicate(props.dayKey, windowDays));
}

/** A name for the rank column that no column of the view has (`latest_rank`, `_latest_rank`, …). */
function rankColumn(quotedColumns: readonly string[]): string {
  let name = "latest_rank";
  while (quotedColumns.includes(quoteIdentifier(name))) name = `_${name}`;
  return name;
}

/**
 * Presto (Athena) type names of the Glue types this pipeline supports, as a view's column list stores
 * them: `string` → `varchar`, `int` → `integer`, `float` → `real`; `tinyint`, `smallint`, `bigint`,
 * `double`, `boolean`, `date`, `decimal(p,s)` keep their names. `timestamp` stays `timestamp`, which
 * Trino reads as `timestamp(3)` (the precision of Hive timestamps in Athena engine v3) and which
 * engine v2 also parses. Nested types take Presto's forms: `array(…)`, `map(varchar,…)`, `row(name type,…)`.
 */
export function prestoType(glueType: string): string {
  return prestoTypeString(parseGlueType(glueType));
}

/** The JSON Athena keeps, base64-encoded, in a Presto view's `ViewOriginalText`. */
export interface PrestoViewDefinition {
  readonly originalSql: string;
  readonly catalog: "awsdatacatalog";
  readonly schema: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

/** `/* Presto View: <base64 of the definition JSON> *\/`: what Athena writes for a CREATE VIEW. */
export function prestoViewOriginalText(definition: PrestoViewDefinition): string {
  return `/* Presto View: ${Buffer.from(JSON.stringify(definition), "utf8").toString("base64")} */`;
}

/** Decodes a `ViewOriginalText` back to its definition; throws when it is not a Presto view. */
export function decodePrestoViewOriginalText(text: string): PrestoViewDefinition {
  const match = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(text);
  if (!match) throw new Error(`not a Presto view text: ${text.slice(0, 40)}…`);
  return JSON.parse(Buffer.from(match[1]!, "base64").toString("utf8")) as PrestoViewDefinition;
}

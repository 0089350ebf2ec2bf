/**
 * Saved Athena queries for operating the lake, generated from the event schema. Each is a single
 * SELECT (or WITH … SELECT) statement without a trailing semicolon, for Athena engine v3 (Trino),
 * that quotes every identifier and reads only the partitions it needs.
 */
import { DayKey, EventSchema, partitionKeys } from "../../contract/event-schema";
import { parseGlueType } from "../../contract/glue-type";
import { qualifiedTable, quoteIdentifier } from "../../contract/sql/identifiers";
import { latestRowsSql, latestViewName } from "../../contract/sql/latest-view";
import { recentHoursPredicate } from "../../contract/sql/partition-filter";

/** What the named queries are generated from. */
export interface NamedQueriesProps {
  /** Glue database holding the table. */
  readonly database: string;
  /** Glue table of events. */
  readonly table: string;
  /** The event schema the table was built from. */
  readonly schema: EventSchema;
  /** Name of the day partition key. */
  readonly dayKey: DayKey;
  /** The event id column: adds "Latest row per event". @default no such query */
  readonly eventIdColumn?: string;
  /**
   * Athena partition projection is on (`catalog.partitionProjection`): the partitions are computed, not
   * registered, so `$partitions` lists none and the latest partitions are found from the data instead.
   * @default false
   */
  readonly partitionProjection?: boolean;
}

/** One saved query, ready for an `AthenaNamedQuery`. */
export interface NamedQuerySpec {
  /** Stable kebab-case id, usable as a construct id. */
  readonly id: string;
  /** Human title shown in the Athena console. */
  readonly name: string;
  /** What the query answers and which partitions it reads. */
  readonly description: string;
  /** A single Trino statement, without a trailing semicolon. */
  readonly sql: string;
}

/** Hours before the current hour that the "last day" queries read (plus the current hour). */
export const LAST_DAY_HOURS = 24;

/** How many of the newest partitions the latest-partitions query lists. */
export const LATEST_PARTITIONS_LIMIT = 48;

/** Hours before the current hour that the latest-partitions query looks back over (7 days). */
export const LATEST_PARTITIONS_HOURS = 7 * 24;

/** Rows the latest-row-per-event query returns, newest event first. */
export const LATEST_ROWS_LIMIT = 100;

/** Rows the unnest example returns. */
export const UNNEST_ROWS_LIMIT = 100;

/**
 * The first array column of the schema, one row per element over the rows `where` selects, next to the
 * event id (when there is one) and the event time. Athena (Trino) expands an array of rows into one
 * column per field (https://trino.io/docs/current/sql/select.html#unnest), named here
 * `<column>_<field>` so no name can clash with a table column; an array of scalars gives one column,
 * `<column>_element`. Undefined when the schema has no array column.
 */
function unnestQuery(
  source: string,
  schema: EventSchema,
  where: string,
  idColumn: string | undefined,
  over: string,
): NamedQuerySpec | undefined {
  for (const column of schema.columns) {
    const node = parseGlueType(column.type);
    if (node.kind !== "array") continue;
    const names =
      node.element.kind === "struct" ? node.element.fields.map((field) => `${column.name}_${field.name}`) : [`${column.name}_element`];
    const event = quoteIdentifier("e");
    const unnested = quoteIdentifier("u");
    const kept = [...(idColumn ? [idColumn] : []), schema.eventTimeColumn];
    const indent = (text: string) => text.split("\n").join("\n  ");
    const sql = [
      `SELECT ${[...kept.map((name) => `${event}.${quoteIdentifier(name)}`), ...names.map((name) => `${unnested}.${quoteIdentifier(name)}`)].join(",\n  ")}`,
      `FROM (`,
      `  SELECT ${[...kept, column.name].map(quoteIdentifier).join(", ")}`,
      `  FROM ${source}`,
      `  WHERE ${indent(where)}`,
      `) AS ${event}`,
      `CROSS JOIN UNNEST(${event}.${quoteIdentifier(column.name)}) AS ${unnested} (${names.map(quoteIdentifier).join(", ")})`,
      `ORDER BY ${event}.${quoteIdentifier(schema.eventTimeColumn)} DESC`,
      `LIMIT ${UNNEST_ROWS_LIMIT}`,
    ].join("\n");
    return {
      id: `unnest-${column.name.replaceAll("_", "-")}-last-day`,
      name: `One row per element of ${column.name}, last 24 hours`,
      description: `The ${UNNEST_ROWS_LIMIT} newest elements of the array column ${column.name} of ${over}, one row per element (CROSS JOIN UNNEST), with the event they belong to.`,
      sql,
    };
  }
  return undefined;
}

/** Events per partition with the first and last event time, over the rows `where` selects. */
function eventsPerHourSql(source: string, keyList: string, eventTime: string, where: string): string {
  return [
    `SELECT ${keyList},`,
    `  count(*) AS ${quoteIdentifier("events")},`,
    `  min(${eventTime}) AS ${quoteIdentifier("first_event_time")},`,
    `  max(${eventTime}) AS ${quoteIdentifier("last_event_time")}`,
    `FROM ${source}`,
    `WHERE ${where}`,
    `GROUP BY ${keyList}`,
    `ORDER BY ${keyList}`,
  ].join("\n");
}

/** Rows with a NULL in any required column, in total and per column, over the rows `where` selects. */
function missingRequiredSql(source: string, required: readonly string[], where: string): string {
  const isNull = required.map((name) => `${quoteIdentifier(name)} IS NULL`);
  return [
    `SELECT ${[
      `count(*) AS ${quoteIdentifier("row_count")}`,
      ...(required.length > 0 ? [`count_if(${isNull.join(" OR ")}) AS ${quoteIdentifier("rows_missing_any")}`] : []),
      ...required.map((name, i) => `count_if(${isNull[i]}) AS ${quoteIdentifier(`missing_${name}`)}`),
    ].join(",\n  ")}`,
    `FROM ${source}`,
    `WHERE ${where}`,
  ].join("\n");
}

/**
 * The saved queries for one table: events per hour over the last day, the latest partitions loaded
 * with their row counts, rows missing required fields over the last day, and (with an event id
 * column) the latest row per event over the last day.
 * Throws when the schema's event-time column is not one of its columns.
 */
export function namedQueries(props: NamedQueriesProps): NamedQuerySpec[] {
  const { database, table, schema, dayKey } = props;
  if (!schema.columns.some((column) => column.name === schema.eventTimeColumn)) {
    throw new Error(`namedQueries: eventTimeColumn "${schema.eventTimeColumn}" is not a column of the schema`);
  }
  const source = qualifiedTable(database, table);
  const keys = partitionKeys(dayKey).map(quoteIdentifier);
  const keyList = keys.join(", ");
  const eventTime = quoteIdentifier(schema.eventTimeColumn);
  const lastDay = recentHoursPredicate(dayKey, LAST_DAY_HOURS);
  const window = `the current hour and the ${LAST_DAY_HOURS} before it (UTC partitions)`;

  const eventsPerHour = eventsPerHourSql(source, keyList, eventTime, lastDay);

  // Both forms read only the partitions of the last 7 days: the table side is filtered by partition keys,
  // so the query is bounded even where dynamic filtering would not prune.
  const lastWeek = recentHoursPredicate(dayKey, LATEST_PARTITIONS_HOURS);
  const latestPartitions = props.partitionProjection
    ? latestPartitionsFromData(source, keys, eventTime, lastWeek)
    : latestRegisteredPartitions(qualifiedTable(database, `${table}$partitions`), source, keys, eventTime, lastWeek);
  const weekWindow = `the current hour and the ${LATEST_PARTITIONS_HOURS} before it (UTC partitions)`;

  const required = schema.columns.filter((column) => column.required).map((column) => column.name);
  const missingRequired = missingRequiredSql(source, required, lastDay);

  // The `<table>_latest` view's deduplication, run over the last day's partitions only: a partition
  // filter on the view itself cannot be pushed below its row_number() and would read the whole table.
  const latestRows = props.eventIdColumn
    ? [
        `SELECT *`,
        `FROM (`,
        `  ${latestRowsSql({ database, table, schema, dayKey, eventIdColumn: props.eventIdColumn }, lastDay).split("\n").join("\n  ")}`,
        `) AS ${quoteIdentifier("latest")}`,
        `ORDER BY ${eventTime} DESC`,
        `LIMIT ${LATEST_ROWS_LIMIT}`,
      ].join("\n")
    : undefined;

  return [
    {
      id: "events-per-hour-last-day",
      name: "Events per hour, last 24 hours",
      description: `Events per hourly partition of ${database}.${table} over ${window}, with the earliest and latest event time in each.`,
      sql: eventsPerHour,
    },
    {
      id: "latest-partitions",
      name: props.partitionProjection ? "Latest partitions with data" : "Latest partitions loaded",
      description: props.partitionProjection
        ? `The ${LATEST_PARTITIONS_LIMIT} newest hourly partitions of ${database}.${table} that hold rows, over ${weekWindow}, newest first, with their row counts and latest event time (partition projection: read from the data, since $partitions lists no projected partition).`
        : `The ${LATEST_PARTITIONS_LIMIT} newest partitions registered for ${database}.${table} over ${weekWindow}, newest first, with their row counts (0 for a registered partition without rows) and latest event time.`,
      sql: latestPartitions,
    },
    {
      id: "missing-required-fields-last-day",
      name: "Rows missing required fields, last 24 hours",
      description: `Rows of ${database}.${table} over ${window} with a NULL in a required column (${required.join(", ") || "none"}), in total and per column.`,
      sql: missingRequired,
    },
    ...(latestRows
      ? [
          {
            id: "latest-row-per-event",
            name: "Latest row per event",
            description: `The ${LATEST_ROWS_LIMIT} newest events of ${database}.${table} over ${window}, one row per ${props.eventIdColumn} (the newest copy, as the view ${database}.${latestViewName(table)} keeps it), so duplicates from at-least-once delivery and replays are gone.`,
            sql: latestRows,
          },
        ]
      : []),
    ...[unnestQuery(source, schema, lastDay, props.eventIdColumn, `${database}.${table} over ${window}`)].filter((q) => q !== undefined),
  ];
}

/**
 * The newest registered partitions (metadata from `$partitions`, no row counts for Glue tables) within
 * the window, with their row counts. The RIGHT JOIN keeps partitions without rows; the table side reads
 * only the window's partitions.
 */
function latestRegisteredPartitions(
  partitionsTable: string,
  source: string,
  keys: readonly string[],
  eventTime: string,
  window: string,
): string {
  const keyList = keys.join(", ");
  const latest = quoteIdentifier("latest");
  const loaded = quoteIdentifier("t");
  const on = (alias: string) => keys.map((key) => `${alias}.${key}`);
  const latestKeys = on(latest).join(", ");
  const indent = (text: string) => text.split("\n").join("\n  ");
  return [
    `WITH ${latest} AS (`,
    `  SELECT ${keyList}`,
    `  FROM ${partitionsTable}`,
    `  WHERE ${indent(window)}`,
    `  ORDER BY ${keys.map((key) => `${key} DESC`).join(", ")}`,
    `  LIMIT ${LATEST_PARTITIONS_LIMIT}`,
    `)`,
    `SELECT ${latestKeys},`,
    `  count(${loaded}.${keys[0]}) AS ${quoteIdentifier("row_count")},`,
    `  max(${loaded}.${eventTime}) AS ${quoteIdentifier("last_event_time")}`,
    `FROM (`,
    `  SELECT ${keyList}, ${eventTime}`,
    `  FROM ${source}`,
    `  WHERE ${indent(window)}`,
    `) AS ${loaded}`,
    `RIGHT JOIN ${latest} ON ${on(loaded)
      .map((key, i) => `${key} = ${on(latest)[i]}`)
      .join(" AND ")}`,
    `GROUP BY ${latestKeys}`,
    `ORDER BY ${on(latest)
      .map((key) => `${key} DESC`)
      .join(", ")}`,
  ].join("\n");
}

/**
 * With partition projection: the newest partitions that hold rows within the window, found by grouping
 * the data itself (Athena's `$partitions` lists only partitions registered in the catalog, and projected
 * ones are not registered).
 */
function latestPartitionsFromData(source: string, keys: readonly string[], eventTime: string, window: string): string {
  const keyList = keys.join(", ");
  return [
    `SELECT ${keyList},`,
    `  count(*) AS ${quoteIdentifier("row_count")},`,
    `  max(${eventTime}) AS ${quoteIdentifier("last_event_time")}`,
    `FROM ${source}`,
    `WHERE ${window}`,
    `GROUP BY ${keyList}`,
    `ORDER BY ${keys.map((key) => `${key} DESC`).join(", ")}`,
    `LIMIT ${LATEST_PARTITIONS_LIMIT}`,
  ].join("\n");
}

/**
 * The deduplicated view `<table>_latest`: its SQL (Trino syntax, quoting, ordering, and what it keeps,
 * run in DuckDB), its Glue encoding as an Athena "Presto view", and the named query built on it.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { buildValidation } from "../../handlers/extract/validation-sql";
import type { EventSchema } from "../../contract/event-schema";
import {
  decodePrestoViewOriginalText,
  DEFAULT_LATEST_VIEW_DAYS,
  latestRowOrdering,
  latestRowsSql,
  latestViewColumns,
  latestViewSql,
  prestoType,
  prestoViewOriginalText,
} from "../../contract/sql/latest-view";
import { recentDaysPredicate } from "../../contract/sql/partition-filter";
import { ConfigError, tableSchema } from "../../stacks/config";
import { namedQueries } from "../../stacks/sql/named-queries";
import { TEST_SCHEMA } from "../support/schema";
import { eventsTableAddress, findWhere, synthPipeline, testConfig, type Synthesized } from "../support/synth";
import { trinoSyntaxErrors } from "../support/trino-syntax";

const WITH_BATCH: EventSchema = {
  ...TEST_SCHEMA,
  columns: [...TEST_SCHEMA.columns, { name: "batch_id", type: "string", required: false }],
};
const props = (overrides: Partial<Parameters<typeof latestRowsSql>[0]> = {}) => ({
  database: "lake_db",
  table: "clicks",
  schema: WITH_BATCH,
  dayKey: "day" as const,
  eventIdColumn: "event_id",
  ...overrides,
});

/** Every identifier-like word of `sql` that is not inside double quotes, single quotes, or a keyword/function we use. */
function bareWords(sql: string): string[] {
  const stripped = sql.replace(/"(?:[^"]|"")*"/g, " ").replace(/'(?:[^']|'')*'/g, " ");
  const allowed = new Set([
    "select",
    "from",
    "where",
    "row_number",
    "over",
    "partition",
    "by",
    "order",
    "desc",
    "nulls",
    "last",
    "as",
    "and",
    "in",
  ]);
  return (stripped.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).filter((word) => !allowed.has(word.toLowerCase()));
}

describe("latestRowsSql", () => {
  it("passes the Trino syntax check", () => {
    expect(trinoSyntaxErrors(latestRowsSql(props()))).toEqual([]);
  });

  it("quotes every identifier, reserved words as columns and the date day key included", () => {
    const schema: EventSchema = {
      ...WITH_BATCH,
      columns: [
        ...WITH_BATCH.columns,
        { name: "order", type: "int", required: false },
        { name: "select", type: "string", required: false },
      ],
    };
    const sql = latestRowsSql(props({ schema, dayKey: "date" }));

    expect(bareWords(sql)).toEqual([]);
    expect(sql).toContain('"order", "select", "year", "month", "date", "hour"');
    expect(trinoSyntaxErrors(sql)).toEqual([]);
  });

  it("keeps row 1 per event id, newest partition first, then batch id with streamed rows last", () => {
    expect(latestRowsSql(props())).toContain(
      'row_number() OVER (PARTITION BY "event_id" ORDER BY "year" DESC, "month" DESC, "day" DESC, "hour" DESC, "batch_id" DESC NULLS LAST) AS "latest_rank"',
    );
    expect(latestRowsSql(props())).toMatch(/\nWHERE "latest_rank" = 1$/);
  });

  it("orders by partitions only when the table has no batch_id (batch path off)", () => {
    expect(latestRowOrdering(TEST_SCHEMA, "date")).toBe('"year" DESC, "month" DESC, "date" DESC, "hour" DESC');
  });

  it("names the rank column so it never collides with a column of the table", () => {
    const schema: EventSchema = { ...WITH_BATCH, columns: [...WITH_BATCH.columns, { name: "latest_rank", type: "int", required: false }] };

    expect(latestRowsSql(props({ schema }))).toContain('AS "_latest_rank"');
  });

  it("lists the schema's columns, then the partition keys, in the view's column order", () => {
    expect(
      latestViewColumns(TEST_SCHEMA, "date")
        .map((c) => c.name)
        .slice(-5),
    ).toEqual(["is_bot", "year", "month", "date", "hour"]);
  });

  it("throws when the event id column is not in the schema", () => {
    expect(() => latestRowsSql(props({ eventIdColumn: "id" }))).toThrow(/the event id column "id" is not a column of the schema/);
  });
});

describe("the view's rows, run in DuckDB", () => {
  const COLUMNS = [...latestViewColumns(WITH_BATCH, "day").map((c) => c.name)];
  type Row = Partial<Record<string, string>>;
  const row = (event_id: string, hour: string, batch_id: string | undefined, event_type: string, day = "25"): Row => ({
    event_id,
    event_type,
    event_time: "2026-11-25T09:00:00Z",
    batch_id,
    year: "2026",
    month: "11",
    day,
    hour,
  });
  const ROWS: Row[] = [
    row("a", "09", undefined, "stream copy"),
    row("a", "14", "20261125T1400Z-replay", "replayed copy"), // newer partition wins
    row("b", "10", undefined, "stream"),
    row("b", "10", "20261125T1000Z", "batch, same hour"), // same hour: the batch copy wins over the stream
    row("c", "10", "20261125T1000Z", "scheduled"),
    row("c", "10", "20261125T1000Z-replay", "replay, same minute"), // later batch id wins
    row("d", "23", undefined, "late day", "24"),
    row("d", "01", undefined, "next day"), // day 25 01h is newer than day 24 23h
    row("e", "14", "20261125T1400Z-replay", "only copy"),
  ];

  /**
   * Runs `sql` over `rows` in DuckDB. Trino's `date_format` becomes DuckDB's `strftime` (same `%Y%m%d`
   * specifiers), and `current_timestamp` is pinned to `now` so the view's rolling window is deterministic.
   */
  async function query(sql: string, rows: readonly Row[] = ROWS, now?: string): Promise<Record<string, unknown>[]> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run("CREATE MACRO date_format(ts, fmt) AS strftime(ts, fmt)");
    await connection.run('CREATE SCHEMA "lake_db"');
    await connection.run(`CREATE TABLE "lake_db"."clicks" (${COLUMNS.map((c) => `"${c}" VARCHAR`).join(", ")})`);
    if (now !== undefined) sql = sql.replaceAll("current_timestamp", `CAST('${now}' AS TIMESTAMPTZ)`);
    for (const r of rows) {
      await connection.run(
        `INSERT INTO "lake_db"."clicks" VALUES (${COLUMNS.map((c) => (r[c] === undefined ? "NULL" : `'${r[c]}'`)).join(", ")})`,
      );
    }
    const reader = await connection.runAndReadAll(sql);
    connection.closeSync();
    return reader.getRowObjects() as Record<string, unknown>[];
  }

  it("keeps one row per event id: the newest partition, then a batch over the stream, then the later batch", async () => {
    const rows = await query(`SELECT "event_id", "event_type" FROM (${latestRowsSql(props())}) ORDER BY "event_id"`);

    expect(rows).toEqual([
      { event_id: "a", event_type: "replayed copy" },
      { event_id: "b", event_type: "batch, same hour" },
      { event_id: "c", event_type: "replay, same minute" },
      { event_id: "d", event_type: "next day" },
      { event_id: "e", event_type: "only copy" },
    ]);
  });

  it("as the view, keeps only the copies in the partitions of the window's days, deduplicated among themselves", async () => {
    // Pinned "now": 2026-11-25 09:30 UTC, so a 7-day window reads the days 2026-11-18 … 2026-11-25.
    const rows: Row[] = [
      ...ROWS,
      row("f", "23", undefined, "old copy", "17"), // 8 days ago: outside the window
      row("g", "23", undefined, "only copy, day 17", "17"),
      row("h", "00", undefined, "first day of the window", "18"),
    ];
    const sql = latestViewSql(props(), 7);
    const kept = await query(`SELECT "event_id", "event_type" FROM (${sql}) ORDER BY "event_id"`, rows, "2026-11-25 09:30:00+00");

    expect(kept.map((r) => r.event_id)).toEqual(["a", "b", "c", "d", "e", "h"]);
    expect(kept.find((r) => r.event_id === "a")).toEqual({ event_id: "a", event_type: "replayed copy" });
  });

  it("lets the validation count the replay batch's records whose latest copy is theirs", async () => {
    const window = { from: new Date("2026-11-25T14:00:00Z"), to: new Date("2026-11-25T15:00:00Z") };
    const { query: validation } = buildValidation(props(), "20261125T1400Z-replay", 2, window);

    expect(await query(validation)).toEqual([{ found: 2n, missing_required: 0n }]);
  });

  it("does not count a batch's records that a newer copy shadows", async () => {
    const window = { from: new Date("2026-11-24T00:00:00Z"), to: new Date("2026-11-26T23:00:00Z") };
    const { query: validation } = buildValidation(props(), "20261125T1000Z", 2, window);

    // b is this batch's latest copy; c was replaced by the replay of the same minute.
    expect(await query(validation)).toEqual([{ found: 1n, missing_required: 0n }]);
  });
});

describe("Presto view encoding", () => {
  it("maps Glue types to the Presto names a view's column list holds", () => {
    expect(
      ["string", "int", "bigint", "double", "float", "boolean", "timestamp", "date", "tinyint", "smallint", "decimal(10,2)"].map(
        prestoType,
      ),
    ).toEqual(["varchar", "integer", "bigint", "double", "real", "boolean", "timestamp", "date", "tinyint", "smallint", "decimal(10,2)"]);
  });

  it("round-trips the definition through /* Presto View: <base64> */", () => {
    const definition = {
      originalSql: "SELECT 1",
      catalog: "awsdatacatalog" as const,
      schema: "db",
      columns: [{ name: "x", type: "integer" }],
    };
    const text = prestoViewOriginalText(definition);

    expect(text).toMatch(/^\/\* Presto View: [A-Za-z0-9+/=]+ \*\/$/);
    expect(decodePrestoViewOriginalText(text)).toEqual(definition);
  });
});

/**
 * What the AWS provider sends to Glue for a `ser_de_info` block, following expandSerDeInfo in
 * terraform-provider-aws internal/service/glue/catalog_table.go: nothing for a missing or empty block,
 * and only the non-empty fields of a block.
 */
function providerSerDeInfo(block: unknown): Record<string, unknown> | undefined {
  const first = Array.isArray(block) ? block[0] : block;
  if (first === undefined || first === null) return undefined;
  const { name, parameters, serialization_library: library } = first as Record<string, any>;
  const sent: Record<string, unknown> = {};
  if (typeof name === "string" && name.length > 0) sent.Name = name;
  if (parameters && Object.keys(parameters).length > 0) sent.Parameters = parameters;
  if (typeof library === "string" && library.length > 0) sent.SerializationLibrary = library;
  // An all-empty block reaches the provider as a nil list element, which it drops.
  return Object.keys(sent).length > 0 ? sent : undefined;
}

describe("the view in the stack", () => {
  const s = synthPipeline();
  const view = (synth: Synthesized = s) => findWhere(synth, "aws_glue_catalog_table", (t) => t.table_type === "VIRTUAL_VIEW");

  it("is a Glue VIRTUAL_VIEW named <table>_latest in the pipeline's database, created after the table", () => {
    expect(view()).toMatchObject({
      name: "events_latest",
      table_type: "VIRTUAL_VIEW",
      view_expanded_text: "/* Presto View */",
      parameters: { presto_view: "true", comment: "Presto View" },
      database_name: expect.stringMatching(/^\$\{aws_glue_catalog_database\.[^}]+\.name\}$/),
    });
    expect(view().depends_on).toContain(eventsTableAddress(s));
  });

  it("decodes back to the generated SQL, the catalog, the database and every column with its Presto type", () => {
    const config = testConfig();
    const definition = decodePrestoViewOriginalText(view().view_original_text);

    expect(definition).toEqual({
      originalSql: latestViewSql(
        { database: "acme_test", table: "events", schema: tableSchema(config), dayKey: "day", eventIdColumn: "event_id" },
        DEFAULT_LATEST_VIEW_DAYS,
      ),
      catalog: "awsdatacatalog",
      schema: "acme_test",
      columns: latestViewColumns(tableSchema(config), "day").map((c) => ({ name: c.name, type: prestoType(c.type) })),
    });
    expect(definition.columns).toContainEqual({ name: "event_id", type: "varchar" });
    expect(definition.columns.slice(-4)).toEqual(["year", "month", "day", "hour"].map((name) => ({ name, type: "varchar" })));
    expect(trinoSyntaxErrors(definition.originalSql)).toEqual([]);
  });

  // The provider sends a ser_de_info block only if it has a non-empty field, and only its non-empty fields
  // (terraform-provider-aws internal/service/glue/catalog_table.go, expandSerDeInfo); Athena fails queries on
  // a view without SerDe info: "HIVE_METASTORE_ERROR: Table storage descriptor is missing SerDe info"
  // (https://github.com/hashicorp/terraform-provider-aws/issues/28517).
  it("has a SerDe info the AWS provider sends to Glue (non-empty name and library), as provider issue 28517 requires", () => {
    const sent = providerSerDeInfo(view().storage_descriptor.ser_de_info);

    expect(sent).toBeDefined();
    expect(sent).toHaveProperty("SerializationLibrary");
    expect(sent).toHaveProperty("Name");
  });

  it("bounds the view's SQL to the configured window of days, on partition keys only", () => {
    const sql = (days: number) =>
      decodePrestoViewOriginalText(view(synthPipeline({ catalog: { latestViewDays: days } })).view_original_text).originalSql;

    expect(sql(30)).toContain(`WHERE ${recentDaysPredicate("day", 30).split("\n").join("\n  ")}`);
    expect(decodePrestoViewOriginalText(view().view_original_text).originalSql).toContain("INTERVAL '7' DAY");
    expect(trinoSyntaxErrors(sql(30))).toEqual([]);
  });

  it.each([0, 367, 2.5])("rejects catalog.latestViewDays %s at config time, naming the field and the range", (days) => {
    let caught: unknown;
    try {
      testConfig({ catalog: { latestViewDays: days } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(new RegExp(`catalog\\.latestViewDays: received ${days}; allowed: an integer from 1 to 366`));
  });

  it("lists the same columns with Hive types in its storage descriptor", () => {
    const hive = view().storage_descriptor.columns as Array<{ name: string; type: string }>;
    const presto = decodePrestoViewOriginalText(view().view_original_text).columns;

    expect(hive.map((c) => c.name)).toEqual(presto.map((c) => c.name));
    expect(hive).toContainEqual({ name: "event_time", type: "timestamp" });
    expect(hive).toContainEqual({ name: "batch_id", type: "string" });
  });

  it("follows the day key and leaves batch_id out when the batch path is off", () => {
    const off = decodePrestoViewOriginalText(
      view(synthPipeline({ batch: { enabled: false }, partitioning: { dayKey: "date" } })).view_original_text,
    );

    expect(off.columns.map((c) => c.name)).not.toContain("batch_id");
    expect(off.originalSql).toContain('ORDER BY "year" DESC, "month" DESC, "date" DESC, "hour" DESC)');
  });

  it("is a stack output", () => {
    expect(s.tf.output?.glue_latest_view?.value).toMatch(/^\$\{aws_glue_catalog_table\.[^}]+\.name\}$/);
  });

  it("comes with a saved query 'Latest row per event' that passes the Trino check", () => {
    const saved = s.resources("aws_athena_named_query").find((q) => q.name === "Latest row per event");

    expect(saved).toBeDefined();
    expect(saved!.query).toContain('row_number() OVER (PARTITION BY "event_id"');
    expect(trinoSyntaxErrors(saved!.query)).toEqual([]);
  });
});

describe("namedQueries: Latest row per event", () => {
  it("is added only with an event id column", () => {
    const base = { database: "lake_db", table: "clicks", schema: WITH_BATCH, dayKey: "day" as const };

    expect(namedQueries(base).map((q) => q.id)).not.toContain("latest-row-per-event");
    expect(namedQueries({ ...base, eventIdColumn: "event_id" }).map((q) => q.id)).toContain("latest-row-per-event");
  });

  it("deduplicates over the last day's partitions only, newest events first", () => {
    const { sql, description } = namedQueries({
      database: "lake_db",
      table: "clicks",
      schema: WITH_BATCH,
      dayKey: "date",
      eventIdColumn: "event_id",
    }).find((q) => q.id === "latest-row-per-event")!;

    expect(sql).toMatch(/FROM "lake_db"\."clicks"\n\s+WHERE \(concat\("year", "month", "date", "hour"\) BETWEEN/);
    expect(sql).toMatch(/ORDER BY "event_time" DESC\nLIMIT 100$/);
    expect(description).toContain("lake_db.clicks_latest");
    expect(trinoSyntaxErrors(sql)).toEqual([]);
  });
});

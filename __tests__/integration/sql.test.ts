import { DayKey, EventSchema } from "../../contract/event-schema";
import { qualifiedTable, quoteIdentifier, sqlString } from "../../contract/sql/identifiers";
import { DuckDBInstance } from "@duckdb/node-api";
import { LAST_DAY_HOURS, LATEST_PARTITIONS_HOURS, namedQueries, NamedQuerySpec } from "../../stacks/sql/named-queries";
import {
  hourPartitionPredicate,
  hourRangePredicate,
  MAX_RECENT_DAYS,
  recentDaysPredicate,
  recentHoursPredicate,
} from "../../contract/sql/partition-filter";
import { NESTED_TEST_COLUMNS, testSchemaOf } from "../support/schema";
import { trinoSyntaxErrors } from "../support/trino-syntax";

const REQUIRED = ["event_id", "event_type", "event_time"];
const OPTIONAL = ["user_id", "duration_ms", "revenue"];
const SCHEMA: EventSchema = {
  ...testSchemaOf([...REQUIRED, ...OPTIONAL]),
  columns: [...testSchemaOf([...REQUIRED, ...OPTIONAL]).columns, ...NESTED_TEST_COLUMNS],
};
const DAY_KEYS: readonly DayKey[] = ["day", "date"];

/** Words the generated SQL may leave unquoted: upper-case keywords and lower-case function names. */
const SQL_WORDS = new Set([
  "SELECT",
  "FROM",
  "WHERE",
  "GROUP",
  "BY",
  "ORDER",
  "DESC",
  "LIMIT",
  "WITH",
  "AS",
  "RIGHT",
  "JOIN",
  "CROSS",
  "UNNEST",
  "ON",
  "AND",
  "OR",
  "IN",
  "IS",
  "NULL",
  "BETWEEN",
  "AT",
  "TIME",
  "ZONE",
  "INTERVAL",
  "HOUR",
  "DAY",
  "MONTH",
  "OVER",
  "PARTITION",
  "NULLS",
  "LAST",
  "count",
  "count_if",
  "min",
  "max",
  "concat",
  "date_format",
  "current_timestamp",
  "row_number",
]);

function queriesFor(dayKey: DayKey, schema: EventSchema = SCHEMA, partitionProjection = false): NamedQuerySpec[] {
  return namedQueries({ database: "lake_db", table: "events", schema, dayKey, eventIdColumn: "event_id", partitionProjection });
}

/**
 * Runs `sql` in DuckDB with `current_timestamp` pinned to `now` and Trino's `date_format` as DuckDB's
 * `strftime` (the same `%Y%m%d%H` specifiers), over `tables` (name → rows of string values).
 */
async function runInDuckDb(
  sql: string,
  now: string,
  tables: Record<string, ReadonlyArray<Record<string, string>>>,
): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("CREATE MACRO date_format(ts, fmt) AS strftime(ts, fmt)");
    await connection.run('CREATE SCHEMA "lake_db"');
    for (const [name, rows] of Object.entries(tables)) {
      const columns = Object.keys(rows[0]!);
      await connection.run(`CREATE TABLE "lake_db"."${name}" (${columns.map((c) => `"${c}" VARCHAR`).join(", ")})`);
      const values = rows.map((row) => `(${columns.map((c) => `'${row[c]}'`).join(", ")})`);
      for (let i = 0; i < values.length; i += 500) {
        await connection.run(`INSERT INTO "lake_db"."${name}" VALUES ${values.slice(i, i + 500).join(", ")}`);
      }
    }
    const reader = await connection.runAndReadAll(sql.replaceAll("current_timestamp", `CAST('${now}' AS TIMESTAMPTZ)`));
    return reader.getRowObjects() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** One row per UTC day from `from` to `to` (inclusive), as partition values with hour "12". */
function dailyPartitions(dayKey: DayKey, from: string, to: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (let t = Date.parse(`${from}T12:00:00Z`); t <= Date.parse(`${to}T12:00:00Z`); t += 86_400_000) {
    const iso = new Date(t).toISOString();
    rows.push({ year: iso.slice(0, 4), month: iso.slice(5, 7), [dayKey]: iso.slice(8, 10), hour: "12" });
  }
  return rows;
}

function query(id: string, dayKey: DayKey, schema: EventSchema = SCHEMA): string {
  const found = queriesFor(dayKey, schema).find((spec) => spec.id === id);
  if (!found) throw new Error(`no named query "${id}"`);
  return found.sql;
}

/** The SQL with every string literal and quoted identifier emptied, leaving what the SQL writes bare. */
function unquotedText(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (token) => (token.startsWith("'") ? "''" : '""'));
}

function unquotedWords(sql: string): string[] {
  return unquotedText(sql).match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? [];
}

/** True when `word` appears outside quotes; case-insensitive unless `caseSensitive` (SQL keywords such as HOUR are upper-case). */
function hasBareWord(sql: string, word: string, caseSensitive = false): boolean {
  return new RegExp(`\\b${word}\\b`, caseSensitive ? "" : "i").test(unquotedText(sql));
}

/**
 * Evaluates the subset of SQL `hourPartitionPredicate` writes (parentheses, AND, OR, `"key" = 'v'`,
 * `"key" IN ('v', …)`) against one partition's values; throws on anything else.
 */
function evaluatePredicate(sql: string, partition: Readonly<Record<string, string>>): boolean {
  const tokens = sql.match(/"(?:[^"]|"")*"|'(?:[^']|'')*'|[(),=]|[^\s(),=]+/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string): string => {
    const token = tokens[position++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`expected ${expected ?? "a token"} at token ${position - 1}, got ${token}`);
    }
    return token;
  };
  const unquote = (token: string, quote: string) => {
    if (!token.startsWith(quote)) throw new Error(`expected a ${quote}-quoted token, got ${token}`);
    return token.slice(1, -1).replaceAll(quote + quote, quote);
  };
  const disjunction = (): boolean => {
    let value = conjunction();
    while (peek() === "OR") {
      take();
      value = conjunction() || value;
    }
    return value;
  };
  const conjunction = (): boolean => {
    let value = comparison();
    while (peek() === "AND") {
      take();
      value = comparison() && value;
    }
    return value;
  };
  const comparison = (): boolean => {
    if (peek() === "(") {
      take();
      const value = disjunction();
      take(")");
      return value;
    }
    const key = unquote(take(), '"');
    const actual = partition[key];
    if (actual === undefined) throw new Error(`unknown partition key ${key}`);
    if (peek() === "=") {
      take();
      return actual === unquote(take(), "'");
    }
    take("IN");
    take("(");
    const values = [unquote(take(), "'")];
    while (peek() === ",") {
      take();
      values.push(unquote(take(), "'"));
    }
    take(")");
    return values.includes(actual);
  };
  const result = disjunction();
  if (position !== tokens.length) throw new Error(`unexpected ${tokens[position]} at token ${position}`);
  return result;
}

/** The UTC hours (`YYYY-MM-DDTHH`) from two days before `from` to two days after `to` that the predicate selects. */
function selectedHours(dayKey: DayKey, from: Date, to: Date): string[] {
  const predicate = hourPartitionPredicate(dayKey, from, to);
  const selected: string[] = [];
  for (let t = from.getTime() - 48 * 3_600_000; t <= to.getTime() + 48 * 3_600_000; t += 3_600_000) {
    const iso = new Date(t).toISOString();
    const partition = { year: iso.slice(0, 4), month: iso.slice(5, 7), [dayKey]: iso.slice(8, 10), hour: iso.slice(11, 13) };
    if (evaluatePredicate(predicate, partition)) selected.push(iso.slice(0, 13));
  }
  return selected;
}

describe("SQL identifiers and literals", () => {
  it("wraps an identifier in double quotes", () => {
    expect(quoteIdentifier("date")).toBe('"date"');
  });

  it("doubles a double quote inside an identifier", () => {
    expect(quoteIdentifier('odd"name')).toBe('"odd""name"');
  });

  it("rejects an empty identifier", () => {
    expect(() => quoteIdentifier("")).toThrow(/cannot be empty/);
  });

  it("qualifies a table with its quoted database", () => {
    expect(qualifiedTable("lake_db", "events")).toBe('"lake_db"."events"');
  });

  it("doubles a single quote inside a string literal", () => {
    expect(sqlString("it's")).toBe("'it''s'");
  });
});

describe("trinoSyntaxErrors", () => {
  it("accepts a valid Trino SELECT", () => {
    expect(trinoSyntaxErrors('SELECT "year", count(*) AS "events" FROM "db"."t" GROUP BY "year"')).toEqual([]);
  });

  it("reports an error for a broken statement", () => {
    expect(trinoSyntaxErrors('SELECT count(*) FROM "db"."t" WHERE GROUP BY')).not.toEqual([]);
  });
});

describe("namedQueries", () => {
  const cases = DAY_KEYS.flatMap((dayKey) => queriesFor(dayKey).map((spec) => [spec.id, dayKey, spec.sql] as const));

  it.each(cases)("writes %s as valid Trino SQL with day key %s", (_id, _dayKey, sql) => {
    expect(trinoSyntaxErrors(sql)).toEqual([]);
  });

  it.each(cases)("writes %s (day key %s) as one statement without a semicolon", (_id, _dayKey, sql) => {
    expect(unquotedText(sql)).not.toContain(";");
  });

  it.each(cases)("quotes every identifier in %s (day key %s)", (_id, _dayKey, sql) => {
    expect(unquotedWords(sql).filter((word) => !SQL_WORDS.has(word))).toEqual([]);
  });

  it.each(queriesFor("date").map((spec) => [spec.id, spec.sql] as const))("never writes the date partition key bare in %s", (_id, sql) => {
    expect(sql).toContain('"date"');
    expect(hasBareWord(sql, "date")).toBe(false);
  });

  it("quotes every schema column and partition key it references", () => {
    const names = [...SCHEMA.columns.map((column) => column.name), "year", "month", "day", "hour"];
    const bare = queriesFor("day").flatMap((spec) =>
      names.filter((name) => hasBareWord(spec.sql, name, true)).map((name) => `${spec.id}: ${name}`),
    );
    expect(bare).toEqual([]);
  });

  it("gives every query a distinct kebab-case id, a name and a description", () => {
    const specs = queriesFor("day");
    expect(specs.map((spec) => spec.id)).toEqual([...new Set(specs.map((spec) => spec.id))]);
    for (const spec of specs) {
      expect(spec.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(spec.name).not.toBe("");
      expect(spec.description).not.toBe("");
    }
  });

  it("counts events per hour grouped and ordered by year, month, day key and hour", () => {
    const sql = query("events-per-hour-last-day", "date");
    expect(sql).toMatch(/count\(\*\) AS "events"/);
    expect(sql).toContain('GROUP BY "year", "month", "date", "hour"');
    expect(sql).toContain('ORDER BY "year", "month", "date", "hour"');
  });

  it.each(["events-per-hour-last-day", "missing-required-fields-last-day"])(
    "restricts %s to the partitions of the last day, computed in UTC at query time",
    (id) => {
      expect(query(id, "day")).toContain(`WHERE ${recentHoursPredicate("day", LAST_DAY_HOURS)}`);
    },
  );

  it("lists the latest 48 registered partitions newest first, with row counts", () => {
    const sql = query("latest-partitions", "day");
    expect(sql).toContain('FROM "lake_db"."events$partitions"');
    expect(sql).toContain("LIMIT 48");
    expect(sql).toMatch(/count\([^)]*\) AS "row_count"/);
    expect(sql).toMatch(/ORDER BY "latest"\."year" DESC, "latest"\."month" DESC, "latest"\."day" DESC, "latest"\."hour" DESC$/);
  });

  it("counts NULLs of every required column in the missing-fields query", () => {
    const sql = query("missing-required-fields-last-day", "day");
    for (const name of REQUIRED) expect(sql).toContain(`count_if("${name}" IS NULL) AS "missing_${name}"`);
  });

  it("leaves optional columns out of the missing-fields query", () => {
    const sql = query("missing-required-fields-last-day", "day");
    for (const name of OPTIONAL) expect(sql).not.toContain(`"${name}"`);
  });

  it("escapes a column name containing a double quote and still writes valid SQL", () => {
    const schema: EventSchema = { ...SCHEMA, columns: [...SCHEMA.columns, { name: 'odd"name', type: "string", required: true }] };
    const sql = query("missing-required-fields-last-day", "day", schema);
    expect(sql).toContain('count_if("odd""name" IS NULL)');
    expect(trinoSyntaxErrors(sql)).toEqual([]);
  });

  // Trino expands an array of rows into one column per field: https://trino.io/docs/current/sql/select.html#unnest
  it("unnests the first array column, one output column per struct field, over the last day's partitions", () => {
    const sql = query("unnest-items-last-day", "day");
    expect(sql).toContain('CROSS JOIN UNNEST("e"."items") AS "u" ("items_sku", "items_price", "items_quantity")');
    expect(sql).toContain(`WHERE ${recentHoursPredicate("day", LAST_DAY_HOURS).split("\n").join("\n  ")}`);
    expect(sql).toMatch(/^SELECT "e"\."event_id",\n {2}"e"\."event_time",\n {2}"u"\."items_sku"/);
    expect(trinoSyntaxErrors(sql)).toEqual([]);
  });

  it("names an array of scalars' one column <column>_element, and adds no unnest query without an array column", () => {
    const tags: EventSchema = {
      ...SCHEMA,
      columns: [...testSchemaOf(REQUIRED).columns, { name: "tags", type: "array<string>", required: false }],
    };
    const sql = query("unnest-tags-last-day", "date", tags);
    expect(sql).toContain('CROSS JOIN UNNEST("e"."tags") AS "u" ("tags_element")');
    expect(trinoSyntaxErrors(sql)).toEqual([]);
    expect(queriesFor("day", testSchemaOf(REQUIRED)).map((spec) => spec.id)).not.toContainEqual(expect.stringMatching(/^unnest-/));
  });

  it("rejects a schema whose event-time column is not one of its columns", () => {
    const schema: EventSchema = { ...SCHEMA, eventTimeColumn: "received_at" };
    expect(() => queriesFor("day", schema)).toThrow(/eventTimeColumn "received_at" is not a column/);
  });
});

describe("named queries never scan the whole table", () => {
  const variants = DAY_KEYS.flatMap((dayKey) =>
    [false, true].flatMap((projection) =>
      queriesFor(dayKey, SCHEMA, projection).map((spec) => [spec.id, dayKey, projection, spec.sql] as const),
    ),
  );

  it.each(variants)(
    "%s (day key %s, projection %s) filters every read of the table by partition keys",
    (_id, _dayKey, _projection, sql) => {
      const reads = sql.match(/FROM "lake_db"\."events"(?!\$)[^\n]*\n\s*\S+ \S+/g) ?? [];
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) expect(read).toMatch(/\n\s*WHERE \(concat\(/);
    },
  );

  it.each(variants)("%s (day key %s, projection %s) is valid Trino SQL", (_id, _dayKey, _projection, sql) => {
    expect(trinoSyntaxErrors(sql)).toEqual([]);
  });

  // Athena: partitions that partition projection computes are not registered in the catalog, so SHOW PARTITIONS
  // and the `$partitions` metadata table do not list them
  // (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html, "Considerations and limitations").
  it("under partition projection, no query reads $partitions: the latest partitions come from the data", () => {
    const specs = queriesFor("day", SCHEMA, true);
    for (const spec of specs) expect(spec.sql).not.toContain("$partitions");
    const latest = specs.find((spec) => spec.id === "latest-partitions")!;
    expect(latest.name).toBe("Latest partitions with data");
    expect(latest.sql).toContain(`WHERE ${recentHoursPredicate("day", LATEST_PARTITIONS_HOURS)}`);
  });

  const NOW = "2026-11-25 13:30:00+00"; // the window runs from 2026-11-18 13h to 2026-11-25 13h
  const events = (partitions: ReadonlyArray<Record<string, string>>) =>
    partitions.flatMap((p, i) =>
      [1, 2].map((n) => ({
        ...p,
        event_id: `e${i}-${n}`,
        event_type: "view",
        event_time: `${p.year}-${p.month}-${p.day}T${p.hour}:00:00Z`,
      })),
    );

  it("under projection, lists the newest partitions that hold rows, from the last 7 days only (run in DuckDB)", async () => {
    const sql = queriesFor("day", SCHEMA, true).find((spec) => spec.id === "latest-partitions")!.sql;
    const rows = await runInDuckDb(sql, NOW, { events: events(dailyPartitions("day", "2026-11-10", "2026-11-25")) });

    expect(rows.map((r) => `${r.month}-${r.day}`)).toEqual(["11-25", "11-24", "11-23", "11-22", "11-21", "11-20", "11-19"]);
    expect(rows.every((r) => r.row_count === 2n)).toBe(true);
  });

  it("without projection, lists the registered partitions of the last 7 days with their row counts, 0 when empty (run in DuckDB)", async () => {
    const sql = queriesFor("day").find((spec) => spec.id === "latest-partitions")!.sql;
    const registered = dailyPartitions("day", "2026-11-10", "2026-11-25");
    const rows = await runInDuckDb(sql, NOW, {
      events: events(registered.filter((p) => p.day !== "24")),
      events$partitions: registered,
    });

    expect(rows.map((r) => r.day)).toEqual(["25", "24", "23", "22", "21", "20", "19"]);
    expect(rows.map((r) => Number(r.row_count))).toEqual([2, 0, 2, 2, 2, 2, 2]);
  });
});

describe("recentDaysPredicate", () => {
  it.each(DAY_KEYS)("is valid Trino SQL inside a SELECT with day key %s", (dayKey) => {
    expect(trinoSyntaxErrors(`SELECT count(*) FROM "lake_db"."events" WHERE ${recentDaysPredicate(dayKey, 30)}`)).toEqual([]);
  });

  it("compares only partition keys, with strings computed from current_timestamp in UTC", () => {
    const predicate = recentDaysPredicate("date", 7);
    expect(predicate).toContain(
      `concat("year", "month", "date") BETWEEN date_format((current_timestamp AT TIME ZONE 'UTC') - INTERVAL '7' DAY, '%Y%m%d') AND date_format((current_timestamp AT TIME ZONE 'UTC'), '%Y%m%d')`,
    );
    expect(unquotedWords(predicate).filter((word) => !SQL_WORDS.has(word))).toEqual([]);
  });

  // Exactness, hints included: the IN lists on year and month must never drop a day the exact bound keeps.
  it.each([
    ["2026-03-01 00:30:00+00", 1],
    ["2026-03-01 00:30:00+00", 29],
    ["2026-03-31 23:59:00+00", 31],
    ["2026-01-01 00:00:00+00", 7],
    ["2026-03-01 00:30:00+00", 59],
    ["2026-03-01 00:30:00+00", 60],
    ["2024-12-31 12:00:00+00", 90],
    ["2025-02-28 12:00:00+00", 300],
    ["2024-02-29 12:00:00+00", MAX_RECENT_DAYS],
  ])("at %s, %s days select exactly the UTC days from that many days back through today (run in DuckDB)", async (now, days) => {
    const partitions = dailyPartitions("day", "2023-01-01", "2027-01-31");
    const rows = await runInDuckDb(
      `SELECT "year", "month", "day" FROM "lake_db"."events" WHERE ${recentDaysPredicate("day", days)} ORDER BY 1, 2, 3`,
      now,
      {
        events: partitions,
      },
    );
    const today = Date.parse(`${now.slice(0, 10)}T12:00:00Z`);
    const expected = dailyPartitions("day", new Date(today - days * 86_400_000).toISOString().slice(0, 10), now.slice(0, 10));

    expect(rows.map((r) => `${r.year}-${r.month}-${r.day}`)).toEqual(expected.map((p) => `${p.year}-${p.month}-${p.day}`));
  });

  it.each([0, 367, 1.5])("rejects %s days", (days) => {
    expect(() => recentDaysPredicate("day", days)).toThrow(/days must be an integer from 1 to 366/);
  });
});

describe("hourPartitionPredicate", () => {
  it("selects exactly the hours of a window that crosses midnight", () => {
    const hours = selectedHours("day", new Date("2026-11-04T23:00:00Z"), new Date("2026-11-05T02:00:00Z"));
    expect(hours).toEqual(["2026-11-04T23", "2026-11-05T00", "2026-11-05T01", "2026-11-05T02"]);
  });

  it("selects exactly the hours of a window that crosses a year boundary with the date key", () => {
    const hours = selectedHours("date", new Date("2026-12-31T22:00:00Z"), new Date("2027-01-01T01:00:00Z"));
    expect(hours).toEqual(["2026-12-31T22", "2026-12-31T23", "2027-01-01T00", "2027-01-01T01"]);
  });

  it("selects a single hour when both ends fall in the same hour", () => {
    const hours = selectedHours("day", new Date("2026-11-05T09:05:00Z"), new Date("2026-11-05T09:59:59.999Z"));
    expect(hours).toEqual(["2026-11-05T09"]);
  });

  it("selects all 169 hours of a window of exactly seven days", () => {
    const hours = selectedHours("day", new Date("2026-11-01T00:00:00Z"), new Date("2026-11-08T00:00:00Z"));
    expect(hours).toHaveLength(169);
    expect([hours[0], hours[168]]).toEqual(["2026-11-01T00", "2026-11-08T00"]);
  });

  it.each(DAY_KEYS)("is valid Trino SQL inside a SELECT with day key %s", (dayKey) => {
    const predicate = hourPartitionPredicate(dayKey, new Date("2026-11-04T20:00:00Z"), new Date("2026-11-06T03:00:00Z"));
    expect(trinoSyntaxErrors(`SELECT count(*) FROM "lake_db"."events" WHERE ${predicate}`)).toEqual([]);
  });

  it("quotes the date partition key", () => {
    const predicate = hourPartitionPredicate("date", new Date("2026-11-04T23:00:00Z"), new Date("2026-11-05T02:00:00Z"));
    expect(predicate).toContain('"date" = ');
    expect(hasBareWord(predicate, "date")).toBe(false);
  });

  it("rejects a reversed window", () => {
    expect(() => hourPartitionPredicate("day", new Date("2026-11-05T02:00:00Z"), new Date("2026-11-04T23:00:00Z"))).toThrow(
      /window is reversed: fromHourUtc 2026-11-05T02:00:00.000Z is after toHourUtc 2026-11-04T23:00:00.000Z/,
    );
  });

  it("rejects a window longer than seven days", () => {
    expect(() => hourPartitionPredicate("day", new Date("2026-11-01T00:00:00Z"), new Date("2026-11-08T01:00:00Z"))).toThrow(
      /spans 169 hours; at most 168 \(7 days\) are allowed/,
    );
  });

  it("rejects an invalid date", () => {
    expect(() => hourPartitionPredicate("day", new Date("not a date"), new Date("2026-11-08T01:00:00Z"))).toThrow(
      /fromHourUtc is not a valid date/,
    );
  });
});

describe("recentHoursPredicate", () => {
  it.each(DAY_KEYS)("is valid Trino SQL inside a SELECT with day key %s", (dayKey) => {
    expect(trinoSyntaxErrors(`SELECT count(*) FROM "lake_db"."events" WHERE ${recentHoursPredicate(dayKey, 30)}`)).toEqual([]);
  });

  it("bounds the concatenated partition keys by UTC hours computed from current_timestamp", () => {
    const predicate = recentHoursPredicate("date", 24);
    expect(predicate).toContain(
      `concat("year", "month", "date", "hour") BETWEEN date_format((current_timestamp AT TIME ZONE 'UTC') - INTERVAL '24' HOUR, '%Y%m%d%H') AND date_format((current_timestamp AT TIME ZONE 'UTC'), '%Y%m%d%H')`,
    );
  });

  it("constrains each of year, month and day key to the dates the window can touch", () => {
    const predicate = recentHoursPredicate("day", 30);
    expect(predicate).toContain(`"day" IN (date_format((current_timestamp AT TIME ZONE 'UTC'), '%d'), `);
    expect(predicate).toContain(`date_format((current_timestamp AT TIME ZONE 'UTC') - INTERVAL '2' DAY, '%d'))`);
    expect(predicate).not.toContain("INTERVAL '3' DAY");
  });

  it.each([0, 169, 1.5])("rejects %s hours", (hours) => {
    expect(() => recentHoursPredicate("day", hours)).toThrow(/hours must be an integer from 1 to 168/);
  });
});

describe("hourRangePredicate", () => {
  /** One partition per UTC hour from `from` to `to`, inclusive. */
  function hourlyPartitions(dayKey: DayKey, from: string, to: string): Record<string, string>[] {
    const rows: Record<string, string>[] = [];
    for (let t = Date.parse(from); t <= Date.parse(to); t += 3_600_000) {
      const iso = new Date(t).toISOString();
      rows.push({ year: iso.slice(0, 4), month: iso.slice(5, 7), [dayKey]: iso.slice(8, 10), hour: iso.slice(11, 13) });
    }
    return rows;
  }

  it.each(DAY_KEYS)("is valid Trino SQL inside a SELECT with day key %s", (dayKey) => {
    const predicate = hourRangePredicate(dayKey, new Date("2025-12-30T07:10:00Z"), new Date("2026-02-02T01:00:00Z"));
    expect(trinoSyntaxErrors(`SELECT count(*) FROM "lake_db"."events" WHERE ${predicate}`)).toEqual([]);
  });

  it("selects exactly the hours from the first to the last, across a year boundary (run in DuckDB)", async () => {
    const partitions = hourlyPartitions("day", "2025-12-20T00:00:00Z", "2026-01-20T00:00:00Z");
    const predicate = hourRangePredicate("day", new Date("2025-12-30T07:45:00Z"), new Date("2026-01-10T03:00:00Z"));
    const rows = await runInDuckDb(
      `SELECT "year", "month", "day", "hour" FROM "lake_db"."events" WHERE ${predicate} ORDER BY 1, 2, 3, 4`,
      "2026-11-30 00:00:00+00",
      {
        events: partitions,
      },
    );
    const expected = hourlyPartitions("day", "2025-12-30T07:00:00Z", "2026-01-10T03:00:00Z");

    expect(rows.map((r) => `${r.year}${r.month}${r.day}${r.hour}`)).toEqual(expected.map((p) => `${p.year}${p.month}${p.day}${p.hour}`));
  });

  it("constrains the year key to the years of the range, so the partition listing is pruned", () => {
    expect(hourRangePredicate("date", new Date("2024-05-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"))).toContain(
      `"year" IN ('2024', '2025', '2026')`,
    );
  });

  it("rejects a reversed range", () => {
    expect(() => hourRangePredicate("day", new Date("2026-02-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"))).toThrow(/reversed/);
  });
});

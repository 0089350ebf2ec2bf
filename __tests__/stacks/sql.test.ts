import { DayKey, EventSchema } from "../../handlers/shared/event-schema";
import { qualifiedTable, quoteIdentifier, sqlString } from "../../handlers/shared/sql/identifiers";
import { LAST_DAY_HOURS, namedQueries, NamedQuerySpec } from "../../stacks/sql/named-queries";
import { hourPartitionPredicate, recentHoursPredicate } from "../../handlers/shared/sql/partition-filter";
import { trinoSyntaxErrors } from "../support/trino-syntax";

const SCHEMA: EventSchema = {
  eventTimeColumn: "event_time",
  columns: [
    { name: "event_id", type: "string", required: true },
    { name: "event_type", type: "string", required: true },
    { name: "event_time", type: "timestamp", required: true },
    { name: "user_id", type: "string", required: false },
    { name: "duration_ms", type: "bigint", required: false },
    { name: "revenue", type: "decimal(10,2)", required: false },
  ],
};
const REQUIRED = ["event_id", "event_type", "event_time"];
const OPTIONAL = ["user_id", "duration_ms", "revenue"];
const DAY_KEYS: readonly DayKey[] = ["day", "date"];

/** Words the generated SQL may leave unquoted: upper-case keywords and lower-case function names. */
const SQL_WORDS = new Set([
  "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "DESC", "LIMIT", "WITH", "AS", "RIGHT", "JOIN", "ON",
  "AND", "OR", "IN", "IS", "NULL", "BETWEEN", "AT", "TIME", "ZONE", "INTERVAL", "HOUR", "DAY",
  "count", "count_if", "min", "max", "concat", "date_format", "current_timestamp",
]);

function queriesFor(dayKey: DayKey, schema: EventSchema = SCHEMA): NamedQuerySpec[] {
  return namedQueries({ database: "lake_db", table: "events", schema, dayKey });
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

  it.each(queriesFor("date").map((spec) => [spec.id, spec.sql] as const))(
    "never writes the date partition key bare in %s",
    (_id, sql) => {
      expect(sql).toContain('"date"');
      expect(hasBareWord(sql, "date")).toBe(false);
    },
  );

  it("quotes every schema column and partition key it references", () => {
    const names = [...SCHEMA.columns.map((column) => column.name), "year", "month", "day", "hour"];
    const bare = queriesFor("day").flatMap((spec) => names.filter((name) => hasBareWord(spec.sql, name, true)).map((name) => `${spec.id}: ${name}`));
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

  it("rejects a schema whose event-time column is not one of its columns", () => {
    const schema: EventSchema = { ...SCHEMA, eventTimeColumn: "received_at" };
    expect(() => queriesFor("day", schema)).toThrow(/eventTimeColumn "received_at" is not a column/);
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

/**
 * The record validator on its own: one column per test, the coercion each Glue type allows and the
 * reason (column, expected type, value, detail) for what it refuses. The validator is compiled in each
 * test, so these run in milliseconds without a Firehose event around them.
 */
import type { EventSchema, GlueType } from "../../contract/event-schema";
import type { JsonObject } from "../../contract/json";
import {
  compileRecordValidator,
  MAX_REPORTED_UNKNOWN_KEYS,
  type RecordValidator,
  type ValidRecord,
} from "../../handlers/shared/record-validation";

const TIME = { name: "event_time", type: "timestamp", required: true } as const;

/** A validator over `event_time` plus the given columns. */
function validatorWith(...columns: Array<{ name: string; type: GlueType; required?: boolean }>): RecordValidator {
  const schema: EventSchema = {
    eventTimeColumn: "event_time",
    columns: [TIME, ...columns.map((c) => ({ required: false, ...c }))],
  };
  return compileRecordValidator(schema);
}

const NOW = "2026-11-25T10:00:00Z";

/** Validates `{ event_time, <name>: value }` against one column of `type`. */
function check(type: GlueType, value: unknown): ValidRecord | string {
  return validatorWith({ name: "v", type }).validate({ event_time: NOW, v: value } as JsonObject, { unknownFields: 0 }, new Set());
}

/** The coerced value, or a failure naming the reason. */
function coerced(type: GlueType, value: unknown): unknown {
  const result = check(type, value);
  if (typeof result === "string") throw new Error(`rejected: ${result}`);
  return result.record.v;
}

/** The reason `value` is refused. */
function reason(type: GlueType, value: unknown): string {
  const result = check(type, value);
  if (typeof result !== "string") throw new Error(`accepted as ${JSON.stringify(result.record.v)}`);
  return result;
}

describe("integer columns: whole numbers within the type's range", () => {
  it.each([
    ["tinyint", -128, 127],
    ["smallint", -32768, 32767],
    ["int", -2147483648, 2147483647],
  ] as const)("%s accepts %d..%d and refuses one past either end, naming the range", (type, min, max) => {
    expect(coerced(type, min)).toBe(min);
    expect(coerced(type, max)).toBe(max);
    expect(reason(type, min - 1)).toBe(`column v: expected ${type}, got ${min - 1} (out of range ${min}..${max})`);
    expect(reason(type, max + 1)).toBe(`column v: expected ${type}, got ${max + 1} (out of range ${min}..${max})`);
  });

  it("bigint accepts the safe integers and refuses beyond them, saying JSON numbers are doubles", () => {
    expect(coerced("bigint", Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(coerced("bigint", Number.MIN_SAFE_INTEGER)).toBe(Number.MIN_SAFE_INTEGER);
    expect(reason("bigint", 2 ** 53)).toContain("bigint is limited to JavaScript safe integers");
    expect(reason("bigint", -(2 ** 53))).toContain("because JSON numbers are parsed as doubles");
  });

  it("coerces integer text, signs included, and refuses decimal or other text", () => {
    expect(coerced("int", "42")).toBe(42);
    expect(coerced("int", "+7")).toBe(7);
    expect(coerced("int", "-7")).toBe(-7);
    expect(reason("int", "4.2")).toBe('column v: expected int, got "4.2"');
    expect(reason("int", "42abc")).toBe('column v: expected int, got "42abc"');
    expect(reason("int", "x42")).toBe('column v: expected int, got "x42"');
  });

  it("refuses a fractional number as not an integer, and a boolean as a type mismatch", () => {
    expect(reason("int", 1.5)).toBe("column v: expected int, got 1.5 (not an integer)");
    expect(reason("smallint", true)).toBe("column v: expected smallint, got true");
  });
});

describe("float and double columns", () => {
  it("float accepts up to float's largest value and refuses beyond it; double goes further", () => {
    expect(coerced("float", 3.4e38)).toBe(3.4e38);
    expect(coerced("float", -3.4e38)).toBe(-3.4e38);
    expect(reason("float", 3.5e38)).toBe("column v: expected float, got 3.5e+38 (not a finite number in range)");
    expect(reason("float", -3.5e38)).toContain("not a finite number in range");
    expect(coerced("double", 3.5e38)).toBe(3.5e38);
    expect(coerced("double", Number.MAX_VALUE)).toBe(Number.MAX_VALUE);
  });

  it("coerces number text in every JSON-like form and refuses other text", () => {
    expect(coerced("double", "1.5")).toBe(1.5);
    expect(coerced("double", "-2")).toBe(-2);
    expect(coerced("double", ".5")).toBe(0.5);
    expect(coerced("double", "5.")).toBe(5);
    expect(coerced("double", "1e3")).toBe(1000);
    expect(coerced("double", "+1.5E-2")).toBe(0.015);
    expect(reason("double", "1.5x")).toBe('column v: expected double, got "1.5x"');
    expect(reason("double", "x1.5")).toBe('column v: expected double, got "x1.5"');
    expect(reason("double", "1e")).toBe('column v: expected double, got "1e"');
    expect(reason("double", false)).toBe("column v: expected double, got false");
  });

  it("refuses number text that overflows to infinity", () => {
    expect(reason("double", "1e400")).toBe('column v: expected double, got "1e400" (not a finite number in range)');
  });
});

describe("decimal columns: digits within precision and scale", () => {
  it("accepts numbers and number text that fit decimal(10,2), keeping numbers as they are", () => {
    expect(coerced("decimal(10,2)", 12345678.99)).toBe(12345678.99);
    expect(coerced("decimal(10,2)", -0.5)).toBe(-0.5);
    expect(coerced("decimal(10,2)", "12.50")).toBe(12.5);
    expect(coerced("decimal(10,2)", "0012.5000")).toBe(12.5);
    expect(coerced("decimal(10,2)", "1.25e2")).toBe(125);
    expect(coerced("decimal(10,2)", "0")).toBe(0);
    expect(coerced("decimal(10,2)", "0.00")).toBe(0);
  });

  it("refuses more integer digits than precision minus scale, from numbers and from text", () => {
    expect(reason("decimal(10,2)", 123456789)).toBe("column v: expected decimal(10,2), got 123456789 (more than 8 integer digits)");
    expect(reason("decimal(10,2)", "123456789")).toContain("(more than 8 integer digits)");
    expect(reason("decimal(10,2)", "1.2e8")).toContain("(more than 8 integer digits)");
  });

  it("refuses more fraction digits than the scale, counting an exponent", () => {
    expect(reason("decimal(10,2)", 1.005)).toBe("column v: expected decimal(10,2), got 1.005 (more than 2 fraction digits)");
    expect(reason("decimal(10,2)", "1.234")).toContain("(more than 2 fraction digits)");
    expect(reason("decimal(10,2)", "125e-3")).toContain("(more than 2 fraction digits)");
    expect(coerced("decimal(10,2)", "1.2300")).toBe(1.23);
  });

  it("beyond 15 digits of precision, refuses values a double cannot carry exactly", () => {
    expect(coerced("decimal(20,2)", 123.45)).toBe(123.45);
    expect(coerced("decimal(20,2)", "123456789012345")).toBe(123456789012345);
    expect(reason("decimal(20,2)", "1234567890123456")).toBe(
      'column v: expected decimal(20,2), got "1234567890123456" (more than 15 significant digits cannot be carried exactly as a JSON number)',
    );
    expect(reason("decimal(20,2)", "123456789012345.6")).toContain("more than 15 significant digits");
  });

  it("refuses text that is not a number, and infinite text", () => {
    expect(reason("decimal(10,2)", "12,5")).toBe('column v: expected decimal(10,2), got "12,5"');
    expect(reason("decimal(10,2)", true)).toBe("column v: expected decimal(10,2), got true");
    expect(reason("decimal(38,2)", "1e400")).toContain("(not a finite number)");
  });
});

describe("string and boolean columns", () => {
  it("string turns numbers and booleans into their text, and refuses objects and arrays", () => {
    expect(coerced("string", "a")).toBe("a");
    expect(coerced("string", 12.5)).toBe("12.5");
    expect(coerced("string", false)).toBe("false");
    expect(reason("string", { a: 1 })).toBe('column v: expected string, got {"a":1}');
    expect(reason("string", [1])).toBe("column v: expected string, got [1]");
  });

  it('boolean accepts true/false and the text "true"/"false" only', () => {
    expect(coerced("boolean", true)).toBe(true);
    expect(coerced("boolean", false)).toBe(false);
    expect(coerced("boolean", "true")).toBe(true);
    expect(coerced("boolean", "false")).toBe(false);
    expect(reason("boolean", "TRUE")).toBe('column v: expected boolean, got "TRUE"');
    expect(reason("boolean", 1)).toBe("column v: expected boolean, got 1");
  });
});

describe("date columns: YYYY-MM-DD of a real calendar day", () => {
  it("accepts the last day of each month length, leap days included", () => {
    for (const day of ["2026-01-31", "2026-04-30", "2026-06-30", "2026-09-30", "2026-11-30", "2026-12-31", "2024-02-29", "2000-02-29"]) {
      expect(coerced("date", day)).toBe(day);
    }
    expect(coerced("date", "2026-02-28")).toBe("2026-02-28");
    expect(coerced("date", "2026-01-01")).toBe("2026-01-01");
  });

  it("refuses days past the month's end, Feb 29 outside leap years, month 0 or 13 and day 0", () => {
    for (const day of [
      "2026-04-31",
      "2026-06-31",
      "2026-09-31",
      "2026-11-31",
      "2026-02-29",
      "1900-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-01-00",
    ]) {
      expect(reason("date", day)).toBe(`column v: expected date, got "${day}" (not a calendar date)`);
    }
    expect(reason("date", "2026-01-32")).toContain("(not a calendar date)");
  });

  it("refuses other shapes and non-strings", () => {
    expect(reason("date", "2026-1-05")).toBe('column v: expected date, got "2026-1-05" (not YYYY-MM-DD)');
    expect(reason("date", "2026-01-05T00:00:00Z")).toContain("(not YYYY-MM-DD)");
    expect(reason("date", 20260105)).toBe("column v: expected date, got 20260105");
  });
});

describe("timestamp columns", () => {
  it("passes ISO UTC text through unchanged, fractions included", () => {
    const validator = validatorWith();
    const parsed = { event_time: "2026-11-25T10:00:00.123456Z" };
    const result = validator.validate(parsed, { unknownFields: 0 }, new Set()) as ValidRecord;
    expect(result.record.event_time).toBe("2026-11-25T10:00:00.123456Z");
    expect(result.changed).toBe(false);
    expect(coerced("timestamp", "2024-02-29T23:59:59Z")).toBe("2024-02-29T23:59:59Z");
  });

  it("refuses ISO UTC text that is no real date or clock time", () => {
    for (const text of ["2026-02-30T10:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T10:60:00Z", "2026-11-25T10:00:60Z"]) {
      expect(reason("timestamp", text)).toBe(`column v: expected timestamp, got "${text}" (not a real date and time)`);
    }
  });

  it("reads epoch numbers as seconds below 1e11 and milliseconds from there", () => {
    expect(coerced("timestamp", 1_700_000_000)).toBe("2023-11-14T22:13:20.000Z");
    expect(coerced("timestamp", 1_700_000_000_123)).toBe("2023-11-14T22:13:20.123Z");
    expect(coerced("timestamp", 99_999_999_999)).toBe("5138-11-16T09:46:39.000Z");
    expect(coerced("timestamp", 100_000_000_000)).toBe("1973-03-03T09:46:40.000Z");
    expect(coerced("timestamp", -86_400)).toBe("1969-12-31T00:00:00.000Z");
    expect(coerced("timestamp", "1700000000")).toBe("2023-11-14T22:13:20.000Z");
    expect(coerced("timestamp", "1700000000.5")).toBe("2023-11-14T22:13:20.500Z");
    expect(coerced("timestamp", "-86400")).toBe("1969-12-31T00:00:00.000Z");
  });

  it("refuses epochs that are not finite or fall outside years 0000..9999", () => {
    expect(reason("timestamp", Number.POSITIVE_INFINITY)).toContain("(not a finite epoch)");
    expect(reason("timestamp", 3e14)).toBe("column v: expected timestamp, got 300000000000000 (outside years 0000..9999)");
    expect(reason("timestamp", -1e14)).toContain("(outside years 0000..9999)");
    expect(reason("timestamp", 1e16)).toBe("column v: expected timestamp, got 10000000000000000 (out of range)");
  });

  it("reads other ISO-like text with its offset, converting to UTC with millisecond precision", () => {
    expect(coerced("timestamp", "2026-11-25 10:00:00")).toBe("2026-11-25T10:00:00.000Z");
    expect(coerced("timestamp", "2026-11-25")).toBe("2026-11-25T00:00:00.000Z");
    expect(coerced("timestamp", "2026-11-25T10:00")).toBe("2026-11-25T10:00:00.000Z");
    expect(coerced("timestamp", "2026-11-25T10:00:00.5")).toBe("2026-11-25T10:00:00.500Z");
    expect(coerced("timestamp", "2026-11-25T10:00:00,123456")).toBe("2026-11-25T10:00:00.123Z");
    expect(coerced("timestamp", "2026-11-25T10:00:00z")).toBe("2026-11-25T10:00:00.000Z");
    expect(coerced("timestamp", "2026-11-25T10:00:00+02:00")).toBe("2026-11-25T08:00:00.000Z");
    expect(coerced("timestamp", "2026-11-25T10:00:00-0130")).toBe("2026-11-25T11:30:00.000Z");
    expect(coerced("timestamp", "2026-11-25T10:00:00 +05")).toBe("2026-11-25T05:00:00.000Z");
    expect(coerced("timestamp", "2026-11-25T01:00:00+18:00")).toBe("2026-11-24T07:00:00.000Z");
  });

  it("keeps years below 100 as written (no two-digit-year mapping)", () => {
    expect(coerced("timestamp", "0050-01-01 00:00:00")).toBe("0050-01-01T00:00:00.000Z");
  });

  it("refuses offsets beyond ±18:00 or with more than 59 minutes, impossible times and other text", () => {
    expect(reason("timestamp", "2026-11-25T10:00:00+19:00")).toBe(
      'column v: expected timestamp, got "2026-11-25T10:00:00+19:00" (invalid UTC offset)',
    );
    expect(reason("timestamp", "2026-11-25T10:00:00+01:60")).toContain("(invalid UTC offset)");
    expect(reason("timestamp", "2026-11-25 24:00:00")).toContain("(not a real date and time)");
    expect(reason("timestamp", "2026-11-25 23:60")).toContain("(not a real date and time)");
    expect(reason("timestamp", "2026-11-25 23:00:60")).toContain("(not a real date and time)");
    expect(reason("timestamp", "2026-02-30 10:00")).toContain("(not a real date and time)");
    expect(reason("timestamp", "yesterday")).toBe('column v: expected timestamp, got "yesterday" (unparseable timestamp)');
    expect(reason("timestamp", true)).toBe("column v: expected timestamp, got true");
  });
});

describe("keys, required columns and the result", () => {
  const emptyTally = () => ({ unknownFields: 0 });

  it("returns the input object itself, unchanged, when nothing is renamed or coerced", () => {
    const parsed = { event_time: NOW, v: "a" };
    const result = validatorWith({ name: "v", type: "string" }).validate(parsed, emptyTally(), new Set()) as ValidRecord;
    expect(result.record).toBe(parsed);
    expect(result.changed).toBe(false);
  });

  it("writes a coerced value into the record and marks it changed", () => {
    const parsed = { event_time: NOW, v: "5" };
    const result = validatorWith({ name: "v", type: "int" }).validate(parsed, emptyTally(), new Set()) as ValidRecord;
    expect(result).toEqual({ record: { event_time: NOW, v: 5 }, changed: true });
  });

  it("lower-cases keys into a new object and marks it changed, even when no value is coerced", () => {
    const parsed = { Event_Time: NOW, V: "a" };
    const result = validatorWith({ name: "v", type: "string" }).validate(parsed, emptyTally(), new Set()) as ValidRecord;
    expect(result).toEqual({ record: { event_time: NOW, v: "a" }, changed: true });
    expect(result.record).not.toBe(parsed);
  });

  it("names both keys that collide after lower-casing", () => {
    const result = validatorWith().validate({ event_time: NOW, Ab: 1, AB: 2 }, emptyTally(), new Set());
    expect(result).toBe('keys "Ab" and "AB" collide after lower-casing');
  });

  it("names the missing or null required column and its type; an absent or null optional column passes", () => {
    const validator = validatorWith({ name: "n", type: "int", required: true }, { name: "o", type: "int" });
    expect(validator.validate({ event_time: NOW }, emptyTally(), new Set())).toBe("missing required column n: expected int, got nothing");
    expect(validator.validate({ event_time: NOW, n: null }, emptyTally(), new Set())).toBe(
      "missing required column n: expected int, got null",
    );
    expect(validator.validate({ event_time: NOW, n: 1, o: null }, emptyTally(), new Set())).toEqual({
      record: { event_time: NOW, n: 1, o: null },
      changed: false,
    });
  });

  it("reports the first failing column in schema order", () => {
    const validator = validatorWith({ name: "a", type: "int" }, { name: "b", type: "int" });
    expect(validator.validate({ event_time: NOW, b: "x", a: "y" }, emptyTally(), new Set())).toBe('column a: expected int, got "y"');
  });

  it("counts every key outside the schema and reports their lower-cased names, up to the cap", () => {
    const validator = validatorWith({ name: "v", type: "string" });
    const tally = emptyTally();
    const names = new Set<string>();
    const extra = Object.fromEntries(Array.from({ length: MAX_REPORTED_UNKNOWN_KEYS + 5 }, (_, i) => [`X${i}`, i]));
    const result = validator.validate({ event_time: NOW, Extra: 1, ...extra }, tally, names) as ValidRecord;
    expect(tally.unknownFields).toBe(MAX_REPORTED_UNKNOWN_KEYS + 6);
    expect(names.size).toBe(MAX_REPORTED_UNKNOWN_KEYS);
    expect([...names].slice(0, 2)).toEqual(["extra", "x0"]);
    expect(result.record.extra).toBe(1);
  });

  it("counts no unknown key for schema columns written in another case", () => {
    const tally = emptyTally();
    const names = new Set<string>();
    validatorWith({ name: "v", type: "string" }).validate({ EVENT_TIME: NOW, V: "a", w: 1 }, tally, names);
    expect(tally.unknownFields).toBe(1);
    expect([...names]).toEqual(["w"]);
  });

  it("treats a column named like an Object.prototype member as missing unless the record has it", () => {
    const validator = validatorWith({ name: "constructor", type: "string", required: true });
    expect(validator.validate({ event_time: NOW }, emptyTally(), new Set())).toBe(
      "missing required column constructor: expected string, got nothing",
    );
    expect(validator.validate({ event_time: NOW, constructor: "c" }, emptyTally(), new Set())).toMatchObject({
      record: { constructor: "c" },
    });
  });

  it("keeps a __proto__ key as an own data property when it rebuilds the object", () => {
    const parsed = JSON.parse(`{"Event_Time":"${NOW}","__proto__":{"polluted":true}}`) as JsonObject;
    const result = validatorWith().validate(parsed, emptyTally(), new Set()) as ValidRecord;
    expect(Object.hasOwn(result.record, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(result.record)).toBe(Object.prototype);
    expect((result.record as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("coerceOrKeep and compileRecordValidator", () => {
  it("coerces to the named column's type, matching the name case-insensitively", () => {
    const validator = validatorWith({ name: "v", type: "int" });
    expect(validator.coerceOrKeep("V", "42")).toBe(42);
    expect(validator.coerceOrKeep("v", "x")).toBe("x");
    expect(validator.coerceOrKeep("nope", "42")).toBe("42");
  });

  it("refuses an invalid schema, listing every problem separated by semicolons", () => {
    const schema = { eventTimeColumn: "missing", columns: [{ name: "v", type: "string", required: true }] } as EventSchema;
    expect(() => compileRecordValidator(schema)).toThrow(/^invalid event schema: .*missing/);
    const twice = { ...schema, columns: [...schema.columns, { name: "v", type: "int", required: false }] } as EventSchema;
    expect(() => compileRecordValidator(twice)).toThrow(/^invalid event schema: [^;]+; [^;]+/);
  });
});

describe("edges the coercers must hold", () => {
  it("refuses arrays whose text would read as a number", () => {
    expect(reason("int", [5])).toBe("column v: expected int, got [5]");
    expect(reason("double", [1.5])).toBe("column v: expected double, got [1.5]");
    expect(reason("decimal(10,2)", [1.5])).toBe("column v: expected decimal(10,2), got [1.5]");
  });

  it("counts significant digits of a large-precision decimal given as a number", () => {
    expect(reason("decimal(20,2)", 1234567890123456)).toContain("more than 15 significant digits");
  });

  it("ignores leading zeros when counting a decimal's digits", () => {
    expect(coerced("decimal(10,2)", "000000001.5")).toBe(1.5);
    expect(coerced("decimal(20,2)", "0000000000000001.5")).toBe(1.5);
  });

  it("accepts exactly precision minus scale integer digits from text, and a two-digit exponent", () => {
    expect(coerced("decimal(10,2)", "12345678.99")).toBe(12345678.99);
    expect(coerced("decimal(20,2)", "1e10")).toBe(1e10);
  });

  it("reads several digits after the point in number and epoch text", () => {
    expect(coerced("double", ".25")).toBe(0.25);
    expect(coerced("timestamp", "1700000000.25")).toBe("2023-11-14T22:13:20.250Z");
  });

  it("accepts a UTC offset of 59 minutes", () => {
    expect(coerced("timestamp", "2026-11-25T10:00:00+01:59")).toBe("2026-11-25T08:01:00.000Z");
  });

  it("anchors dates and timestamps at both ends", () => {
    expect(reason("date", "12026-01-05")).toContain("(not YYYY-MM-DD)");
    expect(reason("date", "2026-01-050")).toContain("(not YYYY-MM-DD)");
    for (const text of ["x2026-11-25T10:00:00Z", "2026-11-25T10:00:00Zjunk", "x2026-11-25 10:00", "2026-11-25 10:00junk"]) {
      expect(reason("timestamp", text)).toBe(`column v: expected timestamp, got "${text}" (unparseable timestamp)`);
    }
  });

  it("keeps the input object when only keys outside the schema are present", () => {
    const parsed = { event_time: NOW, extra: 1 };
    const result = validatorWith().validate(parsed, { unknownFields: 0 }, new Set()) as ValidRecord;
    expect(result.record).toBe(parsed);
    expect(result.changed).toBe(false);
  });
});

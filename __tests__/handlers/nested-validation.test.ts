import type { EventSchema } from "../../contract/event-schema";
import type { JsonObject } from "../../contract/json";
import { parseGlueType } from "../../contract/glue-type";
import { compileRecordValidator } from "../../handlers/shared/record-validation";
import { Invalid, nestedCoercer, type Coercer } from "../../handlers/shared/nested-coercion";
import { BATCH_ID_COLUMN } from "../../contract/batch";
import { extractBatch } from "../../handlers/extract/extract-batch";
import { transformRecords } from "../../handlers/transform/logic";
import { decodeJson, firehoseEvent } from "../support/firehose-events";
import { MemoryStore } from "../support/memory-store";
import { NESTED_TEST_COLUMNS, TEST_SCHEMA, testBatchSettings, testSettings } from "../support/schema";

const SCHEMA: EventSchema = {
  ...TEST_SCHEMA,
  columns: [
    ...TEST_SCHEMA.columns,
    ...NESTED_TEST_COLUMNS,
    { name: "device", type: "struct<os:string,screen:struct<width:smallint,height:smallint>,seen:timestamp>", required: false },
    { name: "scores", type: "map<string,array<decimal(5,2)>>", required: false },
  ],
};
const validator = compileRecordValidator(SCHEMA);
const BASE = { event_id: "e-1", event_type: "purchase", event_time: "2026-01-02T03:04:05Z" };

function validate(extra: JsonObject): ReturnType<typeof validator.validate> {
  return validator.validate({ ...BASE, ...extra }, { unknownFields: 0 }, new Set());
}

describe("nested values: a reason naming the path", () => {
  it.each<[string, JsonObject, string]>([
    [
      "a struct field of an array element",
      {
        items: [
          { sku: "a", price: 1 },
          { sku: "b", price: 2 },
          { sku: "c", price: "n/a" },
        ],
      },
      'column items[2].price: expected double, got "n/a"',
    ],
    [
      "an int field out of range",
      { items: [{ quantity: 3_000_000_000 }] },
      "column items[0].quantity: expected int, got 3000000000 (out of range -2147483648..2147483647)",
    ],
    [
      "an element that is not an object",
      { items: ["sku-1"] },
      'column items[0]: expected struct<sku:string,price:double,quantity:int>, got "sku-1" (not a JSON object)',
    ],
    [
      "the column not an array",
      { items: { sku: "a" } },
      'column items: expected array<struct<sku:string,price:double,quantity:int>>, got {"sku":"a"} (not a JSON array)',
    ],
    ["a map value", { properties: { campaign: "x", nested: { a: 1 } } }, 'column properties["nested"]: expected string, got {"a":1}'],
    ["the map not an object", { properties: ["a"] }, 'column properties: expected map<string,string>, got ["a"] (not a JSON object)'],
    [
      "a struct in a struct",
      { device: { os: "ios", screen: { width: 40_000 } } },
      "column device.screen.width: expected smallint, got 40000 (out of range -32768..32767)",
    ],
    [
      "a timestamp in a struct",
      { device: { seen: "yesterday" } },
      'column device.seen: expected timestamp, got "yesterday" (unparseable timestamp)',
    ],
    [
      "an array in a map",
      { scores: { math: [1.5, 2.125] } },
      'column scores["math"][1]: expected decimal(5,2), got 2.125 (more than 2 fraction digits)',
    ],
  ])("%s", (_what, extra, reason) => {
    expect(validate(extra)).toBe(reason);
  });
});

describe("nested values: coercion", () => {
  it("passes a value that already fits unchanged (same object, record not marked changed)", () => {
    const items = [{ sku: "a", price: 1.5, quantity: 2 }, null];
    const result = validate({ items, properties: { a: "b" } });
    expect(result).toEqual({ record: expect.objectContaining({ items }), changed: false });
    expect(typeof result !== "string" && result.record.items).toBe(items);
  });

  it("coerces scalars inside, copying only what changed, and marks the record changed", () => {
    const items = [{ sku: 7, price: "2.50", quantity: "3" }];
    const result = validate({ items, device: { seen: 1_767_225_600 }, properties: { n: 1 } });
    expect(result).toEqual({
      record: expect.objectContaining({
        items: [{ sku: "7", price: 2.5, quantity: 3 }],
        device: { seen: "2026-01-01T00:00:00.000Z" },
        properties: { n: "1" },
      }),
      changed: true,
    });
    expect(items[0]).toEqual({ sku: 7, price: "2.50", quantity: "3" });
  });

  it("lower-cases struct keys that match a field case-insensitively; map keys are kept as sent", () => {
    const result = validate({ device: { OS: "ios" }, properties: { Campaign: "x" } });
    expect(result).toEqual({
      record: expect.objectContaining({ device: { os: "ios" }, properties: { Campaign: "x" } }),
      changed: true,
    });
  });

  it("reads a nested value sent as JSON text (a CSV cell) as the value it encodes", () => {
    const result = validate({ items: '[{"sku":"a","price":1}]', properties: '{"a":"b"}' });
    expect(result).toEqual({
      record: expect.objectContaining({ items: [{ sku: "a", price: 1 }], properties: { a: "b" } }),
      changed: true,
    });
    expect(validate({ items: "[not json" })).toBe(
      'column items: expected array<struct<sku:string,price:double,quantity:int>>, got "[not json" (not a JSON array)',
    );
  });

  it("requires a required nested column like any other", () => {
    const required = compileRecordValidator({
      ...SCHEMA,
      columns: [...TEST_SCHEMA.columns, { ...NESTED_TEST_COLUMNS[0], required: true }],
    });
    expect(required.validate({ ...BASE }, { unknownFields: 0 }, new Set())).toBe(
      "missing required column items: expected array<struct<sku:string,price:double,quantity:int>>, got nothing",
    );
    expect(required.validate({ ...BASE, items: [] }, { unknownFields: 0 }, new Set())).toEqual(expect.objectContaining({ changed: false }));
  });
});

describe("nested values through the transform and the batch extract", () => {
  const settings = testSettings({ schema: SCHEMA });

  it("the transform returns a record with a bad nested value ProcessingFailed, with its path, and re-serialises a coerced one", () => {
    const event = firehoseEvent([
      { ...BASE, items: [{ sku: "a", price: "1.5" }] },
      { ...BASE, items: [{ sku: "a" }, { sku: "b", price: "n/a" }] },
      { ...BASE, properties: { a: "b" } },
    ]);
    const outcome = transformRecords(event, settings);
    expect(outcome.records.map((record) => record.result)).toEqual(["Ok", "ProcessingFailed", "Ok"]);
    expect(decodeJson(outcome.records[0])).toEqual(expect.objectContaining({ items: [{ sku: "a", price: 1.5 }] }));
    expect(outcome.failures).toEqual([
      { recordId: event.records[1].recordId, reason: 'column items[1].price: expected double, got "n/a"' },
    ]);
    // A record that already fits is passed on byte for byte, with the newline appended.
    expect(Buffer.from(outcome.records[2].data!, "base64").toString("utf8")).toBe(
      `${JSON.stringify({ ...BASE, properties: { a: "b" } })}\n`,
    );
  });

  it("the extract rejects a batch line with a bad nested value, naming the path, and reads nested values from CSV cells", async () => {
    const lines = [
      JSON.stringify({ ...BASE, items: [{ sku: "a", quantity: 2 }] }),
      JSON.stringify({ ...BASE, event_id: "e-2", items: [{ sku: "b", quantity: 2.5 }] }),
    ].join("\n");
    const csv = ["event_id,event_type,event_time,items", 'e-3,click,2026-11-25T01:00:00Z,"[{""sku"":""c"",""price"":""2""}]"'].join("\n");
    const store = new MemoryStore().seed("landing/nested.ndjson", lines).seed("landing/nested.csv", csv);
    const input = { scheduledTime: "2026-11-25T02:00:00Z", executionId: "arn:aws:states:eu-west-1:123456789012:execution:batch:run-1" };
    const batch = testBatchSettings({
      schema: { ...SCHEMA, columns: [...SCHEMA.columns, { name: BATCH_ID_COLUMN, type: "string", required: false }] },
    });
    await extractBatch(input, batch, { store, now: () => new Date("2026-11-25T02:03:00Z"), log: { info: jest.fn(), warn: jest.fn() } });
    const rejected = store.ndjson<{ reason: string }>("rejected/20261125T0200Z/");
    expect(rejected.map((entry) => entry.reason)).toEqual(["column items[0].quantity: expected int, got 2.5 (not an integer)"]);
    const staged = store.ndjson<Record<string, unknown>>("staging/20261125T0200Z/chunk-");
    expect(staged).toContainEqual(expect.objectContaining({ event_id: "e-3", items: [{ sku: "c", price: 2 }] }));
    expect(staged).toContainEqual(expect.objectContaining({ event_id: "e-1", items: [{ sku: "a", quantity: 2 }] }));
  });
});

/** Validates a record whose column `c` has `type`: the coerced value of `c` and whether the record changed, or the reason. */
function columnOf(type: string): (value: unknown) => { value: unknown; changed: boolean } | string {
  const compiled = compileRecordValidator({
    ...TEST_SCHEMA,
    columns: [...TEST_SCHEMA.columns, { name: "c", type: type as EventSchema["columns"][number]["type"], required: false }],
  });
  return (value) => {
    const result = compiled.validate({ ...BASE, c: value as JsonObject[string] }, { unknownFields: 0 }, new Set());
    return typeof result === "string" ? result : { value: result.record.c, changed: result.changed };
  };
}

describe("nested values: each scalar type inside, its bounds and its reason at the path", () => {
  it.each<[string, unknown, unknown]>([
    ["array<string>", [1, true, "x"], ["1", "true", "x"]],
    ["array<boolean>", ["true", false, "false"], [true, false, false]],
    ["array<tinyint>", [-128, "127"], [-128, 127]],
    ["array<smallint>", ["-32768", 32767], [-32768, 32767]],
    ["array<int>", [-2147483648, "2147483647"], [-2147483648, 2147483647]],
    ["array<bigint>", [Number.MAX_SAFE_INTEGER, String(Number.MIN_SAFE_INTEGER)], [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]],
    ["array<float>", ["1.5", 3.4e38], [1.5, 3.4e38]],
    ["array<double>", ["1e3", -2.5], [1000, -2.5]],
    ["array<timestamp>", [1_767_225_600, "2026-01-01 00:00:00Z"], ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]],
    ["array<decimal(5,2)>", ["123.45", 1.5], [123.45, 1.5]],
    ["map<string,tinyint>", { a: "1" }, { a: 1 }],
    [
      "struct<d:date,t:timestamp,b:boolean>",
      { d: "2026-01-31", t: 0, b: "true" },
      { d: "2026-01-31", t: "1970-01-01T00:00:00.000Z", b: true },
    ],
  ])("%s takes %j as %j", (type, value, coerced) => {
    expect(columnOf(type)(value)).toEqual({ value: coerced, changed: true });
  });

  it.each<[string, unknown, string]>([
    ["array<string>", ["a", {}], "column c[1]: expected string, got {}"],
    ["array<boolean>", [true, "yes"], 'column c[1]: expected boolean, got "yes"'],
    ["array<tinyint>", [1, 2, 128], "column c[2]: expected tinyint, got 128 (out of range -128..127)"],
    ["array<smallint>", [-32769], "column c[0]: expected smallint, got -32769 (out of range -32768..32767)"],
    ["array<int>", ["1.5"], 'column c[0]: expected int, got "1.5"'],
    [
      "array<bigint>",
      [Number.MAX_SAFE_INTEGER + 1],
      "column c[0]: expected bigint, got 9007199254740992 (bigint is limited to JavaScript safe integers, -9007199254740991..9007199254740991, because JSON numbers are parsed as doubles)",
    ],
    ["array<float>", [3.5e38], "column c[0]: expected float, got 3.5e+38 (not a finite number in range)"],
    ["array<date>", ["2026-02-30"], 'column c[0]: expected date, got "2026-02-30" (not a calendar date)'],
    ["array<decimal(5,2)>", [1234.5], "column c[0]: expected decimal(5,2), got 1234.5 (more than 3 integer digits)"],
    ["map<string,boolean>", { ok: true, 'a"b': 1 }, 'column c["a\\"b"]: expected boolean, got 1'],
    ["array<map<string,array<int>>>", [{}, { k: [1, "x"] }], 'column c[1]["k"][1]: expected int, got "x"'],
    [
      "struct<a:struct<b:array<date>>>",
      { a: { b: ["2026-13-01"] } },
      'column c.a.b[0]: expected date, got "2026-13-01" (not a calendar date)',
    ],
    ["array<array<int>>", [[1], 2], "column c[1]: expected array<int>, got 2 (not a JSON array)"],
    ["map<string,struct<a:int>>", { k: [] }, 'column c["k"]: expected struct<a:int>, got [] (not a JSON object)'],
  ])("%s refuses %j: %s", (type, value, reason) => {
    expect(columnOf(type)(value)).toBe(reason);
  });
});

describe("nested values: copy on write", () => {
  it.each<[string, unknown]>([
    ["array<int>", [1, null, 2]],
    ["map<string,int>", { a: 1, b: null }],
    ["struct<a:int,b:string>", { a: 1, b: null, other: "kept" }],
    ["array<array<int>>", [[1], [], null]],
    ["array<date>", ["2024-02-29", null]],
  ])("%s: a value that fits is passed on as the same object, the record unchanged", (type, value) => {
    const result = columnOf(type)(value);
    expect(result).toEqual({ value, changed: false });
    expect(typeof result !== "string" && result.value).toBe(value);
  });

  it.each<[string, unknown, unknown]>([
    ["array<int>", ["1", "2", 3], [1, 2, 3]],
    ["map<string,int>", { a: "1", b: "2", c: 3 }, { a: 1, b: 2, c: 3 }],
    ["struct<a:int,b:int,c:int>", { a: "1", b: "2", c: 3 }, { a: 1, b: 2, c: 3 }],
  ])("%s: every change is kept in one copy, the value sent is left as it was", (type, value, coerced) => {
    const sent = structuredClone(value);
    expect(columnOf(type)(value)).toEqual({ value: coerced, changed: true });
    expect(value).toEqual(sent);
  });

  it("copies only the inner values that changed: an unchanged element is the same object", () => {
    const first = [1];
    const second = ["2"];
    const result = columnOf("array<array<int>>")([first, second]);
    expect(result).toEqual({ value: [[1], [2]], changed: true });
    const out = typeof result === "string" ? [] : (result.value as unknown[]);
    expect(out[0]).toBe(first);
    expect(second).toEqual(["2"]);
  });

  it("a coerced map or struct is a plain object that serialises with its entries (the record is passed on as JSON)", () => {
    for (const [type, value] of [
      ["map<string,int>", { a: "1" }],
      ["struct<a:int>", { A: 1 }],
    ] as const) {
      const result = columnOf(type)(value);
      const out = typeof result === "string" ? {} : (result.value as object);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(JSON.stringify(out)).toBe('{"a":1}');
    }
  });
});

describe("nested values: JSON text (a CSV cell)", () => {
  it.each<[string, string, unknown]>([
    ["array<int>", ' \n [1, "2"]', [1, 2]],
    ["array<int>", "[]", []],
    ["map<string,int>", ' {"a": 1}', { a: 1 }],
    ["struct<a:int>", '{"A": "1", "b": 2}', { a: 1, b: 2 }],
  ])("%s reads %j as %j", (type, text, value) => {
    expect(columnOf(type)(text)).toEqual({ value, changed: true });
  });

  it.each<[string, unknown, string]>([
    ["array<int>", '{"a":1}', 'column c: expected array<int>, got "{\\"a\\":1}" (not a JSON array)'],
    ["array<int>", "1,2", 'column c: expected array<int>, got "1,2" (not a JSON array)'],
    ["array<int>", 5, "column c: expected array<int>, got 5 (not a JSON array)"],
    ["map<string,int>", "[1]", 'column c: expected map<string,int>, got "[1]" (not a JSON object)'],
    ["map<string,int>", "{oops", 'column c: expected map<string,int>, got "{oops" (not a JSON object)'],
    ["map<string,int>", true, "column c: expected map<string,int>, got true (not a JSON object)"],
    ["struct<a:int>", '"text"', 'column c: expected struct<a:int>, got "\\"text\\"" (not a JSON object)'],
    ["struct<a:int>", 7, "column c: expected struct<a:int>, got 7 (not a JSON object)"],
    ["array<int>", '[1, "x"]', 'column c[1]: expected int, got "x"'],
  ])("%s refuses %j: %s", (type, value, reason) => {
    expect(columnOf(type)(value)).toBe(reason);
  });
});

describe("nested values: keys", () => {
  it("a map keeps any key, __proto__ too, as an entry of its own (the prototype untouched)", () => {
    const value = JSON.parse('{"__proto__": "1", "constructor": "2", "Mixed Case": "3"}') as JsonObject;
    const result = columnOf("map<string,int>")(value);
    const out = typeof result === "string" ? {} : (result.value as Record<string, unknown>);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.entries(out)).toEqual([
      ["__proto__", 1],
      ["constructor", 2],
      ["Mixed Case", 3],
    ]);
  });

  it("a struct lower-cases a key that matches a field, keeps other keys as sent, __proto__ as an entry of its own", () => {
    const value = JSON.parse('{"SKU": "a", "Extra": 1, "__proto__": {"polluted": true}}') as JsonObject;
    const result = columnOf("struct<sku:string>")(value);
    const out = typeof result === "string" ? {} : (result.value as Record<string, unknown>);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.entries(out)).toEqual([
      ["sku", "a"],
      ["Extra", 1],
      ["__proto__", { polluted: true }],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    [
      "struct<sku:string>",
      { sku: "a", SKU: "b" },
      'column c: expected struct<sku:string>, got {"sku":"a","SKU":"b"} (keys colliding after lower-casing: "sku")',
    ],
    [
      "array<struct<sku:string>>",
      [{ Sku: "a", sKU: "b" }],
      'column c[0]: expected struct<sku:string>, got {"Sku":"a","sKU":"b"} (keys colliding after lower-casing: "sku")',
    ],
  ])("%s refuses keys that collide once lower-cased: %j", (type, value, reason) => {
    expect(columnOf(type)(value)).toBe(reason);
  });

  it("a struct field named like an Object member is read only when sent", () => {
    const check = columnOf("struct<constructor:string,n:int>");
    expect(check({ n: "1" })).toEqual({ value: { n: 1 }, changed: true });
    expect(check({})).toEqual({ value: {}, changed: false });
    expect(check({ constructor: 5 })).toEqual({ value: { constructor: "5" }, changed: true });
    expect(check({ CONSTRUCTOR: "x" })).toEqual({ value: { constructor: "x" }, changed: true });
    expect(check({ constructor: {} })).toBe("column c.constructor: expected string, got {}");
  });
});

describe("nestedCoercer with its own scalar coercer", () => {
  // The scalar coercer is a parameter: here a number or a numeral, "bad" refused with a detail, anything else refused.
  const scalar = (): Coercer => (value) => {
    if (value === "bad") return new Invalid("a detail");
    if (typeof value === "string") return Number(value);
    return typeof value === "number" ? value : new Invalid("not a number");
  };

  it("keeps absent (undefined) and null elements and fields as they are", () => {
    expect(nestedCoercer(parseGlueType("array<int>"), scalar)([undefined, null, "1"])).toEqual([undefined, null, 1]);
    expect(nestedCoercer(parseGlueType("map<string,int>"), scalar)({ a: undefined, b: null, c: "1" })).toEqual({
      a: undefined,
      b: null,
      c: 1,
    });
    expect(nestedCoercer(parseGlueType("struct<a:int,b:int>"), scalar)({ a: undefined, b: "2" })).toEqual({ a: undefined, b: 2 });
  });

  it("a refusal keeps the scalar's detail and gets the path, the innermost type and value", () => {
    const invalid = nestedCoercer(parseGlueType("map<string,array<struct<p:decimal(5,2)>>>"), scalar)({ k: [{ p: "1" }, { p: "bad" }] });
    expect(invalid).toBeInstanceOf(Invalid);
    expect({ ...(invalid as Invalid) }).toEqual({ detail: "a detail", path: '["k"][1].p', expected: "decimal(5,2)", value: "bad" });
  });

  it("refuses a value that is not of its kind, null included (callers skip null before asking)", () => {
    for (const text of ["array<int>", "map<string,int>", "struct<a:int>"]) {
      const coerce = nestedCoercer(parseGlueType(text), scalar);
      expect(coerce(null)).toEqual(new Invalid(text.startsWith("array") ? "not a JSON array" : "not a JSON object"));
      expect(coerce(7)).toBeInstanceOf(Invalid);
    }
  });

  it("a scalar type is the scalar's own coercer", () => {
    expect(nestedCoercer(parseGlueType("int"), scalar)("7")).toBe(7);
  });
});

import type { EventSchema } from "../../contract/event-schema";
import type { JsonObject } from "../../contract/json";
import { compileRecordValidator } from "../../handlers/shared/record-validation";
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

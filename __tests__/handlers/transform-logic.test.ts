import { randomBytes } from "node:crypto";
import type { FirehoseTransformationResultRecord } from "aws-lambda";
import {
  appendNewlineBase64,
  compileSchema,
  LAMBDA_RESPONSE_LIMIT_BYTES,
  MAX_RECORD_BYTES,
  OVER_BUDGET_REASON,
  transformRecords,
} from "../../handlers/transform/logic";
import { clickEvent, decodeData, decodeJson, firehoseEvent, toBase64 } from "../support/firehose-events";
import { TEST_SCHEMA, testSettings } from "../support/schema";
import { transformSettings } from "../../handlers/shared/settings";

const parseTransformSettings = (text: string) => transformSettings({ TRANSFORM_SETTINGS: text });

const transformer = compileSchema(testSettings());

function transformOne(payload: unknown, settings = testSettings()) {
  const outcome = transformRecords(firehoseEvent([payload]), settings);
  return { record: outcome.records[0], failure: outcome.failures[0], outcome };
}

function expectFailed(payload: unknown, reason: RegExp, settings = testSettings()): void {
  const { record, failure } = transformOne(payload, settings);
  expect(record).toEqual({ recordId: expect.any(String), result: "ProcessingFailed", data: toBase64(payload) });
  expect(failure).toEqual({ recordId: record.recordId, reason: expect.stringMatching(reason) });
}

describe("transformRecords: output encoding", () => {
  it("returns compact JSON input unchanged except for exactly one trailing newline", () => {
    // Prepare
    const text = JSON.stringify(clickEvent());
    // Act
    const { record } = transformOne(text);
    // Assess
    expect(record.result).toBe("Ok");
    expect(decodeData(record)).toBe(`${text}\n`);
  });

  it("returns input that already ends with one newline as the original base64", () => {
    // Prepare
    const event = firehoseEvent([`${JSON.stringify(clickEvent())}\n`]);
    // Act
    const { records } = transformer.transform(event);
    // Assess
    expect(records[0].data).toBe(event.records[0].data);
  });

  it("collapses extra trailing newlines to exactly one", () => {
    // Prepare
    const text = JSON.stringify(clickEvent());
    // Act
    const { record } = transformOne(`${text}\n\n\n`);
    // Assess
    expect(decodeData(record)).toBe(`${text}\n`);
  });

  it("re-serialises pretty-printed JSON onto one line", () => {
    // Prepare
    const pretty = `  ${JSON.stringify(clickEvent(), null, 2)}\r\n`;
    // Act
    const { record } = transformOne(pretty);
    // Assess
    expect(decodeData(record)).toBe(`${JSON.stringify(clickEvent())}\n`);
  });

  it("keeps keys outside the schema in the output", () => {
    // Prepare
    const payload = clickEvent({ experiment: { arm: "b" } });
    // Act
    const { record, outcome } = transformOne(payload);
    // Assess
    expect(decodeJson(record)).toEqual(payload);
    expect(outcome.counts.unknownFields).toBe(1);
    expect(outcome.unknownKeys).toEqual(["experiment"]);
  });

  it("returns every recordId once, in input order", () => {
    // Prepare
    const event = firehoseEvent([clickEvent(), "not json", clickEvent({ event_id: undefined }), clickEvent()]);
    // Act
    const { records } = transformer.transform(event);
    // Assess
    expect(records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
  });
});

describe("appendNewlineBase64", () => {
  it.each(Array.from({ length: 11 }, (_, length) => length))("matches the naive encoding for %i bytes", (length) => {
    // Prepare
    const payloads = [Buffer.alloc(length, 0x00), Buffer.alloc(length, 0xff), ...Array.from({ length: 100 }, () => randomBytes(length))];
    // Act
    const encoded = payloads.map((bytes) => appendNewlineBase64(bytes.toString("base64"), bytes));
    // Assess
    expect(encoded).toEqual(payloads.map(naiveWithNewline));
  });

  it("matches the naive encoding for 500 random payloads", () => {
    // Prepare
    const payloads = Array.from({ length: 500 }, (_, i) => randomBytes(i % 3 === 0 ? i : i * 7 + 1));
    // Act
    const encoded = payloads.map((bytes) => appendNewlineBase64(bytes.toString("base64"), bytes));
    // Assess
    expect(encoded).toEqual(payloads.map(naiveWithNewline));
  });

  it("re-encodes fully when the base64 is not the canonical padded form", () => {
    // Prepare
    const bytes = Buffer.from("{}");
    // Act
    const encoded = appendNewlineBase64(bytes.toString("base64").replace(/=+$/, ""), bytes);
    // Assess
    expect(encoded).toBe(Buffer.from("{}\n").toString("base64"));
  });
});

describe("transformRecords: rejected records", () => {
  it("fails malformed JSON with the parser message", () => {
    expectFailed('{"event_id": "e1",', /^malformed JSON: .+/);
  });

  it("fails a JSON array and asks for one event per record", () => {
    expectFailed([clickEvent(), clickEvent()], /JSON array: send one event per record/);
  });

  it.each([["42"], ['"text"'], ["true"], ["null"]])("fails the JSON scalar %s", (scalar) => {
    expectFailed(scalar, /expected one JSON object per record/);
  });

  it.each([[""], [" \n\t "]])("fails the empty record %j", (payload) => {
    expectFailed(payload, /^empty record$/);
  });

  it("fails bytes that are not valid UTF-8", () => {
    expectFailed(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), /not valid UTF-8/);
  });

  it("accepts a genuine U+FFFD character in valid UTF-8", () => {
    // Act
    const { record } = transformOne(clickEvent({ referrer: "bad\uFFFDchar" }));
    // Assess
    expect(record.result).toBe("Ok");
  });

  it("fails a record over 1,024,000 bytes naming its size and the limit", () => {
    // Prepare
    const payload = clickEvent({ padding: "x".repeat(MAX_RECORD_BYTES) });
    // Act
    const { failure } = transformOne(payload);
    // Assess
    expect(failure.reason).toMatch(new RegExp(`record is ${JSON.stringify(payload).length} bytes.*1024000 bytes`));
  });

  it("fails an object where a string is expected, naming column, value and type", () => {
    expectFailed(clickEvent({ country: { code: "DE" } }), /column country: expected string, got \{"code":"DE"\}/);
  });

  it("fails a non-numeric string for an integer column", () => {
    expectFailed(clickEvent({ duration_ms: "abc" }), /column duration_ms: expected bigint, got "abc"/);
  });

  it("fails a value outside the tinyint range", () => {
    // Prepare
    const settings = testSettings({
      schema: {
        ...TEST_SCHEMA,
        columns: [...TEST_SCHEMA.columns, { name: "rating", type: "tinyint", required: false }],
      },
    });
    // Act, Assess
    expectFailed(clickEvent({ rating: 300 }), /column rating: expected tinyint, got 300 \(out of range -128\.\.127\)/, settings);
  });

  it("fails a bigint beyond JavaScript safe integers and says why", () => {
    expectFailed(clickEvent({ duration_ms: 2 ** 60 }), /duration_ms: expected bigint.*JavaScript safe integers/);
  });

  it("fails a decimal with more fraction digits than its scale", () => {
    expectFailed(clickEvent({ revenue: 19.999 }), /column revenue: expected decimal\(10,2\), got 19\.999 \(more than 2 fraction digits\)/);
  });

  it("fails a decimal with more integer digits than precision minus scale", () => {
    expectFailed(clickEvent({ revenue: "123456789.5" }), /revenue: expected decimal\(10,2\).*more than 8 integer digits/);
  });

  it("fails a missing required column", () => {
    expectFailed(clickEvent({ event_id: undefined }), /^missing required column event_id: expected string/);
  });

  it("fails a null required column", () => {
    expectFailed(clickEvent({ event_type: null }), /^missing required column event_type: expected string, got null/);
  });

  it("fails an unparseable timestamp naming the column and the value", () => {
    expectFailed(clickEvent({ event_time: "yesterday noon" }), /column event_time: expected timestamp, got "yesterday noon"/);
  });

  it("fails a timestamp that is not a real calendar date", () => {
    expectFailed(clickEvent({ event_time: "2025-02-30T10:00:00Z" }), /event_time: expected timestamp.*not a real date/);
  });

  it("fails keys that collide after lower-casing", () => {
    expectFailed(clickEvent({ Country: "FR" }), /keys "country" and "Country" collide after lower-casing/);
  });

  it("truncates long values in the reason to about 80 characters", () => {
    // Act
    const { failure } = transformOne(clickEvent({ is_bot: "y".repeat(500) }));
    // Assess
    expect(failure.reason.length).toBeLessThan(160);
    expect(failure.reason).toMatch(/is_bot: expected boolean, got "y+…/);
  });
});

describe("transformRecords: coercion", () => {
  it("lower-cases upper-case keys", () => {
    // Prepare
    const { event_id: eventId, event_type: eventType, ...rest } = clickEvent();
    // Act
    const { record, outcome } = transformOne({ Event_ID: eventId, EVENT_TYPE: eventType, ...rest });
    // Assess
    expect(decodeJson(record)).toEqual(clickEvent());
    expect(outcome.counts.coerced).toBe(1);
  });

  it("keeps a __proto__ key as data when it rebuilds the object", () => {
    // Prepare
    const text = JSON.stringify(clickEvent({ country: undefined, COUNTRY: "DE" })).replace("{", '{"__proto__":{"x":1},');
    // Act
    const { record } = transformOne(text);
    // Assess
    const output = decodeJson(record);
    expect(Object.getOwnPropertyDescriptor(output, "__proto__")?.value).toEqual({ x: 1 });
    expect(output.country).toBe("DE");
  });

  it("coerces a numeric string to a number for a bigint column", () => {
    // Act
    const { record } = transformOne(clickEvent({ duration_ms: "4200" }));
    // Assess
    expect(decodeJson(record).duration_ms).toBe(4200);
  });

  it("coerces a numeric string to a JSON number for a decimal column", () => {
    // Act
    const { record } = transformOne(clickEvent({ revenue: "12.50" }));
    // Assess
    expect(decodeJson(record).revenue).toBe(12.5);
  });

  it('coerces "true" to a boolean', () => {
    // Act
    const { record } = transformOne(clickEvent({ is_bot: "true" }));
    // Assess
    expect(decodeJson(record).is_bot).toBe(true);
  });

  it("coerces a number to a string for a string column", () => {
    // Act
    const { record } = transformOne(clickEvent({ user_id: 12345 }));
    // Assess
    expect(decodeJson(record).user_id).toBe("12345");
  });

  it("keeps null in an optional column", () => {
    // Act
    const { record } = transformOne(clickEvent({ revenue: null }));
    // Assess
    expect(decodeJson(record).revenue).toBeNull();
  });

  it.each([
    ["an offset", "2025-01-01T13:30:00+01:30", "2025-01-01T12:00:00.000Z"],
    ["a space and no zone", "2025-01-01 12:00:05", "2025-01-01T12:00:05.000Z"],
    ["nanoseconds and a negative offset", "2024-12-31T23:00:00.123456789-01:00", "2025-01-01T00:00:00.123Z"],
    ["epoch seconds", 1_735_732_800, "2025-01-01T12:00:00.000Z"],
    ["fractional epoch seconds", 1_735_732_800.25, "2025-01-01T12:00:00.250Z"],
    ["epoch milliseconds", 1_735_732_800_123, "2025-01-01T12:00:00.123Z"],
  ])("normalises a timestamp with %s to UTC", (_, input, expected) => {
    // Act
    const { record, outcome } = transformOne(clickEvent({ event_time: input }));
    // Assess
    expect(decodeJson(record).event_time).toBe(expected);
    expect(outcome.counts.coerced).toBe(1);
  });

  it("passes an ISO UTC timestamp through byte for byte", () => {
    // Prepare
    const text = JSON.stringify(clickEvent({ event_time: "2025-01-01T11:59:58.123456Z" }));
    // Act
    const { record, outcome } = transformOne(text);
    // Assess
    expect(decodeData(record)).toBe(`${text}\n`);
    expect(outcome.counts.coerced).toBe(0);
  });
});

describe("transformRecords: drop rules", () => {
  it("drops records matching a rule", () => {
    // Prepare
    const settings = testSettings({ dropRules: [{ column: "is_bot", equals: [true] }] });
    const event = firehoseEvent([clickEvent({ is_bot: true }), clickEvent({ is_bot: false })]);
    // Act
    const { records, counts } = transformRecords(event, settings);
    // Assess
    expect(records.map((record) => record.result)).toEqual(["Dropped", "Ok"]);
    expect(counts.dropped).toBe(1);
  });

  it("matches a rule value after coercing the record value", () => {
    // Prepare
    const settings = testSettings({ dropRules: [{ column: "is_bot", equals: ["true"] }] });
    // Act
    const { record } = transformOne(clickEvent({ is_bot: "true" }), settings);
    // Assess
    expect(record.result).toBe("Dropped");
  });

  it("drops nothing without rules", () => {
    // Prepare
    const event = firehoseEvent(Array.from({ length: 50 }, (_, i) => clickEvent({ is_bot: i % 2 === 0 }, i)));
    // Act
    const { records } = transformer.transform(event);
    // Assess
    expect(records.every((record) => record.result === "Ok")).toBe(true);
  });
});

describe("transformRecords: partition keys", () => {
  it.each([["day" as const], ["date" as const]])("returns event-time partition keys with the %s key", (dayKey) => {
    // Prepare
    const settings = testSettings({ partitionTime: "event", dayKey });
    // Act
    const { record } = transformOne(clickEvent({ event_time: "2024-02-29T23:30:00-02:00" }), settings);
    // Assess
    expect(record.metadata).toEqual({ partitionKeys: { year: "2024", month: "03", [dayKey]: "01", hour: "01" } });
  });

  it("returns no metadata in arrival mode", () => {
    // Act
    const { record } = transformOne(clickEvent());
    // Assess
    expect(record).not.toHaveProperty("metadata");
  });
});

// Athena reads only the partitions whose values are in the projected ranges
// (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html, integer type):
// with event-time partitions an event outside the projected years must fail loudly, not land unseen.
describe("transformRecords: event-time partitions under partition projection", () => {
  const projected = testSettings({ partitionTime: "event", projectedYears: { from: 2020, to: 2100 } });

  it.each(["2019-12-31T23:59:59.999Z", "2101-01-01T00:00:00Z", "1970-01-01T00:00:00Z"])(
    "fails an event at %s (outside the projected years) with a reason naming the year and the range",
    (time) => {
      expectFailed(
        clickEvent({ event_time: time }),
        new RegExp(
          `event time .* is in year ${Number(time.slice(0, 4))}, outside the years 2020–2100 that Athena partition projection reads`,
        ),
        projected,
      );
    },
  );

  it.each([
    ["2020-01-01T00:00:00Z", "2020"],
    ["2100-12-31T23:59:59Z", "2100"],
  ])("accepts an event at %s, at the edge of the projected years, and partitions it by that year", (time, year) => {
    const { record } = transformOne(clickEvent({ event_time: time }), projected);

    expect(record.result).toBe("Ok");
    expect(record.metadata?.partitionKeys).toMatchObject({ year });
  });

  it("checks the coerced time, so an epoch before 2020 fails too", () => {
    expectFailed(clickEvent({ event_time: 1_500_000_000 }), /event time 2017-07-14T02:40:00.000Z is in year 2017/, projected);
  });

  it("does not check arrival-time partitions, whose year is the arrival's", () => {
    const { record } = transformOne(
      clickEvent({ event_time: "2019-06-01T00:00:00Z" }),
      testSettings({ projectedYears: { from: 2020, to: 2100 } }),
    );

    expect(record.result).toBe("Ok");
  });

  it("leaves dropped records dropped, not failed", () => {
    const settings = { ...projected, dropRules: [{ column: "event_type", equals: ["heartbeat"] }] };
    const { record } = transformOne(clickEvent({ event_type: "heartbeat", event_time: "2019-06-01T00:00:00Z" }), settings);

    expect(record.result).toBe("Dropped");
  });

  it("rejects settings whose projected years are not an integer range", () => {
    expect(() => parseTransformSettings(JSON.stringify({ ...projected, projectedYears: { from: 2100, to: 2020 } }))).toThrow(
      /projectedYears must be \{ from: integer, to: integer \} with from ≤ to/,
    );
  });
});

describe("transformRecords: batches", () => {
  it("conserves records across a mixed 1,000-record batch", () => {
    // Prepare
    const settings = testSettings({ dropRules: [{ column: "device_type", equals: ["crawler"] }] });
    const makers = [
      (i: number) => clickEvent({}, i),
      (i: number) => clickEvent({ device_type: "crawler" }, i),
      () => "{broken",
      (i: number) => clickEvent({ duration_ms: "abc" }, i),
      (i: number) => clickEvent({ EVENT_TYPE: "click", event_type: undefined, event_time: 1_735_732_800 + i }, i),
      () => Buffer.from([0xff, 0xfe]),
      () => "",
    ];
    const event = firehoseEvent(Array.from({ length: 1_000 }, (_, i) => makers[i % makers.length](i)));
    // Act
    const { records, counts, failures } = transformRecords(event, settings);
    // Assess
    expect(records).toHaveLength(1_000);
    expect(counts.ok + counts.failed + counts.dropped).toBe(1_000);
    expect(counts).toMatchObject({ ok: 286, dropped: 143, failed: 571 });
    expect(failures).toHaveLength(counts.failed);
  });

  it("keeps the other records Ok when one record throws unexpectedly", () => {
    // Prepare
    const parse = JSON.parse;
    const spy = jest.spyOn(JSON, "parse").mockImplementation((text: string, reviver) => {
      if (text.includes("explode")) throw new TypeError("parser exploded");
      return parse(text, reviver);
    });
    const event = firehoseEvent([clickEvent({}, 0), clickEvent({ event_type: "explode" }, 1), clickEvent({}, 2)]);
    // Act
    const { records, failures } = transformer.transform(event);
    spy.mockRestore();
    // Assess
    expect(records.map((record) => record.result)).toEqual(["Ok", "ProcessingFailed", "Ok"]);
    expect(failures).toEqual([{ recordId: records[1].recordId, reason: "unexpected error: parser exploded" }]);
  });

  it("returns a ~6 MB event of ~1 KB records as a response under 6 MiB with every recordId", () => {
    // Prepare
    const event = sixMegabyteEvent((i) => clickEvent({ page_url: `https://shop.example.com/${"p".repeat(650)}` }, i));
    // Act
    const { records, counts } = compileSchema(testSettings({ partitionTime: "event" })).transform(event);
    // Assess
    expect(responseBytes(records)).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
    expect(counts.ok).toBe(event.records.length);
  });

  it("fails records from the first that would overflow 6 MiB onwards when records grow", () => {
    // Prepare
    const event = sixMegabyteEvent(growingRecord);
    // Act
    const { records, failures } = transformer.transform(event);
    // Assess
    const firstFailed = records.findIndex((record) => record.result === "ProcessingFailed");
    expect(responseBytes(records)).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
    expect(records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
    expect(firstFailed).toBeGreaterThan(0);
    expect(records.slice(firstFailed).every((record) => record.result === "ProcessingFailed")).toBe(true);
    expect(records[firstFailed].data).toBe(event.records[firstFailed].data);
    expect(failures[0].reason).toBe(OVER_BUDGET_REASON);
  });

  it("keeps the response within a smaller budget, Ok records first", () => {
    // Prepare
    const event = firehoseEvent(Array.from({ length: 10 }, (_, i) => growingRecord(i)));
    const allOk = responseBytes(transformer.transform(event).records);
    const allFailed = responseBytes(event.records.map(({ recordId, data }) => ({ recordId, result: "ProcessingFailed", data })));
    const budget = Math.floor((allOk + allFailed) / 2);
    // Act
    const { records, counts } = transformer.transform(event, { responseBudgetBytes: budget });
    // Assess
    expect(responseBytes(records)).toBeLessThanOrEqual(budget);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.failed).toBeGreaterThan(0);
    expect(records.map((record) => record.result)).toEqual([
      ...Array(counts.ok).fill("Ok"),
      ...Array(counts.failed).fill("ProcessingFailed"),
    ]);
  });
});

describe("compileSchema and parseTransformSettings", () => {
  it("rejects an event-time column that is not a timestamp", () => {
    // Prepare
    const settings = testSettings({ schema: { ...TEST_SCHEMA, eventTimeColumn: "event_id" } });
    // Act, Assess
    expect(() => parseTransformSettings(JSON.stringify(settings))).toThrow(
      /schema\.eventTimeColumn must name a timestamp column, got "event_id"/,
    );
  });

  it("reports every problem in the settings at once", () => {
    // Act, Assess
    expect(() => parseTransformSettings(JSON.stringify({ ...testSettings(), dayKey: "dd", partitionTime: "now" }))).toThrow(
      /TRANSFORM_SETTINGS is invalid: dayKey must be "day" or "date", got "dd"; partitionTime must be/,
    );
  });

  it("rejects settings that are not JSON", () => {
    // Act, Assess
    expect(() => parseTransformSettings("{schema")).toThrow(/TRANSFORM_SETTINGS is not valid JSON/);
  });
});

function sixMegabyteEvent(payload: (index: number) => unknown) {
  const recordBytes = JSON.stringify(firehoseEvent([payload(0)]).records[0]).length + 1;
  const count = Math.floor(6_000_000 / recordBytes);
  const event = firehoseEvent(Array.from({ length: count }, (_, i) => payload(i)));
  expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(5_900_000);
  return event;
}

/** A record whose upper-case key forces re-serialisation, which spells each `1e20` out in 21 digits. */
function growingRecord(index: number): string {
  const text = JSON.stringify(clickEvent({ country: undefined, COUNTRY: "DE" }, index));
  return `${text.slice(0, -1)},"big":[${Array(110).fill("1e20").join(",")}]}`;
}

function naiveWithNewline(bytes: Buffer): string {
  return Buffer.concat([bytes, Buffer.from("\n")]).toString("base64");
}

function responseBytes(records: FirehoseTransformationResultRecord[]): number {
  return Buffer.byteLength(JSON.stringify({ records }));
}

/**
 * The replay decoders (handlers/extract/replay.ts): Firehose error objects of both types and raw backup
 * objects back into the original records; malformed parts reported and skipped; the replay window.
 */
import { gzipSync } from "node:zlib";
import {
  decodeErrorObject,
  decodeRawBackupObject,
  decodeReplayObject,
  envelopeError,
  eventHourReader,
  ReplayTally,
  splitJsonValues,
  type ReplayItem,
} from "../../handlers/extract/replay";
import { transformRecords } from "../../handlers/transform/logic";
import { firehoseEvent } from "../support/firehose-events";
import { TEST_SCHEMA, testSettings } from "../support/schema";
import {
  base64,
  click,
  conversionFailedEnvelope,
  errorObject,
  partitionExceededEnvelope,
  processingFailedEnvelope,
  rawBackupObject,
} from "../support/replay-objects";
import { deliveryPrefixes } from "../../contract/lake-layout";
import { errorTypeOfKey, parseInstant, planReplay, type ReplayPlan } from "../../contract/replay";

const values = (items: Iterable<ReplayItem>) => [...items].filter((i) => i.kind === "value").map((i) => (i as { value: unknown }).value);
const invalid = (items: Iterable<ReplayItem>) => [...items].filter((i) => i.kind !== "value").map((i) => ("reason" in i ? i.reason : ""));

function plan(spec: Record<string, unknown>, dayKey: "day" | "date" = "day"): ReplayPlan {
  const planned = planReplay(spec, dayKey);
  if ("problems" in planned) throw new Error(planned.problems.join("; "));
  return planned.plan;
}

describe("splitJsonValues", () => {
  it("splits objects written back to back without any delimiter", () => {
    expect([...splitJsonValues('{"a":1}{"a":2}{"a":3}')].map((p) => p.kind === "value" && p.value)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it("splits objects separated by newlines, CRLF, spaces and tabs, reporting the line each starts on", () => {
    const pieces = [...splitJsonValues('{"a":1}\n{"a":2}\r\n\n  {"a":3}\t{"a":4}\n')];
    expect(pieces.map((p) => [p.line, p.kind === "value" && p.value])).toEqual([
      [1, { a: 1 }],
      [2, { a: 2 }],
      [4, { a: 3 }],
      [4, { a: 4 }],
    ]);
  });

  it("keeps braces, brackets and escaped quotes inside strings within one record", () => {
    const tricky = { note: 'a } { ] [ "quoted" \\ back\\slash', nested: { list: [{ x: "}" }] } };
    const text = `${JSON.stringify(tricky)}${JSON.stringify({ b: "{" })}`;
    expect([...splitJsonValues(text)].map((p) => p.kind === "value" && p.value)).toEqual([tricky, { b: "{" }]);
  });

  it("keeps a multi-line (pretty-printed) object whole", () => {
    expect([...splitJsonValues('{\n  "a": 1,\n  "b": [1, 2]\n}\n{"c":3}')].map((p) => [p.line, p.kind])).toEqual([
      [1, "value"],
      [5, "value"],
    ]);
  });

  it("reports a truncated last object and text between objects, and goes on after a malformed one", () => {
    const pieces = [...splitJsonValues('{"a":1} garbage {"b":,} {"c":3}{"d":')];
    expect(pieces.map((p) => (p.kind === "value" ? p.value : p.reason.split(":")[0]))).toEqual([
      { a: 1 },
      "not a JSON object",
      "malformed JSON",
      { c: 3 },
      "truncated JSON",
    ]);
  });

  it("recovers the records on the lines after one cut off mid-string", () => {
    const pieces = [...splitJsonValues('{"a":"cut\n{"b":2}\n{"c":"x}{"}\n')];

    expect(pieces.map((p) => [p.line, p.kind === "value" ? p.value : p.reason.split(":")[0]])).toEqual([
      [1, "truncated JSON"],
      [2, { b: 2 }],
      [3, { c: "x}{" }],
    ]);
  });

  it("reports text between records as one trimmed piece at the line it starts, up to the next { or [", () => {
    const pieces = [...splitJsonValues('  junk\nmore junk  \n{"a":1} x [1]')];

    expect(pieces.map((p) => [p.line, p.kind, p.raw])).toEqual([
      [1, "invalid", "junk\nmore junk"],
      [3, "value", '{"a":1}'],
      [3, "invalid", "x"],
      [3, "value", "[1]"],
    ]);
  });

  it("yields nothing for empty or blank text", () => {
    expect([...splitJsonValues("")]).toEqual([]);
    expect([...splitJsonValues(" \n\r\n\t")]).toEqual([]);
  });
});

describe("decodeErrorObject: processing-failed", () => {
  it("recovers the original records of several envelopes, one per line, with the envelope's error", () => {
    // Prepare
    const object = errorObject([
      processingFailedEnvelope(`${click("e-1")}\n`),
      processingFailedEnvelope(click("e-2"), {
        errorCode: "Lambda.FunctionTimedOut",
        errorMessage: "The Lambda function invocation timed out.",
      }),
    ]);
    // Act
    const items = [...decodeErrorObject(object)];
    // Assess
    expect(values(items)).toEqual([JSON.parse(click("e-1")), JSON.parse(click("e-2"))]);
    expect(items.map((i) => [i.kind, "position" in i && i.position, i.errorCode])).toEqual([
      ["value", "1.1", "Lambda.FunctionError"],
      ["value", "2.1", "Lambda.FunctionTimedOut"],
    ]);
    expect(items[1]).toMatchObject({ line: 2, errorMessage: "The Lambda function invocation timed out." });
  });

  it("reads a gzipped error object exactly like a plain one", () => {
    const envelopes = [processingFailedEnvelope(click("e-1")), processingFailedEnvelope(click("e-2"))];

    expect(values(decodeErrorObject(errorObject(envelopes, { gzip: true })))).toEqual(values(decodeErrorObject(errorObject(envelopes))));
    expect(values(decodeErrorObject(errorObject(envelopes, { gzip: true })))).toHaveLength(2);
  });

  it("reads envelopes written back to back without newlines", () => {
    const object = errorObject([processingFailedEnvelope(click("e-1")), processingFailedEnvelope(click("e-2"))], { separator: "" });

    expect(values(decodeErrorObject(object))).toEqual([JSON.parse(click("e-1")), JSON.parse(click("e-2"))]);
  });

  it("splits a rawData holding several concatenated or newline-separated records", () => {
    const object = errorObject([processingFailedEnvelope(`${click("a")}${click("b")}\n${click("c")}\n`)]);

    const items = [...decodeErrorObject(object)];
    expect(values(items).map((v) => (v as { event_id: string }).event_id)).toEqual(["a", "b", "c"]);
    expect(items.map((i) => "position" in i && i.position)).toEqual(["1.1", "1.2", "1.3"]);
  });

  it("gunzips a rawData the producer compressed", () => {
    const object = errorObject([processingFailedEnvelope("", { rawData: gzipSync(click("z")).toString("base64") })]);

    expect(values(decodeErrorObject(object))).toEqual([JSON.parse(click("z"))]);
  });
});

describe("decodeErrorObject: format-conversion-failed", () => {
  it("recovers the transformed record and reads lastErrorCode and lastErrorMessage", () => {
    // Prepare
    const transformed = `${JSON.stringify({ event_id: "e-9", event_type: "page_view", event_time: "2026-11-25T09:00:00.000Z", duration_ms: "fast" })}\n`;
    // Act
    const items = [
      ...decodeErrorObject(errorObject([conversionFailedEnvelope(transformed), conversionFailedEnvelope(click("e-10"))], { gzip: true })),
    ];
    // Assess
    expect(values(items)).toEqual([JSON.parse(transformed), JSON.parse(click("e-10"))]);
    expect(items[0]).toMatchObject({
      errorCode: "DataFormatConversion.MalformedData",
      errorMessage: "The given JSON record has a value of the wrong type for column duration_ms.",
    });
  });

  it("also reads the ErrorCode and ErrorMessage spelling of the developer guide", () => {
    expect(envelopeError({ ErrorCode: "DataFormatConversion.InvalidSchema", ErrorMessage: "The schema is invalid." })).toEqual({
      errorCode: "DataFormatConversion.InvalidSchema",
      errorMessage: "The schema is invalid.",
    });
  });
});

// With dynamic partitioning, records beyond the active-partition limit go to the error prefix as
// activePartitionExceeded (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html); the error
// envelope of that type is not documented, so the decoder must not depend on fields beyond rawData.
describe("decodeErrorObject: activePartitionExceeded", () => {
  it("recovers the records beyond the partition limit with the envelope's error, from a gzipped object", () => {
    // Prepare
    const transformed = (id: string, hour: number) =>
      `${JSON.stringify({ event_id: id, event_type: "page_view", event_time: `2026-11-25T${String(hour).padStart(2, "0")}:15:00.000Z` })}\n`;
    const object = errorObject([partitionExceededEnvelope(transformed("b-1", 3)), partitionExceededEnvelope(transformed("b-2", 4))], {
      gzip: true,
    });
    // Act
    const items = [...decodeErrorObject(object)];
    // Assess
    expect(values(items)).toEqual([JSON.parse(transformed("b-1", 3)), JSON.parse(transformed("b-2", 4))]);
    expect(items.map((i) => i.kind === "value" && i.position)).toEqual(["1.1", "2.1"]);
    expect(items[0]).toMatchObject({
      errorCode: "DynamicPartitioning.ActivePartitionsLimitExceeded",
      errorMessage: expect.stringContaining("active partitions"),
    });
  });

  it("reports an envelope of this type without rawData instead of dropping it", () => {
    const items = [...decodeErrorObject(errorObject([partitionExceededEnvelope(click("b-3"), { rawData: undefined })]))];

    expect(values(items)).toEqual([]);
    expect(invalid(items)).toEqual(["malformed error envelope: no rawData string"]);
    expect(items[0]).toMatchObject({ errorCode: "DynamicPartitioning.ActivePartitionsLimitExceeded" });
  });
});

describe("decodeErrorObject: malformed input is reported and skipped", () => {
  it("reports a bad envelope, a bad base64, a rawData that is not JSON, and still recovers the good record", () => {
    // Prepare
    const object = errorObject([
      '{"attemptsMade":4,"rawData":"eyJ',
      processingFailedEnvelope("", { rawData: "not base64!!" }),
      processingFailedEnvelope("this is not json"),
      processingFailedEnvelope(click("good")),
    ]);
    // Act
    const items = [...decodeErrorObject(object)];
    // Assess
    expect(values(items)).toEqual([JSON.parse(click("good"))]);
    expect(invalid(items)).toEqual([
      expect.stringMatching(/^malformed error envelope: truncated JSON/),
      "rawData is not valid base64",
      "rawData is not JSON: not a JSON object: unexpected text between records",
    ]);
  });

  it("reports an envelope without rawData, an empty rawData and an envelope that is not an object", () => {
    const object = errorObject([
      JSON.stringify({ attemptsMade: 1, errorCode: "X" }),
      processingFailedEnvelope("", { rawData: "" }),
      "[1,2]",
    ]);

    expect(invalid(decodeErrorObject(object))).toEqual([
      "malformed error envelope: no rawData string",
      "rawData is empty: Firehose recorded an empty record",
      "malformed error envelope: not a JSON object",
    ]);
  });

  it("reports a rawData of only whitespace (Firehose's 'empty record')", () => {
    expect(invalid(decodeErrorObject(errorObject([conversionFailedEnvelope(" \n")])))).toEqual([
      "rawData holds only whitespace: Firehose recorded an empty record",
    ]);
  });

  it("reports a truncated gzip object as one unreadable object", () => {
    const gzip = errorObject([processingFailedEnvelope(click("a"))], { gzip: true });

    expect([...decodeErrorObject(gzip.subarray(0, gzip.length - 12))]).toEqual([
      { kind: "file-invalid", reason: expect.stringMatching(/^not a valid gzip file/) },
    ]);
  });

  it("reports a rawData whose bytes are not UTF-8 text", () => {
    const object = errorObject([processingFailedEnvelope("", { rawData: Buffer.from([0xff, 0xfe, 0x7b]).toString("base64") })]);
    expect(invalid(decodeErrorObject(object))).toEqual(["rawData is not valid UTF-8 text"]);
  });

  it("keeps the envelope's error on an unreadable record so the dry run can count it by message", () => {
    const [item] = [...decodeErrorObject(errorObject([processingFailedEnvelope("oops")]))];

    expect(item).toMatchObject({ kind: "invalid", errorCode: "Lambda.FunctionError", line: 1 });
  });
});

describe("decodeReplayObject", () => {
  it("reads errors/ objects as envelopes and raw/ objects as the records themselves", () => {
    const envelopes = errorObject([processingFailedEnvelope(click("e-1"))]);
    const raw = rawBackupObject([click("r-1"), click("r-2")]);

    expect(values(decodeReplayObject("errors", envelopes))).toEqual([JSON.parse(click("e-1"))]);
    expect(values(decodeReplayObject("backup", raw))).toEqual([JSON.parse(click("r-1")), JSON.parse(click("r-2"))]);
    expect(values(decodeReplayObject("backup", envelopes))).toEqual([JSON.parse(processingFailedEnvelope(click("e-1")))]);
  });
});

describe("decodeRawBackupObject", () => {
  it("splits gzipped records concatenated without a delimiter, as Kinesis delivered them", () => {
    // Act
    const items = [...decodeRawBackupObject(rawBackupObject([click("r-1"), click(undefined, 1), click("r-3", 2)]))];
    // Assess
    expect(values(items)).toEqual([JSON.parse(click("r-1")), JSON.parse(click(undefined, 1)), JSON.parse(click("r-3", 2))]);
    expect(items.map((i) => "position" in i && i.position)).toEqual(["1", "2", "3"]);
  });

  it("splits records that producers ended with newlines", () => {
    const items = [...decodeRawBackupObject(rawBackupObject([click("r-1"), click("r-2")].map((r) => `${r}\n`)))];

    expect(items.map((i) => [i.kind, "line" in i && i.line])).toEqual([
      ["value", 1],
      ["value", 2],
    ]);
  });

  it("reports a record that is not JSON and keeps the ones around it", () => {
    const items = [...decodeRawBackupObject(rawBackupObject([click("r-1"), "id=7;type=csv", click("r-2")]))];

    expect(values(items)).toHaveLength(2);
    expect(invalid(items)).toEqual(["not a JSON object: unexpected text between records"]);
  });

  it("reports a corrupt gzip object whole", () => {
    const object = rawBackupObject([click("a")]);
    object[object.length - 5] ^= 0xff;

    expect([...decodeRawBackupObject(object)].map((i) => i.kind)).toEqual(["file-invalid"]);
  });
});

describe("planReplay: the window", () => {
  it("lists every hourly errors/ prefix overlapping [since, until), every error type by default", () => {
    const p = plan({ from: "errors", since: "2026-11-25T10:30:00Z", until: "2026-11-25T12:00:00Z" });

    expect(p.errorTypes).toEqual(["processing-failed", "format-conversion-failed", "activePartitionExceeded"]);
    expect(p.prefixes).toEqual([
      "errors/processing-failed/year=2026/month=11/day=25/hour=10/",
      "errors/processing-failed/year=2026/month=11/day=25/hour=11/",
      "errors/format-conversion-failed/year=2026/month=11/day=25/hour=10/",
      "errors/format-conversion-failed/year=2026/month=11/day=25/hour=11/",
      "errors/activePartitionExceeded/year=2026/month=11/day=25/hour=10/",
      "errors/activePartitionExceeded/year=2026/month=11/day=25/hour=11/",
    ]);
  });

  // The folder is the documented error-output-type string, under the delivery stage's error prefix
  // (errors/!{firehose:error-output-type}/…): https://docs.aws.amazon.com/firehose/latest/dev/buffering.html
  it("reads the activePartitionExceeded folder of event-time partitions when asked", () => {
    const p = plan({ from: "errors", errorType: "activePartitionExceeded", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" });

    expect(p.prefixes).toEqual([
      deliveryPrefixes("day", "event")
        .errors.replace("!{firehose:error-output-type}", "activePartitionExceeded")
        .replace(/!\{timestamp:yyyy\}/, "2026")
        .replace(/!\{timestamp:MM\}/, "11")
        .replace(/!\{timestamp:dd\}/, "25")
        .replace(/!\{timestamp:HH\}/, "10"),
    ]);
    expect(errorTypeOfKey(`${p.prefixes[0]}acme-test-delivery-1-2026-11-25-10-04-12-aaaa.gz`)).toBe("activePartitionExceeded");
  });

  it("reads one error type when asked, with the configured day key, across midnight in UTC", () => {
    const p = plan(
      { from: "errors", errorType: "format-conversion-failed", since: "2026-11-25T23:00:00+00:00", until: "2026-11-26T01:00:00+01:00" },
      "date",
    );

    expect(p.prefixes).toEqual(["errors/format-conversion-failed/year=2026/month=11/date=25/hour=23/"]);
    expect(p.until).toBe("2026-11-26T00:00:00.000Z");
  });

  it("lists raw/ prefixes for the backup, in the arrival-hour layout the delivery stage writes", () => {
    const p = plan({ from: "backup", since: "2026-12-31T23:00:00Z", until: "2027-01-01T00:00:01Z" }, "date");

    expect(p.prefixes).toEqual(["raw/year=2026/month=12/date=31/hour=23/", "raw/year=2027/month=01/date=01/hour=00/"]);
    // The Firehose prefixes of the same layout (contract/lake-layout.ts).
    expect(deliveryPrefixes("date", "event").raw).toBe(
      "raw/year=!{timestamp:yyyy}/month=!{timestamp:MM}/date=!{timestamp:dd}/hour=!{timestamp:HH}/",
    );
    expect(deliveryPrefixes("day", "arrival").errors).toBe(
      "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
    );
  });

  it("accepts exactly 7 days and lists 168 hours per type", () => {
    expect(plan({ from: "backup", since: "2026-11-18T00:00:00Z", until: "2026-11-25T00:00:00Z" }).prefixes).toHaveLength(168);
  });

  it.each([
    [{ from: "landing", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" }, /replay\.from must be "errors" or "backup"/],
    [
      { from: "errors", errorType: "delivery-failed", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" },
      /replay\.errorType must be/,
    ],
    [
      { from: "backup", errorType: "processing-failed", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" },
      /errorType applies to errors only/,
    ],
    [
      { from: "errors", since: "2026-11-25 10:00", until: "2026-11-25T11:00:00Z" },
      /replay\.since must be an ISO-8601 date-time with a time zone/,
    ],
    [{ from: "errors", since: "2026-11-25T11:00:00Z", until: "2026-11-25T11:00:00Z" }, /must be before replay\.until/],
    [{ from: "errors", since: "2026-11-01T00:00:00Z", until: "2026-11-09T00:00:00Z" }, /spans 192 hours; at most 168/],
    ["errors", /replay must be an object/],
  ])("rejects %j", (spec, message) => {
    const planned = planReplay(spec, "day");

    expect("problems" in planned && planned.problems.join("; ")).toMatch(message);
  });

  it("reports every problem at once", () => {
    const planned = planReplay({ from: "x", since: "then", until: "later" }, "day");

    expect("problems" in planned && planned.problems).toHaveLength(3);
  });

  it("parses zone designators and rejects impossible dates", () => {
    expect(parseInstant("2026-11-25T10:00:00.250-02:30")?.toISOString()).toBe("2026-11-25T12:30:00.250Z");
    expect(parseInstant("2026-02-30T10:00:00Z")).toBeUndefined();
    expect(parseInstant("2026-11-25T10:00:00")).toBeUndefined();
  });

  it("names the error type of an errors/ key", () => {
    expect(errorTypeOfKey("errors/format-conversion-failed/year=2026/x.gz")).toBe("format-conversion-failed");
    expect(errorTypeOfKey("raw/year=2026/x.gz")).toBeUndefined();
  });
});

describe("ReplayTally", () => {
  it("counts objects, records and unreadable parts by error type and by message", () => {
    // Prepare
    const tally = new ReplayTally();
    // Act
    tally.add(
      "errors/processing-failed/year=2026/a",
      decodeErrorObject(errorObject([processingFailedEnvelope(click("1")), processingFailedEnvelope("bad")])),
    );
    tally.add(
      "errors/format-conversion-failed/year=2026/b",
      decodeErrorObject(errorObject([conversionFailedEnvelope(click("2")), conversionFailedEnvelope(click("3"))])),
    );
    tally.add("errors/format-conversion-failed/year=2026/c", decodeErrorObject(Buffer.from([0x1f, 0x8b, 0x00])));
    tally.add("errors/activePartitionExceeded/year=2026/d", decodeErrorObject(errorObject([partitionExceededEnvelope(click("4"))])));
    // Assess
    const report = tally.report();
    expect(report).toMatchObject({ objects: 4, records: 4, unreadable: 1, unreadableObjects: 1, distinctMessages: 3 });
    expect(report.byType).toEqual([
      { errorType: "processing-failed", objects: 1, records: 1, unreadable: 1, unreadableObjects: 0 },
      { errorType: "format-conversion-failed", objects: 2, records: 2, unreadable: 0, unreadableObjects: 1 },
      { errorType: "activePartitionExceeded", objects: 1, records: 1, unreadable: 0, unreadableObjects: 0 },
    ]);
    expect(report.topMessages).toEqual([
      {
        message: "DataFormatConversion.MalformedData: The given JSON record has a value of the wrong type for column duration_ms.",
        entries: 2,
      },
      { message: "Lambda.FunctionError: The Lambda function was successfully invoked but it returned an error result.", entries: 2 },
      {
        message:
          "DynamicPartitioning.ActivePartitionsLimitExceeded: Number of active partitions exceeds the limit of 500 for this delivery stream.",
        entries: 1,
      },
    ]);
  });

  it("counts the distinct event hours of the records when given an event-hour reader, and only then", () => {
    const object = errorObject([
      partitionExceededEnvelope(click("1", 0, { event_time: "2026-10-03T08:10:00Z" })),
      partitionExceededEnvelope(click("2", 0, { event_time: "2026-10-03T08:50:00Z" })),
      partitionExceededEnvelope(click("3", 0, { event_time: "2026-10-17T23:59:59Z" })),
    ]);
    const withHours = new ReplayTally(eventHourReader(TEST_SCHEMA));
    const without = new ReplayTally();
    withHours.add("errors/activePartitionExceeded/year=2026/a", decodeErrorObject(object));
    without.add("errors/activePartitionExceeded/year=2026/a", decodeErrorObject(object));

    expect(withHours.report().eventHours).toBe(2);
    expect(without.report()).not.toHaveProperty("eventHours");
  });

  // The hour counted must be the partition Firehose opens: the transform's partition keys for the record.
  it.each([["2024-02-29T23:30:00-02:00"], ["2026-10-03 08:10:00"], [1_790_000_000], ["1790000000123"], ["2026-10-03T08:10:00.5Z"]])(
    "reads the event hour of %j exactly as the transform partitions it",
    (eventTime) => {
      const record = { event_id: "e", event_type: "page_view", event_time: eventTime };
      const { records } = transformRecords(firehoseEvent([record]), testSettings({ partitionTime: "event" }));
      const keys = records[0]!.metadata!.partitionKeys as Record<string, string>;

      expect(eventHourReader(TEST_SCHEMA)(record)).toBe(`${keys.year}-${keys.month}-${keys.day}T${keys.hour}`);
    },
  );

  it("has no event hour for a record without a readable event time", () => {
    const read = eventHourReader(TEST_SCHEMA);
    expect([read({ event_id: "e" }), read({ event_time: "soon" }), read({ event_time: null }), read("text")]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("counts raw backup objects without types or messages", () => {
    const tally = new ReplayTally();
    tally.add("raw/year=2026/month=11/day=25/hour=10/x.gz", decodeRawBackupObject(rawBackupObject([click("1"), click("2")], "\n")));

    expect(tally.report()).toMatchObject({ objects: 1, records: 2, byType: [], topMessages: [] });
  });

  it("keeps the base64 helper honest", () => {
    expect(Buffer.from(base64("é{}"), "base64").toString("utf8")).toBe("é{}");
  });
});

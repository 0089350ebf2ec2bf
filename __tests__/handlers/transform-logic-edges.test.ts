/**
 * Edges of the Firehose transform: which records keep their bytes and which are re-serialised, the
 * exact record-size limit, the response budget to the byte, and the reasons given for non-objects.
 */
import type { FirehoseTransformationResultRecord } from "aws-lambda";
import { appendNewlineBase64, compileSchema, MAX_RECORD_BYTES, OVER_BUDGET_REASON, transformRecords } from "../../handlers/transform/logic";
import { clickEvent, decodeData, firehoseEvent } from "../support/firehose-events";
import { testSettings } from "../support/schema";

const transformer = compileSchema(testSettings());

function transformOne(payload: unknown) {
  const outcome = transformer.transform(firehoseEvent([payload]));
  return { record: outcome.records[0], failure: outcome.failures[0] };
}

function responseBytes(records: FirehoseTransformationResultRecord[]): number {
  return Buffer.byteLength(JSON.stringify({ records }));
}

/** A valid click event written with a space after every colon and comma: valid JSON, not JSON.stringify's spelling. */
const spaced = (overrides: Record<string, unknown> = {}) => JSON.stringify(clickEvent(overrides)).replace(/([:,])"/g, '$1 "');

describe("transformRecords: which records keep their bytes", () => {
  it("keeps a valid one-line record byte for byte, spacing included, adding only the newline", () => {
    // Prepare
    const text = spaced();
    // Act
    const { record } = transformOne(text);
    // Assess
    expect(record.result).toBe("Ok");
    expect(decodeData(record)).toBe(`${text}\n`);
  });

  it("returns a valid one-line record that ends with its newline as the original base64", () => {
    // Prepare
    const event = firehoseEvent([`${spaced()}\n`]);
    // Act
    const { records } = transformer.transform(event);
    // Assess
    expect(records[0].data).toBe(event.records[0].data);
  });

  it.each([
    ["pretty-printed, starting and ending with its braces", (text: string) => JSON.stringify(JSON.parse(text), null, 2)],
    ["padded before the object", (text: string) => `  ${text}`],
    ["padded after the object", (text: string) => `${text}  `],
    ["followed by a newline and a space", (text: string) => `${text}\n `],
  ])("re-serialises a record %s onto one line", (_, layout) => {
    // Prepare
    const text = spaced();
    // Act
    const { record } = transformOne(layout(text));
    // Assess
    expect(decodeData(record)).toBe(`${JSON.stringify(JSON.parse(text))}\n`);
  });

  it("re-serialises a record whose values were coerced, even when it was one line", () => {
    // Prepare
    const text = spaced({ duration_ms: "1250" });
    // Act
    const { record } = transformOne(text);
    // Assess
    expect(JSON.parse(decodeData(record))).toMatchObject({ duration_ms: 1250 });
    expect(decodeData(record)).not.toContain(": ");
  });

  it("runs a compiled transform passed to transformRecords as it is", () => {
    // Prepare
    const event = firehoseEvent([spaced(), "{broken"]);
    // Act
    const outcome = transformRecords(event, transformer);
    // Assess
    expect(outcome).toEqual(transformer.transform(event));
  });
});

describe("appendNewlineBase64: base64 that is not canonical", () => {
  it.each([4, 5, 7, 8])("re-encodes %i bytes whose padding was stripped, as the naive encoding does", (length) => {
    // Prepare
    const bytes = Buffer.from("abcdefgh".slice(0, length));
    // Act
    const encoded = appendNewlineBase64(bytes.toString("base64").replace(/=+$/, ""), bytes);
    // Assess
    expect(Buffer.from(encoded, "base64").toString()).toBe(`${bytes.toString()}\n`);
  });
});

// Firehose's record limit is 1,000 KiB (https://docs.aws.amazon.com/firehose/latest/dev/limits.html).
describe("transformRecords: the record size limit", () => {
  const ofSize = (bytes: number) => {
    const base = JSON.stringify(clickEvent({ page_url: "" }));
    const text = base.replace('"page_url":""', `"page_url":"${"p".repeat(bytes - base.length)}"`);
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  };

  it("accepts a record of exactly 1,024,000 bytes", () => {
    expect(transformOne(ofSize(MAX_RECORD_BYTES)).record.result).toBe("Ok");
  });

  it("fails a record one byte over", () => {
    expect(transformOne(ofSize(MAX_RECORD_BYTES + 1)).failure.reason).toMatch(/^record is 1024001 bytes, over .* 1024000 bytes/);
  });
});

describe("transformRecords: non-object JSON", () => {
  it.each([
    ["null", "null"],
    ["42", "number"],
    ['"text"', "string"],
    ["true", "boolean"],
  ])("names the JSON type of %s in the reason", (payload, type) => {
    expect(transformOne(payload).failure.reason).toBe(`JSON ${type}: expected one JSON object per record`);
  });

  it("says why bytes that are not UTF-8 fail", () => {
    expect(transformOne(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])).failure.reason).toBe("record is not valid UTF-8");
  });
});

/**
 * The response budget: each Ok record is counted at its serialized size (partition metadata
 * included), each later record at its fallback size, so the response never exceeds the budget, and
 * a budget the whole response fits (plus one separator per record, which the count includes) loses
 * no record.
 */
describe("transformRecords: the response budget to the byte", () => {
  const eventTime = compileSchema(testSettings({ partitionTime: "event" }));
  // One record that fails first: its fallback size counts towards the response too.
  const event = firehoseEvent(["{broken", ...Array.from({ length: 9 }, (_, i) => clickEvent({}, i))]);
  const unlimited = eventTime.transform(event);
  const exact = responseBytes(unlimited.records);

  it("has partition metadata and one failed record in the response measured", () => {
    expect(unlimited.counts).toMatchObject({ ok: 9, failed: 1 });
    expect(unlimited.records[1].metadata).toBeDefined();
  });

  it("keeps every record when the budget is the response's size plus one byte", () => {
    // Act
    const { counts } = eventTime.transform(event, { responseBudgetBytes: exact + 1 });
    // Assess
    expect(counts).toMatchObject({ ok: 9, failed: 1 });
  });

  it("fails the last record, and stays within the budget, a byte below that", () => {
    // Act
    const { records, counts, failures } = eventTime.transform(event, { responseBudgetBytes: exact - 1 });
    // Assess
    expect(responseBytes(records)).toBeLessThanOrEqual(exact - 1);
    expect(counts).toMatchObject({ ok: 8, failed: 2 });
    expect(records[9].result).toBe("ProcessingFailed");
    expect(failures[1]).toEqual({ recordId: records[9].recordId, reason: OVER_BUDGET_REASON });
    expect(OVER_BUDGET_REASON).toMatch(/6 MiB Lambda limit; lower the processor buffer size/);
  });

  it("fails every record after the first one over the budget, even a smaller one that would still fit", () => {
    // Prepare: the middle record grows when re-serialised (an upper-case key, 200 numbers spelled out in 21 digits)
    const grows = JSON.stringify(clickEvent({ country: undefined, COUNTRY: "DE" }, 1)).replace(
      /}$/,
      `,"big":[${Array(200).fill("1e20")}]}`,
    );
    const mixed = firehoseEvent([clickEvent({}, 0), grows, clickEvent({}, 2)]);
    const allOk = transformer.transform(mixed).records;
    const middleFailed = allOk.map((record, i) => (i === 1 ? { ...mixed.records[1], result: "ProcessingFailed" as const } : record));
    const budget = responseBytes(middleFailed.map(({ recordId, result, data }) => ({ recordId, result, data }))) + 50;
    expect(responseBytes(allOk)).toBeGreaterThan(budget);
    // Act: the budget has room for the middle record failed and the last one Ok
    const { records } = transformer.transform(mixed, { responseBudgetBytes: budget });
    // Assess
    expect(records.map((record) => record.result)).toEqual(["Ok", "ProcessingFailed", "ProcessingFailed"]);
  });
});

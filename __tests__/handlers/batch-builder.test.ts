/**
 * The batch builder on its own (handlers/extract/batch-builder.ts): what it rejects and why, the event
 * ids it generates, when an object is full, the hours and unknown fields it reports, and how a long
 * rejected line is cut.
 */
import { BatchBuilder, truncateUtf8 } from "../../handlers/extract/batch-builder";
import type { SourceItem } from "../../handlers/extract/landing-format";
import { testBatchSettings } from "../support/schema";

const BATCH_ID = "20261125T0200Z";
const value = (record: unknown, line = 1): SourceItem => ({
  kind: "value",
  line,
  position: String(line),
  raw: JSON.stringify(record),
  value: record,
});
const click = (fields: Record<string, unknown> = {}) => ({
  event_id: "e-1",
  event_type: "page_view",
  event_time: "2026-11-25T01:00:00Z",
  ...fields,
});
const builder = (recordsPerChunk = 100) => new BatchBuilder(BATCH_ID, testBatchSettings({ recordsPerChunk }));
const rejected = (b: BatchBuilder) =>
  (b.takeRejected(true)?.body ?? "")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { line: number; reason: string; raw: string; truncated?: boolean });

describe("BatchBuilder", () => {
  it.each([
    [[1, 2], "array"],
    [null, "null"],
    [5, "number"],
    ["x", "string"],
    [true, "boolean"],
  ])("rejects the JSON value %p, naming its kind", (json, kind) => {
    const b = builder();
    expect(b.add("landing/a.ndjson", value(json))).toBe(true);
    expect(rejected(b).map((entry) => entry.reason)).toEqual([`JSON ${kind}: expected one JSON object per record`]);
  });

  it("stops reading a file that is unreadable as a whole, and counts it once", () => {
    const b = builder();
    expect(b.add("landing/a.ndjson.gz", { kind: "file-invalid", reason: "not a valid gzip file" })).toBe(false);
    expect(b.batchCounts(1)).toEqual(expect.objectContaining({ rejectedFiles: 1, rejectedLines: 0, rejected: 1 }));
  });

  it("generates an event id for a record without one, null or empty, and counts the generated ones", () => {
    const ids: unknown[] = [];
    const b = new BatchBuilder(BATCH_ID, testBatchSettings(), { onEventId: (id) => ids.push(id) });
    const { event_id: _id, ...withoutId } = click();

    for (const [line, record] of [withoutId, click({ event_id: null }), click({ event_id: "" }), click({ event_id: "given" })].entries()) {
      b.add("landing/a.ndjson", value(record, line + 1));
    }

    expect(ids).toHaveLength(4);
    expect(ids.slice(0, 3).every((id) => typeof id === "string" && id !== "" && id !== "given")).toBe(true);
    expect(new Set(ids).size).toBe(4);
    expect(ids[3]).toBe("given");
    expect(b.batchCounts(1)).toEqual(expect.objectContaining({ records: 4, generatedEventIds: 3, duplicateEventIds: 0 }));
  });

  it("reports the first and last event hour whatever order the records come in", () => {
    const b = builder();
    for (const [i, hour] of ["05", "01", "09", "03"].entries()) {
      b.add("landing/a.ndjson", value(click({ event_id: `e-${i}`, event_time: `2026-11-25T${hour}:30:00Z` }), i + 1));
    }
    expect(b.eventHours()).toEqual({
      first: "2026-11-25T01",
      last: "2026-11-25T09",
      hours: ["2026-11-25T01", "2026-11-25T03", "2026-11-25T05", "2026-11-25T09"],
    });
  });

  it("lists the fields outside the schema and how often any appeared", () => {
    const b = builder();
    b.add("landing/a.ndjson", value(click({ event_id: "a", colour: "red" })));
    b.add("landing/a.ndjson", value(click({ event_id: "b", colour: "blue", size: 3 })));
    const unknown = b.unknownFields();
    expect(unknown.count).toBe(3);
    expect([...unknown.keys].sort()).toEqual(["colour", "size"]);
  });

  it("has a full chunk at recordsPerChunk records, not before, and hands out a partial one only when final", () => {
    const b = builder(3);
    for (let i = 0; i < 2; i++) b.add("landing/a.ndjson", value(click({ event_id: `e-${i}` }), i + 1));
    expect(b.hasFullObject()).toBe(false);
    expect(b.takeChunk()).toBeUndefined();
    b.add("landing/a.ndjson", value(click({ event_id: "e-2" }), 3));
    expect(b.hasFullObject()).toBe(true);
    expect(b.takeChunk()?.body.split("\n").filter(Boolean)).toHaveLength(3);
    b.add("landing/a.ndjson", value(click({ event_id: "e-3" }), 4));
    expect(b.takeChunk()).toBeUndefined();
    expect(b.takeChunk(true)?.body.split("\n").filter(Boolean)).toHaveLength(1);
    expect(b.chunkKeys()).toHaveLength(2);
  });

  it("has a full rejected-lines object at recordsPerChunk entries, not before, and lists the keys it handed out", () => {
    const b = builder(3);
    const bad = (line: number): SourceItem => ({ kind: "invalid", line, raw: "{", reason: "malformed JSON" });
    b.add("landing/a.ndjson", bad(1));
    b.add("landing/a.ndjson", bad(2));
    expect(b.hasFullObject()).toBe(false);
    expect(b.takeRejected()).toBeUndefined();
    b.add("landing/a.ndjson", bad(3));
    expect(b.hasFullObject()).toBe(true);
    expect(b.takeRejected()?.body.split("\n").filter(Boolean)).toHaveLength(3);
    expect(b.rejectedKeys()).toEqual([`rejected/${BATCH_ID}/rejected-00000.ndjson`]);
    expect(b.hasFullObject()).toBe(false);
  });
});

describe("truncateUtf8 (a rejected line's raw text)", () => {
  it("keeps a text of at most the limit whole, however it is made of characters", () => {
    expect(truncateUtf8("a".repeat(10), 10)).toBe("a".repeat(10));
    expect(truncateUtf8("é".repeat(5), 10)).toBe("é".repeat(5)); // 10 bytes, but 15 by the quick bound
  });

  it("cuts a longer text to at most the limit, never inside a character", () => {
    expect(truncateUtf8("a".repeat(11), 10)).toBe("a".repeat(10));
    expect(truncateUtf8("é".repeat(6), 11)).toBe("é".repeat(5)); // a 2-byte character would straddle byte 11
    expect(truncateUtf8("€".repeat(4), 10)).toBe("€".repeat(3)); // 3-byte characters: 9 of 12 bytes fit
    expect(truncateUtf8("😀".repeat(2), 7)).toBe("😀"); // a 4-byte character
    expect(truncateUtf8("😀", 3)).toBe("");
  });

  it("marks a rejected line it cut, and keeps a short one as it came", () => {
    const b = builder();
    b.add("landing/a.ndjson", { kind: "invalid", line: 1, raw: "é".repeat(6000), reason: "malformed JSON" });
    b.add("landing/a.ndjson", { kind: "invalid", line: 2, raw: "short", reason: "malformed JSON" });
    const [long, short] = rejected(b);
    expect(Buffer.byteLength(long!.raw)).toBe(10 * 1024);
    expect(long!.truncated).toBe(true);
    expect(short).toEqual({ key: "landing/a.ndjson", line: 2, reason: "malformed JSON", raw: "short" });
  });
});

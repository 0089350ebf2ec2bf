import { createHash } from "node:crypto";
import { batchIdFor, batchKeys } from "../../handlers/extract/batch-id";
import { canonicalJson, generatedEventId } from "../../handlers/extract/event-id";

describe("batchIdFor", () => {
  it.each([
    ["2026-11-25T02:00:00Z", "20261125T0200Z"],
    ["2026-11-25T02:00:59.999Z", "20261125T0200Z"],
    ["2026-11-25T03:00:00+01:00", "20261125T0200Z"],
    ["2026-11-25T00:30:00+0100", "20261124T2330Z"],
    ["2026-11-24T23:15:00-02:45", "20261125T0200Z"],
    ["2026-11-25t02:00z", "20261125T0200Z"],
    ["2026-11-25T02:00Z", "20261125T0200Z"],
    ["2024-02-29T12:00:00Z", "20240229T1200Z"],
    ["2000-02-29T12:00:00Z", "20000229T1200Z"],
    ["2026-12-31T23:59:59Z", "20261231T2359Z"],
    ["2026-01-31T00:00:00Z", "20260131T0000Z"],
    ["2026-11-01T00:00:00Z", "20261101T0000Z"],
    ["2026-04-30T00:00:00Z", "20260430T0000Z"],
    ["2026-11-25T02:00:00+18:00", "20261124T0800Z"],
    ["2026-11-25T02:00:00-18:00", "20261125T2000Z"],
  ])("turns %s into %s", (scheduledTime, batchId) => {
    expect(batchIdFor(scheduledTime)).toBe(batchId);
  });

  it.each([
    "",
    "yesterday",
    "2026-11-25T02:00:00",
    "2026-02-30T02:00:00Z",
    "2026-02-29T02:00:00Z",
    "1900-02-29T02:00:00Z",
    "2026-04-31T02:00:00Z",
    "2026-13-01T02:00:00Z",
    "2026-00-01T02:00:00Z",
    "2026-11-00T02:00:00Z",
    "2026-11-25T24:00:00Z",
    "2026-11-25T23:60:00Z",
    "2026-11-25T23:00:60Z",
    "2026-11-25T02:00:00+18:01",
    "2026-11-25T02:00:00-19:00",
    " 2026-11-25T02:00:00Z",
    "2026-11-25T02:00:00Z ",
    1_795_572_000_000,
    null,
    ["2026-11-25T02:00:00Z"],
  ])("rejects %p with a message showing the expected form and the value", (scheduledTime) => {
    expect(() => batchIdFor(scheduledTime)).toThrow(
      /^scheduledTime must be an ISO-8601 date-time with a time zone, such as 2026-11-25T02:00:00Z \(the schedule's event time\), got /,
    );
  });

  it("names the InvalidBatchInput error and shows the received value", () => {
    expect(() => batchIdFor("2026-11-25")).toThrow(
      expect.objectContaining({ name: "InvalidBatchInput", message: expect.stringMatching(/got "2026-11-25"$/) }),
    );
  });
});

describe("batchKeys", () => {
  it("places the run marker, the manifest and five-digit numbered chunks and rejected files under the batch", () => {
    const keys = batchKeys("20261125T0200Z");
    expect(keys.marker).toBe("_runs/20261125T0200Z.json");
    expect(keys.manifest).toBe("staging/20261125T0200Z/manifest.json");
    expect(keys.chunk(7)).toBe("staging/20261125T0200Z/chunk-00007.ndjson");
    expect(keys.chunk(123456)).toBe("staging/20261125T0200Z/chunk-123456.ndjson");
    expect(keys.rejected(12)).toBe("rejected/20261125T0200Z/rejected-00012.ndjson");
  });
});

describe("generatedEventId", () => {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

  it("is the first 32 hex digits of sha256 over key, position and the record's canonical JSON", () => {
    const id = generatedEventId("landing/a.ndjson", "3", { b: 1, a: "x" }, "event_id");
    expect(id).toBe(sha('landing/a.ndjson:3:{"a":"x","b":1}'));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("leaves the id column and batch_id out, so the id does not depend on them", () => {
    const bare = generatedEventId("k", "1", { a: 1 }, "event_id");
    expect(generatedEventId("k", "1", { a: 1, event_id: null, batch_id: "20261125T0200Z" }, "event_id")).toBe(bare);
    expect(generatedEventId("k", "1", { a: 1, id: "x" }, "id")).toBe(bare);
    expect(generatedEventId("k", "1", { a: 1, event_id: "x" }, "id")).not.toBe(bare);
  });

  it("differs by key, position and content", () => {
    const ids = [
      generatedEventId("k", "1", { a: 1 }, "event_id"),
      generatedEventId("k2", "1", { a: 1 }, "event_id"),
      generatedEventId("k", "1#2", { a: 1 }, "event_id"),
      generatedEventId("k", "1", { a: 2 }, "event_id"),
    ];
    expect(new Set(ids).size).toBe(4);
  });
});

describe("canonicalJson", () => {
  it("sorts object keys at every level, keeps array order and serialises scalars as JSON", () => {
    expect(canonicalJson({ b: [{ d: 1, c: "x" }, 2], a: { z: null, y: true } })).toBe('{"a":{"y":true,"z":null},"b":[{"c":"x","d":1},2]}');
    expect(canonicalJson('q"')).toBe('"q\\""');
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson({})).toBe("{}");
  });

  it("writes null for what JSON cannot represent", () => {
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson([undefined, 1])).toBe("[null,1]");
  });
});

/** The delivery check's pure parts on their own: expected partitions and event-hour parsing. */
import { eventHourRange, expectedPartitions, LISTING_LIMITS } from "../../handlers/delivery-check/logic";

const ARRIVAL = { dayKey: "day", partitionTime: "arrival" } as const;
const EVENT = { dayKey: "day", partitionTime: "event" } as const;
const at = (iso: string) => new Date(iso);

describe("expectedPartitions by arrival time", () => {
  it("expects each UTC hour from the push's start through its end", () => {
    expect(expectedPartitions(ARRIVAL, at("2026-11-25T10:59:00Z"), at("2026-11-25T12:00:00Z"))).toEqual([
      "data/year=2026/month=11/day=25/hour=10/",
      "data/year=2026/month=11/day=25/hour=11/",
      "data/year=2026/month=11/day=25/hour=12/",
    ]);
  });

  it("expects only the start hour without an end, or with an end before the start", () => {
    const only = ["data/year=2026/month=11/day=25/hour=10/"];
    expect(expectedPartitions(ARRIVAL, at("2026-11-25T10:30:00Z"), undefined)).toEqual(only);
    expect(expectedPartitions(ARRIVAL, at("2026-11-25T10:30:00Z"), at("2026-11-25T08:00:00Z"))).toEqual(only);
  });
});

describe("expectedPartitions by event time", () => {
  it("expects each reported event hour once, sorted", () => {
    const hours = ["2026-11-25T12", "2026-11-24T23", "2026-11-25T12"];
    expect(
      expectedPartitions(EVENT, at("2026-11-25T13:00:00Z"), undefined, { first: "2026-11-24T23", last: "2026-11-25T12", hours }),
    ).toEqual(["data/year=2026/month=11/day=24/hour=23/", "data/year=2026/month=11/day=25/hour=12/"]);
  });

  it("gives up (undefined) without hours, with none, with a malformed one or beyond the listing cap", () => {
    const since = at("2026-11-25T13:00:00Z");
    const range = { first: "2026-11-25T00", last: "2026-11-25T00" };
    expect(expectedPartitions(EVENT, since, undefined)).toBeUndefined();
    expect(expectedPartitions(EVENT, since, undefined, { ...range, hours: [] })).toBeUndefined();
    expect(expectedPartitions(EVENT, since, undefined, { ...range, hours: ["2026-11-25 10"] })).toBeUndefined();
    const cap = LISTING_LIMITS.maxEventHourPrefixes;
    const hours = Array.from({ length: cap + 1 }, (_, i) => new Date(Date.UTC(2026, 0, 1, i)).toISOString().slice(0, 13));
    expect(expectedPartitions(EVENT, since, undefined, { ...range, hours: hours.slice(0, cap) })).toHaveLength(cap);
    expect(expectedPartitions(EVENT, since, undefined, { ...range, hours })).toBeUndefined();
  });
});

describe("eventHourRange", () => {
  it("parses YYYY-MM-DDTHH hours as UTC", () => {
    expect(eventHourRange({ first: "2026-11-25T01", last: "2026-11-25T03" })).toEqual({
      first: at("2026-11-25T01:00:00Z"),
      last: at("2026-11-25T03:00:00Z"),
    });
  });

  it.each([
    ["x2026-11-25T01", "2026-11-25T03"],
    ["2026-11-25T01", "2026-11-25T03x"],
    ["2026-11-25T01", "2026-13-40T03"],
    ["2026-13-40T01", "2026-11-25T03"],
    ["2026-11-25T03", "2026-11-25T01"],
  ])("refuses %p to %p", (first, last) => {
    expect(eventHourRange({ first, last })).toBeUndefined();
  });
});

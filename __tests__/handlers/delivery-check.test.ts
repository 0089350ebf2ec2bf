import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { handler } from "../../handlers/delivery-check";
import {
  hourPrefixes,
  checkDelivery,
  expectedPartitions,
  isDelivered,
  listPlanned,
  LISTING_LIMITS,
  parseSince,
  parseUntil,
  type ListedPage,
} from "../../handlers/delivery-check/logic";
import { testBatchSettings } from "../support/schema";

const at = (iso: string) => new Date(iso);

/** A Firehose data object in the hour partition of `lastModified`. */
function dataObject(lastModified: string, name = "clicks-delivery-1-2025-01-01-12-00-00-abc.parquet") {
  const t = at(lastModified);
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    Key: `data/year=${t.getUTCFullYear()}/month=${pad(t.getUTCMonth() + 1)}/day=${pad(t.getUTCDate())}/hour=${pad(t.getUTCHours())}/${name}`,
    LastModified: t,
  };
}

describe("hourPrefixes", () => {
  it("lists every UTC hour from since through now, across a day and month boundary", () => {
    expect(hourPrefixes(at("2025-01-31T22:59:59Z"), at("2025-02-01T01:00:00Z"), "day")).toEqual([
      "data/year=2025/month=01/day=31/hour=22/",
      "data/year=2025/month=01/day=31/hour=23/",
      "data/year=2025/month=02/day=01/hour=00/",
      "data/year=2025/month=02/day=01/hour=01/",
    ]);
  });

  it("uses the configured day key", () => {
    expect(hourPrefixes(at("2025-03-04T05:06:07Z"), at("2025-03-04T05:30:00Z"), "date")).toEqual([
      "data/year=2025/month=03/date=04/hour=05/",
    ]);
  });

  it("caps the prefixes at 48, keeping the hours right after since", () => {
    const prefixes = hourPrefixes(at("2025-01-01T00:00:00Z"), at("2025-01-10T00:00:00Z"), "day");

    expect(prefixes).toHaveLength(LISTING_LIMITS.maxHourPrefixes);
    expect(prefixes[0]).toBe("data/year=2025/month=01/day=01/hour=00/");
    expect(prefixes[47]).toBe("data/year=2025/month=01/day=02/hour=23/");
  });

  it("still lists the hour of a since that lies after now", () => {
    expect(hourPrefixes(at("2025-01-01T12:10:00Z"), at("2025-01-01T11:59:00Z"), "day")).toEqual([
      "data/year=2025/month=01/day=01/hour=12/",
    ]);
  });
});

describe("expectedPartitions", () => {
  it("expects every arrival hour from the push's start through its end, across a day boundary", () => {
    expect(expectedPartitions({ dayKey: "day", partitionTime: "arrival" }, at("2025-01-31T23:58:00Z"), at("2025-02-01T00:02:00Z"))).toEqual(
      ["data/year=2025/month=01/day=31/hour=23/", "data/year=2025/month=02/day=01/hour=00/"],
    );
  });

  it("expects only the start hour without an end (or with an end before the start)", () => {
    const settings = { dayKey: "day", partitionTime: "arrival" } as const;
    expect(expectedPartitions(settings, at("2025-01-01T12:05:00Z"), undefined)).toEqual(["data/year=2025/month=01/day=01/hour=12/"]);
    expect(expectedPartitions(settings, at("2025-01-01T12:05:00Z"), at("2025-01-01T11:00:00Z"))).toEqual([
      "data/year=2025/month=01/day=01/hour=12/",
    ]);
  });

  it("expects exactly the event hours holding records with event-time partitions, skipping empty hours between them", () => {
    const partitions = expectedPartitions({ dayKey: "date", partitionTime: "event" }, at("2025-01-03T12:05:00Z"), undefined, {
      first: "2024-12-31T23",
      last: "2025-01-01T05",
      hours: ["2024-12-31T23", "2025-01-01T05"],
    });
    expect(partitions).toEqual(["data/year=2024/month=12/date=31/hour=23/", "data/year=2025/month=01/date=01/hour=05/"]);
  });

  it("cannot know the event-time partitions without the list of hours, or with a malformed hour", () => {
    const settings = { dayKey: "day", partitionTime: "event" } as const;
    const since = at("2025-01-03T12:05:00Z");
    expect(expectedPartitions(settings, since, undefined, { first: "2025-01-01T00", last: "2025-01-01T02" })).toBeUndefined();
    expect(
      expectedPartitions(settings, since, undefined, { first: "2025-01-01T00", last: "2025-01-01T02", hours: ["2025-01-01"] }),
    ).toBeUndefined();
    expect(expectedPartitions(settings, since, undefined, null)).toBeUndefined();
  });
});

describe("checkDelivery", () => {
  const arrival = { dayKey: "day", partitionTime: "arrival" } as const;
  /** Lists `objects` by prefix, one page. */
  const lister =
    (objects: ReturnType<typeof dataObject>[]) =>
    async (prefix: string): Promise<ListedPage> => ({
      Contents: objects.filter((o) => o.Key.startsWith(prefix)),
    });
  const push = { since: at("2025-01-01T12:58:30Z"), until: at("2025-01-01T13:00:20Z") };

  it("is not delivered while an expected hour has no new object, however many objects other hours have", async () => {
    const objects = [dataObject("2025-01-01T12:59:00Z", "live.parquet"), dataObject("2025-01-01T12:59:50Z", "batch.parquet")];

    expect(await checkDelivery(arrival, push, lister(objects))).toEqual({
      delivered: false,
      objects: 2,
      expected: 2,
      missing: ["data/year=2025/month=01/day=01/hour=13/"],
    });
  });

  it("does not count, for the last hour, an object written while the push was still running", async () => {
    const objects = [dataObject("2025-01-01T12:59:50Z"), dataObject("2025-01-01T13:00:10Z", "live.parquet")];

    expect((await checkDelivery(arrival, push, lister(objects))).missing).toEqual(["data/year=2025/month=01/day=01/hour=13/"]);
  });

  it("is delivered when the last hour has an object written after the push ended", async () => {
    const objects = [dataObject("2025-01-01T12:59:50Z"), dataObject("2025-01-01T13:06:00Z")];

    expect(await checkDelivery(arrival, push, lister(objects))).toEqual({ delivered: true, objects: 2, expected: 2, missing: [] });
  });

  // A buffer is filed under the arrival hour of its oldest record (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html):
  // one opened before 13:00 holds the records of 13:00–13:00:20 under hour 12.
  it("accepts, for the last hour, an object of the hour before written after the push ended", async () => {
    const objects = [dataObject("2025-01-01T13:04:50Z")].map((o) => ({ ...o, Key: o.Key.replace("hour=13", "hour=12") }));

    expect(await checkDelivery(arrival, push, lister(objects))).toMatchObject({ delivered: true, missing: [] });
  });

  it("never counts objects written before the push began", async () => {
    const objects = [dataObject("2025-01-01T12:40:00Z"), dataObject("2025-01-01T13:06:00Z")];

    expect(await checkDelivery(arrival, push, lister(objects))).toMatchObject({
      delivered: false,
      missing: ["data/year=2025/month=01/day=01/hour=12/"],
    });
  });

  it("needs a new object in every event hour of the batch with event-time partitions", async () => {
    const event = { dayKey: "day", partitionTime: "event" } as const;
    const eventHours = { first: "2024-06-01T00", last: "2024-06-03T00", hours: ["2024-06-01T00", "2024-06-03T00"] };
    const old = dataObject("2024-06-01T00:10:00Z");
    const fresh = (hour: string) => ({
      ...dataObject("2024-06-01T00:10:00Z"),
      Key: `data/year=2024/month=06/day=${hour}/hour=00/x.parquet`,
      LastModified: at("2025-01-01T13:02:00Z"),
    });

    expect(await checkDelivery(event, { ...push, eventHours }, lister([old, fresh("01")]))).toMatchObject({
      delivered: false,
      missing: ["data/year=2024/month=06/day=03/hour=00/"],
    });
    expect(await checkDelivery(event, { ...push, eventHours }, lister([old, fresh("01"), fresh("03")]))).toEqual({
      delivered: true,
      objects: 2,
      expected: 2,
      missing: [],
    });
  });

  it("summarises more than five missing partitions", async () => {
    const long = { since: at("2025-01-01T00:00:00Z"), until: at("2025-01-01T07:30:00Z") };

    expect((await checkDelivery(arrival, long, lister([]))).missing).toEqual([
      ...["00", "01", "02", "03", "04"].map((h) => `data/year=2025/month=01/day=01/hour=${h}/`),
      "… and 3 more",
    ]);
  });

  it("falls back to a bounded listing of data/ when the event hours are unknown", async () => {
    const event = { dayKey: "day", partitionTime: "event" } as const;
    const prefixes: string[] = [];
    const result = await checkDelivery(event, { since: at("2025-01-01T12:05:00Z") }, async (prefix) => {
      prefixes.push(prefix);
      return { Contents: [dataObject("2025-01-01T13:00:00Z")] };
    });

    expect(prefixes).toEqual(["data/"]);
    expect(result).toEqual({ delivered: true, objects: 1, expected: 0, missing: [] });
  });
});

describe("isDelivered", () => {
  const since = at("2025-01-01T12:00:00.400Z");

  it("counts only objects last modified at or after since", () => {
    const objects = [dataObject("2025-01-01T11:59:58Z"), dataObject("2025-01-01T12:00:01Z"), dataObject("2025-01-01T12:03:00Z")];

    expect(isDelivered(objects, since)).toEqual({ delivered: true, objects: 2 });
  });

  it("counts an object from the same second, since S3 reports whole seconds", () => {
    expect(isDelivered([dataObject("2025-01-01T12:00:00Z")], since)).toEqual({ delivered: true, objects: 1 });
  });

  it("is not delivered when nothing is new", () => {
    expect(isDelivered([dataObject("2025-01-01T11:00:00Z"), { Key: "data/x" }], since)).toEqual({ delivered: false, objects: 0 });
  });
});

describe("listPlanned", () => {
  it("follows continuation tokens up to maxPages per prefix", async () => {
    // Prepare: every prefix has endless pages of one object
    const calls: [string, string | undefined][] = [];
    const listPage = async (prefix: string, token: string | undefined): Promise<ListedPage> => {
      calls.push([prefix, token]);
      return { Contents: [dataObject("2025-01-01T12:30:00Z")], NextContinuationToken: `${prefix}#${calls.length}` };
    };
    // Act
    const objects = await listPlanned({ prefixes: ["a/", "b/"], maxPages: 3 }, listPage);
    // Assess
    expect(objects).toHaveLength(6);
    expect(calls).toEqual([
      ["a/", undefined],
      ["a/", "a/#1"],
      ["a/", "a/#2"],
      ["b/", undefined],
      ["b/", "b/#4"],
      ["b/", "b/#5"],
    ]);
  });
});

describe("settings and input", () => {
  it("rejects a since that is not a time", () => {
    expect(() => parseSince("yesterday")).toThrow('since must be an ISO-8601 time, got "yesterday"');
    expect(parseSince("2025-01-01T12:00:00Z").toISOString()).toBe("2025-01-01T12:00:00.000Z");
  });

  it("reads an optional until, and rejects one that is not a time", () => {
    expect(parseUntil(undefined)).toBeUndefined();
    expect(parseUntil(null)).toBeUndefined();
    expect(parseUntil("2025-01-01T12:00:20.123Z")?.toISOString()).toBe("2025-01-01T12:00:20.123Z");
    expect(() => parseUntil(12)).toThrow("until must be an ISO-8601 time, got 12");
  });
});

describe("delivery-check handler", () => {
  const s3 = mockClient(S3Client);
  const ORIGINAL_ENV = process.env;

  beforeEach(() => {
    s3.reset();
    jest.useFakeTimers({ now: at("2025-01-01T13:20:00Z"), doNotFake: ["setTimeout", "setImmediate", "nextTick", "queueMicrotask"] });
    process.env = {
      ...ORIGINAL_ENV,
      LAKE_BUCKET: "acme-lake",
      BATCH_SETTINGS: JSON.stringify(testBatchSettings({ dayKey: "day", partitionTime: "arrival" })),
    };
  });
  afterEach(() => jest.useRealTimers());
  afterAll(() => {
    process.env = ORIGINAL_ENV;
  });

  it("lists the partitions of the push's hours and reports the batch delivered once each has a new object", async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(ListObjectsV2Command, { Prefix: "data/year=2025/month=01/day=01/hour=12/" }).resolves({
      Contents: [dataObject("2025-01-01T12:01:00Z", "old.parquet"), dataObject("2025-01-01T12:09:00Z", "new.parquet")],
    });
    s3.on(ListObjectsV2Command, { Prefix: "data/year=2025/month=01/day=01/hour=13/" }).resolves({
      Contents: [dataObject("2025-01-01T13:10:00Z", "last.parquet")],
    });
    // Act
    const output = await handler({ since: "2025-01-01T12:05:00Z", until: "2025-01-01T13:01:00Z" });
    // Assess
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual(
      ["12", "13"].map((hour) => expect.objectContaining({ Bucket: "acme-lake", Prefix: `data/year=2025/month=01/day=01/hour=${hour}/` })),
    );
    expect(output).toEqual({ delivered: true, objects: 2, expected: 2, missing: [] });
  });

  it("reports not delivered while the partitions are empty", async () => {
    s3.on(ListObjectsV2Command).resolves({});

    expect(await handler({ since: "2025-01-01T13:10:00Z" })).toEqual({
      delivered: false,
      objects: 0,
      expected: 1,
      missing: ["data/year=2025/month=01/day=01/hour=13/"],
    });
  });

  it("lists data/ page by page for event-time partitions whose hours are unknown", async () => {
    process.env.BATCH_SETTINGS = JSON.stringify(testBatchSettings({ dayKey: "day", partitionTime: "event" }));
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [dataObject("2024-06-01T00:00:00Z")], NextContinuationToken: "t1" })
      .resolvesOnce({ Contents: [dataObject("2025-01-01T13:00:00Z")] });

    const output = await handler({ since: "2025-01-01T12:05:00Z" });

    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
    expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListObjectsV2Command, {
      Bucket: "acme-lake",
      Prefix: "data/",
      ContinuationToken: "t1",
    });
    expect(output).toEqual({ delivered: true, objects: 1, expected: 0, missing: [] });
  });

  it("names the construct that sets a missing bucket", async () => {
    delete process.env.LAKE_BUCKET;

    await expect(handler({ since: "2025-01-01T12:05:00Z" })).rejects.toThrow("LAKE_BUCKET is not set (set by BatchStage)");
  });
});

import { batchName, batchSettings, transformSettings } from "../../handlers/shared/settings";
import { testBatchSettings, testSettings } from "../support/schema";

describe("adapter settings", () => {
  it("parses BATCH_SETTINGS once per distinct value", () => {
    const text = JSON.stringify(testBatchSettings({ recordsPerChunk: 7 }));
    const first = batchSettings({ BATCH_SETTINGS: text });
    expect(first.recordsPerChunk).toBe(7);
    expect(batchSettings({ BATCH_SETTINGS: text })).toBe(first);
    const other = batchSettings({ BATCH_SETTINGS: JSON.stringify(testBatchSettings({ recordsPerChunk: 8 })) });
    expect(other.recordsPerChunk).toBe(8);
  });

  it("names the variable, the construct that sets it and every problem", () => {
    expect(() => batchSettings({})).toThrow("BATCH_SETTINGS is not set (set by BatchStage)");
    expect(() => batchSettings({ BATCH_SETTINGS: JSON.stringify(testBatchSettings({ recordsPerChunk: 0 })) })).toThrow(
      /BATCH_SETTINGS is invalid: recordsPerChunk must be an integer ≥ 1, got 0/,
    );
    expect(() => transformSettings({})).toThrow("TRANSFORM_SETTINGS is not set (set by TransformFunction)");
    expect(() => batchName("streamName", {})).toThrow("STREAM_NAME is not set (set by BatchStage)");
  });

  it("reads the transform settings and the batch names", () => {
    expect(transformSettings({ TRANSFORM_SETTINGS: JSON.stringify(testSettings()) }).dayKey).toBe(testSettings().dayKey);
    expect(batchName("bucket", { LAKE_BUCKET: "acme-lake" })).toBe("acme-lake");
  });
});

describe("BATCH_SETTINGS as the batch functions read it", () => {
  const parse = (settings: unknown) => batchSettings({ BATCH_SETTINGS: JSON.stringify(settings) });

  it("reads the push fields", () => {
    const push = { partitionKeyField: "user_id", eventIdColumn: "event_id", maxPushAttempts: 8 };
    expect(parse(testBatchSettings(push))).toMatchObject(push);
  });

  it("reports every bad push field at once", () => {
    expect(() => parse(testBatchSettings({ partitionKeyField: "", eventIdColumn: "", maxPushAttempts: 0 }))).toThrow(
      /BATCH_SETTINGS is invalid: partitionKeyField must be a non-empty string, got ""; maxPushAttempts must be an integer ≥ 1, got 0; eventIdColumn must name a string column of the schema, got ""/,
    );
  });

  it("reads dayKey and partitionTime for the delivery check", () => {
    expect(parse(testBatchSettings({ dayKey: "date", partitionTime: "event", maxPushAttempts: 8 }))).toMatchObject({
      dayKey: "date",
      partitionTime: "event",
    });
    expect(() => parse({ ...testBatchSettings(), dayKey: "dt", partitionTime: undefined })).toThrow(
      /dayKey must be "day" or "date", got "dt"; partitionTime must be "arrival" or "event", got nothing/,
    );
  });
});

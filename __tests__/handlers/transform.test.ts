import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { clickEvent, firehoseEvent } from "../support/firehose-events";
import { testSettings } from "../support/schema";

type TransformModule = typeof import("../../handlers/transform");

const ORIGINAL_ENV = process.env;

function loadHandler(env: Record<string, string | undefined>): TransformModule["handler"] {
  process.env = {
    ...ORIGINAL_ENV,
    POWERTOOLS_SERVICE_NAME: "clicks-transform",
    POWERTOOLS_METRICS_NAMESPACE: "DataLake",
    POWERTOOLS_DEV: undefined,
    POWERTOOLS_METRICS_DISABLED: undefined,
    ...env,
  };
  let handler: TransformModule["handler"] | undefined;
  jest.isolateModules(() => {
    handler = (require("../../handlers/transform") as TransformModule).handler;
  });
  return handler!;
}

async function invoke(
  handler: TransformModule["handler"],
  event: FirehoseTransformationEvent,
): Promise<{ response: FirehoseTransformationResult; lines: Record<string, unknown>[] }> {
  const output: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(chunk.toString());
    return true;
  };
  const writes = [jest.spyOn(process.stdout, "write"), jest.spyOn(process.stderr, "write")];
  for (const write of writes) write.mockImplementation(capture);
  try {
    const response = await handler(event, lambdaContext());
    const lines = output
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { response, lines };
  } finally {
    for (const write of writes) write.mockRestore();
  }
}

function lambdaContext(): Context {
  return {
    functionName: "clicks-transform",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:clicks-transform",
    memoryLimitInMB: "256",
    awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    logGroupName: "/aws/lambda/clicks-transform",
    logStreamName: "2025/01/01/[$LATEST]abcdef",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

afterAll(() => {
  process.env = ORIGINAL_ENV;
});

describe("transform handler", () => {
  const settings = JSON.stringify(testSettings({ partitionTime: "event" }));

  it("returns only Firehose response fields for every record", async () => {
    // Prepare
    const handler = loadHandler({ TRANSFORM_SETTINGS: settings });
    const event = firehoseEvent([clickEvent({}, 0), "{broken", clickEvent({ duration_ms: "12" }, 2)]);
    // Act
    const { response } = await invoke(handler, event);
    // Assess
    expect(Object.keys(response)).toEqual(["records"]);
    expect(response.records.map((record) => record.recordId)).toEqual(event.records.map((record) => record.recordId));
    expect(response.records.map((record) => record.result)).toEqual(["Ok", "ProcessingFailed", "Ok"]);
    for (const record of response.records) {
      const allowed = record.result === "Ok" ? ["recordId", "result", "data", "metadata"] : ["recordId", "result", "data"];
      expect(Object.keys(record).every((key) => allowed.includes(key))).toBe(true);
    }
  });

  it("logs each failed record with its recordId and reason", async () => {
    // Prepare
    const handler = loadHandler({ TRANSFORM_SETTINGS: settings });
    const event = firehoseEvent([clickEvent(), "[1,2]", clickEvent({ event_id: undefined })]);
    // Act
    const { lines } = await invoke(handler, event);
    // Assess
    const warnings = lines.filter((line) => line.level === "WARN");
    expect(warnings).toEqual([
      expect.objectContaining({ recordId: event.records[1].recordId, reason: expect.stringMatching(/JSON array/) }),
      expect.objectContaining({
        recordId: event.records[2].recordId,
        reason: expect.stringMatching(/missing required column event_id/),
      }),
    ]);
    expect(warnings[0]).toHaveProperty("function_request_id", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  });

  it("publishes ok, failed, dropped and coerced counts as metrics", async () => {
    // Prepare
    const handler = loadHandler({
      TRANSFORM_SETTINGS: JSON.stringify(testSettings({ dropRules: [{ column: "is_bot", equals: [true] }] })),
    });
    const event = firehoseEvent([clickEvent(), clickEvent({ is_bot: true }), "", clickEvent({ revenue: "1.50" })]);
    // Act
    const { lines } = await invoke(handler, event);
    // Assess
    expect(lines.find((line) => "_aws" in line)).toMatchObject({
      OkRecords: 2,
      FailedRecords: 1,
      DroppedRecords: 1,
      CoercedRecords: 1,
      UnknownFields: 0,
    });
  });

  it("fails to load when TRANSFORM_SETTINGS is not set", () => {
    // Act, Assess
    expect(() => loadHandler({ TRANSFORM_SETTINGS: undefined })).toThrow(/TRANSFORM_SETTINGS is not set \(set by TransformFunction\)/);
  });

  it("fails to load when TRANSFORM_SETTINGS is invalid", () => {
    // Act, Assess
    expect(() => loadHandler({ TRANSFORM_SETTINGS: JSON.stringify({ ...testSettings(), dayKey: "dd" }) })).toThrow(
      /TRANSFORM_SETTINGS is invalid: dayKey/,
    );
  });
});

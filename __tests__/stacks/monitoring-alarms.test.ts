import { TRANSFORM_METRICS_NAMESPACE } from "../../stacks/constructs/metrics";
import { AlarmInputs, alarmSpecs, defaultFreshnessSeconds, shortName } from "../../stacks/constructs/monitoring-alarms";
import { dashboardWidgets, layout } from "../../stacks/constructs/monitoring-dashboard";

const INPUTS: AlarmInputs = {
  namePrefix: "acme-test",
  settings: {
    enabled: true,
    iteratorAgeMaxSeconds: 600,
    throttlePeriods: 1,
    deliverySuccessMin: 0.99,
    failedRecordsMax: 0,
    lambdaErrorsMax: 0,
  },
  streamName: "acme-test-events",
  deliveryStreamName: "acme-test-delivery",
  functionNames: ["acme-test-transform"],
  transformFunctionName: "acme-test-transform",
  transformNamespace: TRANSFORM_METRICS_NAMESPACE,
  freshnessMaxSeconds: 240,
  format: "parquet",
  dynamicPartitioning: false,
  crawlerName: "acme-test-crawler",
  crawlerRuleName: "acme-test-crawler-failed",
};

const ids = (inputs: AlarmInputs) => alarmSpecs(inputs).map((spec) => spec.id);

describe("alarm specs (pure)", () => {
  it("watch the transform's record failures in the namespace the transform publishes to", () => {
    const spec = alarmSpecs(INPUTS).find((s) => s.id === "processing-failed-records");
    expect(spec).toMatchObject({ namespace: TRANSFORM_METRICS_NAMESPACE, dimensions: { service: "acme-test-transform" } });
  });

  it("add conversion and partition alarms only when the delivery converts and partitions by event time", () => {
    expect(ids({ ...INPUTS, format: "json" })).not.toContain("conversion-failed-records");
    expect(ids(INPUTS)).toContain("conversion-failed-records");
    expect(ids(INPUTS)).not.toContain("delivery-partitions-exceeded");
    expect(ids({ ...INPUTS, dynamicPartitioning: true })).toContain("delivery-partitions-exceeded");
  });

  it("give every function an errors and a throttles alarm named without the prefix", () => {
    expect(ids({ ...INPUTS, functionNames: ["acme-test-transform", "other-fn"] })).toEqual(
      expect.arrayContaining(["lambda-transform-errors", "lambda-transform-throttles", "lambda-other-fn-errors"]),
    );
    expect(shortName("acme-test-batch-push", "acme-test")).toBe("batch-push");
  });

  it("add the batch alarms only with a state machine and a dead-letter queue", () => {
    expect(ids(INPUTS).filter((id) => id.startsWith("batch-"))).toEqual([]);
    const batch = { ...INPUTS, stateMachine: { arn: "arn:sm", name: "acme-test-batch" }, scheduleDeadLetterQueueName: "acme-test-dlq" };
    expect(ids(batch).filter((id) => id.startsWith("batch-"))).toEqual([
      "batch-executions-timed-out",
      "batch-executions-throttled",
      "batch-schedule-dead-letters",
    ]);
  });

  it("end with the alarm on crawler alerts the rule could not deliver", () => {
    expect(alarmSpecs(INPUTS).at(-1)).toMatchObject({
      id: "crawler-alert-undelivered",
      dimensions: { RuleName: "acme-test-crawler-failed" },
    });
  });

  it("default the freshness threshold to twice both buffer intervals", () => {
    expect(defaultFreshnessSeconds(60, 60)).toBe(240);
  });
});

describe("dashboard widgets (pure)", () => {
  it("draw the freshness threshold the alarm uses", () => {
    const freshness = dashboardWidgets(INPUTS).find((w) => w.properties.title === "Delivery freshness (s)");
    expect(freshness?.properties.annotations).toEqual({ horizontal: [{ label: "Alarm", value: 240 }] });
  });

  it("put alarm status across the top, one widget per 100 alarms, then a three-column grid", () => {
    const arns = Array.from({ length: 150 }, (_, i) => `arn:alarm:${i}`);
    const placed = layout(dashboardWidgets(INPUTS), arns, "eu-west-1");
    expect(placed.slice(0, 2).map((w) => w.type)).toEqual(["alarm", "alarm"]);
    expect(placed[2]).toMatchObject({ type: "metric", x: 0, y: 12, width: 8 });
    expect(placed[3]).toMatchObject({ x: 8, y: 12 });
  });
});

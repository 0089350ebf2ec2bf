import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";
import { DEFAULT_SETTINGS, MonitoringSettings } from "../../stacks/config";
import { AwsContext } from "../../stacks/constructs/iam";
import { MonitoringStage, MonitoringStageProps } from "../../stacks/constructs/monitoring-stage";
import { addressOf, synthPipeline, Synthesized, wrap } from "../support/synth";

const ctx: AwsContext = { accountId: "123456789012", partition: "aws", region: "eu-west-1" };
const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:acme-test-batch";
const FUNCTIONS = [
  "acme-test-transform",
  "acme-test-batch-extract",
  "acme-test-batch-push",
  "acme-test-batch-delivery-check",
  "acme-test-batch-finalize",
];
const TOPIC = "${aws_sns_topic.alerts.arn}";

type PropOverrides = Partial<Omit<MonitoringStageProps, "alerts" | "settings">>;

/** Synthesizes the stage next to a real topic, with literal names and the default thresholds. */
function synthMonitoring(settings: Partial<MonitoringSettings> = {}, overrides: PropOverrides = {}): Synthesized {
  return wrap(
    Testing.synthScope((scope) => {
      const alerts = new SnsTopic(scope, "alerts", { name: "acme-test-alerts" });
      new MonitoringStage(scope, "monitoring", {
        namePrefix: "acme-test",
        alerts,
        settings: { ...DEFAULT_SETTINGS.monitoring, ...settings },
        bufferIntervalSeconds: 300,
        processorBufferIntervalSeconds: 60,
        streamName: "acme-test-events",
        deliveryStreamName: "acme-test-delivery",
        functionNames: FUNCTIONS,
        transformFunctionName: "acme-test-transform",
        stateMachineArn: STATE_MACHINE_ARN,
        stateMachineName: "acme-test-batch",
        scheduleDeadLetterQueueName: "acme-test-batch-schedule-dlq",
        crawlerName: "acme-test-partitions",
        format: "parquet",
        ctx,
        ...overrides,
      });
    }),
  );
}

const s = synthMonitoring();
const alarms = (synth: Synthesized = s) => synth.resources("aws_cloudwatch_metric_alarm");
const alarmsOf = (metricName: string, synth: Synthesized = s) => alarms(synth).filter((a) => a.metric_name === metricName);
const alarmOf = (metricName: string, synth: Synthesized = s) => {
  const found = alarmsOf(metricName, synth);
  if (found.length !== 1) throw new Error(`expected one ${metricName} alarm, found ${found.length}`);
  return found[0]!;
};

describe("alarms", () => {
  it.each([
    ["WriteProvisionedThroughputExceeded", "AWS/Kinesis", { StreamName: "acme-test-events" }, "Sum", "GreaterThanThreshold"],
    ["GetRecords.IteratorAgeMilliseconds", "AWS/Kinesis", { StreamName: "acme-test-events" }, "Maximum", "GreaterThanThreshold"],
    ["DeliveryToS3.DataFreshness", "AWS/Firehose", { DeliveryStreamName: "acme-test-delivery" }, "Maximum", "GreaterThanThreshold"],
    ["DeliveryToS3.Success", "AWS/Firehose", { DeliveryStreamName: "acme-test-delivery" }, "Average", "LessThanThreshold"],
    ["ExecuteProcessing.Success", "AWS/Firehose", { DeliveryStreamName: "acme-test-delivery" }, "Average", "LessThanThreshold"],
    ["FailedRecords", "DataLake/Transform", { service: "acme-test-transform" }, "Sum", "GreaterThanThreshold"],
    ["FailedConversion.Records", "AWS/Firehose", { DeliveryStreamName: "acme-test-delivery" }, "Sum", "GreaterThanThreshold"],
    ["ExecutionsTimedOut", "AWS/States", { StateMachineArn: STATE_MACHINE_ARN }, "Sum", "GreaterThanThreshold"],
    ["ExecutionThrottled", "AWS/States", { StateMachineArn: STATE_MACHINE_ARN }, "Sum", "GreaterThanThreshold"],
    ["ApproximateNumberOfMessagesVisible", "AWS/SQS", { QueueName: "acme-test-batch-schedule-dlq" }, "Maximum", "GreaterThanThreshold"],
    ["FailedInvocations", "AWS/Events", { RuleName: "acme-test-crawler-failed" }, "Sum", "GreaterThanThreshold"],
  ])(
    "has one %s alarm in %s on its resource with the right statistic and comparison",
    (metric, namespace, dimensions, statistic, comparison) => {
      expect(alarmOf(metric)).toMatchObject({
        namespace,
        dimensions,
        statistic,
        comparison_operator: comparison,
        period: 300,
      });
    },
  );

  // With dynamic partitioning, AWS/Firehose publishes PartitionCountExceeded ("1 or 0 based on whether the
  // partition count limit is breached"; there is no ActivePartitionsLimitExceeded metric), and records
  // beyond the limit go to the error prefix as activePartitionExceeded:
  // https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html (dynamic
  // partitioning metrics), https://docs.aws.amazon.com/firehose/latest/dev/buffering.html
  it("alarms on the first period the delivery stream exceeds its active-partition limit, with dynamic partitioning only", () => {
    expect(alarmsOf("PartitionCountExceeded")).toHaveLength(0);
    const withPartitioning = synthMonitoring({}, { dynamicPartitioning: true });
    expect(alarmOf("PartitionCountExceeded", withPartitioning)).toMatchObject({
      namespace: "AWS/Firehose",
      dimensions: { DeliveryStreamName: "acme-test-delivery" },
      statistic: "Maximum",
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      evaluation_periods: 1,
      treat_missing_data: "notBreaching",
      alarm_description: expect.stringContaining("errors/activePartitionExceeded/"),
    });
    expect(alarmOf("PartitionCountExceeded", withPartitioning).alarm_description).toContain("--type activePartitionExceeded");
    expect(alarmOf("PartitionCountExceeded", withPartitioning).alarm_description.length).toBeLessThanOrEqual(1024);
  });

  it("gets the partition alarm in the pipeline exactly when partitions come from event time", () => {
    expect(alarmsOf("PartitionCountExceeded", synthPipeline())).toHaveLength(0);
    const eventTime = synthPipeline({ partitioning: { partitionTime: "event" } });
    expect(alarmOf("PartitionCountExceeded", eventTime).dimensions).toEqual({
      DeliveryStreamName: eventTime.only("aws_kinesis_firehose_delivery_stream").name,
    });
    expect(
      eventTime.only("aws_kinesis_firehose_delivery_stream").extended_s3_configuration.dynamic_partitioning_configuration,
    ).toMatchObject({ enabled: true });
  });

  it("gives every alarm an explicit period, evaluation periods, threshold, missing-data rule and description", () => {
    for (const alarm of alarms()) {
      expect(alarm).toEqual(
        expect.objectContaining({
          period: expect.any(Number),
          evaluation_periods: expect.any(Number),
          statistic: expect.any(String),
          comparison_operator: expect.any(String),
          threshold: expect.any(Number),
          treat_missing_data: expect.stringMatching(/^(breaching|notBreaching)$/),
          alarm_description: expect.stringMatching(/: .+\.$/),
        }),
      );
    }
  });

  it("notifies the alerts topic on ALARM and on OK from every alarm", () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm.alarm_actions).toEqual([TOPIC]);
      expect(alarm.ok_actions).toEqual([TOPIC]);
    }
  });

  it("names every alarm under the prefix", () => {
    for (const alarm of alarms()) expect(alarm.alarm_name).toMatch(/^acme-test-[a-z0-9-]+$/);
  });

  it("alarms on write throttling over the configured number of 5-minute periods", () => {
    expect(alarmOf("WriteProvisionedThroughputExceeded")).toMatchObject({ threshold: 0, evaluation_periods: 1, period: 300 });
    expect(alarmOf("WriteProvisionedThroughputExceeded", synthMonitoring({ throttlePeriods: 3 }))).toMatchObject({ evaluation_periods: 3 });
  });

  it("converts the iterator-age threshold from seconds to the metric's milliseconds", () => {
    expect(alarmOf("GetRecords.IteratorAgeMilliseconds").threshold).toBe(600_000);
    expect(alarmOf("GetRecords.IteratorAgeMilliseconds", synthMonitoring({ iteratorAgeMaxSeconds: 90 })).threshold).toBe(90_000);
  });

  it("treats a silent iterator age as breaching, because Firehose polls continuously", () => {
    expect(alarmOf("GetRecords.IteratorAgeMilliseconds").treat_missing_data).toBe("breaching");
  });

  it("treats missing data as not breaching for every count, ratio and freshness alarm", () => {
    const others = alarms().filter((a) => a.metric_name !== "GetRecords.IteratorAgeMilliseconds");
    expect(new Set(others.map((a) => a.treat_missing_data))).toEqual(new Set(["notBreaching"]));
  });

  it("defaults the freshness threshold (seconds) to twice the delivery plus processor buffering", () => {
    expect(alarmOf("DeliveryToS3.DataFreshness").threshold).toBe(2 * (300 + 60));
    const slower = synthMonitoring({}, { bufferIntervalSeconds: 900, processorBufferIntervalSeconds: 120 });
    expect(alarmOf("DeliveryToS3.DataFreshness", slower).threshold).toBe(2040);
  });

  it("uses the configured freshness threshold when one is set", () => {
    expect(alarmOf("DeliveryToS3.DataFreshness", synthMonitoring({ deliveryFreshnessMaxSeconds: 1500 })).threshold).toBe(1500);
  });

  it("alarms when the S3 delivery success ratio drops below the configured minimum", () => {
    expect(alarmOf("DeliveryToS3.Success").threshold).toBe(0.99);
    expect(alarmOf("DeliveryToS3.Success", synthMonitoring({ deliverySuccessMin: 0.95 })).threshold).toBe(0.95);
  });

  it("alarms on any failed transform invocation (success ratio below 1)", () => {
    expect(alarmOf("ExecuteProcessing.Success")).toMatchObject({ threshold: 1, comparison_operator: "LessThanThreshold" });
  });

  it("applies the failed-records threshold to processing and conversion failures alike", () => {
    const synth = synthMonitoring({ failedRecordsMax: 25 });
    expect(alarmOf("FailedRecords", synth).threshold).toBe(25);
    expect(alarmOf("FailedConversion.Records", synth).threshold).toBe(25);
  });

  it("reads the transform's record metrics from the namespace it publishes to", () => {
    const synth = synthMonitoring({}, { transformMetricsNamespace: "Custom/Transform" });
    expect(alarmOf("FailedRecords", synth).namespace).toBe("Custom/Transform");
  });

  it("has one Errors and one Throttles alarm per function", () => {
    const dimensionOf = (metric: string) =>
      alarmsOf(metric)
        .filter((a) => a.namespace === "AWS/Lambda")
        .map((a) => a.dimensions.FunctionName);
    expect(dimensionOf("Errors").sort()).toEqual([...FUNCTIONS].sort());
    expect(dimensionOf("Throttles").sort()).toEqual([...FUNCTIONS].sort());
  });

  it("alarms on function errors above the configured maximum and on any throttle", () => {
    const synth = synthMonitoring({ lambdaErrorsMax: 4 });
    expect(new Set(alarmsOf("Errors", synth).map((a) => a.threshold))).toEqual(new Set([4]));
    expect(new Set(alarmsOf("Throttles", synth).map((a) => a.threshold))).toEqual(new Set([0]));
  });

  it("has no conversion alarm for JSON delivery", () => {
    expect(alarmsOf("FailedConversion.Records", synthMonitoring({}, { format: "json" }))).toEqual([]);
  });

  it("has no state machine alarms without a state machine", () => {
    const synth = synthMonitoring({}, { stateMachineArn: undefined, stateMachineName: undefined });
    expect(alarms(synth).filter((a) => a.namespace === "AWS/States")).toEqual([]);
  });

  it("has no dead-letter alarm without a dead-letter queue", () => {
    expect(alarmsOf("ApproximateNumberOfMessagesVisible", synthMonitoring({}, { scheduleDeadLetterQueueName: undefined }))).toEqual([]);
  });

  it("exposes every alarm it creates", () => {
    let stage: MonitoringStage | undefined;
    Testing.synthScope((scope) => {
      const alerts = new SnsTopic(scope, "alerts", { name: "t" });
      stage = new MonitoringStage(scope, "m", {
        namePrefix: "t",
        alerts,
        settings: DEFAULT_SETTINGS.monitoring,
        bufferIntervalSeconds: 300,
        processorBufferIntervalSeconds: 60,
        streamName: "s",
        deliveryStreamName: "d",
        functionNames: ["t-transform"],
        transformFunctionName: "t-transform",
        crawlerName: "c",
        format: "parquet",
        ctx,
      });
    });
    expect(stage!.alarms.every((a) => a instanceof CloudwatchMetricAlarm)).toBe(true);
    // Stream ×2, Firehose ×4 (freshness, success, invocations, conversion), transform records, Lambda ×2, rule delivery.
    expect(stage!.alarms).toHaveLength(10);
  });

  it("rejects a transform that is not among the monitored functions", () => {
    expect(() => synthMonitoring({}, { transformFunctionName: "other" })).toThrow(
      /MonitoringStage "monitoring": transformFunctionName must be one of functionNames, got "other"/,
    );
  });

  it("rejects function names that are Terraform references", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        const alerts = new SnsTopic(scope, "alerts", { name: "t" });
        new MonitoringStage(scope, "m", {
          namePrefix: "t",
          alerts,
          settings: DEFAULT_SETTINGS.monitoring,
          bufferIntervalSeconds: 300,
          processorBufferIntervalSeconds: 60,
          streamName: "s",
          deliveryStreamName: "d",
          functionNames: ["t-transform", alerts.name],
          transformFunctionName: "t-transform",
          crawlerName: "c",
          format: "parquet",
          ctx,
        });
      }),
    ).toThrow(/namePrefix\/functionNames must be literal names/);
  });

  it("leaves threshold rules to the configuration: deliverySuccessMin 0 stops at config time with the config message", () => {
    expect(() => synthPipeline({ monitoring: { deliverySuccessMin: 0 } })).toThrow(
      /monitoring\.deliverySuccessMin: received 0; allowed: a number greater than 0 and at most 1/,
    );
    expect(() => synthPipeline({ monitoring: { deliverySuccessMin: 0 } })).not.toThrow(/MonitoringStage/);
  });

  it("rejects a state machine ARN without its name", () => {
    expect(() => synthMonitoring({}, { stateMachineName: undefined })).toThrow(
      /stateMachineArn\/stateMachineName must be both set or both unset/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------

/** EventBridge matching for the pattern subset used here: arrays are any-of exact values; objects nest. */
function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) => expected.some((allowed) => allowed === value));
    }
    if (typeof expected === "object" && expected !== null) {
      return (
        typeof actual === "object" &&
        actual !== null &&
        matchesPattern(expected as Record<string, unknown>, actual as Record<string, unknown>)
      );
    }
    throw new Error(`unsupported pattern value at ${key}: ${JSON.stringify(expected)}`);
  });
}

/** A "Glue Crawler State Change" event as EventBridge delivers it (shape from the Glue docs). */
function crawlerEvent(crawlerName: string, state: "Failed" | "Succeeded" | "Started"): Record<string, unknown> {
  return {
    version: "0",
    id: "f7965b59-470f-2e06-bb89-a8cebaabefac",
    "detail-type": "Glue Crawler State Change",
    source: "aws.glue",
    account: "123456789012",
    time: "2026-01-20T05:10:08Z",
    region: "eu-west-1",
    resources: [],
    detail: {
      crawlerName,
      state,
      message: `Crawler ${state}`,
      accountId: "123456789012",
      cloudWatchLogLink: `https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logEventViewer:group=/aws-glue/crawlers;stream=${crawlerName}`,
      ...(state === "Failed" ? { errorMessage: 'Insufficient Lake Formation permission(s) on "events"' } : {}),
    },
  };
}

/** Fills an input template the way EventBridge does for bare `<var>` placeholders (JSON values). */
function renderTemplate(template: string, paths: Record<string, string>, event: Record<string, unknown>): string {
  const valueAt = (path: string) =>
    path
      .replace(/^\$\./, "")
      .split(".")
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], event);
  return template.replace(/<([A-Za-z0-9]+)>/g, (_, name: string) => JSON.stringify(valueAt(paths[name]!)));
}

describe("crawler failures", () => {
  const pattern = () => JSON.parse(s.only("aws_cloudwatch_event_rule").event_pattern);

  it("matches a failed run of the pipeline's crawler", () => {
    expect(matchesPattern(pattern(), crawlerEvent("acme-test-partitions", "Failed"))).toBe(true);
  });

  it("ignores a successful run of the crawler", () => {
    expect(matchesPattern(pattern(), crawlerEvent("acme-test-partitions", "Succeeded"))).toBe(false);
  });

  it("ignores a failed run of another crawler", () => {
    expect(matchesPattern(pattern(), crawlerEvent("someone-elses-crawler", "Failed"))).toBe(false);
  });

  it("publishes matches to the alerts topic", () => {
    expect(s.json).toHaveResourceWithProperties(CloudwatchEventTarget, {
      arn: TOPIC,
      rule: `\${${addressOf(s, "aws_cloudwatch_event_rule")}.name}`,
    });
  });

  it("turns the event into a readable JSON message naming the crawler, the error and the log", () => {
    const { input_paths: paths, input_template: template } = s.only("aws_cloudwatch_event_target").input_transformer;
    const message = JSON.parse(renderTemplate(template, paths, crawlerEvent("acme-test-partitions", "Failed")));
    expect(message).toMatchObject({
      alert: "Glue crawler run failed",
      crawler: "acme-test-partitions",
      state: "Failed",
      error: 'Insufficient Lake Formation permission(s) on "events"',
      logs: expect.stringContaining("/aws-glue/crawlers"),
      action: expect.stringMatching(/re-run/),
    });
  });

  it("names the rule under the prefix", () => {
    expect(s.json).toHaveResourceWithProperties(CloudwatchEventRule, { name: "acme-test-crawler-failed" });
  });
});

// ---------------------------------------------------------------------------------------------------

interface Statement {
  Sid: string;
  Effect: string;
  Principal: { AWS?: string; Service?: string } | "*";
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

describe("alerts topic policy", () => {
  const policy = () => s.only("aws_sns_topic_policy");
  const statements = (): Statement[] => JSON.parse(policy().policy).Statement;
  const byService = (service: string) => statements().filter((st) => typeof st.Principal === "object" && st.Principal.Service === service);

  it("is attached to the alerts topic", () => {
    expect(policy().arn).toBe(TOPIC);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions:
  // "You can't use Condition blocks in Amazon SNS topic policies for EventBridge."
  it("lets EventBridge publish with no condition, the only form EventBridge supports in an SNS topic policy", () => {
    expect(byService("events.amazonaws.com")).toEqual([
      { Sid: expect.any(String), Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: TOPIC },
    ]);
  });

  it("lets CloudWatch publish only for this account's alarms under the prefix", () => {
    expect(byService("cloudwatch.amazonaws.com")).toEqual([
      expect.objectContaining({
        Action: "sns:Publish",
        Resource: TOPIC,
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:acme-test-*" },
        },
      }),
    ]);
  });

  it("covers every alarm's ARN with the CloudWatch condition", () => {
    const pattern = byService("cloudwatch.amazonaws.com")[0]!.Condition!.ArnLike!["aws:SourceArn"] as string;
    const regex = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "*" ? ".*" : `\\${c}`))}$`);
    for (const alarm of alarms()) expect(`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarm.alarm_name}`).toMatch(regex);
  });

  it("admits no other service and no wildcard principal", () => {
    const principals = statements().map((st) => st.Principal);
    expect(principals).not.toContain("*");
    expect(principals.filter((p) => typeof p === "object" && p.AWS === "*")).toEqual([]);
    const services = principals.flatMap((p) => (typeof p === "object" && p.Service ? [p.Service] : []));
    expect(services.sort()).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
  });

  it("conditions every service statement except EventBridge's, which cannot carry one", () => {
    const services = statements().filter((x) => typeof x.Principal === "object" && x.Principal.Service);
    const conditionable = services.filter((x) => typeof x.Principal === "object" && x.Principal.Service !== "events.amazonaws.com");
    for (const st of conditionable) expect(st.Condition).toBeDefined();
    expect(services.length).toBeGreaterThan(1);
  });

  it("keeps the owner's rights for the account, which a topic policy otherwise replaces", () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: expect.arrayContaining([
          "SNS:Publish",
          "SNS:Subscribe",
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:DeleteTopic",
        ]),
        Resource: TOPIC,
      }),
    );
  });

  it("allows and never denies", () => {
    expect(new Set(statements().map((st) => st.Effect))).toEqual(new Set(["Allow"]));
  });
});

// ---------------------------------------------------------------------------------------------------

interface DashboardWidget {
  type: string;
  properties: {
    title?: string;
    region?: string;
    metrics?: unknown[][];
    alarms?: string[];
    annotations?: { horizontal: { value: number }[] };
  };
}

describe("dashboard", () => {
  const widgetsOf = (synth: Synthesized = s): DashboardWidget[] =>
    JSON.parse(synth.only("aws_cloudwatch_dashboard").dashboard_body).widgets;
  const widget = (title: RegExp, synth: Synthesized = s) => {
    const found = widgetsOf(synth).filter((w) => w.properties.title && title.test(w.properties.title));
    if (found.length !== 1) throw new Error(`expected one widget titled ${title}, found ${found.length}`);
    return found[0]!;
  };
  /** `namespace/metric` of every series in a widget. */
  const series = (w: DashboardWidget) => w.properties.metrics!.map((row) => `${row[0]}/${row[1]}`);

  it("is named under the prefix", () => {
    expect(s.only("aws_cloudwatch_dashboard").dashboard_name).toBe("acme-test-pipeline");
  });

  it("shows the stream's ingest rate in records and bytes", () => {
    const ingest = widget(/^Ingest rate/);
    expect(series(ingest)).toEqual(["AWS/Kinesis/IncomingRecords", "AWS/Kinesis/IncomingBytes"]);
    expect(ingest.properties.metrics!.every((row) => row[2] === "StreamName" && row[3] === "acme-test-events")).toBe(true);
  });

  it("shows delivery freshness with the alarm threshold", () => {
    const freshness = widget(/^Delivery freshness/);
    expect(series(freshness)).toEqual(["AWS/Firehose/DeliveryToS3.DataFreshness"]);
    expect(freshness.properties.annotations!.horizontal[0]!.value).toBe(720);
  });

  it("shows failed records by type: processing and conversion", () => {
    expect(series(widget(/^Failed records by type/))).toEqual(
      expect.arrayContaining(["DataLake/Transform/FailedRecords", "AWS/Firehose/FailedConversion.Records"]),
    );
  });

  it("leaves conversion out of the failed records for JSON delivery", () => {
    expect(series(widget(/^Failed records by type/, synthMonitoring({}, { format: "json" })))).not.toContain(
      "AWS/Firehose/FailedConversion.Records",
    );
  });

  it("shows batch runs by outcome", () => {
    const runs = widget(/^Batch runs/);
    expect(series(runs)).toEqual(
      expect.arrayContaining(["AWS/States/ExecutionsSucceeded", "AWS/States/ExecutionsFailed", "AWS/States/ExecutionsTimedOut"]),
    );
    expect(runs.properties.metrics!.every((row) => row[3] === STATE_MACHINE_ARN)).toBe(true);
  });

  it("has no batch runs widget without a state machine", () => {
    const synth = synthMonitoring({}, { stateMachineArn: undefined, stateMachineName: undefined });
    expect(widgetsOf(synth).filter((w) => /^Batch runs/.test(w.properties.title ?? ""))).toEqual([]);
  });

  it("shows every function's errors and throttles", () => {
    for (const title of [/^Lambda errors/, /^Lambda throttles/]) {
      expect(
        widget(title)
          .properties.metrics!.map((row) => row[3])
          .sort(),
      ).toEqual([...FUNCTIONS].sort());
    }
  });

  it("lists every alarm in the alarm status widget", () => {
    const listed = widgetsOf()
      .filter((w) => w.type === "alarm")
      .flatMap((w) => w.properties.alarms!);
    const expected = Object.keys(s.tf.resource.aws_cloudwatch_metric_alarm!).map((name) => `\${aws_cloudwatch_metric_alarm.${name}.arn}`);
    expect(listed.sort()).toEqual(expected.sort());
  });

  it("points every metric widget at the stack's region", () => {
    const metrics = widgetsOf().filter((w) => w.type === "metric");
    expect(metrics.length).toBeGreaterThan(0);
    expect(new Set(metrics.map((w) => w.properties.region))).toEqual(new Set(["eu-west-1"]));
  });
});

describe("monitoring in the pipeline stack", () => {
  const stack = synthPipeline();
  const alarms = stack.resources("aws_cloudwatch_metric_alarm");

  it("alarms on errors and throttles of every function in the stack", () => {
    const functions = stack.resources("aws_lambda_function").map((fn) => fn.function_name as string);
    expect(functions).toHaveLength(5);
    for (const name of functions) {
      for (const metric of ["Errors", "Throttles"]) {
        expect(alarms).toContainEqual(expect.objectContaining({ metric_name: metric, dimensions: { FunctionName: name } }));
      }
    }
  });

  it("sends every alarm to the stack's one alerts topic", () => {
    const topic = `\${${addressOf(stack, "aws_sns_topic")}.arn}`;
    for (const alarm of alarms) expect(alarm.alarm_actions).toEqual([topic]);
  });

  it("watches the batch state machine and its schedule's dead-letter queue", () => {
    expect(alarms.map((a) => a.metric_name)).toEqual(expect.arrayContaining(["ExecutionsTimedOut", "ApproximateNumberOfMessagesVisible"]));
  });

  it("has no ExecutionsFailed alarm: a failed run is notified once, by the workflow's NotifyFailure", () => {
    expect(alarms.map((a) => a.metric_name)).not.toContain("ExecutionsFailed");
  });

  it("creates no alarms, rule or dashboard when monitoring is off", () => {
    const off = synthPipeline({ monitoring: { enabled: false } });
    for (const type of ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_event_rule", "aws_cloudwatch_dashboard"]) {
      expect(off.resources(type)).toHaveLength(0);
    }
  });
});

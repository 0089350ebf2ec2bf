/**
 * The pipeline dashboard as data: pure functions from typed inputs to CloudWatch dashboard widgets.
 * `MonitoringStage` renders them into the dashboard body; nothing here needs cdktf.
 */
import type { AlarmInputs } from "./monitoring-alarms";
import { ALARM_PERIOD_SECONDS } from "./metrics";

/** One row of a metric widget: namespace, metric name, dimension pairs, then render options. */
export type MetricRow = (string | Record<string, unknown>)[];

/** A widget before placement. */
export interface Widget {
  readonly type: "metric" | "alarm";
  readonly properties: Record<string, unknown>;
}

/** What the widgets show: the same resolved inputs the alarms are built from. */
export type DashboardInputs = Pick<
  AlarmInputs,
  | "settings"
  | "streamName"
  | "deliveryStreamName"
  | "functionNames"
  | "transformFunctionName"
  | "transformNamespace"
  | "freshnessMaxSeconds"
  | "format"
  | "stateMachine"
>;

/** The metric widgets, in reading order: ingest → read → deliver → failures → functions → batch. */
export function dashboardWidgets(p: DashboardInputs): Widget[] {
  const stream = ["StreamName", p.streamName];
  const firehose = ["DeliveryStreamName", p.deliveryStreamName];
  const threshold = (label: string, value: number) => ({ horizontal: [{ label, value }] });
  const widgets: Widget[] = [
    metric("Ingest rate (stream)", "Sum", [
      ["AWS/Kinesis", "IncomingRecords", ...stream, { label: "Records" }],
      ["AWS/Kinesis", "IncomingBytes", ...stream, { label: "Bytes", yAxis: "right" }],
    ]),
    metric("Stream write throttling (records)", "Sum", [
      ["AWS/Kinesis", "WriteProvisionedThroughputExceeded", ...stream, { label: "Throttled records" }],
    ]),
    metric(
      "Stream iterator age (ms)",
      "Maximum",
      [["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", ...stream, { label: "Iterator age" }]],
      threshold("Alarm", p.settings.iteratorAgeMaxSeconds * 1000),
    ),
    metric(
      "Delivery freshness (s)",
      "Maximum",
      [["AWS/Firehose", "DeliveryToS3.DataFreshness", ...firehose, { label: "Oldest record not in S3" }]],
      threshold("Alarm", p.freshnessMaxSeconds),
    ),
    metric("Records delivered", "Sum", [
      ["AWS/Firehose", "DeliveryToS3.Records", ...firehose, { label: "Delivered to S3" }],
      ["AWS/Firehose", "SucceedProcessing.Records", ...firehose, { label: "Transformed (Ok or Dropped)" }],
    ]),
    metric("Failed records by type", "Sum", [
      [p.transformNamespace, "FailedRecords", "service", p.transformFunctionName, { label: "processing-failed (transform)" }],
      ...(p.format === "parquet" ? [["AWS/Firehose", "FailedConversion.Records", ...firehose, { label: "format-conversion-failed" }]] : []),
      [p.transformNamespace, "DroppedRecords", "service", p.transformFunctionName, { label: "Dropped by filter rules" }],
    ]),
    metric(
      "Delivery and transform success (ratio)",
      "Average",
      [
        ["AWS/Firehose", "DeliveryToS3.Success", ...firehose, { label: "S3 puts succeeded" }],
        ["AWS/Firehose", "ExecuteProcessing.Success", ...firehose, { label: "Transform invocations succeeded" }],
      ],
      threshold("Delivery alarm", p.settings.deliverySuccessMin),
    ),
    metric(
      "Lambda errors",
      "Sum",
      p.functionNames.map((fn) => ["AWS/Lambda", "Errors", "FunctionName", fn, { label: fn }]),
    ),
    metric(
      "Lambda throttles",
      "Sum",
      p.functionNames.map((fn) => ["AWS/Lambda", "Throttles", "FunctionName", fn, { label: fn }]),
    ),
  ];
  if (p.stateMachine) {
    const machine = ["StateMachineArn", p.stateMachine.arn];
    widgets.push(
      metric(`Batch runs (${p.stateMachine.name})`, "Sum", [
        ["AWS/States", "ExecutionsSucceeded", ...machine, { label: "Succeeded" }],
        ["AWS/States", "ExecutionsFailed", ...machine, { label: "Failed" }],
        ["AWS/States", "ExecutionsTimedOut", ...machine, { label: "Timed out" }],
        ["AWS/States", "ExecutionsAborted", ...machine, { label: "Aborted" }],
      ]),
    );
  }
  return widgets;
}

export function metric(title: string, stat: string, metrics: MetricRow[], annotations?: Record<string, unknown>): Widget {
  return {
    type: "metric",
    properties: { title, stat, metrics, view: "timeSeries", period: ALARM_PERIOD_SECONDS, ...(annotations ? { annotations } : {}) },
  };
}

/** Alarm status across the top (one widget per 100 alarms, the widget's limit), then a 3-column grid. */
export function layout(widgets: Widget[], alarmArns: string[], region: string): Record<string, unknown>[] {
  const placed: Record<string, unknown>[] = [];
  let y = 0;
  for (let i = 0; i < alarmArns.length; i += 100) {
    placed.push({
      type: "alarm",
      x: 0,
      y,
      width: 24,
      height: 6,
      // Alarm ARNs carry their region; the alarm widget has no `region` property.
      properties: { title: "Pipeline alarms", alarms: alarmArns.slice(i, i + 100), sortBy: "stateUpdatedTimestamp" },
    });
    y += 6;
  }
  widgets.forEach((widget, i) => {
    placed.push({
      type: widget.type,
      x: (i % 3) * 8,
      y: y + Math.floor(i / 3) * 6,
      width: 8,
      height: 6,
      properties: { ...widget.properties, region },
    });
  });
  return placed;
}

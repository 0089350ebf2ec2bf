import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Token } from "cdktf";
import { Construct } from "constructs";
import type { MonitoringSettings } from "../config";
import { AwsContext } from "./iam";
import { TRANSFORM_METRICS_NAMESPACE } from "./node-function";
import { physicalName } from "../../contract/names";

export interface MonitoringStageProps {
  /** Prefix of every alarm, rule and dashboard name, e.g. `acme-test`; alarms are `<namePrefix>-<signal>`. */
  readonly namePrefix: string;
  /** The topic every alarm (ALARM and OK) and the crawler-failure rule notify; this construct sets its policy. */
  readonly alerts: SnsTopic;
  /** Thresholds, already validated by the configuration (stacks/config); created only when `enabled` is true. */
  readonly settings: MonitoringSettings;
  /** Firehose buffer interval in seconds, for the default freshness threshold. */
  readonly bufferIntervalSeconds: number;
  /** Firehose processor (transform) buffer interval in seconds, for the default freshness threshold. */
  readonly processorBufferIntervalSeconds: number;
  /** The Kinesis stream Firehose reads. */
  readonly streamName: string;
  /** The Firehose delivery stream. */
  readonly deliveryStreamName: string;
  /** Every Lambda function of the pipeline; each gets an Errors and a Throttles alarm. */
  readonly functionNames: readonly string[];
  /** The Firehose transform (one of `functionNames`); its per-record failure metric is alarmed. */
  readonly transformFunctionName: string;
  /**
   * Namespace of the transform's Powertools record metrics (`FailedRecords`, dimension `service` =
   * function name). @default "DataLake/Transform"
   */
  readonly transformMetricsNamespace?: string;
  /** Batch state machine ARN; with `stateMachineName`, adds execution alarms and the batch-runs widget. */
  readonly stateMachineArn?: string;
  /** Batch state machine name, for alarm texts and the dashboard; set together with `stateMachineArn`. */
  readonly stateMachineName?: string;
  /** SQS queue holding batch starts the scheduler could not deliver; adds a dead-letter alarm. */
  readonly scheduleDeadLetterQueueName?: string;
  /** The Glue crawler whose failed runs are published to the topic. */
  readonly crawlerName: string;
  /** `json` has no format conversion, so no conversion alarm or series. */
  readonly format: "parquet" | "json";
  /**
   * Event-time partitions, delivered with Firehose dynamic partitioning: adds the alarm on records sent
   * to errors/activePartitionExceeded/ beyond the stream's active-partition limit. @default false
   */
  readonly dynamicPartitioning?: boolean;
  /** Account, partition and region: the policy conditions and the dashboard widgets use them. */
  readonly ctx: AwsContext;
}

const DEFAULTS = { transformMetricsNamespace: TRANSFORM_METRICS_NAMESPACE } as const;

/** Length of one alarm period, in seconds: Firehose publishes its metrics at five-minute granularity. */
export const ALARM_PERIOD_SECONDS = 300;

/** Actions the topic owner keeps once the topic has its own policy (the default policy's set). */
const TOPIC_OWNER_ACTIONS = [
  "SNS:GetTopicAttributes",
  "SNS:SetTopicAttributes",
  "SNS:AddPermission",
  "SNS:RemovePermission",
  "SNS:DeleteTopic",
  "SNS:Subscribe",
  "SNS:ListSubscriptionsByTopic",
  "SNS:Publish",
] as const;

/** Default delivery freshness threshold: twice the time a record may legitimately wait in both buffers. */
export function defaultFreshnessSeconds(bufferIntervalSeconds: number, processorBufferIntervalSeconds: number): number {
  return 2 * (bufferIntervalSeconds + processorBufferIntervalSeconds);
}

/** The EventBridge pattern matching failed runs of one crawler. */
export function crawlerFailurePattern(crawlerName: string) {
  return {
    source: ["aws.glue"],
    "detail-type": ["Glue Crawler State Change"],
    detail: { crawlerName: [crawlerName], state: ["Failed"] },
  };
}

/** A single-metric alarm, before the wiring every alarm shares. */
interface AlarmSpec {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: "Sum" | "Average" | "Maximum";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  readonly evaluationPeriods?: number;
  /** Why missing data counts the way it does is documented next to each use. */
  readonly treatMissingData: "notBreaching" | "breaching";
  readonly description: string;
}

type MetricRow = (string | Record<string, unknown>)[];

interface Widget {
  readonly type: "metric" | "alarm";
  readonly properties: Record<string, unknown>;
}

/**
 * Monitoring: one CloudWatch alarm per failure signal of the pipeline (stream, delivery, transform,
 * conversion, every function, the batch workflow), an EventBridge rule publishing failed crawler
 * runs, the alerts topic's policy letting exactly those publishers in, and a dashboard with the
 * pipeline's health at a glance.
 */
export class MonitoringStage extends Construct {
  /** Every metric alarm, in creation order. */
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  /** The pipeline dashboard. */
  public readonly dashboard: CloudwatchDashboard;
  /** EventBridge rule matching failed runs of the crawler. */
  public readonly crawlerFailureRule: CloudwatchEventRule;
  /** The alerts topic's policy: owner, CloudWatch alarms of this prefix, the crawler rule. */
  public readonly topicPolicy: SnsTopicPolicy;

  constructor(scope: Construct, id: string, props: MonitoringStageProps) {
    super(scope, id);
    const transformNamespace = props.transformMetricsNamespace ?? DEFAULTS.transformMetricsNamespace;
    const freshnessMaxSeconds =
      props.settings.deliveryFreshnessMaxSeconds ??
      defaultFreshnessSeconds(props.bufferIntervalSeconds, props.processorBufferIntervalSeconds);
    validate(id, props);

    const { settings, ctx } = props;
    const stream = { StreamName: props.streamName };
    const firehose = { DeliveryStreamName: props.deliveryStreamName };
    const stateMachine = props.stateMachineArn && props.stateMachineName ? { arn: props.stateMachineArn, name: props.stateMachineName } : undefined;

    const specs: AlarmSpec[] = [
      {
        id: "stream-write-throttled",
        namespace: "AWS/Kinesis",
        metricName: "WriteProvisionedThroughputExceeded",
        dimensions: stream,
        statistic: "Sum",
        comparison: "GreaterThanThreshold",
        threshold: 0,
        evaluationPeriods: settings.throttlePeriods,
        // Only puts emit the metric: no writes, no throttling.
        treatMissingData: "notBreaching",
        description: `Writes to stream ${props.streamName} were throttled in ${settings.throttlePeriods} consecutive 5-minute periods (records rejected; producers must retry): add shards or switch to ON_DEMAND, and spread partition keys.`,
      },
      {
        id: "stream-iterator-age",
        namespace: "AWS/Kinesis",
        metricName: "GetRecords.IteratorAgeMilliseconds",
        dimensions: stream,
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: settings.iteratorAgeMaxSeconds * 1000,
        // Firehose polls every shard continuously, so the metric (0 when caught up) is always there;
        // missing data means nothing reads the stream, and the records' retention clock is running.
        treatMissingData: "breaching",
        description: `Firehose is more than ${settings.iteratorAgeMaxSeconds} s behind on stream ${props.streamName} (or not reading it at all): check the delivery stream's error logs and the transform, and recover before the stream's retention expires records.`,
      },
      {
        id: "delivery-freshness",
        namespace: "AWS/Firehose",
        metricName: "DeliveryToS3.DataFreshness",
        dimensions: firehose,
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: freshnessMaxSeconds,
        // Firehose reports freshness only while it holds records; an idle pipeline is healthy, and a
        // blocked one keeps reporting a growing age (the iterator-age alarm covers a stopped reader).
        treatMissingData: "notBreaching",
        description: `The oldest record not yet in S3 has waited more than ${freshnessMaxSeconds} s in ${props.deliveryStreamName}: delivery is blocked or slow; read the DestinationDelivery log stream for the S3, KMS or Glue error and fix the permission or resource it names.`,
      },
      {
        id: "delivery-success",
        namespace: "AWS/Firehose",
        metricName: "DeliveryToS3.Success",
        dimensions: firehose,
        statistic: "Average",
        comparison: "LessThanThreshold",
        threshold: settings.deliverySuccessMin,
        // Emitted only when Firehose writes to S3; a stall shows up as freshness instead.
        treatMissingData: "notBreaching",
        description: `Less than ${settings.deliverySuccessMin * 100}% of S3 puts by ${props.deliveryStreamName} succeeded: Firehose is retrying against the bucket; read the DestinationDelivery log stream and check the bucket policy, KMS key and bucket.`,
      },
      {
        id: "processing-invocations",
        namespace: "AWS/Firehose",
        metricName: "ExecuteProcessing.Success",
        dimensions: firehose,
        statistic: "Average",
        comparison: "LessThanThreshold",
        threshold: 1,
        // Emitted only when Firehose invokes the transform.
        treatMissingData: "notBreaching",
        description: `Some invocations of the transform by ${props.deliveryStreamName} failed (error, timeout or throttle); after the retries whole batches go to errors/processing-failed/: check the transform's Errors and Throttles and its logs.`,
      },
      {
        id: "processing-failed-records",
        namespace: transformNamespace,
        metricName: "FailedRecords",
        dimensions: { service: props.transformFunctionName },
        statistic: "Sum",
        comparison: "GreaterThanThreshold",
        threshold: settings.failedRecordsMax,
        // The transform publishes counts on every invocation; none means no traffic.
        treatMissingData: "notBreaching",
        description: `More than ${settings.failedRecordsMax} records in 5 minutes were returned as ProcessingFailed by ${props.transformFunctionName} (they are in errors/processing-failed/): read the reasons in its "record failed processing" log lines and fix the producer or the schema.`,
      },
    ];
    if (props.format === "parquet") {
      specs.push({
        id: "conversion-failed-records",
        namespace: "AWS/Firehose",
        metricName: "FailedConversion.Records",
        dimensions: firehose,
        statistic: "Sum",
        comparison: "GreaterThanThreshold",
        threshold: settings.failedRecordsMax,
        // Emitted only while Firehose converts records.
        treatMissingData: "notBreaching",
        description: `More than ${settings.failedRecordsMax} records in 5 minutes failed Parquet conversion in ${props.deliveryStreamName} (they are in errors/format-conversion-failed/ with rawData): compare their ErrorMessage with the Glue table's columns and fix the schema or the transform.`,
      });
    }
    if (props.dynamicPartitioning) {
      // With dynamic partitioning Firehose publishes PartitionCountExceeded (1 when the active-partition
      // limit is breached, else 0); records beyond the limit (500 per stream by default, raisable to
      // 5,000) go to the error prefix as activePartitionExceeded. Docs: firehose/latest/dev/
      // monitoring-with-cloudwatch-metrics.html (dynamic partitioning metrics), firehose/latest/dev/buffering.html.
      specs.push({
        id: "delivery-partitions-exceeded",
        namespace: "AWS/Firehose",
        metricName: "PartitionCountExceeded",
        dimensions: firehose,
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: 0,
        // Emitted only while Firehose partitions records.
        treatMissingData: "notBreaching",
        description: `${props.deliveryStreamName} reached its active-partition limit (500 distinct event hours in its buffers by default): records beyond it went to errors/activePartitionExceeded/ and are not in the table. Replay them with: npm run batch -- replay --from errors --type activePartitionExceeded --since <start> --until <end>. Backfill fewer distinct event hours per buffer interval, or request a higher limit (up to 5,000) in Service Quotas.`,
      });
    }
    for (const fn of props.functionNames) {
      const short = shortName(fn, props.namePrefix);
      specs.push(
        {
          id: `lambda-${short}-errors`,
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: fn },
          statistic: "Sum",
          comparison: "GreaterThanThreshold",
          threshold: settings.lambdaErrorsMax,
          // Lambda emits nothing for an idle function.
          treatMissingData: "notBreaching",
          description: `Function ${fn} failed more than ${settings.lambdaErrorsMax} times in 5 minutes: read its log group for the error and fix the code, input or permission it names.`,
        },
        {
          id: `lambda-${short}-throttles`,
          namespace: "AWS/Lambda",
          metricName: "Throttles",
          dimensions: { FunctionName: fn },
          statistic: "Sum",
          comparison: "GreaterThanThreshold",
          threshold: 0,
          // Lambda emits nothing for an idle function.
          treatMissingData: "notBreaching",
          description: `Invocations of ${fn} were throttled in the last 5 minutes: check the account's concurrency and any reserved concurrency, and raise the limit or lower the callers' concurrency.`,
        },
      );
    }
    if (stateMachine) {
      const executions = (metricName: string, idSuffix: string, what: string, action: string): AlarmSpec => ({
        id: `batch-executions-${idSuffix}`,
        namespace: "AWS/States",
        metricName,
        dimensions: { StateMachineArn: stateMachine.arn },
        statistic: "Sum",
        comparison: "GreaterThanThreshold",
        threshold: 0,
        // Emitted only when executions run.
        treatMissingData: "notBreaching",
        description: `A run of batch workflow ${stateMachine.name} ${what} in the last 5 minutes: ${action}`,
      });
      // No ExecutionsFailed alarm: every way the workflow ends FAILED passes its NotifyFailure state, which
      // sends one message naming the state, the error and the cause; an alarm on the same failure would
      // be a second message. A timed-out run never reaches NotifyFailure, so it has this alarm.
      specs.push(
        executions("ExecutionsTimedOut", "timed-out", "hit its run timeout", "find the state it was stuck in, fix or raise that task's bound, then re-run the batch window."),
        executions("ExecutionThrottled", "throttled", "had state transitions throttled", "check the account's Step Functions transition quota and what else is running."),
      );
    }
    if (props.scheduleDeadLetterQueueName) {
      specs.push({
        id: "batch-schedule-dead-letters",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: props.scheduleDeadLetterQueueName },
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: 0,
        // SQS stops reporting an empty, inactive queue; a queue holding messages keeps reporting.
        treatMissingData: "notBreaching",
        description: `The scheduler could not start the batch workflow and dead-lettered the start into ${props.scheduleDeadLetterQueueName}: read the message's error attributes, fix the scheduler role or state machine, start the missed window with the CLI and delete the message.`,
      });
    }

    const crawlerRuleName = physicalName.crawlerFailureRule(props.namePrefix);
    this.crawlerFailureRule = new CloudwatchEventRule(this, "crawler-failed", {
      name: crawlerRuleName,
      description: `Failed runs of Glue crawler ${props.crawlerName}, published to the alerts topic`,
      eventPattern: JSON.stringify(crawlerFailurePattern(props.crawlerName)),
    });
    new CloudwatchEventTarget(this, "crawler-failed-alert", {
      rule: this.crawlerFailureRule.name,
      targetId: "alerts-topic",
      arn: props.alerts.arn,
      inputTransformer: {
        inputPaths: {
          crawler: "$.detail.crawlerName",
          state: "$.detail.state",
          error: "$.detail.errorMessage",
          time: "$.time",
          account: "$.account",
          region: "$.region",
          logs: "$.detail.cloudWatchLogLink",
        },
        // A JSON template with bare variables: EventBridge inserts them as JSON values, so an error
        // message with quotes cannot break the document (it does not escape values inside strings).
        inputTemplate: CRAWLER_ALERT_TEMPLATE,
      },
    });
    specs.push({
      id: "crawler-alert-undelivered",
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      dimensions: { RuleName: crawlerRuleName },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      // Emitted only when the rule matched a failed crawl.
      treatMissingData: "notBreaching",
      description: `A failed crawl of ${props.crawlerName} could not be published to the alerts topic: check the topic policy (events.amazonaws.com for this rule) and, with a customer-managed key, the key policy; then look at the crawler's last run.`,
    });

    for (const spec of specs) this.alarms.push(this.alarm(spec, props));

    this.topicPolicy = new SnsTopicPolicy(this, "alerts-policy", {
      arn: props.alerts.arn,
      policy: alertsTopicPolicy(props.alerts.arn, props.namePrefix, ctx),
    });

    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: physicalName.dashboard(props.namePrefix),
      dashboardBody: JSON.stringify({
        widgets: layout(
          dashboardWidgets({ ...props, transformNamespace, freshnessMaxSeconds, stateMachine }),
          this.alarms.map((a) => a.arn),
          ctx.region,
        ),
      }),
    });
  }

  private alarm(spec: AlarmSpec, props: MonitoringStageProps): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(this, spec.id, {
      alarmName: physicalName.alarm(props.namePrefix, spec.id),
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: { ...spec.dimensions },
      statistic: spec.statistic,
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      comparisonOperator: spec.comparison,
      threshold: spec.threshold,
      treatMissingData: spec.treatMissingData,
      // No `unit`: a unit that differs from the published one silently leaves the alarm without data.
      alarmActions: [props.alerts.arn],
      okActions: [props.alerts.arn],
    });
  }
}

/** The SNS message for a failed crawl (EventBridge input template). */
export const CRAWLER_ALERT_TEMPLATE = `{
  "alert": "Glue crawler run failed",
  "crawler": <crawler>,
  "state": <state>,
  "error": <error>,
  "time": <time>,
  "account": <account>,
  "region": <region>,
  "logs": <logs>,
  "action": "Read the crawler log, fix the cause (permissions, path, schema), then re-run the crawler or the batch window."
}`;

/**
 * The alerts topic policy. Replacing the default policy drops its owner statement, so the account
 * keeps the owner actions explicitly; CloudWatch may publish only for this prefix's alarms in this
 * account; EventBridge (the crawler-failure rule) unconditioned, the only form it supports.
 */
function alertsTopicPolicy(topicArn: string, namePrefix: string, ctx: AwsContext): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnerManagesTopic",
        Effect: "Allow",
        Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.accountId}:root` },
        Action: [...TOPIC_OWNER_ACTIONS],
        Resource: topicArn,
      },
      {
        Sid: "PipelineAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": ctx.accountId },
          ArnLike: { "aws:SourceArn": `arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${namePrefix}-*` },
        },
      },
      {
        // No condition: EventBridge documents that SNS topic policies for it cannot use Condition
        // blocks (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions);
        // one would drop every crawler-failure alert.
        Sid: "CrawlerFailureRulePublishes",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
      },
    ],
  });
}

interface DashboardInput extends MonitoringStageProps {
  readonly transformNamespace: string;
  readonly freshnessMaxSeconds: number;
  readonly stateMachine?: { readonly arn: string; readonly name: string };
}

/** The metric widgets, in reading order: ingest → read → deliver → failures → functions → batch. */
function dashboardWidgets(p: DashboardInput): Widget[] {
  const stream = ["StreamName", p.streamName];
  const firehose = ["DeliveryStreamName", p.deliveryStreamName];
  const threshold = (label: string, value: number) => ({ horizontal: [{ label, value }] });
  const widgets: Widget[] = [
    metric("Ingest rate (stream)", "Sum", [
      ["AWS/Kinesis", "IncomingRecords", ...stream, { label: "Records" }],
      ["AWS/Kinesis", "IncomingBytes", ...stream, { label: "Bytes", yAxis: "right" }],
    ]),
    metric("Stream write throttling (records)", "Sum", [["AWS/Kinesis", "WriteProvisionedThroughputExceeded", ...stream, { label: "Throttled records" }]]),
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
      ...(p.format === "parquet"
        ? [["AWS/Firehose", "FailedConversion.Records", ...firehose, { label: "format-conversion-failed" }]]
        : []),
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
    metric("Lambda errors", "Sum", p.functionNames.map((fn) => ["AWS/Lambda", "Errors", "FunctionName", fn, { label: fn }])),
    metric("Lambda throttles", "Sum", p.functionNames.map((fn) => ["AWS/Lambda", "Throttles", "FunctionName", fn, { label: fn }])),
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

function metric(title: string, stat: string, metrics: MetricRow[], annotations?: Record<string, unknown>): Widget {
  return {
    type: "metric",
    properties: { title, stat, metrics, view: "timeSeries", period: ALARM_PERIOD_SECONDS, ...(annotations ? { annotations } : {}) },
  };
}

/** Alarm status across the top (one widget per 100 alarms, the widget's limit), then a 3-column grid. */
function layout(widgets: Widget[], alarmArns: string[], region: string): Record<string, unknown>[] {
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

/** `acme-test-batch-extract` → `batch-extract` under prefix `acme-test`, so alarm names stay short. */
function shortName(functionName: string, namePrefix: string): string {
  return functionName.startsWith(`${namePrefix}-`) ? functionName.slice(namePrefix.length + 1) : functionName;
}

/**
 * The wiring the stack passes in. The thresholds in `settings` are validated once, with the rest of
 * the configuration (stacks/config, checkMonitoring), before any construct is built.
 */
function validate(id: string, props: MonitoringStageProps): void {
  const problems: string[] = [];
  const check = (ok: boolean, prop: string, value: unknown, allowed: string) => {
    if (!ok) problems.push(`${prop} must be ${allowed}, got ${JSON.stringify(value)}`);
  };
  // Function names become construct ids and alarm names, the prefix an ARN pattern: they must be literals.
  const tokens = [props.namePrefix, ...props.functionNames].filter((name) => Token.isUnresolved(name));
  check(tokens.length === 0, "namePrefix/functionNames", tokens, "literal names, not Terraform references");
  check(props.functionNames.length > 0, "functionNames", props.functionNames, "at least one function");
  check(new Set(props.functionNames).size === props.functionNames.length, "functionNames", props.functionNames, "unique");
  check(props.functionNames.includes(props.transformFunctionName), "transformFunctionName", props.transformFunctionName, "one of functionNames");
  check((props.stateMachineArn === undefined) === (props.stateMachineName === undefined), "stateMachineArn/stateMachineName", [props.stateMachineArn, props.stateMachineName], "both set or both unset");
  if (problems.length > 0) throw new Error(`MonitoringStage "${id}": ${problems.join("; ")}`);
}

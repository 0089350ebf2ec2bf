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
import { ALARM_PERIOD_SECONDS, TRANSFORM_METRICS_NAMESPACE } from "./metrics";
import { AlarmInputs, alarmSpecs, AlarmSpec, defaultFreshnessSeconds } from "./monitoring-alarms";
import { dashboardWidgets, layout } from "./monitoring-dashboard";
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
  /** Batch state machine ARN; with `stateMachineName`, adds execution alarms and the batch-runs widget. @default none */
  readonly stateMachineArn?: string;
  /** Batch state machine name, for alarm texts and the dashboard; set together with `stateMachineArn`. @default none */
  readonly stateMachineName?: string;
  /** SQS queue holding batch starts the scheduler could not deliver; adds a dead-letter alarm. @default none */
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

const DEFAULTS = { transformMetricsNamespace: TRANSFORM_METRICS_NAMESPACE, dynamicPartitioning: false } as const;

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

/** The EventBridge pattern matching failed runs of one crawler. */
export function crawlerFailurePattern(crawlerName: string) {
  return {
    source: ["aws.glue"],
    "detail-type": ["Glue Crawler State Change"],
    detail: { crawlerName: [crawlerName], state: ["Failed"] },
  };
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
    validate(id, props);
    const inputs = resolveInputs(props);

    this.crawlerFailureRule = new CloudwatchEventRule(this, "crawler-failed", {
      name: inputs.crawlerRuleName,
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

    for (const spec of alarmSpecs(inputs)) this.alarms.push(this.alarm(spec, props));

    this.topicPolicy = new SnsTopicPolicy(this, "alerts-policy", {
      arn: props.alerts.arn,
      policy: alertsTopicPolicy(props.alerts.arn, props.namePrefix, props.ctx),
    });

    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: physicalName.dashboard(props.namePrefix),
      dashboardBody: JSON.stringify({
        widgets: layout(
          dashboardWidgets(inputs),
          this.alarms.map((a) => a.arn),
          props.ctx.region,
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

/** The props with every default resolved: what the alarm and widget specs are built from. */
function resolveInputs(props: MonitoringStageProps): AlarmInputs {
  return {
    namePrefix: props.namePrefix,
    settings: props.settings,
    streamName: props.streamName,
    deliveryStreamName: props.deliveryStreamName,
    functionNames: props.functionNames,
    transformFunctionName: props.transformFunctionName,
    transformNamespace: props.transformMetricsNamespace ?? DEFAULTS.transformMetricsNamespace,
    freshnessMaxSeconds:
      props.settings.deliveryFreshnessMaxSeconds ??
      defaultFreshnessSeconds(props.bufferIntervalSeconds, props.processorBufferIntervalSeconds),
    format: props.format,
    dynamicPartitioning: props.dynamicPartitioning ?? DEFAULTS.dynamicPartitioning,
    stateMachine:
      props.stateMachineArn && props.stateMachineName ? { arn: props.stateMachineArn, name: props.stateMachineName } : undefined,
    scheduleDeadLetterQueueName: props.scheduleDeadLetterQueueName,
    crawlerName: props.crawlerName,
    crawlerRuleName: physicalName.crawlerFailureRule(props.namePrefix),
  };
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
  check(
    props.functionNames.includes(props.transformFunctionName),
    "transformFunctionName",
    props.transformFunctionName,
    "one of functionNames",
  );
  check(
    (props.stateMachineArn === undefined) === (props.stateMachineName === undefined),
    "stateMachineArn/stateMachineName",
    [props.stateMachineArn, props.stateMachineName],
    "both set or both unset",
  );
  if (problems.length > 0) throw new Error(`MonitoringStage "${id}": ${problems.join("; ")}`);
}

/**
 * The pipeline's alarms as data: pure functions from typed inputs to {@link AlarmSpec}s, one per
 * failure signal. `MonitoringStage` turns each spec into a CloudWatch alarm; nothing here needs cdktf.
 * Each description reads as a runbook: what happened, where to look, what to do.
 */
import type { MonitoringSettings } from "../config";

/** A single-metric alarm, before the wiring every alarm shares (name, period, actions). */
export interface AlarmSpec {
  /** Construct id and the alarm name's suffix (`<namePrefix>-<id>`). */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: "Sum" | "Average" | "Maximum";
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** Why missing data counts the way it does is documented next to each use. */
  readonly treatMissingData: "notBreaching" | "breaching";
  readonly description: string;
}

/** What the alarms watch, with every default already resolved. */
export interface AlarmInputs {
  /** Prefix of the pipeline's names; function alarms drop it from their ids. */
  readonly namePrefix: string;
  /** Thresholds, validated by the configuration. */
  readonly settings: MonitoringSettings;
  readonly streamName: string;
  readonly deliveryStreamName: string;
  /** Every Lambda function of the pipeline; each gets an Errors and a Throttles alarm. */
  readonly functionNames: readonly string[];
  /** The Firehose transform, whose per-record failure metric is alarmed. */
  readonly transformFunctionName: string;
  /** Namespace the transform publishes its record metrics to. */
  readonly transformNamespace: string;
  /** Delivery freshness threshold, in seconds. */
  readonly freshnessMaxSeconds: number;
  /** `json` has no format conversion, so no conversion alarm. */
  readonly format: "parquet" | "json";
  /** Event-time partitions (Firehose dynamic partitioning): adds the active-partition alarm. */
  readonly dynamicPartitioning: boolean;
  /** The batch state machine, when the batch path is on. */
  readonly stateMachine?: { readonly arn: string; readonly name: string };
  /** The schedule's dead-letter queue, when the batch path is on. */
  readonly scheduleDeadLetterQueueName?: string;
  /** The crawler whose failed runs the rule publishes, and the rule's name. */
  readonly crawlerName: string;
  readonly crawlerRuleName: string;
}

/** Default delivery freshness threshold: twice the time a record may legitimately wait in both buffers. */
export function defaultFreshnessSeconds(bufferIntervalSeconds: number, processorBufferIntervalSeconds: number): number {
  return 2 * (bufferIntervalSeconds + processorBufferIntervalSeconds);
}

/** Every alarm of the pipeline, in the order the dashboard lists them. */
export function alarmSpecs(p: AlarmInputs): AlarmSpec[] {
  return [
    ...streamAlarms(p),
    ...deliveryAlarms(p),
    ...transformAlarms(p),
    ...conversionAlarms(p),
    ...p.functionNames.flatMap((fn) => functionAlarms(fn, p)),
    ...batchAlarms(p),
    crawlerAlertAlarm(p),
  ];
}

/** Writes throttled, and a reader falling behind (or gone). */
export function streamAlarms(p: AlarmInputs): AlarmSpec[] {
  const stream = { StreamName: p.streamName };
  return [
    {
      id: "stream-write-throttled",
      namespace: "AWS/Kinesis",
      metricName: "WriteProvisionedThroughputExceeded",
      dimensions: stream,
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: p.settings.throttlePeriods,
      // Only puts emit the metric: no writes, no throttling.
      treatMissingData: "notBreaching",
      description: `Writes to stream ${p.streamName} were throttled in ${p.settings.throttlePeriods} consecutive 5-minute periods (records rejected; producers must retry): add shards or switch to ON_DEMAND, and spread partition keys.`,
    },
    {
      id: "stream-iterator-age",
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.IteratorAgeMilliseconds",
      dimensions: stream,
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: p.settings.iteratorAgeMaxSeconds * 1000,
      // Firehose polls every shard continuously, so the metric (0 when caught up) is always there;
      // missing data means nothing reads the stream, and the records' retention clock is running.
      treatMissingData: "breaching",
      description: `Firehose is more than ${p.settings.iteratorAgeMaxSeconds} s behind on stream ${p.streamName} (or not reading it at all): check the delivery stream's error logs and the transform, and recover before the stream's retention expires records.`,
    },
  ];
}

/** Records waiting too long for S3, and failing S3 puts. */
export function deliveryAlarms(p: AlarmInputs): AlarmSpec[] {
  const firehose = { DeliveryStreamName: p.deliveryStreamName };
  const specs: AlarmSpec[] = [
    {
      id: "delivery-freshness",
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.DataFreshness",
      dimensions: firehose,
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: p.freshnessMaxSeconds,
      // Firehose reports freshness only while it holds records; an idle pipeline is healthy, and a
      // blocked one keeps reporting a growing age (the iterator-age alarm covers a stopped reader).
      treatMissingData: "notBreaching",
      description: `The oldest record not yet in S3 has waited more than ${p.freshnessMaxSeconds} s in ${p.deliveryStreamName}: delivery is blocked or slow; read the DestinationDelivery log stream for the S3, KMS or Glue error and fix the permission or resource it names.`,
    },
    {
      id: "delivery-success",
      namespace: "AWS/Firehose",
      metricName: "DeliveryToS3.Success",
      dimensions: firehose,
      statistic: "Average",
      comparison: "LessThanThreshold",
      threshold: p.settings.deliverySuccessMin,
      // Emitted only when Firehose writes to S3; a stall shows up as freshness instead.
      treatMissingData: "notBreaching",
      description: `Less than ${p.settings.deliverySuccessMin * 100}% of S3 puts by ${p.deliveryStreamName} succeeded: Firehose is retrying against the bucket; read the DestinationDelivery log stream and check the bucket policy, KMS key and bucket.`,
    },
  ];
  return specs;
}

/** Failed record conversion, and records beyond the active-partition limit. */
export function conversionAlarms(p: AlarmInputs): AlarmSpec[] {
  const firehose = { DeliveryStreamName: p.deliveryStreamName };
  const specs: AlarmSpec[] = [];
  if (p.format === "parquet") {
    specs.push({
      id: "conversion-failed-records",
      namespace: "AWS/Firehose",
      metricName: "FailedConversion.Records",
      dimensions: firehose,
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: p.settings.failedRecordsMax,
      // Emitted only while Firehose converts records.
      treatMissingData: "notBreaching",
      description: `More than ${p.settings.failedRecordsMax} records in 5 minutes failed Parquet conversion in ${p.deliveryStreamName} (they are in errors/format-conversion-failed/ with rawData): compare their ErrorMessage with the Glue table's columns and fix the schema or the transform.`,
    });
  }
  if (p.dynamicPartitioning) {
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
      description: `${p.deliveryStreamName} reached its active-partition limit (500 distinct event hours in its buffers by default): records beyond it went to errors/activePartitionExceeded/ and are not in the table. Replay them with: npm run batch -- replay --from errors --type activePartitionExceeded --since <start> --until <end>. Backfill fewer distinct event hours per buffer interval, or request a higher limit (up to 5,000) in Service Quotas.`,
    });
  }
  return specs;
}

/** Failed transform invocations, and records the transform returned as failed. */
export function transformAlarms(p: AlarmInputs): AlarmSpec[] {
  const firehose = { DeliveryStreamName: p.deliveryStreamName };
  return [
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
      description: `Some invocations of the transform by ${p.deliveryStreamName} failed (error, timeout or throttle); after the retries whole batches go to errors/processing-failed/: check the transform's Errors and Throttles and its logs.`,
    },
    {
      id: "processing-failed-records",
      namespace: p.transformNamespace,
      metricName: "FailedRecords",
      dimensions: { service: p.transformFunctionName },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: p.settings.failedRecordsMax,
      // The transform publishes counts on every invocation; none means no traffic.
      treatMissingData: "notBreaching",
      description: `More than ${p.settings.failedRecordsMax} records in 5 minutes were returned as ProcessingFailed by ${p.transformFunctionName} (they are in errors/processing-failed/): read the reasons in its "record failed processing" log lines and fix the producer or the schema.`,
    },
  ];
}

/** Errors and throttles of one function. */
export function functionAlarms(fn: string, p: Pick<AlarmInputs, "namePrefix" | "settings">): AlarmSpec[] {
  const short = shortName(fn, p.namePrefix);
  return [
    {
      id: `lambda-${short}-errors`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fn },
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: p.settings.lambdaErrorsMax,
      // Lambda emits nothing for an idle function.
      treatMissingData: "notBreaching",
      description: `Function ${fn} failed more than ${p.settings.lambdaErrorsMax} times in 5 minutes: read its log group for the error and fix the code, input or permission it names.`,
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
  ];
}

/** Timed-out and throttled workflow runs, and batch starts the scheduler dead-lettered. */
export function batchAlarms(p: AlarmInputs): AlarmSpec[] {
  const specs: AlarmSpec[] = [];
  const { stateMachine } = p;
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
      executions(
        "ExecutionsTimedOut",
        "timed-out",
        "hit its run timeout",
        "find the state it was stuck in, fix or raise that task's bound, then re-run the batch window.",
      ),
      executions(
        "ExecutionThrottled",
        "throttled",
        "had state transitions throttled",
        "check the account's Step Functions transition quota and what else is running.",
      ),
    );
  }
  if (p.scheduleDeadLetterQueueName) {
    specs.push({
      id: "batch-schedule-dead-letters",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: p.scheduleDeadLetterQueueName },
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      // SQS stops reporting an empty, inactive queue; a queue holding messages keeps reporting.
      treatMissingData: "notBreaching",
      description: `The scheduler could not start the batch workflow and dead-lettered the start into ${p.scheduleDeadLetterQueueName}: read the message's error attributes, fix the scheduler role or state machine, start the missed window with the CLI and delete the message.`,
    });
  }
  return specs;
}

/** Failed crawls the rule could not publish to the topic. */
export function crawlerAlertAlarm(p: AlarmInputs): AlarmSpec {
  return {
    id: "crawler-alert-undelivered",
    namespace: "AWS/Events",
    metricName: "FailedInvocations",
    dimensions: { RuleName: p.crawlerRuleName },
    statistic: "Sum",
    comparison: "GreaterThanThreshold",
    threshold: 0,
    // Emitted only when the rule matched a failed crawl.
    treatMissingData: "notBreaching",
    description: `A failed crawl of ${p.crawlerName} could not be published to the alerts topic: check the topic policy (events.amazonaws.com for this rule) and, with a customer-managed key, the key policy; then look at the crawler's last run.`,
  };
}

/** `acme-test-batch-extract` → `batch-extract` under prefix `acme-test`, so alarm names stay short. */
export function shortName(functionName: string, namePrefix: string): string {
  return functionName.startsWith(`${namePrefix}-`) ? functionName.slice(namePrefix.length + 1) : functionName;
}

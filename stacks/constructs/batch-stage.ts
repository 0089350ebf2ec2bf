import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { BATCH_ENV, BATCH_FUNCTION_TIMEOUTS } from "../../contract/batch";
import { buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { batchWorkflowProps } from "../config/batch-workflow-props";
import type { BatchSettingsConfig, DeliverySettings, StreamSettings } from "../config";
import { arn, AwsContext, grant, kmsForContext, kmsThrough, PolicyStatement, serviceRole } from "./iam";
import { NodeFunction } from "./node-function";
import { physicalName, type BatchFunctionName } from "../../contract/names";
import { BATCH_PREFIXES, LAKE_PREFIXES, RESULTS_PREFIX } from "../../contract/lake-layout";
import { BatchSettings } from "../../contract/settings";

export interface BatchStageProps {
  /** The batch functions' names (`ResolvedNames.batchFunctions`). */
  readonly functionNames: Readonly<Record<BatchFunctionName, string>>;
  /** The schedule's dead-letter queue (`ResolvedNames.scheduleDeadLetterQueue`). */
  readonly scheduleDeadLetterQueueName: string;
  readonly stateMachineName: string;
  readonly batch: BatchSettingsConfig;
  /** What the batch functions receive as `BATCH_SETTINGS` (see `batchSettings(config)`). */
  readonly settings: BatchSettings;
  readonly stream: KinesisStream;
  readonly streamSettings: StreamSettings;
  readonly delivery: DeliverySettings;
  readonly lakeBucket: S3Bucket;
  readonly resultsBucket: S3Bucket;
  /** The crawler the workflow runs, or null under partition projection (the workflow then never crawls). */
  readonly crawlerName: string | null;
  /** The batch validation workgroup (QueryStage's `validationWorkgroup`). */
  readonly workgroupName: string;
  /** Topic failed runs are published to. */
  readonly alerts: SnsTopic;
  readonly logRetentionDays: number;
  /**
   * Customer-managed key of the stack (lake bucket, stream, logs, state machine, queue, topic); unset
   * uses AWS-managed keys. A stream-only key from `stream.kmsKeyArn` arrives in `streamSettings`.
   */
  readonly kmsKeyArn?: string;
  readonly ctx: AwsContext;
}

/**
 * The batch path: an EventBridge Scheduler schedule starts a Step Functions workflow that extracts
 * landing files, pushes them through the stream, waits for delivery, crawls and proves with Athena
 * that every record arrived; failures are published to an SNS topic.
 */
export class BatchStage extends Construct {
  public readonly stateMachine: SfnStateMachine;
  public readonly alerts: SnsTopic;
  public readonly deadLetterQueue: SqsQueue;
  public readonly schedule?: SchedulerSchedule;
  public readonly functions: Readonly<Record<"extract" | "push" | "deliveryCheck" | "finalize", NodeFunction>>;

  constructor(scope: Construct, id: string, props: BatchStageProps) {
    super(scope, id);
    const { ctx, batch, lakeBucket } = props;
    const { settings } = props;
    const environment = {
      [BATCH_ENV.bucket]: lakeBucket.bucket,
      [BATCH_ENV.settings]: JSON.stringify(settings),
    };
    const objects = (prefix: string) => `${lakeBucket.arn}/${prefix}*`;
    const listPrefix = (sid: string, prefix: string): PolicyStatement => ({
      sid,
      actions: ["s3:ListBucket"],
      resources: [lakeBucket.arn],
      condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
    });
    const fn = (name: BatchFunctionName, description: string, memoryMiB: number, timeoutSeconds: number, statements: PolicyStatement[], extraEnv = {}) =>
      new NodeFunction(this, name, {
        functionName: props.functionNames[name],
        description,
        entry: `handlers/${name}/index.ts`,
        memoryMiB,
        timeoutSeconds,
        environment: { ...environment, ...extraEnv },
        statements: [...statements, ...lakeKey(name)],
        logRetentionDays: props.logRetentionDays,
        kmsKeyArn: props.kmsKeyArn,
        ctx,
      });

    // What each function does with lake objects under the customer-managed key: read, write, or both.
    const lakeKeyActions: Record<string, string[]> = {
      extract: ["kms:Decrypt", "kms:GenerateDataKey"],
      push: ["kms:Decrypt"],
      "delivery-check": [],
      finalize: ["kms:Decrypt", "kms:GenerateDataKey"],
    };
    const lakeKey = (name: string): PolicyStatement[] =>
      props.kmsKeyArn && lakeKeyActions[name]!.length > 0
        ? [kmsThrough("UseLakeKey", props.kmsKeyArn, lakeKeyActions[name]!, "s3", ctx)]
        : [];
    const streamKeyArn = props.streamSettings.kmsKeyArn ?? props.kmsKeyArn;
    const pushStatements: PolicyStatement[] = [
      { sid: "ReadStagedChunks", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.staging)] },
      { sid: "PutToStream", actions: ["kinesis:PutRecords"], resources: [props.stream.arn] },
    ];
    if (streamKeyArn) pushStatements.push(kmsThrough("EncryptForStream", streamKeyArn, ["kms:GenerateDataKey"], "kinesis", ctx));
    this.functions = {
      extract: fn("extract", "Batch: parses landing files, validates records, stages NDJSON chunks", 1024, BATCH_FUNCTION_TIMEOUTS.extract, [
        listPrefix("ListLandingFiles", BATCH_PREFIXES.landing),
        { sid: "ReadLandingFiles", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.landing)] },
        // Reads the claim marker when the conditional write fails: a retry of the same execution carries on.
        { sid: "ReadClaimMarker", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.runs)] },
        {
          sid: "WriteChunksRejectsAndMarker",
          actions: ["s3:PutObject"],
          resources: [objects(BATCH_PREFIXES.staging), objects(BATCH_PREFIXES.rejected), objects(BATCH_PREFIXES.runs)],
        },
        // A replay run reads Firehose error objects or the raw backup of a window instead of landing/.
        {
          sid: "ListReplaySources",
          actions: ["s3:ListBucket"],
          resources: [lakeBucket.arn],
          condition: { StringLike: { "s3:prefix": [LAKE_PREFIXES.errors, `${LAKE_PREFIXES.errors}*`, LAKE_PREFIXES.raw, `${LAKE_PREFIXES.raw}*`] } },
        },
        { sid: "ReadReplaySources", actions: ["s3:GetObject"], resources: [objects(LAKE_PREFIXES.errors), objects(LAKE_PREFIXES.raw)] },
      ]),
      push: fn("push", "Batch: pushes one staged chunk to Kinesis with PutRecords, retrying failed entries", 512, BATCH_FUNCTION_TIMEOUTS.push, pushStatements, {
        [BATCH_ENV.streamName]: props.stream.name,
      }),
      deliveryCheck: fn("delivery-check", "Batch: reports whether Firehose delivered objects since the push", 256, BATCH_FUNCTION_TIMEOUTS.deliveryCheck, [
        listPrefix("ListDeliveredData", LAKE_PREFIXES.data),
      ]),
      finalize: fn("finalize", "Batch: moves the batch's landing files (or replayed error objects) to processed/ and closes its marker", 256, BATCH_FUNCTION_TIMEOUTS.finalize, [
        { sid: "ReadManifestAndMarker", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.staging), objects(BATCH_PREFIXES.runs)] },
        // Checks which files are still to move (a re-run after a partial move) by listing their keys.
        {
          sid: "ListLandingAndProcessedFiles",
          actions: ["s3:ListBucket"],
          resources: [lakeBucket.arn],
          condition: {
            StringLike: {
              "s3:prefix": [BATCH_PREFIXES.landing, `${BATCH_PREFIXES.landing}*`, BATCH_PREFIXES.processed, `${BATCH_PREFIXES.processed}*`],
            },
          },
        },
        { sid: "MoveLandingFiles", actions: ["s3:GetObject", "s3:DeleteObject"], resources: [objects(BATCH_PREFIXES.landing)] },
        { sid: "WriteProcessedAndMarker", actions: ["s3:PutObject"], resources: [objects(BATCH_PREFIXES.processed), objects(BATCH_PREFIXES.runs)] },
        // A successful replay of errors/ moves the error objects it loaded to processed/<batchId>/errors/ (the raw backup is never moved).
        listPrefix("ListReplayedErrorObjects", LAKE_PREFIXES.errors),
        { sid: "MoveReplayedErrorObjects", actions: ["s3:GetObject", "s3:DeleteObject"], resources: [objects(LAKE_PREFIXES.errors)] },
      ]),
    };

    this.alerts = props.alerts;

    const definition = buildBatchWorkflow(
      batchWorkflowProps(
        {
          extractFunctionArn: this.functions.extract.fn.arn,
          pushFunctionArn: this.functions.push.fn.arn,
          deliveryCheckFunctionArn: this.functions.deliveryCheck.fn.arn,
          finalizeFunctionArn: this.functions.finalize.fn.arn,
          crawlerName: props.crawlerName,
          workgroup: props.workgroupName,
          notificationTopicArn: this.alerts.arn,
        },
        { batch, delivery: props.delivery, stream: props.streamSettings, partitionTime: props.settings.partitionTime },
      ),
    );

    const logGroupName = physicalName.stateMachineLogGroup(props.stateMachineName);
    const logs = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const role = serviceRole(this, "role", physicalName.stateMachineRole(props.stateMachineName), "states.amazonaws.com", ctx);
    const policy = grant(this, "batch-workflow", role, this.workflowStatements(props));
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: props.stateMachineName,
      type: "STANDARD",
      roleArn: role.arn,
      definition: JSON.stringify(definition),
      loggingConfiguration: { logDestination: `${logs.arn}:*`, includeExecutionData: true, level: "ERROR" },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: props.kmsKeyArn
        ? { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: props.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 }
        : { type: "AWS_OWNED_KEY" },
      dependsOn: [policy],
    });

    this.deadLetterQueue = new SqsQueue(this, "schedule-dlq", {
      name: props.scheduleDeadLetterQueueName,
      ...(props.kmsKeyArn ? { kmsMasterKeyId: props.kmsKeyArn } : { sqsManagedSseEnabled: true }),
      messageRetentionSeconds: 1_209_600,
    });
    if (batch.schedule !== null) {
      const schedulerRole = serviceRole(this, "scheduler-role", physicalName.schedulerRole(props.stateMachineName), "scheduler.amazonaws.com", ctx);
      const schedulerStatements: PolicyStatement[] = [
        { sid: "StartBatchRun", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] },
        { sid: "DeadLetterUndeliveredStarts", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
      ];
      // StartExecution needs no kms permission of its caller (Step Functions "Data at rest
      // encryption", API caller table: StartExecution "--"); the execution role encrypts the input.
      if (props.kmsKeyArn) {
        schedulerStatements.push(kmsThrough("EncryptDeadLetters", props.kmsKeyArn, ["kms:GenerateDataKey", "kms:Decrypt"], "sqs", ctx));
      }
      const schedulerPolicy = grant(this, "start-batch", schedulerRole, schedulerStatements);
      this.schedule = new SchedulerSchedule(this, "schedule", {
        name: physicalName.schedule(props.stateMachineName),
        description: "Starts the batch workflow; the scheduled time becomes the batch id",
        scheduleExpression: batch.schedule,
        scheduleExpressionTimezone: batch.scheduleTimezone,
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: this.stateMachine.arn,
          roleArn: schedulerRole.arn,
          // Scheduler fills <aws.scheduler.scheduled-time> in; the batch id is derived from it, not the clock.
          input: JSON.stringify({ scheduledTime: "<aws.scheduler.scheduled-time>" }),
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
        dependsOn: [schedulerPolicy],
      });
    }
  }

  /**
   * The execution role's use of the key, as Step Functions "Data at rest encryption" documents it:
   * its own state data under the `aws:states:stateMachineArn` encryption context only (no
   * `kms:ViaService`: the page warns it can stop executions from starting or make them fail), and
   * `kms:GenerateDataKey` for execution-log delivery under the `SourceArn` context it gives.
   */
  private executionKeyStatements(keyArn: string, props: BatchStageProps): PolicyStatement[] {
    const { ctx } = props;
    // Built from the name: the state machine's own ARN attribute would make a dependency cycle.
    const machineArn = arn.stateMachine(ctx, props.stateMachineName);
    return [
      kmsForContext("UseOwnExecutionData", keyArn, ["kms:Decrypt", "kms:GenerateDataKey"], { key: "aws:states:stateMachineArn", value: machineArn }),
      kmsForContext("EncryptExecutionLogDelivery", keyArn, ["kms:GenerateDataKey"], {
        key: "SourceArn",
        value: `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:*`,
      }),
    ];
  }

  /** Exactly what the definition's tasks call: the functions, the crawler, Athena with its reads, SNS. */
  private workflowStatements(props: BatchStageProps): PolicyStatement[] {
    const { ctx, lakeBucket, resultsBucket } = props;
    const functionArns = Object.values(this.functions).flatMap((f) => [f.fn.arn, `${f.fn.arn}:*`]);
    const { database, table } = props.settings;
    const keyStatements: PolicyStatement[] = props.kmsKeyArn
      ? [
          ...this.executionKeyStatements(props.kmsKeyArn, props),
          // Athena reads the lake and writes results with the caller's rights, through S3.
          kmsThrough("QueryEncryptedObjects", props.kmsKeyArn, ["kms:Decrypt", "kms:GenerateDataKey"], "s3", ctx),
          kmsThrough("PublishToEncryptedTopic", props.kmsKeyArn, ["kms:Decrypt", "kms:GenerateDataKey"], "sns", ctx),
        ]
      : [];
    return [
      ...keyStatements,
      { sid: "InvokeBatchFunctions", actions: ["lambda:InvokeFunction"], resources: functionArns },
      ...(props.crawlerName === null
        ? []
        : [{ sid: "RunCrawler", actions: ["glue:StartCrawler", "glue:GetCrawler"], resources: [arn.glueCrawler(ctx, props.crawlerName)] }]),
      {
        sid: "RunValidationQueries",
        actions: ["athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup"],
        resources: [arn.athenaWorkgroup(ctx, props.workgroupName)],
      },
      {
        // Athena runs the query with the caller's rights.
        sid: "ReadTableForQueries",
        actions: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"],
        resources: [arn.glueCatalog(ctx), arn.glueDatabase(ctx, database), arn.glueTable(ctx, database, table)],
      },
      { sid: "LocateLakeBucket", actions: ["s3:GetBucketLocation", "s3:ListBucket"], resources: [lakeBucket.arn] },
      {
        sid: "LocateResultsBucket",
        actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
        resources: [resultsBucket.arn],
      },
      { sid: "ReadLakeData", actions: ["s3:GetObject"], resources: [`${lakeBucket.arn}/${LAKE_PREFIXES.data}*`] },
      {
        sid: "WriteQueryResults",
        actions: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        resources: [`${resultsBucket.arn}/${RESULTS_PREFIX}*`],
      },
      { sid: "NotifyFailures", actions: ["sns:Publish"], resources: [this.alerts.arn] },
      {
        // CloudWatch Logs delivery for Step Functions offers no resource-level scoping.
        sid: "DeliverExecutionLogs",
        actions: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        resources: ["*"],
      },
      {
        // X-Ray offers no resource-level scoping.
        sid: "WriteTraces",
        actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
        resources: ["*"],
      },
    ];
  }
}

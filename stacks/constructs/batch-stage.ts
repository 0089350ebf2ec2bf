import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import { buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { batchWorkflowProps } from "../config/batch-workflow-props";
import type { BatchSettingsConfig, DeliverySettings, StreamSettings } from "../config";
import { arn, AwsContext, grant, kmsForContext, kmsThrough, PolicyStatement, serviceRole } from "./iam";
import { NodeFunction } from "./node-function";
import { BatchFunctionKey, batchFunctionSpecs, BatchFunctionSpec } from "./batch-functions";
import { physicalName, type BatchFunctionName } from "../../contract/names";
import { BATCH_PREFIXES, LAKE_PREFIXES, RESULTS_PREFIX } from "../../contract/lake-layout";
import { BatchSettings } from "../../contract/settings";

export interface BatchStageProps {
  /** The batch functions' names (`ResolvedNames.batchFunctions`). */
  readonly functionNames: Readonly<Record<BatchFunctionName, string>>;
  /** The schedule's dead-letter queue (`ResolvedNames.scheduleDeadLetterQueue`). */
  readonly scheduleDeadLetterQueueName: string;
  /** Physical name of the state machine; its role, log group and schedule are named after it. */
  readonly stateMachineName: string;
  /** Schedule, timezone and the workflow's bounds (`config.batch`). */
  readonly batch: BatchSettingsConfig;
  /** What the batch functions receive as `BATCH_SETTINGS` (see `batchSettings(config)`). */
  readonly settings: BatchSettings;
  /** The stream the push function writes to. */
  readonly stream: KinesisStream;
  /** The stream's mode, shards and key, for the workflow's push pacing and the push key grant. */
  readonly streamSettings: StreamSettings;
  /** Firehose buffering, for how long the workflow waits for delivery. */
  readonly delivery: DeliverySettings;
  /** The lake bucket holding landing/, staging/, runs/, processed/ and data/. */
  readonly lakeBucket: S3Bucket;
  /** Where the validation query writes its results. */
  readonly resultsBucket: S3Bucket;
  /** The crawler the workflow runs, or null under partition projection (the workflow then never crawls). */
  readonly crawlerName: string | null;
  /** The batch validation workgroup (QueryStage's `validationWorkgroup`). */
  readonly workgroupName: string;
  /** Topic failed runs are published to. */
  readonly alerts: SnsTopic;
  /** Days the functions' and the state machine's log groups keep events. */
  readonly logRetentionDays: number;
  /**
   * Customer-managed key of the stack (lake bucket, stream, logs, state machine, queue, topic); unset
   * uses AWS-managed keys. A stream-only key from `stream.kmsKeyArn` arrives in `streamSettings`.
   * @default AWS-managed keys
   */
  readonly kmsKeyArn?: string;
  /** Account, partition and region ARNs are built from. */
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
  public readonly functions: Readonly<Record<BatchFunctionKey, NodeFunction>>;

  constructor(scope: Construct, id: string, props: BatchStageProps) {
    super(scope, id);
    const { ctx, batch } = props;
    const specs = batchFunctionSpecs(props);
    const build = (spec: BatchFunctionSpec) =>
      new NodeFunction(this, spec.name, {
        functionName: props.functionNames[spec.name],
        description: spec.description,
        entry: `handlers/${spec.name}/index.ts`,
        memoryMiB: spec.memoryMiB,
        timeoutSeconds: spec.timeoutSeconds,
        bindings: spec.bindings,
        grants:
          props.kmsKeyArn && spec.lakeKeyActions.length > 0
            ? [kmsThrough("UseLakeKey", props.kmsKeyArn, spec.lakeKeyActions, "s3", ctx)]
            : [],
        logRetentionDays: props.logRetentionDays,
        kmsKeyArn: props.kmsKeyArn,
        ctx,
      });
    this.functions = {
      extract: build(specs.extract),
      push: build(specs.push),
      deliveryCheck: build(specs.deliveryCheck),
      finalize: build(specs.finalize),
    };

    this.alerts = props.alerts;

    const definition = buildBatchWorkflow(
      batchWorkflowProps(
        {
          extractFunctionArn: this.functions.extract.fn.arn,
          pushFunctionArn: this.functions.push.fn.arn,
          deliveryCheckFunctionArn: this.functions.deliveryCheck.fn.arn,
          finalizeFunctionArn: this.functions.finalize.fn.arn,
          lakeBucketName: props.lakeBucket.bucket,
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
    if (batch.schedule !== null) this.schedule = this.scheduleRuns(batch.schedule, props);
  }

  /** The schedule that starts a run, with its own role and the dead-letter queue for starts it could not deliver. */
  private scheduleRuns(schedule: string, props: BatchStageProps): SchedulerSchedule {
    const schedulerRole = serviceRole(
      this,
      "scheduler-role",
      physicalName.schedulerRole(props.stateMachineName),
      "scheduler.amazonaws.com",
      props.ctx,
    );
    const schedulerStatements: PolicyStatement[] = [
      { sid: "StartBatchRun", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] },
      { sid: "DeadLetterUndeliveredStarts", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
    ];
    // StartExecution needs no kms permission of its caller (Step Functions "Data at rest
    // encryption", API caller table: StartExecution "--"); the execution role encrypts the input.
    if (props.kmsKeyArn) {
      schedulerStatements.push(kmsThrough("EncryptDeadLetters", props.kmsKeyArn, ["kms:GenerateDataKey", "kms:Decrypt"], "sqs", props.ctx));
    }
    const schedulerPolicy = grant(this, "start-batch", schedulerRole, schedulerStatements);
    return new SchedulerSchedule(this, "schedule", {
      name: physicalName.schedule(props.stateMachineName),
      description: "Starts the batch workflow; the scheduled time becomes the batch id",
      scheduleExpression: schedule,
      scheduleExpressionTimezone: props.batch.scheduleTimezone,
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
      kmsForContext("UseOwnExecutionData", keyArn, ["kms:Decrypt", "kms:GenerateDataKey"], {
        key: "aws:states:stateMachineArn",
        value: machineArn,
      }),
      kmsForContext("EncryptExecutionLogDelivery", keyArn, ["kms:GenerateDataKey"], {
        key: "SourceArn",
        value: `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:*`,
      }),
    ];
  }

  /**
   * What the ExtractAndPush Distributed Map needs, as "IAM policies for using Distributed Map states"
   * documents (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html):
   * StartExecution of the state machine itself for the child executions, DescribeExecution and
   * StopExecution of those children (`execution:<name>/<label>:<child>`), the map run calls
   * (ListMapRuns is authorized on the parent execution, DescribeMapRun and UpdateMapRun on the map run),
   * the ItemReader's GetObject of ranges.json and the ResultWriter's multipart PutObject of the results,
   * both under staging/. The lake key's use through S3 is `QueryEncryptedObjects`.
   */
  private distributedMapStatements(props: BatchStageProps): PolicyStatement[] {
    const { ctx, lakeBucket } = props;
    const states = `arn:${ctx.partition}:states:${ctx.region}:${ctx.accountId}`;
    // Built from the name: the state machine's own ARN attribute in its role's policy would make a dependency cycle.
    const name = props.stateMachineName;
    const staged = `${lakeBucket.arn}/${BATCH_PREFIXES.staging}*`;
    return [
      { sid: "StartRangeExecutions", actions: ["states:StartExecution"], resources: [arn.stateMachine(ctx, name)] },
      {
        sid: "ManageRangeExecutions",
        actions: ["states:DescribeExecution", "states:StopExecution"],
        resources: [`${states}:execution:${name}/*`],
      },
      { sid: "ListMapRuns", actions: ["states:ListMapRuns"], resources: [`${states}:execution:${name}:*`] },
      { sid: "ManageMapRuns", actions: ["states:DescribeMapRun", "states:UpdateMapRun"], resources: [`${states}:mapRun:${name}/*`] },
      { sid: "ReadPlannedRanges", actions: ["s3:GetObject"], resources: [staged] },
      {
        sid: "WriteMapResults",
        actions: ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
        resources: [staged],
      },
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
      ...this.distributedMapStatements(props),
      ...(props.crawlerName === null
        ? []
        : [{ sid: "RunCrawler", actions: ["glue:StartCrawler", "glue:GetCrawler"], resources: [arn.glueCrawler(ctx, props.crawlerName)] }]),
      {
        sid: "RunValidationQueries",
        actions: [
          "athena:StartQueryExecution",
          "athena:StopQueryExecution",
          "athena:GetQueryExecution",
          "athena:GetQueryResults",
          "athena:GetWorkGroup",
        ],
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

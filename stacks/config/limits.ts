/**
 * AWS limits the configuration is validated against. One place, imported by the validator and quoted
 * by docs/configuration.md, so a limit changes in one line. Sources: ../shared/aws-facts.md and the AWS API references.
 */

/** The limit on one kind of physical name, with where it is documented. */
export interface NameLimit {
  /** What the name is, for messages. */
  readonly what: string;
  /** Terraform resource type and attribute that carry the name. */
  readonly resources: readonly (readonly [type: string, attribute: string])[];
  readonly minLength: number;
  readonly maxLength: number;
  readonly pattern: RegExp;
  /** AWS documentation or provider source stating the limit. */
  readonly source: string;
}

const PROVIDER = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service";

/**
 * Every kind of physical name the stack creates, with its AWS limit. Where AWS documents a wider
 * character set than the project uses, the pattern is the project's (narrower) one and says so.
 */
export const NAME_LIMITS = {
  iamRole: {
    what: "IAM role name",
    resources: [["aws_iam_role", "name"]],
    minLength: 1,
    maxLength: 64,
    pattern: /^[\w+=,.@-]+$/,
    source: `${PROVIDER}/iam/role.go (roleNameMaxLen = 64); https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html`,
  },
  iamRolePolicy: {
    what: "IAM inline policy name",
    resources: [["aws_iam_role_policy", "name"]],
    minLength: 1,
    maxLength: 128,
    pattern: /^[\w+=,.@-]+$/,
    source: `${PROVIDER}/iam/validate.go (validRolePolicyName: 128, [\\w+=,.@-])`,
  },
  iamPolicy: {
    what: "IAM managed policy name",
    resources: [["aws_iam_policy", "name"]],
    minLength: 1,
    maxLength: 128,
    pattern: /^[\w+=,.@-]+$/,
    source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html (PolicyName 1–128, [\\w+=,.@-]+)",
  },
  lambdaFunction: {
    what: "Lambda function name",
    resources: [["aws_lambda_function", "function_name"]],
    minLength: 1,
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_-]+$/,
    source: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName: 64 characters without an ARN)",
  },
  logGroup: {
    what: "CloudWatch log group name",
    resources: [["aws_cloudwatch_log_group", "name"]],
    minLength: 1,
    maxLength: 512,
    pattern: /^[0-9A-Za-z_./#-]+$/,
    source: `${PROVIDER}/logs/validate.go (validLogGroupName: 512, [0-9A-Za-z_./#-])`,
  },
  logStream: {
    what: "CloudWatch log stream name",
    resources: [["aws_cloudwatch_log_stream", "name"]],
    minLength: 1,
    maxLength: 512,
    pattern: /^[^:*]+$/,
    source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html (1–512, no : or *)",
  },
  kinesisStream: {
    what: "Kinesis stream name",
    resources: [["aws_kinesis_stream", "name"]],
    minLength: 1,
    maxLength: 128,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    source: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html (StreamName 1–128, [a-zA-Z0-9_.-]+)",
  },
  deliveryStream: {
    what: "Firehose stream name",
    resources: [["aws_kinesis_firehose_delivery_stream", "name"]],
    minLength: 1,
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    source:
      "https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html (DeliveryStreamName 1–64, [a-zA-Z0-9_.-]+)",
  },
  bucket: {
    what: "S3 bucket name",
    resources: [["aws_s3_bucket", "bucket"]],
    minLength: 3,
    maxLength: 63,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    source:
      "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html " +
      "(3–63; the project also forbids dots, which break TLS)",
  },
  bucketPrefix: {
    what: "S3 bucket name prefix",
    resources: [["aws_s3_bucket", "bucket_prefix"]],
    minLength: 1,
    /** 63 less Terraform's 26-character unique suffix. */
    maxLength: 37,
    pattern: /^[a-z0-9][a-z0-9-]*$/,
    source: `${PROVIDER}/s3/bucket.go (bucket_prefix: 63 − id.UniqueIDSuffixLength (26))`,
  },
  glueDatabase: {
    what: "Glue database name",
    resources: [["aws_glue_catalog_database", "name"]],
    minLength: 1,
    maxLength: 255,
    pattern: /^[a-z_][a-z0-9_]*$/,
    source:
      "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html " +
      "(≤ 255; lower case, letters, digits and _ so Athena needs no quoting)",
  },
  glueTable: {
    what: "Glue table name",
    resources: [["aws_glue_catalog_table", "name"]],
    minLength: 1,
    maxLength: 255,
    pattern: /^[a-z_][a-z0-9_]*$/,
    source: "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html (≤ 255; lower case, letters, digits and _)",
  },
  glueCrawler: {
    what: "Glue crawler name",
    resources: [["aws_glue_crawler", "name"]],
    minLength: 1,
    maxLength: 255,
    pattern: /^[\w.-]+$/,
    source:
      "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateCrawler.html " +
      "(Name 1–255, single-line string; the project allows letters, digits, _ . -)",
  },
  glueSecurityConfiguration: {
    what: "Glue security configuration name",
    resources: [["aws_glue_security_configuration", "name"]],
    minLength: 1,
    maxLength: 255,
    pattern: /^[\w.-]+$/,
    source: "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateSecurityConfiguration.html (Name 1–255, single-line string)",
  },
  athenaWorkgroup: {
    what: "Athena workgroup name",
    resources: [["aws_athena_workgroup", "name"]],
    minLength: 1,
    maxLength: 128,
    pattern: /^[a-zA-Z0-9._-]+$/,
    source: "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html (Name [a-zA-Z0-9._-]{1,128})",
  },
  athenaNamedQuery: {
    what: "Athena named query name",
    resources: [["aws_athena_named_query", "name"]],
    minLength: 1,
    maxLength: 128,
    pattern: /^[^\n\r]+$/,
    source: "https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html (Name 1–128)",
  },
  stateMachine: {
    what: "Step Functions state machine name",
    resources: [["aws_sfn_state_machine", "name"]],
    minLength: 1,
    maxLength: 80,
    pattern: /^[0-9A-Za-z_-]+$/,
    source: `${PROVIDER}/sfn/state_machine.go (name: StringLenBetween(1, 80), ^[0-9A-Za-z_-]+$)`,
  },
  schedule: {
    what: "EventBridge Scheduler schedule or group name",
    resources: [
      ["aws_scheduler_schedule", "name"],
      ["aws_scheduler_schedule", "group_name"],
      ["aws_scheduler_schedule_group", "name"],
    ],
    minLength: 1,
    maxLength: 64,
    pattern: /^[0-9A-Za-z_.-]+$/,
    source: `${PROVIDER}/scheduler/schedule.go (name and group_name: StringLenBetween(1, 64), ^[0-9A-Za-z_.-]+$)`,
  },
  sqsQueue: {
    what: "SQS queue name",
    resources: [["aws_sqs_queue", "name"]],
    minLength: 1,
    maxLength: 80,
    pattern: /^[0-9A-Za-z_-]+$/,
    source: `${PROVIDER}/sqs/queue.go (resourceQueueCustomizeDiff: ^[0-9A-Za-z_-]{1,80}$)`,
  },
  snsTopic: {
    what: "SNS topic name",
    resources: [["aws_sns_topic", "name"]],
    minLength: 1,
    maxLength: 256,
    pattern: /^[0-9A-Za-z_-]+$/,
    source: `${PROVIDER}/sns/topic.go (resourceTopicCustomizeDiff: ^[0-9A-Za-z_-]{1,256}$)`,
  },
  metricAlarm: {
    what: "CloudWatch alarm name",
    resources: [["aws_cloudwatch_metric_alarm", "alarm_name"]],
    minLength: 1,
    maxLength: 255,
    pattern: /^[\x20-\x7E]+$/,
    source:
      `${PROVIDER}/cloudwatch/metric_alarm.go (alarm_name: StringLenBetween(1, 255)); ` +
      "AWS documents no character set: printable ASCII is the safe side",
  },
  dashboard: {
    what: "CloudWatch dashboard name",
    resources: [["aws_cloudwatch_dashboard", "dashboard_name"]],
    minLength: 1,
    maxLength: 255,
    pattern: /^[0-9A-Za-z_-]+$/,
    source: `${PROVIDER}/cloudwatch/validate.go (validDashboardName: 255, ^[0-9A-Za-z_-]+$)`,
  },
  eventRule: {
    what: "EventBridge rule name or target id",
    resources: [
      ["aws_cloudwatch_event_rule", "name"],
      ["aws_cloudwatch_event_target", "target_id"],
    ],
    minLength: 1,
    maxLength: 64,
    pattern: /^[0-9A-Za-z_.-]+$/,
    source: `${PROVIDER}/events/validate.go (validateRuleName, validateTargetID: 64, ^[0-9A-Za-z_.-]+$)`,
  },
  kmsAlias: {
    what: "KMS alias name",
    resources: [["aws_kms_alias", "name"]],
    minLength: 7,
    maxLength: 256,
    pattern: /^alias\/(?!aws\/)[a-zA-Z0-9:/_-]+$/,
    source:
      "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName 1–256); " +
      `${PROVIDER}/kms/validate.go (alias/ prefix, not alias/aws)`,
  },
  quickSightId: {
    what: "QuickSight data source, data set or analysis id",
    resources: [
      ["aws_quicksight_data_source", "data_source_id"],
      ["aws_quicksight_data_set", "data_set_id"],
      ["aws_quicksight_analysis", "analysis_id"],
    ],
    minLength: 1,
    maxLength: 128,
    pattern: /^[\w-]+$/,
    source:
      "https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateAnalysis.html (AnalysisId [\\w-]+, up to 2048); " +
      "no length is documented for DataSourceId or DataSetId, so 128 (the display-name limit) is the safe side",
  },
  quickSightName: {
    what: "QuickSight display name",
    resources: [
      ["aws_quicksight_data_source", "name"],
      ["aws_quicksight_data_set", "name"],
      ["aws_quicksight_analysis", "name"],
    ],
    minLength: 1,
    maxLength: 128,
    pattern: /^[^\n\r]+$/,
    source: `${PROVIDER}/quicksight/data_source.go (name: StringLenBetween(1, 128)); the same bound is used for the data set and analysis`,
  },
} as const satisfies Record<string, NameLimit>;

/** A kind of physical name (a row of NAME_LIMITS). */
export type NameKind = keyof typeof NAME_LIMITS;

export const LIMITS = {
  stream: {
    retentionHours: { min: 24, max: 8760 },
    shardCount: { min: 1, max: 10000 },
    name: NAME_LIMITS.kinesisStream,
  },
  delivery: {
    bufferSizeMiB: { min: 1, max: 128, minWithConversion: 64 },
    bufferIntervalSeconds: { min: 0, max: 900, minWithDynamicPartitioning: 60 },
    processorBufferSizeMB: { min: 0.2, max: 3 },
    processorBufferIntervalSeconds: { min: 60, max: 900 },
    name: NAME_LIMITS.deliveryStream,
  },
  lambda: {
    name: NAME_LIMITS.lambdaFunction,
    memoryMiB: { min: 128, max: 10240 },
    /** Firehose waits at most 5 minutes for a transform invocation. */
    transformTimeoutSeconds: { min: 1, max: 300 },
  },
  bucket: {
    minLength: NAME_LIMITS.bucket.minLength,
    maxLength: NAME_LIMITS.bucket.maxLength,
    /** `bucket_prefix` leaves room for Terraform's 26-character unique suffix. */
    prefixMaxLength: NAME_LIMITS.bucketPrefix.maxLength,
    pattern: NAME_LIMITS.bucket.pattern,
  },
  glue: {
    /** Lower-case, no hyphens (Athena would need quoting) and no dots (Hive SerDe). */
    name: NAME_LIMITS.glueTable,
    cron: "cron(minutes hours day-of-month month day-of-week year)",
  },
  athena: {
    workgroup: NAME_LIMITS.athenaWorkgroup,
    /** Athena rejects a per-query cutoff below 10 MB. */
    bytesScannedCutoff: { min: 10_485_760 },
  },
  logRetentionDays: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
  /** Lambda allows 4 KB of environment variables in total. */
  lambdaEnvironmentBytes: 4096,
} as const;

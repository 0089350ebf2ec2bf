/**
 * The reviewed IAM of the stack: the configurations the least-privilege tests run against, and for
 * each role its trust and the exact actions it is allowed. Any new permission must change this list.
 */
import { TrustExpectation } from "../../stacks/iam-rules";
import { FAKE_ACCOUNT_ID } from "./resolve-arns";
import { unique } from "./stack-view";
import { synthPipeline } from "./synth";

export const STREAM_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
export const ANALYST = "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";

/** The configurations every check runs against. */
export const CONFIGURATIONS = [
  { name: "default", streamKey: false, customerManaged: false, quicksight: false, synth: () => synthPipeline() },
  {
    name: "stream CMK",
    streamKey: true,
    customerManaged: false,
    quicksight: false,
    synth: () => synthPipeline({ stream: { kmsKeyArn: STREAM_KEY_ARN } }),
  },
  {
    name: "customer-managed key",
    streamKey: false,
    customerManaged: true,
    quicksight: false,
    synth: () => synthPipeline({ security: { encryption: "customer-managed" } }),
  },
  {
    name: "QuickSight on, customer-managed key",
    streamKey: false,
    customerManaged: true,
    quicksight: true,
    synth: () => synthPipeline({ security: { encryption: "customer-managed" }, quicksight: { enabled: true, principalArn: ANALYST } }),
  },
  {
    name: "event-time partitions",
    streamKey: false,
    customerManaged: false,
    quicksight: false,
    synth: () => synthPipeline({ partitioning: { partitionTime: "event" } }),
  },
] as const;
export type Configuration = (typeof CONFIGURATIONS)[number];

export type RoleKind =
  "transform" | "extract" | "push" | "deliveryCheck" | "finalize" | "firehose" | "crawler" | "stateMachine" | "scheduler" | "quicksight";

export interface ReviewedRole {
  /** Matches the role's physical name. */
  readonly name: RegExp;
  /** The one service principal of its trust policy. */
  readonly service: string;
  /** The confused-deputy condition key of its trust policy (StringEquals = the account); none for Lambda and Glue. */
  readonly guard?: "sts:ExternalId" | "aws:SourceAccount";
  /** An existing role outside the stack (its trust policy is not the stack's). */
  readonly external?: boolean;
  /** Every action the role is allowed, in any statement. */
  readonly actions: readonly string[];
  /** Added when the stream has a customer-managed key (`stream.kmsKeyArn`). */
  readonly withStreamKey?: readonly string[];
  /** Added with `security.encryption: "customer-managed"`. */
  readonly withCustomerManagedKey?: readonly string[];
}

export const OWN_LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
export const XRAY_WRITE = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
export const LAMBDA = { service: "lambda.amazonaws.com" } as const;

/** The reviewed action sets: any new permission must change this list. */
export const REVIEWED_ROLES: Record<RoleKind, ReviewedRole> = {
  transform: { ...LAMBDA, name: /-transform-role$/, actions: [...OWN_LOGS, ...XRAY_WRITE], withCustomerManagedKey: ["kms:Decrypt"] },
  extract: {
    ...LAMBDA,
    name: /-batch-extract-role$/,
    actions: [...OWN_LOGS, "s3:GetObject", "s3:ListBucket", "s3:PutObject", ...XRAY_WRITE],
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
  push: {
    ...LAMBDA,
    name: /-batch-push-role$/,
    actions: [...OWN_LOGS, "s3:GetObject", "kinesis:PutRecords", ...XRAY_WRITE],
    withStreamKey: ["kms:GenerateDataKey"],
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
  deliveryCheck: {
    ...LAMBDA,
    name: /-batch-delivery-check-role$/,
    actions: [...OWN_LOGS, "s3:ListBucket", ...XRAY_WRITE],
    withCustomerManagedKey: ["kms:Decrypt"],
  },
  finalize: {
    ...LAMBDA,
    name: /-batch-finalize-role$/,
    actions: [...OWN_LOGS, "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject", ...XRAY_WRITE],
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
  firehose: {
    name: /-firehose$/,
    service: "firehose.amazonaws.com",
    guard: "sts:ExternalId",
    actions: [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
      "lambda:GetFunctionConfiguration",
      "lambda:InvokeFunction",
      "glue:GetTable",
      "glue:GetTableVersion",
      "glue:GetTableVersions",
      "logs:PutLogEvents",
    ],
    withStreamKey: ["kms:Decrypt"],
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
  crawler: {
    // Glue documents no confused-deputy key for the roles it assumes (service-request-contexts: glue.assume-role).
    name: /-crawler$/,
    service: "glue.amazonaws.com",
    actions: [
      "glue:BatchCreatePartition",
      "glue:BatchGetPartition",
      "glue:BatchUpdatePartition",
      "glue:CreatePartition",
      "glue:GetDatabase",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:GetTable",
      "glue:UpdatePartition",
      "s3:GetObject",
      "s3:ListBucket",
      "logs:CreateLogGroup",
      ...OWN_LOGS,
    ],
    withCustomerManagedKey: ["kms:Decrypt", "logs:AssociateKmsKey"],
  },
  stateMachine: {
    name: /-states$/,
    service: "states.amazonaws.com",
    guard: "aws:SourceAccount",
    actions: [
      "lambda:InvokeFunction",
      "glue:StartCrawler",
      "glue:GetCrawler",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetWorkGroup",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
      "glue:BatchGetPartition",
      "glue:GetDatabase",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:GetTable",
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
      "sns:Publish",
      // The Distributed Map: its child executions and map runs (iam-policies-eg-dist-map.html).
      "states:StartExecution",
      "states:DescribeExecution",
      "states:StopExecution",
      "states:ListMapRuns",
      "states:DescribeMapRun",
      "states:UpdateMapRun",
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      ...XRAY_WRITE,
    ],
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
  scheduler: {
    name: /-scheduler$/,
    service: "scheduler.amazonaws.com",
    guard: "aws:SourceAccount",
    actions: ["sqs:SendMessage", "states:StartExecution"],
    // For the encrypted dead-letter queue only: StartExecution makes no KMS request of its caller.
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
  quicksight: {
    name: /^aws-quicksight-/,
    service: "quicksight.amazonaws.com",
    external: true,
    actions: [
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ],
    withCustomerManagedKey: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
};

export function reviewedActions(kind: RoleKind, config: Configuration): string[] {
  const reviewed = REVIEWED_ROLES[kind];
  return unique([
    ...reviewed.actions,
    ...(config.streamKey ? (reviewed.withStreamKey ?? []) : []),
    ...(config.customerManaged ? (reviewed.withCustomerManagedKey ?? []) : []),
  ]);
}

/** The role kind of a role name, from the reviewed list; undefined when no entry (or several) match. */
export function kindOf(roleName: string): RoleKind | undefined {
  const kinds = (Object.keys(REVIEWED_ROLES) as RoleKind[]).filter((kind) => REVIEWED_ROLES[kind].name.test(roleName));
  return kinds.length === 1 ? kinds[0] : undefined;
}

/** What rule 8 expects of the trust policy of a reviewed role. */
export const trustExpectation = (reviewed: ReviewedRole): TrustExpectation => ({
  service: reviewed.service,
  guard: reviewed.guard,
  account: FAKE_ACCOUNT_ID,
});

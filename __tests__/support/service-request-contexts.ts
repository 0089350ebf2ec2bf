/**
 * What each AWS service sends when it acts on this stack's resources: one row per service and
 * action, with the condition keys the request carries and the document that says so. The
 * least-privilege simulation builds every KMS and AssumeRole request from these rows, so a key
 * policy statement, a role condition or a trust condition that the real request would not satisfy
 * is denied in the tests as it would be on AWS.
 *
 * Rule for what is not documented: a key AWS does not document as sent is absent here. A policy
 * that relies on such a key then fails these tests, which is the safe side: on AWS it might deny
 * silently (a dropped alert, an execution that cannot start).
 */

/** Who signs the request: a role of ours (its session, when a service acts with it) or the service principal itself. */
export type Caller = { readonly kind: "role" } | { readonly kind: "service"; readonly principal: string };

/** A value template: `{region}`, `{account}`, `{partition}`, `{resource}` (what is acted on) and `{source}` (what acts) are filled in. */
export type Template = string;

export interface RequestRow {
  /** The service that makes the request. */
  readonly service: string;
  /** The IAM action the request is authorized as. */
  readonly action: string;
  /** What `{resource}` stands for. */
  readonly on: string;
  readonly caller: Caller;
  /** `kms:ViaService`, or null when the request does not carry it. */
  readonly viaService: Template | null;
  /** Whether `aws:SourceAccount` (= the account) is present. */
  readonly sourceAccount: boolean;
  /** `aws:SourceArn`, or null when absent. */
  readonly sourceArn: Template | null;
  /** `sts:ExternalId`, or null when absent (AssumeRole only). */
  readonly externalId: Template | null;
  /** The KMS encryption context (`kms:EncryptionContext:<key>`); empty for none or for non-KMS requests. */
  readonly encryptionContext: Readonly<Record<string, Template>>;
  /** Where AWS documents it. */
  readonly doc: string;
}

const ROLE: Caller = { kind: "role" };
const service = (principal: string): Caller => ({ kind: "service", principal });
const NOTHING = { viaService: null, sourceAccount: false, sourceArn: null, externalId: null, encryptionContext: {} } as const;

const DOCS = {
  kmsViaService: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
  s3: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context",
  kinesis: "https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html",
  sns: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#send-to-encrypted-topic",
  snsServices: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
  sqs: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html",
  lambdaEnv: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html",
  sfn: "https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html",
  logs: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
  lambdaRole: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
  firehoseRole: "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html",
  glueRole: "https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html",
  sfnRole: "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html",
  schedulerRole: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role",
  snsAlarmPublish: "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html",
  eventBridgeSns: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
} as const;

/** A role's data-key use through a service that documents kms:ViaService and the given encryption context. */
const through = (svc: string, action: string, on: string, context: Record<string, Template>, doc: string): RequestRow => ({
  ...NOTHING,
  service: svc,
  action,
  on,
  caller: ROLE,
  viaService: `${svc}.{region}.amazonaws.com`,
  encryptionContext: context,
  doc,
});

/** The table. Keys name the service, what it does, and the action. */
export const SERVICE_REQUESTS = {
  // ── KMS requests a service makes with one of our roles ──────────────────────────────────────
  // S3 SSE-KMS with a bucket key: the context is the bucket ARN.
  "s3.read-object.decrypt": through("s3", "kms:Decrypt", "bucket ARN (bucket key on)", { "aws:s3:arn": "{resource}" }, DOCS.s3),
  "s3.write-object.generate": through("s3", "kms:GenerateDataKey", "bucket ARN (bucket key on)", { "aws:s3:arn": "{resource}" }, DOCS.s3),
  "kinesis.put-records.generate": through(
    "kinesis",
    "kms:GenerateDataKey",
    "stream ARN",
    { "aws:kinesis:arn": "{resource}" },
    DOCS.kinesis,
  ),
  "kinesis.get-records.decrypt": through("kinesis", "kms:Decrypt", "stream ARN", { "aws:kinesis:arn": "{resource}" }, DOCS.kinesis),
  // SNS documents the publisher's kms actions and kms:ViaService, not an encryption context.
  "sns.publish.generate": through("sns", "kms:GenerateDataKey", "topic ARN", {}, DOCS.sns),
  "sns.publish.decrypt": through("sns", "kms:Decrypt", "topic ARN", {}, DOCS.sns),
  "sqs.send-message.generate": through("sqs", "kms:GenerateDataKey", "queue ARN", { "aws:sqs:arn": "{resource}" }, DOCS.sqs),
  "sqs.send-message.decrypt": through("sqs", "kms:Decrypt", "queue ARN", { "aws:sqs:arn": "{resource}" }, DOCS.sqs),
  "lambda.environment.decrypt": through(
    "lambda",
    "kms:Decrypt",
    "function ARN",
    { "aws:lambda:FunctionArn": "{resource}" },
    DOCS.lambdaEnv,
  ),
  // Step Functions: the execution role, with the state machine ARN as context and no kms:ViaService
  // documented (the page warns that requiring it can stop executions).
  "states.execution-data.decrypt": {
    ...NOTHING,
    service: "states",
    action: "kms:Decrypt",
    on: "state machine ARN",
    caller: ROLE,
    encryptionContext: { "aws:states:stateMachineArn": "{resource}" },
    doc: DOCS.sfn,
  },
  "states.execution-data.generate": {
    ...NOTHING,
    service: "states",
    action: "kms:GenerateDataKey",
    on: "state machine ARN",
    caller: ROLE,
    encryptionContext: { "aws:states:stateMachineArn": "{resource}" },
    doc: DOCS.sfn,
  },
  // Execution-log delivery under the key: the context value is the one the page gives, verbatim.
  "states.log-delivery.generate": {
    ...NOTHING,
    service: "states",
    action: "kms:GenerateDataKey",
    on: "the account's logs ARN space",
    caller: ROLE,
    encryptionContext: { SourceArn: "arn:{partition}:logs:{region}:{account}:*" },
    doc: DOCS.sfn,
  },
  // Starting an execution: the caller makes no KMS request (API caller table: StartExecution "--").
  "scheduler.start-execution": {
    ...NOTHING,
    service: "scheduler",
    action: "states:StartExecution",
    on: "state machine ARN",
    caller: ROLE,
    doc: DOCS.sfn,
  },

  // ── KMS requests a service makes as its own service principal ───────────────────────────────
  "logs.log-group.encrypt": {
    ...NOTHING,
    service: "logs",
    action: "kms:GenerateDataKey",
    on: "log group ARN",
    caller: service("logs.{region}.amazonaws.com"),
    encryptionContext: { "aws:logs:arn": "{resource}" },
    doc: DOCS.logs,
  },
  "logs.log-group.decrypt": {
    ...NOTHING,
    service: "logs",
    action: "kms:Decrypt",
    on: "log group ARN",
    caller: service("logs.{region}.amazonaws.com"),
    encryptionContext: { "aws:logs:arn": "{resource}" },
    doc: DOCS.logs,
  },
  // Step Functions page, step 3: the key policy statement for log delivery has no condition; nothing is relied on.
  "logs.state-machine-delivery.decrypt": {
    ...NOTHING,
    service: "logs",
    action: "kms:Decrypt",
    on: "the state machine's log group",
    caller: service("delivery.logs.amazonaws.com"),
    doc: DOCS.sfn,
  },
  // SNS guide, step 3: add aws:SourceAccount and aws:SourceArn for service event sources.
  "cloudwatch.alarm-publish.generate": {
    ...NOTHING,
    service: "cloudwatch",
    action: "kms:GenerateDataKey",
    on: "alerts topic",
    caller: service("cloudwatch.amazonaws.com"),
    sourceAccount: true,
    sourceArn: "{source}",
    doc: DOCS.snsServices,
  },
  "cloudwatch.alarm-publish.decrypt": {
    ...NOTHING,
    service: "cloudwatch",
    action: "kms:Decrypt",
    on: "alerts topic",
    caller: service("cloudwatch.amazonaws.com"),
    sourceAccount: true,
    sourceArn: "{source}",
    doc: DOCS.snsServices,
  },
  // SNS guide, step 3 "Important": aws:SourceAccount, aws:SourceArn and aws:SourceOrgID are not
  // supported for EventBridge to encrypted topics.
  "events.rule-publish.generate": {
    ...NOTHING,
    service: "events",
    action: "kms:GenerateDataKey",
    on: "alerts topic",
    caller: service("events.amazonaws.com"),
    doc: DOCS.snsServices,
  },
  "events.rule-publish.decrypt": {
    ...NOTHING,
    service: "events",
    action: "kms:Decrypt",
    on: "alerts topic",
    caller: service("events.amazonaws.com"),
    doc: DOCS.snsServices,
  },

  // ── sns:Publish by services, against the alerts topic policy ──────────────────────────────────
  // CloudWatch alarms publish with the alarm as source (SNS access policy use cases, confused deputy).
  "cloudwatch.alarm-publish.publish": {
    ...NOTHING,
    service: "cloudwatch",
    action: "sns:Publish",
    on: "alerts topic",
    caller: service("cloudwatch.amazonaws.com"),
    sourceAccount: true,
    sourceArn: "{source}",
    doc: DOCS.snsAlarmPublish,
  },
  // EventBridge guide, "Amazon SNS permissions": Condition blocks cannot be used in SNS topic policies
  // for EventBridge, so no source key is taken as sent.
  "events.rule-publish.publish": {
    ...NOTHING,
    service: "events",
    action: "sns:Publish",
    on: "alerts topic",
    caller: service("events.amazonaws.com"),
    doc: DOCS.eventBridgeSns,
  },

  // ── Services assuming our roles (trust policies) ──────────────────────────────────────────────
  "lambda.assume-role": {
    ...NOTHING,
    service: "lambda",
    action: "sts:AssumeRole",
    on: "role ARN",
    caller: service("lambda.amazonaws.com"),
    doc: DOCS.lambdaRole,
  },
  "firehose.assume-role": {
    ...NOTHING,
    service: "firehose",
    action: "sts:AssumeRole",
    on: "role ARN",
    caller: service("firehose.amazonaws.com"),
    externalId: "{account}",
    doc: DOCS.firehoseRole,
  },
  // Glue documents no confused-deputy key for the roles it assumes.
  "glue.assume-role": {
    ...NOTHING,
    service: "glue",
    action: "sts:AssumeRole",
    on: "role ARN",
    caller: service("glue.amazonaws.com"),
    doc: DOCS.glueRole,
  },
  "states.assume-role": {
    ...NOTHING,
    service: "states",
    action: "sts:AssumeRole",
    on: "role ARN",
    caller: service("states.amazonaws.com"),
    sourceAccount: true,
    sourceArn: "{source}",
    doc: DOCS.sfnRole,
  },
  "scheduler.assume-role": {
    ...NOTHING,
    service: "scheduler",
    action: "sts:AssumeRole",
    on: "role ARN",
    caller: service("scheduler.amazonaws.com"),
    sourceAccount: true,
    sourceArn: "{source}",
    doc: DOCS.schedulerRole,
  },
} as const satisfies Record<string, RequestRow>;

export type RequestRowId = keyof typeof SERVICE_REQUESTS;

/** The values a row's templates are filled with. */
export interface RequestValues {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  /** What is acted on (see the row's `on`). */
  readonly resource?: string;
  /** What acts (an alarm, a rule, a state machine, a schedule), for `aws:SourceArn`. */
  readonly source?: string;
}

function fill(template: Template, values: RequestValues, row: RequestRowId): string {
  return template.replace(/\{(region|account|partition|resource|source)\}/g, (_m, name: keyof RequestValues) => {
    const value = values[name];
    if (value === undefined) throw new Error(`service request ${row}: no value for {${name}}`);
    return value;
  });
}

/** The condition keys a request of `row` carries, with `values` filled in. */
export function requestContext(row: RequestRowId, values: RequestValues): Record<string, string> {
  const r: RequestRow = SERVICE_REQUESTS[row];
  const context: Record<string, string> = {};
  if (r.viaService !== null) context["kms:ViaService"] = fill(r.viaService, values, row);
  if (r.sourceAccount) context["aws:SourceAccount"] = values.account;
  if (r.sourceArn !== null) context["aws:SourceArn"] = fill(r.sourceArn, values, row);
  if (r.externalId !== null) context["sts:ExternalId"] = fill(r.externalId, values, row);
  for (const [key, template] of Object.entries(r.encryptionContext)) context[`kms:EncryptionContext:${key}`] = fill(template, values, row);
  return context;
}

/** The principal of a row's request: the role ARN given, or the row's service principal. */
export function requestPrincipal(row: RequestRowId, values: RequestValues, roleArn?: string): string {
  const caller: Caller = SERVICE_REQUESTS[row].caller;
  if (caller.kind === "service") return fill(caller.principal, values, row);
  if (!roleArn) throw new Error(`service request ${row}: made with a role, but no role given`);
  return roleArn;
}

/** The rows of the data-key requests a role makes when a service encrypts or decrypts for it. */
export const KMS_ROWS_FOR = {
  "s3:GetObject": ["s3.read-object.decrypt"],
  "s3:PutObject": ["s3.write-object.generate"],
  "kinesis:PutRecords": ["kinesis.put-records.generate"],
  "kinesis:PutRecord": ["kinesis.put-records.generate"],
  "kinesis:GetRecords": ["kinesis.get-records.decrypt"],
  "sns:Publish": ["sns.publish.generate", "sns.publish.decrypt"],
  "sqs:SendMessage": ["sqs.send-message.generate", "sqs.send-message.decrypt"],
} as const satisfies Record<string, readonly RequestRowId[]>;

/** The AssumeRole row of each service principal that assumes a role of ours. */
export const ASSUME_ROLE_ROW: Readonly<Record<string, RequestRowId>> = {
  "lambda.amazonaws.com": "lambda.assume-role",
  "firehose.amazonaws.com": "firehose.assume-role",
  "glue.amazonaws.com": "glue.assume-role",
  "states.amazonaws.com": "states.assume-role",
  "scheduler.amazonaws.com": "scheduler.assume-role",
};

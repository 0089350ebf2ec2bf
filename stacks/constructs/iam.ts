/**
 * IAM building blocks: one role per service principal, inline policies with exact actions and
 * resource ARNs. Policies are plain JSON strings (with Terraform references resolved at plan time),
 * so tests can parse and evaluate them directly.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";

/** Account, partition and region references every ARN is built from. */
export interface AwsContext {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
}

/** IAM condition block: operator → key → value(s). */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One Allow statement. */
export interface PolicyStatement {
  /** Short PascalCase id saying why the permission exists. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: PolicyCondition;
}

/** Renders Allow statements as an IAM policy document. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: "Allow",
      Action: [...s.actions],
      Resource: [...s.resources],
      ...(s.condition ? { Condition: s.condition } : {}),
    })),
  });
}

/** The service principals roles in this project are assumed by. */
export type ServicePrincipal =
  | "lambda.amazonaws.com"
  | "firehose.amazonaws.com"
  | "glue.amazonaws.com"
  | "states.amazonaws.com"
  | "events.amazonaws.com"
  | "scheduler.amazonaws.com";

/**
 * Services whose trust policy keeps `aws:SourceAccount`: Step Functions and EventBridge Scheduler
 * show it in their documented execution-role trust policies (EventBridge is kept as it was).
 * Lambda and Glue document no such key for role assumption: a condition on a key the service does
 * not send denies every AssumeRole, so their trust has none (a role is passed with iam:PassRole,
 * which works only within the account).
 */
const SOURCE_ACCOUNT_IN_ASSUME_ROLE: ReadonlySet<ServicePrincipal> = new Set<ServicePrincipal>([
  "states.amazonaws.com",
  "events.amazonaws.com",
  "scheduler.amazonaws.com",
]);

/**
 * Trust policy for exactly one service principal, with the confused-deputy guard that service
 * documents: `sts:ExternalId` = account for Firehose (AWS's documented form), `aws:SourceAccount`
 * for the services in {@link SOURCE_ACCOUNT_IN_ASSUME_ROLE}, none for Lambda and Glue.
 */
export function trustPolicy(service: ServicePrincipal, ctx: AwsContext): string {
  let condition: PolicyCondition | undefined;
  if (service === "firehose.amazonaws.com") condition = { StringEquals: { "sts:ExternalId": ctx.accountId } };
  else if (SOURCE_ACCOUNT_IN_ASSUME_ROLE.has(service)) condition = { StringEquals: { "aws:SourceAccount": ctx.accountId } };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}

/** Creates a role assumable only by `service`. */
export function serviceRole(scope: Construct, id: string, name: string, service: ServicePrincipal, ctx: AwsContext): IamRole {
  return new IamRole(scope, id, {
    name,
    assumeRolePolicy: trustPolicy(service, ctx),
    description: `Assumed by ${service} for ${name}`,
  });
}

/** Attaches an inline policy with the given statements to `role`. */
export function grant(scope: Construct, id: string, role: IamRole, statements: readonly PolicyStatement[]): IamRolePolicy {
  return new IamRolePolicy(scope, id, { name: id, role: role.name, policy: policyDocument(statements) });
}

/** ARN builders, so every policy spells ARNs the same way. */
export const arn = {
  logGroup: (ctx: AwsContext, name: string) => `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${name}`,
  glueCatalog: (ctx: AwsContext) => `arn:${ctx.partition}:glue:${ctx.region}:${ctx.accountId}:catalog`,
  glueDatabase: (ctx: AwsContext, db: string) => `arn:${ctx.partition}:glue:${ctx.region}:${ctx.accountId}:database/${db}`,
  glueTable: (ctx: AwsContext, db: string, table: string) =>
    `arn:${ctx.partition}:glue:${ctx.region}:${ctx.accountId}:table/${db}/${table}`,
  glueCrawler: (ctx: AwsContext, name: string) => `arn:${ctx.partition}:glue:${ctx.region}:${ctx.accountId}:crawler/${name}`,
  athenaWorkgroup: (ctx: AwsContext, name: string) => `arn:${ctx.partition}:athena:${ctx.region}:${ctx.accountId}:workgroup/${name}`,
  stateMachine: (ctx: AwsContext, name: string) => `arn:${ctx.partition}:states:${ctx.region}:${ctx.accountId}:stateMachine:${name}`,
} as const;

/** X-Ray write actions: AWS offers no resource-level scoping for them, so they are granted on "*". */
export const XRAY_WRITE: PolicyStatement = {
  sid: "WriteTraces",
  actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
  resources: ["*"],
};

/** Services a role reaches the customer-managed key through. */
export type KmsVia = "s3" | "kinesis" | "sns" | "sqs" | "states" | "lambda" | "logs" | "athena";

/** Use of the customer-managed key, only through `service` (kms:ViaService). */
export function kmsThrough(sid: string, keyArn: string, actions: readonly string[], service: KmsVia, ctx: AwsContext): PolicyStatement {
  return {
    sid,
    actions,
    resources: [keyArn],
    condition: { StringEquals: { "kms:ViaService": `${service}.${ctx.region}.amazonaws.com` } },
  };
}

/**
 * Use of the customer-managed key only for data whose encryption context names `value` under `key`,
 * without `kms:ViaService`: for callers that reach KMS in a way AWS does not document as "via" a
 * service (a Step Functions execution role; CloudWatch Logs delivery for a state machine).
 */
export function kmsForContext(
  sid: string,
  keyArn: string,
  actions: readonly string[],
  context: { readonly key: string; readonly value: string },
): PolicyStatement {
  return { sid, actions, resources: [keyArn], condition: { StringEquals: { [`kms:EncryptionContext:${context.key}`]: context.value } } };
}

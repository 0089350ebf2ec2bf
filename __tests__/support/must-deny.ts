/** What each role must not be able to do, and the KMS requests through other services it must be denied. */
import { LAKE_PREFIXES } from "../../contract/lake-layout";
import { HANDLER_USES, P } from "./iam-needs";
import { RoleKind } from "./reviewed-roles";
import { Need, Pair, SAMPLE_OBJECT, StackView, unique, viaService } from "./stack-view";

/** Named resources of the stack the must-not pairs refer to. */
export interface Landmarks {
  /** An ARN in the stack's account and region, e.g. for a resource that is not the stack's. */
  readonly arn: (service: string, resource: string) => string;
  readonly lake: string;
  readonly stream: string;
  readonly functions: Readonly<Record<string, string>>;
  readonly transformVersion: string;
  readonly database: string;
  readonly table: string;
  readonly crawlerLogsOnly: boolean;
}

export function landmarks(v: StackView): Landmarks {
  const firehose = v.only("aws_kinesis_firehose_delivery_stream").block;
  const functions: Record<string, string> = {};
  for (const { address, block } of v.blocks("aws_lambda_function")) {
    const entry = Object.entries(HANDLER_USES).find(([, use]) => use.functionName.test(v.r.resolveString(block.function_name)));
    if (entry) functions[entry[0]] = v.arn(address);
  }
  const transform = v.blocks("aws_lambda_function").find(({ address }) => v.arn(address) === functions.transform)!;
  return {
    arn: (service, resource) => v.r.arn(service, resource),
    lake: v.r.resolveString(firehose.extended_s3_configuration.bucket_arn),
    stream: v.r.resolveString(firehose.kinesis_source_configuration.kinesis_stream_arn),
    functions,
    transformVersion: v.r.resolveReference(`${transform.address}.qualified_arn`),
    database: v.arn(v.only("aws_glue_catalog_database").address),
    table: v.arn(v.blocks("aws_glue_catalog_table").find(({ block }) => block.table_type !== "VIRTUAL_VIEW")!.address),
    crawlerLogsOnly: v.blocks("aws_glue_crawler").every(({ block }) => block.schema_change_policy?.update_behavior === "LOG"),
  };
}

export const OTHER = "another";
export const inLake = (l: Landmarks, prefix: string) => `${l.lake}/${prefix}${SAMPLE_OBJECT}`;
export const listLake = (l: Landmarks, prefix: string): Pair => ({
  action: "s3:ListBucket",
  resource: l.lake,
  context: { "s3:prefix": prefix },
});
export const P_DATA = LAKE_PREFIXES.data;

/** What each role must not be able to do (ImplicitlyDenied expected). */
export const MUST_DENY: Record<RoleKind, (l: Landmarks) => Pair[]> = {
  transform: (l) => [
    { action: "s3:GetObject", resource: inLake(l, P_DATA) },
    { action: "s3:PutObject", resource: inLake(l, P_DATA) },
    { action: "kinesis:GetRecords", resource: l.stream },
    { action: "kinesis:PutRecords", resource: l.stream },
  ],
  extract: (l) => [
    { action: "kinesis:PutRecords", resource: l.stream },
    { action: "s3:DeleteObject", resource: inLake(l, P.landing) },
    { action: "s3:GetObject", resource: inLake(l, P_DATA) },
    { action: "s3:PutObject", resource: inLake(l, P_DATA) },
    { action: "s3:PutObject", resource: inLake(l, P.processed) },
    listLake(l, P_DATA),
  ],
  push: (l) => [
    { action: "s3:GetObject", resource: inLake(l, P.landing) },
    { action: "s3:PutObject", resource: inLake(l, P.staging) },
    { action: "kinesis:DeleteStream", resource: l.stream },
    { action: "kinesis:GetRecords", resource: l.stream },
  ],
  deliveryCheck: (l) => [{ action: "s3:GetObject", resource: inLake(l, P_DATA) }, listLake(l, P.landing), listLake(l, "")],
  finalize: (l) => [
    { action: "s3:DeleteObject", resource: inLake(l, P.processed) },
    { action: "s3:DeleteObject", resource: inLake(l, P_DATA) },
    { action: "s3:GetObject", resource: inLake(l, P_DATA) },
    { action: "s3:PutObject", resource: inLake(l, P.landing) },
    listLake(l, P_DATA),
    listLake(l, ""),
  ],
  firehose: (l) => [
    { action: "s3:PutObject", resource: inLake(l, P.landing) },
    { action: "s3:PutObject", resource: `arn:aws:s3:::${OTHER}-bucket/${P_DATA}${SAMPLE_OBJECT}` },
    { action: "s3:DeleteObject", resource: inLake(l, P_DATA) },
    { action: "lambda:InvokeFunction", resource: l.functions.extract! },
    { action: "kinesis:PutRecords", resource: l.stream },
  ],
  crawler: (l) => [
    { action: "s3:GetObject", resource: inLake(l, LAKE_PREFIXES.raw) },
    { action: "s3:GetObject", resource: inLake(l, LAKE_PREFIXES.errors) },
    listLake(l, LAKE_PREFIXES.raw),
    { action: "s3:PutObject", resource: inLake(l, P_DATA) },
    { action: "glue:CreateTable", resource: l.database },
    { action: "glue:DeleteTable", resource: l.table },
    ...(l.crawlerLogsOnly ? [{ action: "glue:UpdateTable", resource: l.table }] : []),
  ],
  stateMachine: (l) => [
    { action: "lambda:InvokeFunction", resource: l.functions.transform! },
    { action: "lambda:InvokeFunction", resource: l.transformVersion },
    { action: "sns:Publish", resource: l.arn("sns", `${OTHER}-topic`) },
    { action: "glue:StartCrawler", resource: l.arn("glue", `crawler/${OTHER}-crawler`) },
    { action: "athena:StartQueryExecution", resource: l.arn("athena", "workgroup/primary") },
    { action: "s3:GetObject", resource: inLake(l, LAKE_PREFIXES.raw) },
    { action: "s3:PutObject", resource: inLake(l, P_DATA) },
    // The lake is only read by queries: no multipart uploads to list there (§2.6 grants that on the results bucket).
    { action: "s3:ListBucketMultipartUploads", resource: l.lake },
  ],
  scheduler: (l) => [
    { action: "states:StartExecution", resource: l.arn("states", `stateMachine:${OTHER}-machine`) },
    { action: "sqs:SendMessage", resource: l.arn("sqs", `${OTHER}-queue`) },
  ],
  quicksight: (l) => [
    { action: "s3:PutObject", resource: inLake(l, P_DATA) },
    { action: "s3:DeleteObject", resource: inLake(l, P_DATA) },
    { action: "s3:GetObject", resource: inLake(l, LAKE_PREFIXES.raw) },
    { action: "s3:GetObject", resource: inLake(l, P.landing) },
    listLake(l, ""),
    listLake(l, P.landing),
  ],
};

export const KMS_SERVICES = ["s3", "kinesis", "sns", "sqs", "lambda", "states", "logs", "secretsmanager"];

/** For every kms need of a role: the same call through a service the role has no such need through, and without a service. */
export function kmsDenials(roleNeeds: readonly Need[]): Pair[] {
  const kms = roleNeeds.filter((n) => n.action.startsWith("kms:"));
  const out: Pair[] = [];
  for (const key of unique(kms.map((n) => `${n.action} ${n.resource}`))) {
    const [action, resource] = key.split(" ") as [string, string];
    const allowedVia = new Set(kms.filter((n) => n.action === action && n.resource === resource).map((n) => n.context?.["kms:ViaService"]));
    out.push({ action, resource });
    for (const service of KMS_SERVICES.filter((svc) => !allowedVia.has(viaService(svc)))) {
      out.push({ action, resource, context: { "kms:ViaService": viaService(service) } });
    }
  }
  return out;
}

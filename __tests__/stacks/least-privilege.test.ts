/**
 * Least privilege, proven (issue 4; reliability-security.md §2). Three parts:
 * 1. The eight rules of §2.8 over every identity policy of the synthesized stack, each role's action
 *    set against the reviewed list below, and each trust policy.
 * 2. Every role's policy, references resolved to concrete ARNs, evaluated with @cloud-copilot/iam-simulate:
 *    what the state machine's tasks, the handlers' SDK commands and the documented needs of Firehose,
 *    the crawler, Lambda and QuickSight require must be Allowed; a list of must-not pairs must be ImplicitlyDenied.
 * 3. Every KMS and AssumeRole request carries exactly the condition keys the service sends, from the
 *    table in __tests__/support/service-request-contexts.ts: role policies, the key policy and trust
 *    policies are evaluated together with them, so a condition the real request would not satisfy fails.
 * A new permission changes the reviewed list; a new task, command or resource without its permission fails here.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { BATCH_ENV } from "../../contract/batch";
import {
  ArnResolver,
  FAKE_ACCOUNT_ID,
  identityPolicies,
  PolicyDocument,
  PolicyStatementJson,
  resolvedPolicies,
  ResolvedRole,
} from "../support/resolve-arns";
import {
  ASSUME_ROLE_ROW,
  KMS_ROWS_FOR,
  requestContext,
  requestPrincipal,
  RequestRowId,
  RequestValues,
  SERVICE_REQUESTS,
} from "../support/service-request-contexts";
import { synthPipeline, Synthesized } from "../support/synth";
import { BATCH_PREFIXES, LAKE_PREFIXES } from "../../contract/lake-layout";

// ── the reviewed list ────────────────────────────────────────────────────────────────────────────

const REGION = "eu-west-1";
const STREAM_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const ANALYST = "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";

/** The configurations every check runs against. */
const CONFIGURATIONS = [
  { name: "default", streamKey: false, customerManaged: false, quicksight: false, synth: () => synthPipeline() },
  { name: "stream CMK", streamKey: true, customerManaged: false, quicksight: false, synth: () => synthPipeline({ stream: { kmsKeyArn: STREAM_KEY_ARN } }) },
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
type Configuration = (typeof CONFIGURATIONS)[number];

type RoleKind = "transform" | "extract" | "push" | "deliveryCheck" | "finalize" | "firehose" | "crawler" | "stateMachine" | "scheduler" | "quicksight";

interface ReviewedRole {
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

const OWN_LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
const XRAY_WRITE = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
const LAMBDA = { service: "lambda.amazonaws.com" } as const;

/** The reviewed action sets: any new permission must change this list. */
const REVIEWED_ROLES: Record<RoleKind, ReviewedRole> = {
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

function reviewedActions(kind: RoleKind, config: Configuration): string[] {
  const reviewed = REVIEWED_ROLES[kind];
  return unique([
    ...reviewed.actions,
    ...(config.streamKey ? (reviewed.withStreamKey ?? []) : []),
    ...(config.customerManaged ? (reviewed.withCustomerManagedKey ?? []) : []),
  ]);
}

/** Actions §2.8 allows on Resource "*": AWS offers no resource-level scoping for them. */
const UNSCOPABLE_ALLOWLIST = new Set([
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
]);

/** The actions of cloudsplaining's PRIVILEGE_ESCALATION_METHODS (iam:PassRole has its own rule). */
const ESCALATION_ACTIONS = [
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AttachUserPolicy",
  "iam:AttachGroupPolicy",
  "iam:AttachRolePolicy",
  "iam:PutUserPolicy",
  "iam:PutGroupPolicy",
  "iam:PutRolePolicy",
  "iam:AddUserToGroup",
  "iam:UpdateAssumeRolePolicy",
  "lambda:CreateFunction",
  "lambda:CreateEventSourceMapping",
  "lambda:UpdateFunctionCode",
  "glue:CreateDevEndpoint",
  "glue:UpdateDevEndpoint",
  "cloudformation:CreateStack",
  "datapipeline:CreatePipeline",
  "ec2:RunInstances",
  "codestar:CreateProject",
  "codestar:AssociateTeamMember",
];

// ── the rules of §2.8 as pure predicates: each returns the problems of one statement ─────────────

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const unique = (values: readonly string[]): string[] => [...new Set(values)].sort();

/** Whether an IAM action pattern (with `*`/`?`) matches `action`, case-insensitively. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/** Rule 1: no `*`, `service:*` or partial wildcard actions, and no NotAction, in an Allow. */
function wildcardActionProblems(st: PolicyStatementJson): string[] {
  if (st.Effect !== "Allow") return [];
  const problems = list(st.Action).filter((a) => /[*?]/.test(a)).map((a) => `wildcard action ${a}`);
  if (st.NotAction) problems.push(`NotAction ${JSON.stringify(st.NotAction)} allows every other action`);
  return problems;
}

/** Rule 2: Resource "*" only when every action is in the unscopable allow-list; no NotResource. */
function bareStarResourceProblems(st: PolicyStatementJson): string[] {
  if (st.Effect !== "Allow") return [];
  const problems: string[] = [];
  if (st.NotResource) problems.push(`NotResource ${JSON.stringify(st.NotResource)} allows every other resource`);
  if (list(st.Resource).includes("*")) {
    const scopable = list(st.Action).filter((a) => !UNSCOPABLE_ALLOWLIST.has(a));
    if (scopable.length > 0) problems.push(`Resource "*" for ${scopable.join(", ")}`);
  }
  return problems;
}

/** Where a wildcard in an ARN is misplaced, or undefined when it is only in the last segment of a named resource. */
function misplacedWildcard(resource: string): string | undefined {
  if (resource === "*") return undefined; // rule 2's business
  const fields = resource.split(":");
  if (fields.length < 6 || fields[0] !== "arn") return `${resource} is not an ARN`;
  const [, partition, service, region, account] = fields as [string, string, string, string, string];
  const head = { partition, service, region, account };
  for (const [field, value] of Object.entries(head)) {
    if (/[*?]/.test(value)) return `${resource} has a wildcard in its ${field}`;
  }
  const name = fields.slice(5).join(":");
  const first = name.search(/[*?]/);
  if (first < 0) return undefined;
  if (/[:/]/.test(name.slice(first))) return `${resource} has a wildcard before its last segment`;
  // S3 ARNs start with the bucket name; other services with a resource type and then its name.
  const namedSegments = name.slice(0, first).split(/[:/]/).slice(0, -1).filter((segment) => segment !== "");
  const needed = service === "s3" ? 1 : 2;
  if (namedSegments.length < needed) return `${resource} has a wildcard in its resource-name position`;
  return undefined;
}

/** Rule 3: `*` only in the last segment of a named resource. */
function resourceWildcardProblems(st: PolicyStatementJson): string[] {
  if (st.Effect !== "Allow") return [];
  return list(st.Resource).map(misplacedWildcard).filter((p): p is string => p !== undefined);
}

/** Rule 4: no iam:PassRole, however spelled. */
function passRoleProblems(st: PolicyStatementJson): string[] {
  if (st.Effect !== "Allow") return [];
  return list(st.Action).filter((a) => actionMatches(a, "iam:PassRole")).map((a) => `${a} allows iam:PassRole`);
}

/** Rule 5: none of the privilege-escalation actions. */
function escalationProblems(st: PolicyStatementJson): string[] {
  if (st.Effect !== "Allow") return [];
  return list(st.Action).flatMap((a) => ESCALATION_ACTIONS.filter((e) => actionMatches(a, e)).map((e) => `${a} allows ${e}`));
}

/** Rule 6: no kms:*, and no kms action on "*" or a wildcarded key. */
function kmsProblems(st: PolicyStatementJson): string[] {
  if (st.Effect !== "Allow") return [];
  const kms = list(st.Action).filter((a) => /^kms:/i.test(a) || a === "*");
  const problems = kms.filter((a) => actionMatches(a, "kms:Anything")).map((a) => `${a} allows every kms action`);
  const wide = list(st.Resource).filter((r) => /[*?]/.test(r));
  if (kms.length > 0 && wide.length > 0) problems.push(`${kms.join(", ")} on ${wide.join(", ")}`);
  return problems;
}

/** Rule 8: exactly one statement, Allow sts:AssumeRole by exactly the one service, with its guard. */
function trustProblems(trust: PolicyDocument, reviewed: ReviewedRole): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(trust);
  if (/:root"/.test(text)) problems.push("names an account root");
  if (/"AWS"\s*:\s*(\[\s*)?"\*"/.test(text) || /"Principal"\s*:\s*"\*"/.test(text)) problems.push("trusts any principal");
  if (trust.Statement.length !== 1) return [...problems, `has ${trust.Statement.length} statements`];
  const [st] = trust.Statement as [PolicyStatementJson];
  if (st.Effect !== "Allow") problems.push(`Effect ${st.Effect}`);
  if (JSON.stringify(list(st.Action)) !== JSON.stringify(["sts:AssumeRole"])) problems.push(`Action ${JSON.stringify(st.Action)}`);
  const principal = st.Principal as Record<string, string | string[]> | undefined;
  if (JSON.stringify(principal && Object.keys(principal)) !== JSON.stringify(["Service"]) || JSON.stringify(list(principal!.Service)) !== JSON.stringify([reviewed.service])) {
    problems.push(`Principal ${JSON.stringify(st.Principal)}, expected exactly { Service: "${reviewed.service}" }`);
  }
  const expected = reviewed.guard ? { StringEquals: { [reviewed.guard]: FAKE_ACCOUNT_ID } } : undefined;
  if (JSON.stringify(st.Condition) !== JSON.stringify(expected)) {
    problems.push(`Condition ${JSON.stringify(st.Condition)}, expected ${JSON.stringify(expected)}`);
  }
  return problems;
}

type StatementRule = (st: PolicyStatementJson) => string[];

const STATEMENT_RULES: readonly { readonly title: string; readonly rule: StatementRule; readonly bad: PolicyStatementJson; readonly good: PolicyStatementJson }[] = [
  {
    title: "rule 1: no Allow has a '*', 'service:*' or partially wildcarded action",
    rule: wildcardActionProblems,
    bad: { Effect: "Allow", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b/data/*"] },
    good: { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/data/*"] },
  },
  {
    title: "rule 2: no Allow has Resource '*' unless every action is unscopable",
    rule: bareStarResourceProblems,
    bad: { Effect: "Allow", Action: ["xray:PutTraceSegments", "s3:GetObject"], Resource: ["*"] },
    good: { Effect: "Allow", Action: ["xray:PutTraceSegments", "logs:CreateLogDelivery"], Resource: ["*"] },
  },
  {
    title: "rule 3: a wildcard appears only in the last segment of a named resource",
    rule: resourceWildcardProblems,
    bad: { Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: ["arn:aws:logs:*:123456789012:log-group:/aws/lambda/fn:*"] },
    good: { Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn:*"] },
  },
  {
    title: "rule 4: no Allow grants iam:PassRole",
    rule: passRoleProblems,
    bad: { Effect: "Allow", Action: ["iam:Pass*"], Resource: ["arn:aws:iam::123456789012:role/r"] },
    good: { Effect: "Allow", Action: ["iam:GetRole"], Resource: ["arn:aws:iam::123456789012:role/r"] },
  },
  {
    title: "rule 5: no Allow grants a privilege-escalation action",
    rule: escalationProblems,
    bad: { Effect: "Allow", Action: ["lambda:UpdateFunctionCode"], Resource: ["arn:aws:lambda:eu-west-1:123456789012:function:f"] },
    good: { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: ["arn:aws:lambda:eu-west-1:123456789012:function:f"] },
  },
  {
    title: "rule 6: no Allow grants kms:* or a kms action on a wildcarded key",
    rule: kmsProblems,
    bad: { Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"] },
    good: { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [STREAM_KEY_ARN] },
  },
];

// ── the synthesized stack, resolved ──────────────────────────────────────────────────────────────

type Block = Record<string, any>;

/** An (action, resource[, context]) request. */
interface Pair {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** A request one role must be able (or unable) to make, and why. */
interface Need extends Pair {
  readonly roleArn: string;
  readonly why: string;
}

/** Needs derived from the stack, plus what could not be mapped (each a test failure). */
interface Derivation {
  readonly needs: Need[];
  readonly unmapped: string[];
}

const SAMPLE_OBJECT = "sample/object";
const viaService = (service: string) => `${service}.${REGION}.amazonaws.com`;

/** The synthesized stack with references resolved, and lookups the derivations share. */
class StackView {
  readonly r: ArnResolver;
  readonly roles: Map<string, ResolvedRole>;

  constructor(readonly s: Synthesized) {
    this.r = new ArnResolver(s);
    this.roles = resolvedPolicies(s);
  }

  /** Every block of a type, with its address. */
  blocks(type: string): { address: string; block: Block }[] {
    return Object.entries(this.s.tf.resource[type] ?? {}).map(([name, block]) => ({ address: `${type}.${name}`, block }));
  }

  /** The one block of a type. */
  only(type: string): { address: string; block: Block } {
    const all = this.blocks(type);
    if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
    return all[0]!;
  }

  arn(address: string): string {
    return this.r.arnOf(address);
  }

  /** The template values of a service request (see service-request-contexts.ts) on `resource`, made by `source`. */
  values(resource?: string, source?: string): RequestValues {
    return { region: this.r.region, account: this.r.account, partition: this.r.partition, resource, source };
  }

  /** The condition keys a request of `row` carries on `resource`. */
  context(row: RequestRowId, resource?: string, source?: string): Record<string, string> {
    return requestContext(row, this.values(resource, source));
  }

  /** A role ARN from a `role`/`role_arn` value (an ARN reference or a name). */
  roleArn(value: string): string {
    const resolved = this.r.resolveString(value);
    return resolved.startsWith("arn:") ? resolved : `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${resolved}`;
  }

  roleByArn(arn: string): ResolvedRole | undefined {
    return [...this.roles.values()].find((role) => role.arn === arn);
  }

  /** `arn:aws:s3:::bucket` of an `s3://bucket/prefix/` location, and the prefix. */
  location(uri: string): { bucketArn: string; prefix: string } {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(this.r.resolveString(uri));
    if (!match) throw new Error(`not an s3:// location: ${uri}`);
    return { bucketArn: `arn:aws:s3:::${match[1]}`, prefix: match[2]! };
  }

  /** The bucket block named `name`, if the stack has it. */
  bucketAddress(name: string): string | undefined {
    return this.blocks("aws_s3_bucket").find(({ address }) => this.r.resolveReference(`${address}.bucket`) === name)?.address;
  }

  /** The resolved bucket policy of a bucket of this stack. */
  bucketPolicy(bucketName: string): PolicyDocument | undefined {
    const found = this.blocks("aws_s3_bucket_policy").find(({ block }) => this.r.resolveString(block.bucket) === bucketName);
    return found && JSON.parse(this.r.resolveString(found.block.policy));
  }

  /** The customer-managed key that encrypts `s3://bucket/key`: the workgroup's result key under its output location, else the bucket default. */
  objectKey(bucketName: string, key: string): string | undefined {
    for (const { block } of this.blocks("aws_athena_workgroup")) {
      const result = block.configuration?.result_configuration;
      const keyArn = this.r.customerKeyArn(result?.encryption_configuration?.kms_key_arn);
      if (keyArn && result?.output_location) {
        const { bucketArn, prefix } = this.location(result.output_location);
        if (bucketArn === `arn:aws:s3:::${bucketName}` && key.startsWith(prefix)) return keyArn;
      }
    }
    const sse = this.blocks("aws_s3_bucket_server_side_encryption_configuration").find(
      ({ block }) => this.r.resolveString(block.bucket) === bucketName,
    );
    const rules = sse?.block.rule;
    const rule = (Array.isArray(rules) ? rules[0] : rules) as Block | undefined;
    const defaults = rule?.apply_server_side_encryption_by_default;
    return defaults?.sse_algorithm === "aws:kms" ? this.r.customerKeyArn(defaults.kms_master_key_id) : undefined;
  }

  /** The customer-managed key of a resource given by ARN, from the attribute its type keeps it in. */
  resourceKey(type: string, arn: string, attribute: string): string | undefined {
    const found = this.blocks(type).find(({ address }) => this.arn(address) === arn);
    return found && this.r.customerKeyArn(found.block[attribute]);
  }

  /** The resolved key policy of a key of this stack; for an outside key, the default policy delegating to the account. */
  keyPolicy(keyArn: string): PolicyDocument {
    const found = this.blocks("aws_kms_key").find(({ address }) => this.arn(address) === keyArn);
    if (found && typeof found.block.policy === "string") return JSON.parse(this.r.resolveString(found.block.policy));
    return {
      Version: "2012-10-17",
      Statement: [{ Sid: "DefaultKeyPolicy", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${FAKE_ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" }],
    };
  }
}

/** The role kind of a role name, from the reviewed list; undefined when no entry (or several) match. */
function kindOf(roleName: string): RoleKind | undefined {
  const kinds = (Object.keys(REVIEWED_ROLES) as RoleKind[]).filter((kind) => REVIEWED_ROLES[kind].name.test(roleName));
  return kinds.length === 1 ? kinds[0] : undefined;
}

// ── (a) the state machine's tasks ───────────────────────────────────────────────────────────────

interface TaskState {
  readonly Type: "Task";
  readonly Resource: string;
  readonly Parameters?: Record<string, unknown>;
}

/** Every Task of a definition, Map item processors and Parallel branches included. */
function tasksOf(definition: { States: Record<string, Block> }): { name: string; task: TaskState }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    if (state.Type === "Task") return [{ name, task: state as TaskState }];
    if (state.Type === "Map") return tasksOf(state.ItemProcessor ?? state.Iterator);
    if (state.Type === "Parallel") return (state.Branches as { States: Record<string, Block> }[]).flatMap(tasksOf);
    return [];
  });
}

/** A static task parameter; a JSONPath-valued one (`Name.$`) cannot be mapped to a resource. */
function parameter(task: TaskState, key: string): string {
  const value = task.Parameters?.[key];
  if (typeof value !== "string") throw new Error(`Parameters.${key} is not a literal string (got ${JSON.stringify(task.Parameters)})`);
  return value;
}

/** The catalog resources a Glue call is authorized against: database-level calls stop at the database. */
function glueResources(action: string, v: StackView, database: string, table: string): string[] {
  const catalog = v.r.arn("glue", "catalog");
  const db = v.r.arn("glue", `database/${database}`);
  return /^glue:(GetDatabases?|CreateTable|GetTables)$/.test(action) ? [catalog, db] : [catalog, db, v.r.arn("glue", `table/${database}/${table}`)];
}

const ATHENA_QUERY_ACTIONS = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution", "athena:GetWorkGroup"];
const ATHENA_GLUE_READS = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];

/** What an Athena query in `workgroupName` needs of its caller: the workgroup, the catalog reads, the table data, the result writes. */
function athenaQueryPairs(workgroupName: string, v: StackView): Pair[] {
  const workgroup = v.blocks("aws_athena_workgroup").find(({ block }) => v.r.resolveString(block.name) === workgroupName);
  if (!workgroup) throw new Error(`workgroup ${workgroupName} is not in the stack`);
  const workgroupArn = v.arn(workgroup.address);
  const results = v.location(workgroup.block.configuration.result_configuration.output_location);
  const pairs: Pair[] = ATHENA_QUERY_ACTIONS.map((action) => ({ action, resource: workgroupArn }));
  // The workflow's validation reads the table (the `<table>_latest` view, a VIRTUAL_VIEW, has no data of its own).
  for (const { block } of v.blocks("aws_glue_catalog_table").filter(({ block: t }) => t.table_type !== "VIRTUAL_VIEW")) {
    const database = v.r.resolveString(block.database_name);
    for (const action of ATHENA_GLUE_READS) {
      pairs.push(...glueResources(action, v, database, v.r.resolveString(block.name)).map((resource) => ({ action, resource })));
    }
    const data = v.location(block.storage_descriptor.location);
    pairs.push(
      { action: "s3:GetBucketLocation", resource: data.bucketArn },
      { action: "s3:ListBucket", resource: data.bucketArn, context: { "s3:prefix": data.prefix } },
      { action: "s3:ListBucket", resource: data.bucketArn, context: { "s3:prefix": `${data.prefix}year=2026/` } },
      { action: "s3:GetObject", resource: `${data.bucketArn}/${data.prefix}${SAMPLE_OBJECT}` },
    );
  }
  const resultObject = `${results.bucketArn}/${results.prefix}0f1e2d3c-query.csv`;
  pairs.push(
    { action: "s3:GetBucketLocation", resource: results.bucketArn },
    { action: "s3:ListBucket", resource: results.bucketArn, context: { "s3:prefix": results.prefix } },
    { action: "s3:ListBucketMultipartUploads", resource: results.bucketArn },
    ...["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"].map((action) => ({ action, resource: resultObject })),
  );
  return pairs;
}

/** IAM needs per Task `Resource`. A task whose resource is missing here fails the mapping test. */
const TASK_IAM: Record<string, (task: TaskState, v: StackView, workgroups: readonly string[]) => Pair[]> = {
  "arn:aws:states:::lambda:invoke": (task) => [{ action: "lambda:InvokeFunction", resource: parameter(task, "FunctionName") }],
  "arn:aws:states:::aws-sdk:glue:startCrawler": (task, v) => [{ action: "glue:StartCrawler", resource: v.r.arn("glue", `crawler/${parameter(task, "Name")}`) }],
  "arn:aws:states:::aws-sdk:glue:getCrawler": (task, v) => [{ action: "glue:GetCrawler", resource: v.r.arn("glue", `crawler/${parameter(task, "Name")}`) }],
  "arn:aws:states:::athena:startQueryExecution.sync": (task, v) => athenaQueryPairs(workgroupOf(task), v),
  "arn:aws:states:::athena:getQueryResults": (_task, v, workgroups) =>
    workgroups.flatMap((name) => {
      const pairs = athenaQueryPairs(name, v);
      const workgroupArn = pairs[0]!.resource;
      const resultObject = pairs.find((p) => p.action === "s3:PutObject")!.resource;
      return [
        { action: "athena:GetQueryResults", resource: workgroupArn },
        { action: "s3:GetObject", resource: resultObject },
      ];
    }),
  "arn:aws:states:::sns:publish": (task) => [{ action: "sns:Publish", resource: parameter(task, "TopicArn") }],
};

const workgroupOf = (task: TaskState) => (task.Parameters?.WorkGroup === undefined ? "primary" : parameter(task, "WorkGroup"));

const SFN_LOG_DELIVERY = [...UNSCOPABLE_ALLOWLIST].filter((a) => a.startsWith("logs:"));
const SFN_XRAY = [...UNSCOPABLE_ALLOWLIST].filter((a) => a.startsWith("xray:"));

/** Needs of every state machine's role: its tasks, its logging and tracing, its encryption. */
function stateMachineNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const { address, block } of v.blocks("aws_sfn_state_machine")) {
    const roleArn = v.roleArn(block.role_arn);
    const tasks = tasksOf(JSON.parse(v.r.resolveString(block.definition)));
    const workgroups = unique(tasks.filter(({ task }) => task.Resource.startsWith("arn:aws:states:::athena:startQueryExecution")).map(({ task }) => workgroupOf(task)));
    for (const { name, task } of tasks) {
      const map = TASK_IAM[task.Resource] ?? (/^arn:aws:lambda:/.test(task.Resource) ? () => [{ action: "lambda:InvokeFunction", resource: task.Resource }] : undefined);
      if (!map) {
        unmapped.push(`${address} task ${name}: no IAM mapping for Resource ${task.Resource}; add one to TASK_IAM`);
        continue;
      }
      try {
        needs.push(...map(task, v, workgroups).map((p) => ({ ...p, roleArn, why: `task ${name} (${task.Resource})` })));
      } catch (error) {
        unmapped.push(`${address} task ${name}: ${(error as Error).message}`);
      }
    }
    if (block.logging_configuration && block.logging_configuration.level !== "OFF") {
      needs.push(...SFN_LOG_DELIVERY.map((action) => ({ action, resource: "*", roleArn, why: "execution logging (CloudWatch Logs delivery)" })));
    }
    if (block.tracing_configuration?.enabled === true) {
      needs.push(...SFN_XRAY.map((action) => ({ action, resource: "*", roleArn, why: "X-Ray tracing" })));
    }
    const keyArn = block.encryption_configuration?.type === "CUSTOMER_MANAGED_KMS_KEY" ? v.r.customerKeyArn(block.encryption_configuration.kms_key_id) : undefined;
    if (keyArn) {
      for (const row of ["states.execution-data.decrypt", "states.execution-data.generate"] as const) {
        needs.push({ action: SERVICE_REQUESTS[row].action, resource: keyArn, context: v.context(row, v.arn(address)), roleArn, why: `state machine encryption (${row})` });
      }
      if (block.logging_configuration && block.logging_configuration.level !== "OFF") {
        const row = "states.log-delivery.generate";
        needs.push({ action: SERVICE_REQUESTS[row].action, resource: keyArn, context: v.context(row), roleArn, why: `execution logs under the key (${row})` });
      }
    }
  }
  return { needs, unmapped };
}

// ── (b) the handlers' SDK commands ───────────────────────────────────────────────────────────────

const PROJECT_ROOT = path.resolve(__dirname, "../..");
const HANDLERS_DIR = path.join(PROJECT_ROOT, "handlers");

/** A lake prefix, `from→to` for a copy, or `stream`. */
type Target = string;

interface HandlerUse {
  /** Matches the function's name. */
  readonly functionName: RegExp;
  /** For each SDK command the code sends, what it sends it to. */
  readonly commands: Readonly<Record<string, readonly Target[]>>;
}

const P = BATCH_PREFIXES;
const copy = (from: string, to: string): Target => `${from}→${to}`;

/** Which resources each handler's commands touch (from `contract/lake-layout.ts`). */
const HANDLER_USES: Readonly<Record<string, HandlerUse>> = {
  transform: { functionName: /-transform$/, commands: {} },
  extract: {
    functionName: /-batch-extract$/,
    commands: {
      // A replay lists and reads Firehose error objects or the raw backup instead of landing/.
      ListObjectsV2Command: [P.landing, LAKE_PREFIXES.errors, LAKE_PREFIXES.raw],
      GetObjectCommand: [P.landing, P.runs, LAKE_PREFIXES.errors, LAKE_PREFIXES.raw],
      PutObjectCommand: [P.staging, P.rejected, P.runs],
    },
  },
  push: { functionName: /-batch-push$/, commands: { GetObjectCommand: [P.staging], PutRecordsCommand: ["stream"] } },
  "delivery-check": { functionName: /-batch-delivery-check$/, commands: { ListObjectsV2Command: [LAKE_PREFIXES.data] } },
  finalize: {
    functionName: /-batch-finalize$/,
    commands: {
      GetObjectCommand: [P.staging, P.runs],
      // A successful replay of errors/ also moves the error objects it loaded (the raw backup stays).
      CopyObjectCommand: [copy(P.landing, P.processed), copy(LAKE_PREFIXES.errors, P.processed)],
      // Lists a file's exact key in landing/ (or errors/) and processed/ to see what is left to move.
      ListObjectsV2Command: [P.landing, P.processed, LAKE_PREFIXES.errors],
      PutObjectCommand: [P.runs],
      DeleteObjectCommand: [P.landing, LAKE_PREFIXES.errors],
    },
  },
};

/** The resources a function's environment points its code at. */
interface FunctionTargets {
  readonly bucketArn: () => string;
  readonly streamArn: () => string;
}

const lakeObject = (t: FunctionTargets, prefix: string) => `${t.bucketArn()}/${prefix}${SAMPLE_OBJECT}`;
const listing = (t: FunctionTargets, prefix: string): Pair[] =>
  [prefix, `${prefix}sample/`].map((p) => ({ action: "s3:ListBucket", resource: t.bucketArn(), context: { "s3:prefix": p } }));
const objectAction = (action: string) => (target: Target, t: FunctionTargets): Pair[] => [{ action, resource: lakeObject(t, target) }];
const streamAction = (action: string) => (target: Target, t: FunctionTargets): Pair[] => {
  if (target !== "stream") throw new Error(`${action} needs the target "stream", got ${target}`);
  return [{ action, resource: t.streamArn() }];
};

/** IAM actions per SDK v3 command. A command missing here fails the mapping test. */
const COMMAND_IAM: Readonly<Record<string, (target: Target, t: FunctionTargets) => Pair[]>> = {
  GetObjectCommand: objectAction("s3:GetObject"),
  // HEAD answers 404 for a missing key only with s3:ListBucket (403 without), and the code relies on the 404.
  HeadObjectCommand: (target, t) => [
    { action: "s3:GetObject", resource: lakeObject(t, target) },
    { action: "s3:ListBucket", resource: t.bucketArn(), context: { "s3:prefix": `${target}${SAMPLE_OBJECT}` } },
  ],
  PutObjectCommand: objectAction("s3:PutObject"),
  CreateMultipartUploadCommand: objectAction("s3:PutObject"),
  UploadPartCommand: objectAction("s3:PutObject"),
  CompleteMultipartUploadCommand: objectAction("s3:PutObject"),
  AbortMultipartUploadCommand: objectAction("s3:AbortMultipartUpload"),
  DeleteObjectCommand: objectAction("s3:DeleteObject"),
  DeleteObjectsCommand: objectAction("s3:DeleteObject"),
  // Tagging actions are not needed: finalize copies with TaggingDirective REPLACE (finalize.test.ts).
  CopyObjectCommand: (target, t) => {
    const [from, to] = target.split("→");
    if (!from || !to) throw new Error(`CopyObjectCommand needs a from→to target, got ${target}`);
    return [
      { action: "s3:GetObject", resource: lakeObject(t, from) },
      { action: "s3:PutObject", resource: lakeObject(t, to) },
    ];
  },
  ListObjectsV2Command: (target, t) => listing(t, target),
  ListObjectsCommand: (target, t) => listing(t, target),
  PutRecordsCommand: streamAction("kinesis:PutRecords"),
  PutRecordCommand: streamAction("kinesis:PutRecord"),
  DescribeStreamSummaryCommand: streamAction("kinesis:DescribeStreamSummary"),
  ListShardsCommand: streamAction("kinesis:ListShards"),
};

/** The source files of a handler: its folder and every module it imports by relative path (type-only imports aside). */
function handlerSources(handler: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gm)) {
      const base = path.resolve(path.dirname(file), match[1]!);
      const next = [`${base}.ts`, path.join(base, "index.ts")].find(existsSync);
      if (!next) throw new Error(`${file} imports ${match[1]}, which resolves to no .ts file`);
      visit(next);
    }
  };
  const dir = path.join(HANDLERS_DIR, handler);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) visit(path.join(dir, file));
  return [...seen].sort();
}

/** The SDK commands a handler's sources send (`new XCommand(` and `paginateX(`), and SDK imports the scan cannot follow. */
function sdkCommandsOf(handler: string): { commands: string[]; unfollowable: string[] } {
  const commands = new Set<string>();
  const unfollowable: string[] = [];
  for (const file of handlerSources(handler)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\bnew\s+([A-Z][A-Za-z0-9]*Command)\s*\(/g)) commands.add(match[1]!);
    for (const match of text.matchAll(/\bpaginate([A-Z][A-Za-z0-9]*)\s*\(/g)) commands.add(`${match[1]}Command`);
    for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/client-[^"]+"/g)) {
      if (match[1]) continue;
      for (const raw of match[2]!.split(",").map((x) => x.trim()).filter(Boolean)) {
        if (raw.startsWith("type ")) continue;
        const name = raw.split(/\s+as\s+/)[0]!;
        if (!/(Client|Command|Exception|ServiceException)$|^paginate[A-Z]/.test(name)) {
          unfollowable.push(`${path.relative(PROJECT_ROOT, file)} imports ${name} from the AWS SDK; the scan only follows Client, Command and paginate* imports`);
        }
      }
    }
  }
  return { commands: [...commands].sort(), unfollowable };
}

/** Handler folders (everything under handlers/ but shared/). */
function handlerFolders(): string[] {
  return readdirSync(HANDLERS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "shared")
    .map((d) => d.name)
    .sort();
}

/** Needs of every function's role: its own logs and traces, its environment key, and its handler's SDK commands. */
function functionNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const { address, block } of v.blocks("aws_lambda_function")) {
    const name = v.r.resolveString(block.function_name);
    const roleArn = v.roleArn(block.role);
    const logGroup = block.logging_config?.log_group ? v.r.resolveString(block.logging_config.log_group) : `/aws/lambda/${name}`;
    const stream = v.r.arn("logs", `log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`);
    needs.push(...OWN_LOGS.map((action) => ({ action, resource: stream, roleArn, why: "writes its own logs" })));
    if (block.tracing_config?.mode === "Active") {
      needs.push(...XRAY_WRITE.map((action) => ({ action, resource: "*", roleArn, why: "active tracing" })));
    }
    const envKey = v.r.customerKeyArn(block.kms_key_arn);
    if (envKey) {
      const row = "lambda.environment.decrypt";
      needs.push({ action: SERVICE_REQUESTS[row].action, resource: envKey, context: v.context(row, v.arn(address)), roleArn, why: `encrypted environment (${row})` });
    }

    const handlers = Object.entries(HANDLER_USES).filter(([, use]) => use.functionName.test(name));
    if (handlers.length !== 1) {
      unmapped.push(`${address} (${name}) matches ${handlers.length} HANDLER_USES entries; expected exactly one`);
      continue;
    }
    const [handler, use] = handlers[0]!;
    const env: Record<string, string> = block.environment?.variables ?? {};
    const targets: FunctionTargets = {
      bucketArn: () => {
        if (!env[BATCH_ENV.bucket]) throw new Error(`${name} has no ${BATCH_ENV.bucket}`);
        return `arn:aws:s3:::${v.r.resolveString(env[BATCH_ENV.bucket])}`;
      },
      streamArn: () => {
        const streamName = env[BATCH_ENV.streamName] && v.r.resolveString(env[BATCH_ENV.streamName]);
        const found = v.blocks("aws_kinesis_stream").find(({ block: b }) => v.r.resolveString(b.name) === streamName);
        if (!found) throw new Error(`${name}'s ${BATCH_ENV.streamName} names no stream of the stack`);
        return v.arn(found.address);
      },
    };
    const { commands, unfollowable } = sdkCommandsOf(handler);
    unmapped.push(...unfollowable);
    for (const command of commands) {
      const map = COMMAND_IAM[command];
      const used = use.commands[command];
      if (!map) unmapped.push(`handlers/${handler} sends ${command}: no IAM mapping; add one to COMMAND_IAM`);
      else if (!used) unmapped.push(`handlers/${handler} sends ${command}: say what it sends it to in HANDLER_USES.${handler}`);
      else {
        for (const target of used) {
          try {
            needs.push(...map(target, targets).map((p) => ({ ...p, roleArn, why: `handlers/${handler} ${command} (${target})` })));
          } catch (error) {
            unmapped.push(`handlers/${handler} ${command} (${target}): ${(error as Error).message}`);
          }
        }
      }
    }
    for (const declared of Object.keys(use.commands).filter((c) => !commands.includes(c))) {
      unmapped.push(`HANDLER_USES.${handler} declares ${declared}, which handlers/${handler} never sends`);
    }
  }
  return { needs, unmapped };
}

// ── (c) documented needs: Firehose, the crawler, the schedule ────────────────────────────────────

const FIREHOSE_STREAM_READS = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"];
const FIREHOSE_BUCKET = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
const FIREHOSE_OBJECTS = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"];
const FIREHOSE_SCHEMA = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"];

/** The literal folder in front of a Firehose prefix's first `!{…}` expression. */
const literalHead = (prefix: string) => prefix.split("!{")[0]!;

/** Firehose (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html): read the stream, write S3, invoke the transform, read the schema, log. */
function firehoseNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  for (const { block } of v.blocks("aws_kinesis_firehose_delivery_stream")) {
    const source = block.kinesis_source_configuration;
    if (source) {
      const streamArn = v.r.resolveString(source.kinesis_stream_arn);
      needs.push(...FIREHOSE_STREAM_READS.map((action) => ({ action, resource: streamArn, roleArn: v.roleArn(source.role_arn), why: "reads the source stream" })));
    }
    const s3 = block.extended_s3_configuration;
    const destinations = [
      { config: s3, prefixes: [s3.prefix, s3.error_output_prefix], why: "delivers data and errors" },
      ...(s3.s3_backup_mode === "Enabled" ? [{ config: s3.s3_backup_configuration, prefixes: [s3.s3_backup_configuration.prefix], why: "backs up source records" }] : []),
    ];
    for (const { config, prefixes, why } of destinations) {
      const roleArn = v.roleArn(config.role_arn);
      const bucketArn = v.r.resolveString(config.bucket_arn);
      needs.push(...FIREHOSE_BUCKET.map((action) => ({ action, resource: bucketArn, roleArn, why })));
      for (const prefix of prefixes.filter((p): p is string => typeof p === "string")) {
        const object = `${bucketArn}/${literalHead(prefix)}${SAMPLE_OBJECT}`;
        needs.push(...FIREHOSE_OBJECTS.map((action) => ({ action, resource: object, roleArn, why: `${why} under ${literalHead(prefix)}` })));
        const keyArn = v.r.customerKeyArn(config.kms_key_arn);
        if (keyArn) {
          for (const row of ["s3.write-object.generate", "s3.read-object.decrypt"] as const) {
            needs.push({ action: SERVICE_REQUESTS[row].action, resource: keyArn, context: v.context(row, bucketArn), roleArn, why: `SSE-KMS delivery (${row})` });
          }
        }
      }
      const logging = config.cloudwatch_logging_options;
      if (logging?.enabled) {
        const logStream = v.r.arn("logs", `log-group:${v.r.resolveString(logging.log_group_name)}:log-stream:${v.r.resolveString(logging.log_stream_name)}`);
        needs.push({ action: "logs:PutLogEvents", resource: logStream, roleArn, why: "logs delivery errors" });
      }
    }
    const roleArn = v.roleArn(s3.role_arn);
    for (const processor of (s3.processing_configuration?.enabled ? s3.processing_configuration.processors : []) as Block[]) {
      const lambdaArn = (processor.parameters as Block[]).find((p) => p.parameter_name === "LambdaArn")?.parameter_value;
      if (processor.type === "Lambda" && lambdaArn) {
        const resource = v.r.resolveString(lambdaArn);
        needs.push(...["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"].map((action) => ({ action, resource, roleArn, why: "invokes the transform" })));
      }
    }
    const schema = s3.data_format_conversion_configuration?.enabled === false ? undefined : s3.data_format_conversion_configuration?.schema_configuration;
    if (schema) {
      const db = v.r.resolveString(schema.database_name);
      for (const action of FIREHOSE_SCHEMA) {
        const resources = glueResources(action, v, db, v.r.resolveString(schema.table_name));
        needs.push(...resources.map((resource) => ({ action, resource, roleArn: v.roleArn(schema.role_arn), why: "reads the conversion schema" })));
      }
    }
  }
  return { needs, unmapped: [] };
}

const CRAWLER_PARTITION_ACTIONS = [
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetPartition",
  "glue:GetPartitions",
  "glue:BatchGetPartition",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
  "glue:UpdatePartition",
  "glue:BatchUpdatePartition",
];

/** The crawler (§2.5): keep the catalog target's partitions current, read its data, write its logs. */
function crawlerNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const { address, block } of v.blocks("aws_glue_crawler")) {
    const roleArn = v.roleArn(block.role);
    const crawlerName = v.r.resolveString(block.name);
    if (block.s3_target || block.jdbc_target || block.dynamodb_target) unmapped.push(`${address}: only catalog targets are mapped`);
    const actions = [
      ...CRAWLER_PARTITION_ACTIONS,
      ...(block.schema_change_policy?.update_behavior === "UPDATE_IN_DATABASE" ? ["glue:UpdateTable"] : []),
      ...(block.schema_change_policy?.delete_behavior === "DELETE_FROM_DATABASE" ? ["glue:DeletePartition", "glue:BatchDeletePartition"] : []),
    ];
    for (const target of (block.catalog_target ?? []) as Block[]) {
      const db = v.r.resolveString(target.database_name);
      for (const tableName of (target.tables as string[]).map((t) => v.r.resolveString(t))) {
        for (const action of actions) {
          needs.push(...glueResources(action, v, db, tableName).map((resource) => ({ action, resource, roleArn, why: `crawls ${db}.${tableName}` })));
        }
        const table = v.blocks("aws_glue_catalog_table").find(({ block: t }) => v.r.resolveString(t.database_name) === db && v.r.resolveString(t.name) === tableName);
        if (!table) {
          unmapped.push(`${address}: table ${db}.${tableName} is not in the stack`);
          continue;
        }
        const data = v.location(table.block.storage_descriptor.location);
        needs.push(
          { action: "s3:GetObject", resource: `${data.bucketArn}/${data.prefix}${SAMPLE_OBJECT}`, roleArn, why: "reads the table's objects" },
          ...[data.prefix, `${data.prefix}year=2026/`].map((prefix) => ({
            action: "s3:ListBucket",
            resource: data.bucketArn,
            context: { "s3:prefix": prefix },
            roleArn,
            why: "lists the table location",
          })),
        );
      }
    }
    // Crawlers log to /aws-glue/crawlers, or with a security configuration to /aws-glue/crawlers-role/<role>-<configuration>.
    const groups = ["/aws-glue/crawlers"];
    if (block.security_configuration) {
      groups.push(`/aws-glue/crawlers-role/${v.roleByArn(roleArn)?.name ?? roleArn.split("/").pop()}-${v.r.resolveString(block.security_configuration)}`);
      const configuration = v.blocks("aws_glue_security_configuration").find(({ block: c }) => v.r.resolveString(c.name) === v.r.resolveString(block.security_configuration));
      const cloudwatch = configuration?.block.encryption_configuration?.cloudwatch_encryption;
      if (cloudwatch?.cloudwatch_encryption_mode === "SSE-KMS") {
        needs.push({ action: "logs:AssociateKmsKey", resource: v.r.arn("logs", `log-group:${groups[1]}`), roleArn, why: "encrypts its log group" });
      }
    }
    for (const group of groups) {
      needs.push(
        { action: "logs:CreateLogGroup", resource: v.r.arn("logs", `log-group:${group}`), roleArn, why: "creates its log group" },
        ...OWN_LOGS.map((action) => ({ action, resource: v.r.arn("logs", `log-group:${group}:log-stream:${crawlerName}`), roleArn, why: "writes its logs" })),
      );
    }
  }
  return { needs, unmapped };
}

/** Schedules and rule targets that assume a role: start their target, dead-letter undelivered events. */
function schedulerNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  const targets = [
    ...v.blocks("aws_scheduler_schedule").map(({ address, block }) => ({ address, target: block.target as Block })),
    ...v.blocks("aws_cloudwatch_event_target").filter(({ block }) => block.role_arn).map(({ address, block }) => ({ address, target: block })),
  ];
  for (const { address, target } of targets) {
    const roleArn = v.roleArn(target.role_arn);
    const arn = v.r.resolveString(target.arn);
    if (/^arn:aws:states:/.test(arn)) {
      // Encrypted or not, the caller of StartExecution makes no KMS request (scheduler.start-execution).
      const row = "scheduler.start-execution";
      needs.push({ action: SERVICE_REQUESTS[row].action, resource: arn, context: v.context(row, arn), roleArn, why: `${address} starts it` });
    }
    else if (/^arn:aws:lambda:/.test(arn)) needs.push({ action: "lambda:InvokeFunction", resource: arn, roleArn, why: `${address} invokes it` });
    else unmapped.push(`${address}: no IAM mapping for a target ${arn}`);
    if (target.dead_letter_config?.arn) {
      needs.push({ action: "sqs:SendMessage", resource: v.r.resolveString(target.dead_letter_config.arn), roleArn, why: `${address} dead-letters undelivered events` });
    }
  }
  return { needs, unmapped };
}

/**
 * QuickSight queries Athena with its own role (QuickSight "Authorizing connections to Amazon Athena"),
 * and Athena reads the table and writes results with that role's rights: the S3 part of an Athena
 * query in the data source's workgroup. Athena and Glue actions come from the managed policy
 * QuickSight attaches when Athena access is turned on (a documented prerequisite, not the stack's).
 */
function quickSightNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  const roles = [...v.roles.values()].filter((role) => role.external && kindOf(role.name) === "quicksight");
  for (const { address, block } of v.blocks("aws_quicksight_data_source")) {
    const athena = block.parameters?.athena;
    if (!athena) {
      unmapped.push(`${address}: only Athena data sources are mapped`);
      continue;
    }
    if (roles.length !== 1) {
      unmapped.push(`${address}: expected the one QuickSight role the stack grants to, found ${roles.length}`);
      continue;
    }
    for (const pair of athenaQueryPairs(v.r.resolveString(athena.work_group), v).filter((p) => p.action.startsWith("s3:"))) {
      needs.push({ ...pair, roleArn: roles[0]!.arn, why: `${address} queries Athena as QuickSight's role` });
    }
  }
  return { needs, unmapped };
}

/**
 * The kms needs that follow from data needs on encrypted resources (S3 objects, the stream, topics,
 * queues): the requests the service makes with the role, each with the condition keys its row in
 * service-request-contexts.ts says it carries.
 */
function kmsNeeds(needs: readonly Need[], v: StackView): Need[] {
  const out: Need[] = [];
  const add = (need: Need, keyArn: string | undefined, encrypted: string) => {
    const rows: readonly RequestRowId[] = KMS_ROWS_FOR[need.action as keyof typeof KMS_ROWS_FOR] ?? [];
    if (!keyArn) return;
    for (const row of rows) {
      out.push({ action: SERVICE_REQUESTS[row].action, resource: keyArn, context: v.context(row, encrypted), roleArn: need.roleArn, why: `${need.action} on encrypted ${need.resource} (${row})` });
    }
  };
  for (const need of needs) {
    const object = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(need.resource);
    if (object && (need.action === "s3:PutObject" || need.action === "s3:GetObject")) add(need, v.objectKey(object[1]!, object[2]!), `arn:aws:s3:::${object[1]}`);
    if (need.action.startsWith("kinesis:")) add(need, v.resourceKey("aws_kinesis_stream", need.resource, "kms_key_id"), need.resource);
    if (need.action === "sns:Publish") add(need, v.resourceKey("aws_sns_topic", need.resource, "kms_master_key_id"), need.resource);
    if (need.action === "sqs:SendMessage") add(need, v.resourceKey("aws_sqs_queue", need.resource, "kms_master_key_id"), need.resource);
  }
  return out;
}

/** Every must-allow need of the stack, de-duplicated, with everything that could not be mapped. */
function deriveNeeds(v: StackView): Derivation {
  const parts = [stateMachineNeeds(v), functionNeeds(v), firehoseNeeds(v), crawlerNeeds(v), schedulerNeeds(v), quickSightNeeds(v)];
  const data = parts.flatMap((p) => p.needs);
  const byKey = new Map<string, Need>();
  for (const need of [...data, ...kmsNeeds(data, v)]) {
    const key = JSON.stringify([need.roleArn, need.action, need.resource, need.context ?? {}]);
    if (!byKey.has(key)) byKey.set(key, need);
  }
  return { needs: [...byKey.values()], unmapped: parts.flatMap((p) => p.unmapped) };
}

// ── must-not pairs ───────────────────────────────────────────────────────────────────────────────

/** Named resources of the stack the must-not pairs refer to. */
interface Landmarks {
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

function landmarks(v: StackView): Landmarks {
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

const OTHER = "another";
const inLake = (l: Landmarks, prefix: string) => `${l.lake}/${prefix}${SAMPLE_OBJECT}`;
const listLake = (l: Landmarks, prefix: string): Pair => ({ action: "s3:ListBucket", resource: l.lake, context: { "s3:prefix": prefix } });
const P_DATA = LAKE_PREFIXES.data;

/** What each role must not be able to do (ImplicitlyDenied expected). */
const MUST_DENY: Record<RoleKind, (l: Landmarks) => Pair[]> = {
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
  deliveryCheck: (l) => [
    { action: "s3:GetObject", resource: inLake(l, P_DATA) },
    listLake(l, P.landing),
    listLake(l, ""),
  ],
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

const KMS_SERVICES = ["s3", "kinesis", "sns", "sqs", "lambda", "states", "logs", "secretsmanager"];

/** For every kms need of a role: the same call through a service the role has no such need through, and without a service. */
function kmsDenials(roleNeeds: readonly Need[]): Pair[] {
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

// ── the simulator ────────────────────────────────────────────────────────────────────────────────

type Outcome = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | `error: ${string}`;

/**
 * iam-simulate 0.1.173 drops `kms:EncryptionContext:<key>` request keys (it only accepts variable keys
 * written `prefix/name`), so an encryption-context condition could never match. The same key is renamed,
 * in the policies and in the request alike, to `aws:RequestTag/<key>`: a variable key it does take and
 * compares with the same string operators.
 */
const ENCRYPTION_CONTEXT = /kms:EncryptionContext:([A-Za-z0-9:_-]+)/g;
const renameEncryptionContext = <T>(value: T): T => JSON.parse(JSON.stringify(value).replace(ENCRYPTION_CONTEXT, "aws:RequestTag/$1"));

/** Evaluates one request by `role`, with the bucket policy (S3) or key policy (KMS) of the resource as resource policy. */
async function simulate(role: ResolvedRole, pair: Pair, v: StackView): Promise<Outcome> {
  let resourcePolicy: PolicyDocument | undefined;
  const context: Record<string, string> = renameEncryptionContext({ ...pair.context });
  const bucket = /^arn:aws:s3:::([^/]+)/.exec(pair.resource)?.[1];
  if (bucket) {
    resourcePolicy = v.bucketPolicy(bucket);
    context["aws:SecureTransport"] = "true";
  }
  if (pair.action.startsWith("kms:")) resourcePolicy = v.keyPolicy(pair.resource);
  const simulation: Simulation = {
    identityPolicies: [{ name: role.name, policy: renameEncryptionContext(role.policy) }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy: renameEncryptionContext(resourcePolicy) } : {}),
    request: {
      principal: role.arn,
      action: pair.action,
      resource: { resource: pair.resource, accountId: FAKE_ACCOUNT_ID },
      contextVariables: context,
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") return `error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

const describePair = (p: Pair & { why?: string }) =>
  `${p.action} on ${p.resource}${p.context ? ` ${JSON.stringify(p.context)}` : ""}${p.why ? ` — ${p.why}` : ""}`;

/** The pairs whose outcome differs from `expected`, described. */
async function mismatches(role: ResolvedRole, pairs: readonly (Pair & { why?: string })[], expected: Outcome, v: StackView): Promise<string[]> {
  const out: string[] = [];
  for (const pair of pairs) {
    const outcome = await simulate(role, pair, v);
    if (outcome !== expected) out.push(`${describePair(pair)}: ${outcome}`);
  }
  return out;
}

// ── requests services make as themselves (service-request-contexts.ts) ──────────────────────────

/** A request a service principal makes: on a key of ours (judged by its key policy) or to assume a role (judged by its trust policy). */
interface ServiceRequest {
  readonly row: RequestRowId;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
  readonly policy: PolicyDocument;
  readonly why: string;
}

const OTHER_ACCOUNT = "210987654321";

/** Evaluates a request by a service principal against a resource policy alone (it has no identity policy of ours). */
async function simulateService(request: ServiceRequest): Promise<Outcome> {
  const simulation: Simulation = {
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: renameEncryptionContext(request.policy),
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: FAKE_ACCOUNT_ID },
      contextVariables: renameEncryptionContext(request.context),
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") return `error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

/** The requests of `requests` whose outcome differs from `expected`, described. */
async function serviceMismatches(requests: readonly ServiceRequest[], expected: Outcome): Promise<string[]> {
  const out: string[] = [];
  for (const request of requests) {
    const outcome = await simulateService(request);
    if (outcome !== expected) out.push(`${request.row}: ${request.principal} ${request.action} on ${request.resource} ${JSON.stringify(request.context)} — ${request.why}: ${outcome}`);
  }
  return out;
}

/**
 * The KMS requests services make as their own principal on the stack's customer-managed keys: log
 * groups encrypted with a key, alarms and rules publishing to an encrypted topic, log delivery for an
 * encrypted state machine that logs.
 */
function keyServiceRequests(v: StackView): ServiceRequest[] {
  const out: ServiceRequest[] = [];
  const push = (rows: readonly RequestRowId[], keyArn: string, resource: string | undefined, source: string | undefined, why: string) => {
    for (const row of rows) {
      const values = v.values(resource, source);
      out.push({ row, principal: requestPrincipal(row, values), action: SERVICE_REQUESTS[row].action, resource: keyArn, context: requestContext(row, values), policy: v.keyPolicy(keyArn), why });
    }
  };
  for (const { address, block } of v.blocks("aws_cloudwatch_log_group")) {
    const keyArn = v.r.customerKeyArn(block.kms_key_id);
    if (keyArn) push(["logs.log-group.encrypt", "logs.log-group.decrypt"], keyArn, v.arn(address), undefined, `${address} is encrypted`);
  }
  const topicKey = (arn: string) => v.resourceKey("aws_sns_topic", v.r.resolveString(arn), "kms_master_key_id");
  for (const { address, block } of v.blocks("aws_cloudwatch_metric_alarm")) {
    for (const action of [...(block.alarm_actions ?? []), ...(block.ok_actions ?? [])] as string[]) {
      const keyArn = topicKey(action);
      if (keyArn) push(["cloudwatch.alarm-publish.generate", "cloudwatch.alarm-publish.decrypt"], keyArn, undefined, v.arn(address), `${address} notifies an encrypted topic`);
    }
  }
  for (const { address, block } of v.blocks("aws_cloudwatch_event_target")) {
    const keyArn = topicKey(block.arn);
    const rule = v.blocks("aws_cloudwatch_event_rule").find(({ address: a }) => v.r.resolveReference(`${a}.name`) === v.r.resolveString(block.rule));
    if (keyArn) push(["events.rule-publish.generate", "events.rule-publish.decrypt"], keyArn, undefined, rule && v.arn(rule.address), `${address} publishes to an encrypted topic`);
  }
  for (const { address, block } of v.blocks("aws_sfn_state_machine")) {
    const keyArn = block.encryption_configuration?.type === "CUSTOMER_MANAGED_KMS_KEY" ? v.r.customerKeyArn(block.encryption_configuration.kms_key_id) : undefined;
    if (keyArn && block.logging_configuration && block.logging_configuration.level !== "OFF") {
      push(["logs.state-machine-delivery.decrypt"], keyArn, undefined, undefined, `${address} logs executions under the key`);
    }
  }
  return out;
}

/** The sns:Publish requests alarms and rules make on the alerts topic, against the topic policy. */
function topicPublishRequests(v: StackView): ServiceRequest[] {
  const out: ServiceRequest[] = [];
  const topicPolicy = v.blocks("aws_sns_topic_policy")[0];
  if (!topicPolicy) return out;
  const topicArn = v.r.resolveString(topicPolicy.block.arn);
  const policy: PolicyDocument = JSON.parse(v.r.resolveString(topicPolicy.block.policy));
  const push = (row: RequestRowId, source: string, why: string) => {
    const values = v.values(topicArn, source);
    out.push({ row, principal: requestPrincipal(row, values), action: SERVICE_REQUESTS[row].action, resource: topicArn, context: requestContext(row, values), policy, why });
  };
  for (const { address, block } of v.blocks("aws_cloudwatch_metric_alarm")) {
    if ([...(block.alarm_actions ?? []), ...(block.ok_actions ?? [])].some((a: string) => v.r.resolveString(a) === topicArn)) {
      push("cloudwatch.alarm-publish.publish", v.arn(address), `${address} notifies the alerts topic`);
    }
  }
  for (const { address, block } of v.blocks("aws_cloudwatch_event_target")) {
    const rule = v.blocks("aws_cloudwatch_event_rule").find(({ address: a }) => v.r.resolveReference(`${a}.name`) === v.r.resolveString(block.rule));
    if (v.r.resolveString(block.arn) === topicArn) push("events.rule-publish.publish", rule ? v.arn(rule.address) : address, `${address} publishes to the alerts topic`);
  }
  return out;
}

/** What acts with each role, for `aws:SourceArn` in AssumeRole: the state machine or schedule that uses it. */
function roleSources(v: StackView): Map<string, string> {
  const sources = new Map<string, string>();
  for (const { address, block } of v.blocks("aws_sfn_state_machine")) sources.set(v.roleArn(block.role_arn), v.arn(address));
  for (const { address, block } of v.blocks("aws_scheduler_schedule")) sources.set(v.roleArn(block.target.role_arn), v.arn(address));
  return sources;
}

/** The AssumeRole request of the service each role of the stack trusts, with what that service sends. */
function assumeRoleRequests(v: StackView): ServiceRequest[] {
  const sources = roleSources(v);
  return [...v.roles.values()]
    .filter((role) => !role.external)
    .map((role) => {
      const services = role.trust.Statement.flatMap((st) => list((st.Principal as { Service?: string | string[] } | undefined)?.Service));
      const row = ASSUME_ROLE_ROW[services[0] ?? ""];
      if (services.length !== 1 || !row) throw new Error(`${role.name} trusts ${JSON.stringify(services)}: add its AssumeRole row to service-request-contexts.ts`);
      const values = v.values(role.arn, sources.get(role.arn));
      return { row, principal: requestPrincipal(row, values), action: "sts:AssumeRole", resource: role.arn, context: requestContext(row, values), policy: role.trust, why: `${services[0]} assumes ${role.name}` };
    });
}

/** The same request from another account, where the row carries the account (aws:SourceAccount, sts:ExternalId). */
function fromOtherAccount(request: ServiceRequest): ServiceRequest | undefined {
  const keys = ["aws:SourceAccount", "sts:ExternalId"].filter((k) => request.context[k] !== undefined);
  if (keys.length === 0) return undefined;
  const context = { ...request.context };
  for (const k of keys) context[k] = OTHER_ACCOUNT;
  return { ...request, context, why: `${request.why}, on behalf of account ${OTHER_ACCOUNT}` };
}

/** The sorted, de-duplicated actions of a role's Allow statements. */
const actionsOf = (role: ResolvedRole) => unique(role.policy.Statement.filter((st) => st.Effect === "Allow").flatMap((st) => list(st.Action)));

// ── tests ────────────────────────────────────────────────────────────────────────────────────────

describe("the §2.8 rule predicates", () => {
  it.each(STATEMENT_RULES)("$title: flags a violating statement", ({ rule, bad }) => {
    expect(rule(bad)).not.toEqual([]);
  });

  it.each(STATEMENT_RULES)("$title: passes a compliant statement", ({ rule, good }) => {
    expect(rule(good)).toEqual([]);
  });

  it.each(["arn:aws:s3:::*", "arn:aws:s3:::bucket*", "arn:aws:logs:eu-west-1:123456789012:log-group:*", "arn:aws:glue:eu-west-1:*:table/db/t", "arn:aws:s3:::b/*/x"])(
    "rule 3 rejects the misplaced wildcard in %s",
    (resource) => {
      expect(misplacedWildcard(resource)).toBeDefined();
    },
  );

  it.each([
    "arn:aws:s3:::b/data/*",
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn:*",
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers*",
    "arn:aws:glue:eu-west-1:123456789012:table/db/*",
    "arn:aws:lambda:eu-west-1:123456789012:function:fn:*",
  ])("rule 3 accepts the last-segment wildcard in %s", (resource) => {
    expect(misplacedWildcard(resource)).toBeUndefined();
  });

  it("rule 8 rejects a trust policy that also trusts the account root", () => {
    const trust: PolicyDocument = {
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com", AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }],
    };
    expect(trustProblems(trust, REVIEWED_ROLES.transform)).not.toEqual([]);
  });

  it("rule 8 rejects a Firehose trust policy without sts:ExternalId", () => {
    const trust: PolicyDocument = { Statement: [{ Effect: "Allow", Principal: { Service: "firehose.amazonaws.com" }, Action: "sts:AssumeRole" }] };
    expect(trustProblems(trust, REVIEWED_ROLES.firehose)).not.toEqual([]);
  });
});

describe("the handlers' SDK commands", () => {
  it("every handler folder has an entry in HANDLER_USES", () => {
    expect(handlerFolders()).toEqual(Object.keys(HANDLER_USES).sort());
  });

  it("every command a handler sends has an IAM mapping", () => {
    const unmapped = handlerFolders().flatMap((h) => sdkCommandsOf(h).commands.filter((c) => !COMMAND_IAM[c]).map((c) => `handlers/${h}: ${c}`));
    expect(unmapped).toEqual([]);
  });

  it("follows paginators: the extract handler's paginateListObjectsV2 counts as ListObjectsV2Command", () => {
    expect(sdkCommandsOf("extract").commands).toContain("ListObjectsV2Command");
  });
});

describe.each(CONFIGURATIONS)("least privilege, $name configuration", (config) => {
  const v = new StackView(config.synth());
  const roleNames = [...v.roles.keys()].sort();
  const policies = identityPolicies(v.s);
  const derivation = deriveNeeds(v);
  const needsOf = (role: ResolvedRole) => derivation.needs.filter((n) => n.roleArn === role.arn);

  describe("the eight rules of §2.8", () => {
    it.each(STATEMENT_RULES)("$title", ({ rule }) => {
      const problems = policies.flatMap(({ source, document }) => document.Statement.flatMap((st) => rule(st).map((p) => `${source} ${st.Sid ?? ""}: ${p}`)));
      expect(problems).toEqual([]);
    });

    it("rule 7: every role matches exactly one reviewed entry, and every entry one role", () => {
      const kinds = roleNames.map((name) => kindOf(name) ?? `${name}: no single entry`);
      const expected = (Object.keys(REVIEWED_ROLES) as RoleKind[]).filter((kind) => !REVIEWED_ROLES[kind].external || config.quicksight);
      expect(kinds.sort()).toEqual(expected.sort());
    });

    it.each(roleNames)("rule 7: %s is allowed exactly its reviewed actions", (name) => {
      const kind = kindOf(name);
      expect(kind).toBeDefined();
      expect(actionsOf(v.roles.get(name)!)).toEqual(reviewedActions(kind!, config));
    });

    it.each(roleNames)("rule 8: %s trusts exactly its one service principal, with its confused-deputy guard", (name) => {
      const kind = kindOf(name);
      expect(kind).toBeDefined();
      // A role outside the stack keeps the trust policy its owner gave it; the stack only attaches a policy.
      if (REVIEWED_ROLES[kind!].external) expect(v.roles.get(name)!.trust.Statement).toEqual([]);
      else expect(trustProblems(v.roles.get(name)!.trust, REVIEWED_ROLES[kind!])).toEqual([]);
    });
  });

  describe("simulated with references resolved (account 123456789012)", () => {
    it("maps every task, SDK command and documented need to IAM requests", () => {
      expect(derivation.unmapped).toEqual([]);
    });

    it("derives needs for every role, and only for roles of the stack", () => {
      const needed = unique(derivation.needs.map((n) => v.roleByArn(n.roleArn)?.name ?? `unknown role ${n.roleArn}`));
      expect(needed).toEqual(roleNames);
    });

    it.each(roleNames)("%s can make every request its tasks, handler code and documented needs require", async (name) => {
      const role = v.roles.get(name)!;
      expect(await mismatches(role, needsOf(role), "Allowed", v)).toEqual([]);
    });

    it.each(roleNames)("%s is denied its must-not requests, iam:PassRole, and kms through other services", async (name) => {
      const role = v.roles.get(name)!;
      const kind = kindOf(name);
      expect(kind).toBeDefined();
      const passRole = [...v.roles.values()].map((other) => ({ action: "iam:PassRole", resource: other.arn }));
      const pairs = [...MUST_DENY[kind!](landmarks(v)), ...passRole, ...kmsDenials(needsOf(role))];
      expect(await mismatches(role, pairs, "ImplicitlyDenied", v)).toEqual([]);
    });

    it.each(roleNames)("%s is granted no action that none of its derived needs uses", (name) => {
      const role = v.roles.get(name)!;
      const used = new Set(needsOf(role).map((n) => n.action));
      expect(actionsOf(role).filter((a) => !used.has(a))).toEqual([]);
    });
  });

  describe("what each service sends (service-request-contexts.ts), against key and trust policies", () => {
    const keyRequests = keyServiceRequests(v);
    const assumeRequests = assumeRoleRequests(v);

    it("every service that assumes a role of the stack can, with exactly the keys it sends", async () => {
      expect(assumeRequests.length).toBe(roleNames.filter((name) => !v.roles.get(name)!.external).length);
      expect(await serviceMismatches(assumeRequests, "Allowed")).toEqual([]);
    });

    it("no service can assume a role of the stack on behalf of another account, where it sends the account", async () => {
      const foreign = assumeRequests.map(fromOtherAccount).filter((r): r is ServiceRequest => r !== undefined);
      expect(foreign.length).toBeGreaterThan(0);
      expect(await serviceMismatches(foreign, "ImplicitlyDenied")).toEqual([]);
    });

    it("the key policy admits every request services make as themselves on the stack's keys, with exactly the keys they send", async () => {
      if (config.customerManaged) expect(new Set(keyRequests.map((r) => r.row)).size).toBeGreaterThanOrEqual(4);
      else expect(keyRequests).toEqual([]);
      expect(await serviceMismatches(keyRequests, "Allowed")).toEqual([]);
    });

    it("the alerts topic policy admits every alarm and rule that publishes to it, with exactly the keys each sends", async () => {
      const requests = topicPublishRequests(v);
      const monitoring = v.blocks("aws_sns_topic_policy").length > 0;
      if (monitoring) expect(new Set(requests.map((r) => r.row))).toEqual(new Set(["cloudwatch.alarm-publish.publish", "events.rule-publish.publish"]));
      expect(await serviceMismatches(requests, "Allowed")).toEqual([]);
    });

    it("the key policy refuses those requests on behalf of another account, where the service sends the account", async () => {
      const foreign = keyRequests.map(fromOtherAccount).filter((r): r is ServiceRequest => r !== undefined);
      expect(await serviceMismatches(foreign, "ImplicitlyDenied")).toEqual([]);
    });
  });

  if (config.streamKey) {
    describe("the stream's customer-managed key", () => {
      const firehose = [...v.roles.values()].find((role) => kindOf(role.name) === "firehose")!;
      const decrypt = (service: string): Pair => ({ action: "kms:Decrypt", resource: STREAM_KEY_ARN, context: { "kms:ViaService": viaService(service) } });

      it("lets Firehose decrypt the stream through Kinesis", async () => {
        expect(await simulate(firehose, decrypt("kinesis"), v)).toBe("Allowed");
      });

      it("does not let Firehose decrypt with the stream key through another service", async () => {
        expect(await simulate(firehose, decrypt("s3"), v)).toBe("ImplicitlyDenied");
      });
    });
  }

  if (config.customerManaged) {
    describe("the customer-managed key", () => {
      it("is the one key of the stack, and every kms need names it", () => {
        const keys = v.blocks("aws_kms_key").map(({ address }) => v.arn(address));
        const named = unique(derivation.needs.filter((n) => n.action.startsWith("kms:")).map((n) => n.resource));
        expect(keys).toHaveLength(1);
        expect(named).toEqual(keys);
      });
    });
  }
});

describe("the service request table", () => {
  it.each(Object.entries(SERVICE_REQUESTS))("%s names the AWS page it comes from", (_id, row) => {
    expect(row.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it("fills the keys each row says the service sends, and no other", () => {
    const values = { region: REGION, account: FAKE_ACCOUNT_ID, partition: "aws", resource: "arn:aws:sns:eu-west-1:123456789012:t", source: "arn:aws:events:eu-west-1:123456789012:rule/r" };
    expect(requestContext("events.rule-publish.generate", values)).toEqual({});
    expect(requestContext("cloudwatch.alarm-publish.decrypt", values)).toEqual({ "aws:SourceAccount": FAKE_ACCOUNT_ID, "aws:SourceArn": values.source });
    expect(requestContext("states.execution-data.generate", { ...values, resource: "arn:aws:states:eu-west-1:123456789012:stateMachine:m" })).toEqual({
      "kms:EncryptionContext:aws:states:stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:m",
    });
    expect(requestContext("sns.publish.generate", values)).toEqual({ "kms:ViaService": "sns.eu-west-1.amazonaws.com" });
  });
});

/**
 * The table makes the simulation fail where AWS would: each test takes the synthesized customer-managed
 * configuration, puts back a condition the real request does not satisfy, and expects the request the
 * table describes to be denied.
 */
describe("conditions the real request would not satisfy are denied (customer-managed key)", () => {
  const v = new StackView(synthPipeline({ security: { encryption: "customer-managed" } }));
  const roleOf = (kind: RoleKind) => [...v.roles.values()].find((role) => kindOf(role.name) === kind)!;
  type Statement = PolicyStatementJson;
  const withStatements = (doc: PolicyDocument, map: (st: Statement) => Statement | undefined): PolicyDocument => ({
    ...doc,
    Statement: doc.Statement.map(map).filter((st): st is Statement => st !== undefined),
  });
  const principalIs = (st: Statement, service: string) => list((st.Principal as { Service?: string | string[] } | undefined)?.Service).includes(service);

  // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html: "Adding kms:ViaService condition
  // to an execution role can prevent a new execution from starting or cause a running execution to fail."
  it("the state machine role's own-data grant with kms:ViaService added (the earlier form) is denied its execution data", async () => {
    const role = roleOf("stateMachine");
    const needs = deriveNeeds(v).needs.filter((n) => n.roleArn === role.arn && /states\.execution-data/.test(n.why));
    expect(needs).toHaveLength(2);
    expect(await mismatches(role, needs, "Allowed", v)).toEqual([]);
    const policy = withStatements(role.policy, (st) =>
      st.Condition?.StringEquals?.["kms:EncryptionContext:aws:states:stateMachineArn"] === undefined
        ? st
        : { ...st, Condition: { StringEquals: { ...st.Condition.StringEquals, "kms:ViaService": "states.eu-west-1.amazonaws.com" } } },
    );
    expect(await mismatches({ ...role, policy }, needs, "ImplicitlyDenied", v)).toEqual([]);
  });

  // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services: aws:SourceAccount
  // is not supported for EventBridge to encrypted topics.
  it("a key policy that requires aws:SourceAccount of EventBridge (the earlier form) refuses the crawler-failure alert", async () => {
    const requests = keyServiceRequests(v).filter((r) => r.principal === "events.amazonaws.com");
    expect(requests).toHaveLength(2);
    expect(await serviceMismatches(requests, "Allowed")).toEqual([]);
    const policy = withStatements(requests[0]!.policy, (st) =>
      principalIs(st, "events.amazonaws.com") ? { ...st, Condition: { StringEquals: { "aws:SourceAccount": FAKE_ACCOUNT_ID } } } : st,
    );
    expect(await serviceMismatches(requests.map((r) => ({ ...r, policy })), "ImplicitlyDenied")).toEqual([]);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions: no
  // Condition blocks in SNS topic policies for EventBridge.
  it("a topic policy that requires aws:SourceArn of EventBridge (the earlier form) refuses the crawler-failure alert", async () => {
    const requests = topicPublishRequests(v).filter((r) => r.principal === "events.amazonaws.com");
    expect(requests).toHaveLength(1);
    expect(await serviceMismatches(requests, "Allowed")).toEqual([]);
    const policy = withStatements(requests[0]!.policy, (st) =>
      principalIs(st, "events.amazonaws.com") ? { ...st, Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/any" } } } : st,
    );
    expect(await serviceMismatches([{ ...requests[0]!, policy }], "ImplicitlyDenied")).toEqual([]);
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html, step 3.
  it("without the key policy statement for delivery.logs.amazonaws.com, execution-log delivery cannot decrypt", async () => {
    const requests = keyServiceRequests(v).filter((r) => r.principal === "delivery.logs.amazonaws.com");
    expect(requests).toHaveLength(1);
    expect(await serviceMismatches(requests, "Allowed")).toEqual([]);
    const policy = withStatements(requests[0]!.policy, (st) => (principalIs(st, "delivery.logs.amazonaws.com") ? undefined : st));
    expect(await serviceMismatches([{ ...requests[0]!, policy }], "ImplicitlyDenied")).toEqual([]);
  });

  // Glue documents no confused-deputy key for the roles it assumes (https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html).
  it("a crawler trust policy that requires aws:SourceAccount (the earlier form) cannot be assumed by Glue", async () => {
    const requests = assumeRoleRequests(v).filter((r) => r.principal === "glue.amazonaws.com");
    expect(requests).toHaveLength(1);
    expect(await serviceMismatches(requests, "Allowed")).toEqual([]);
    const policy = withStatements(requests[0]!.policy, (st) => ({ ...st, Condition: { StringEquals: { "aws:SourceAccount": FAKE_ACCOUNT_ID } } }));
    expect(await serviceMismatches([{ ...requests[0]!, policy }], "ImplicitlyDenied")).toEqual([]);
  });

  // The execution role gets no kms:ViaService either for log delivery; requiring it there denies the delivery grant.
  it("the execution role's log-delivery grant with kms:ViaService added is denied", async () => {
    const role = roleOf("stateMachine");
    const needs = deriveNeeds(v).needs.filter((n) => n.roleArn === role.arn && /states\.log-delivery/.test(n.why));
    expect(needs).toHaveLength(1);
    expect(await mismatches(role, needs, "Allowed", v)).toEqual([]);
    const policy = withStatements(role.policy, (st) =>
      st.Condition?.StringEquals?.["kms:EncryptionContext:SourceArn"] === undefined
        ? st
        : { ...st, Condition: { StringEquals: { ...st.Condition.StringEquals, "kms:ViaService": "logs.eu-west-1.amazonaws.com" } } },
    );
    expect(await mismatches({ ...role, policy }, needs, "ImplicitlyDenied", v)).toEqual([]);
  });
});

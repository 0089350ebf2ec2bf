/**
 * Resolves the Terraform references of a synthesized stack (`${aws_s3_bucket.x.arn}`,
 * `${data.aws_caller_identity.account.account_id}`, …) to the concrete values they would have in a fake
 * account, so policies can be evaluated by an IAM simulator. The account is {@link FAKE_ACCOUNT_ID},
 * the partition `aws`, the region the default `aws` provider's. A reference to a resource type or
 * attribute without a rule here throws: a new resource type in a policy must be taught to the resolver
 * before a test can pass.
 */
import { createHash } from "node:crypto";
import type { Synthesized } from "./synth";

/** The account every resolved ARN lives in. */
export const FAKE_ACCOUNT_ID = "123456789012";
/** The partition every resolved ARN lives in. */
export const FAKE_PARTITION = "aws";
/** Appended to a `bucket_prefix` to stand in for the suffix Terraform generates. */
export const BUCKET_PREFIX_SUFFIX = "test";

/** One IAM policy statement, as written in JSON. */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatementJson[];
}

/** A role with its trust policy and every identity policy statement that applies to it, references resolved. */
export interface ResolvedRole {
  /** Terraform address, e.g. `aws_iam_role.batch_role_284F43C7`. */
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly trust: PolicyDocument;
  /** Inline policies, `inline_policy` blocks and attached customer-managed policies, as one document. */
  readonly policy: PolicyDocument;
  /** A role the stack does not create but attaches policies to by name (its trust policy is unknown). */
  readonly external?: boolean;
}

/** An identity policy document and where it comes from (for messages). */
export interface SourcedPolicy {
  readonly source: string;
  readonly document: PolicyDocument;
}

/** A resource or data source block of the synthesized JSON, without cdktf metadata. */
type Block = Record<string, any>;

/** How one resource type's attributes resolve. `attr` returns undefined for an attribute it does not know. */
type AttributeRule = (attr: string, block: Block, r: ArnResolver, address: string) => string | undefined;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const PLAIN_REFERENCE = /^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/;

/** Resolves references against one synthesized stack. */
export class ArnResolver {
  readonly region: string;
  readonly account = FAKE_ACCOUNT_ID;
  readonly partition = FAKE_PARTITION;
  private depth = 0;

  constructor(readonly s: Synthesized) {
    const providers: Block[] = (s.tf as unknown as { provider?: { aws?: Block[] } }).provider?.aws ?? [];
    const main = providers.find((p) => p.alias === undefined);
    if (!main || typeof main.region !== "string") throw new Error("resolve-arns: no default aws provider with a literal region");
    this.region = main.region;
  }

  /** `value` with every reference in every string resolved (objects and arrays are copied). */
  resolve<T>(value: T): T {
    if (typeof value === "string") return this.resolveString(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)) as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)])) as T;
    }
    return value;
  }

  /** `text` with every `${…}` replaced by its value; `$${` (a literal `${`) is kept as `${`. */
  resolveString(text: string): string {
    return text.replace(REFERENCE, (match, expression: string | undefined) =>
      match === "$${" ? "${" : this.resolveReference(expression!),
    );
  }

  /** The value of one reference expression, e.g. `aws_s3_bucket.lake.arn`. */
  resolveReference(expression: string): string {
    const parsed = PLAIN_REFERENCE.exec(expression.trim());
    if (!parsed) throw new Error(`resolve-arns: cannot resolve \${${expression}}: not a plain <type>.<name>.<attribute> reference`);
    const [, data, type, name, attr] = parsed as unknown as [string, string | undefined, string, string, string];
    const kind = data ? "data" : "resource";
    const address = `${data ?? ""}${type}.${name}`;
    const block = (data ? this.s.tf.data : this.s.tf.resource)?.[type]?.[name];
    if (!block) throw new Error(`resolve-arns: \${${expression}} refers to a ${kind} that is not in the stack`);
    const rule = (data ? DATA_RULES : RESOURCE_RULES)[type];
    if (!rule) {
      throw new Error(
        `resolve-arns: cannot resolve \${${expression}}: no rule for ${kind} type ${type}; add one to __tests__/support/resolve-arns.ts`,
      );
    }
    if (++this.depth > 20) throw new Error(`resolve-arns: reference cycle at \${${expression}}`);
    try {
      const value = rule(attr, block, this, address);
      if (value === undefined) {
        throw new Error(
          `resolve-arns: cannot resolve \${${expression}}: no rule for attribute ${attr} of ${type}; add one to __tests__/support/resolve-arns.ts`,
        );
      }
      return value;
    } finally {
      this.depth--;
    }
  }

  /** A string attribute of a block, resolved; throws when it is missing. */
  attribute(block: Block, key: string, address: string): string {
    const value = block[key];
    if (typeof value !== "string") throw new Error(`resolve-arns: ${address} has no literal ${key}`);
    return this.resolveString(value);
  }

  /** `arn:aws:<service>:<region>:<account>:<resource>`. */
  arn(service: string, resource: string, options: { regional?: boolean; account?: boolean } = {}): string {
    const region = options.regional === false ? "" : this.region;
    const account = options.account === false ? "" : this.account;
    return `arn:${this.partition}:${service}:${region}:${account}:${resource}`;
  }

  /** The ARN of a resource block by address (`aws_s3_bucket.lake`). */
  arnOf(address: string): string {
    return this.resolveReference(`${address}.arn`);
  }

  /** The key ARN a `kms_key_id`-style value names, or undefined for an AWS-managed key (`alias/aws/…`) or none. */
  customerKeyArn(value: string | undefined): string | undefined {
    if (value === undefined || value === null || value === "") return undefined;
    const resolved = this.resolveString(value);
    if (/^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//.test(resolved)) return undefined;
    if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/.test(resolved)) return resolved;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(resolved)) return this.arn("kms", `key/${resolved}`);
    const aliasName = resolved.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:/, "");
    for (const [name, alias] of Object.entries(this.s.tf.resource.aws_kms_alias ?? {})) {
      if (this.attribute(alias, "name", `aws_kms_alias.${name}`) === aliasName) {
        return this.customerKeyArn(alias.target_key_id);
      }
    }
    throw new Error(`resolve-arns: cannot tell which KMS key ${JSON.stringify(resolved)} names`);
  }
}

/** A deterministic key id (UUID layout) for a key resource. */
function fakeKeyId(address: string): string {
  const h = createHash("sha256").update(address).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Rule for a type whose ARN is built from its `name`-like attribute; other listed attributes pass through. */
function named(
  nameKey: string,
  arn: (name: string, r: ArnResolver, block: Block, address: string) => string,
  passThrough: readonly string[] = [],
  extra: Record<string, (name: string, r: ArnResolver, block: Block, address: string) => string> = {},
): AttributeRule {
  return (attr, block, r, address) => {
    const name = () => r.attribute(block, nameKey, address);
    if (attr === "arn") return arn(name(), r, block, address);
    if (attr === nameKey || passThrough.includes(attr)) {
      return attr === nameKey ? name() : r.attribute(block, attr, address);
    }
    const computed = extra[attr];
    return computed ? computed(name(), r, block, address) : undefined;
  };
}

function bucketName(block: Block, r: ArnResolver, address: string): string {
  if (typeof block.bucket === "string") return r.resolveString(block.bucket);
  if (typeof block.bucket_prefix === "string") return `${r.resolveString(block.bucket_prefix)}${BUCKET_PREFIX_SUFFIX}`;
  throw new Error(`resolve-arns: ${address} has neither bucket nor bucket_prefix`);
}

function roleName(block: Block, r: ArnResolver, address: string): string {
  if (typeof block.name === "string") return r.resolveString(block.name);
  if (typeof block.name_prefix === "string") return `${r.resolveString(block.name_prefix)}${BUCKET_PREFIX_SUFFIX}`;
  throw new Error(`resolve-arns: ${address} has neither name nor name_prefix`);
}

const iamPath = (block: Block, r: ArnResolver) => (typeof block.path === "string" ? r.resolveString(block.path) : "/");

/** Attribute rules of the resource types whose references appear in this project's policies and wiring. */
const RESOURCE_RULES: Record<string, AttributeRule> = {
  aws_s3_bucket: (attr, block, r, address) => {
    const name = bucketName(block, r, address);
    if (attr === "arn") return `arn:${r.partition}:s3:::${name}`;
    if (attr === "bucket" || attr === "id") return name;
    if (attr === "bucket_domain_name") return `${name}.s3.amazonaws.com`;
    if (attr === "bucket_regional_domain_name") return `${name}.s3.${r.region}.amazonaws.com`;
    return undefined;
  },
  aws_kinesis_stream: named("name", (name, r) => r.arn("kinesis", `stream/${name}`), [], {
    id: (name, r) => r.arn("kinesis", `stream/${name}`),
  }),
  aws_kinesis_firehose_delivery_stream: named("name", (name, r) => r.arn("firehose", `deliverystream/${name}`), [], {
    id: (name, r) => r.arn("firehose", `deliverystream/${name}`),
  }),
  aws_lambda_function: named("function_name", (name, r) => r.arn("lambda", `function:${name}`), [], {
    id: (name) => name,
    // Every version published by Terraform is numbered; `1` stands in for the current one.
    version: (_name, _r, block) => (block.publish === true ? "1" : "$LATEST"),
    qualified_arn: (name, r, block) => `${r.arn("lambda", `function:${name}`)}:${block.publish === true ? "1" : "$LATEST"}`,
    invoke_arn: (name, r) =>
      `arn:${r.partition}:apigateway:${r.region}:lambda:path/2015-03-31/functions/${r.arn("lambda", `function:${name}`)}/invocations`,
  }),
  aws_sfn_state_machine: named("name", (name, r) => r.arn("states", `stateMachine:${name}`), [], {
    id: (name, r) => r.arn("states", `stateMachine:${name}`),
  }),
  aws_sns_topic: named("name", (name, r) => r.arn("sns", name), [], { id: (name, r) => r.arn("sns", name) }),
  aws_sqs_queue: named("name", (name, r) => r.arn("sqs", name), [], {
    id: (name, r) => `https://sqs.${r.region}.amazonaws.com/${r.account}/${name}`,
    url: (name, r) => `https://sqs.${r.region}.amazonaws.com/${r.account}/${name}`,
  }),
  aws_iam_role: (attr, block, r, address) => {
    const name = roleName(block, r, address);
    if (attr === "arn") return `arn:${r.partition}:iam::${r.account}:role${iamPath(block, r)}${name}`;
    if (attr === "name" || attr === "id") return name;
    return undefined;
  },
  aws_iam_policy: (attr, block, r, address) => {
    const name = roleName(block, r, address);
    if (attr === "arn" || attr === "id") return `arn:${r.partition}:iam::${r.account}:policy${iamPath(block, r)}${name}`;
    if (attr === "name") return name;
    if (attr === "policy") return r.attribute(block, "policy", address);
    return undefined;
  },
  aws_cloudwatch_log_group: named("name", (name, r) => r.arn("logs", `log-group:${name}`), [], { id: (name) => name }),
  aws_cloudwatch_log_stream: named(
    "name",
    (name, r, block, address) => r.arn("logs", `log-group:${r.attribute(block, "log_group_name", address)}:log-stream:${name}`),
    ["log_group_name"],
    { id: (name) => name },
  ),
  aws_glue_crawler: named("name", (name, r) => r.arn("glue", `crawler/${name}`), [], { id: (name) => name }),
  aws_glue_catalog_database: named("name", (name, r) => r.arn("glue", `database/${name}`), [], {
    id: (name, r) => `${r.account}:${name}`,
  }),
  aws_glue_catalog_table: named(
    "name",
    (name, r, block, address) => r.arn("glue", `table/${r.attribute(block, "database_name", address)}/${name}`),
    ["database_name"],
  ),
  aws_glue_security_configuration: named("name", (name) => name, [], { id: (name) => name }),
  aws_athena_workgroup: named("name", (name, r) => r.arn("athena", `workgroup/${name}`), [], { id: (name) => name }),
  aws_kms_key: (attr, _block, r, address) => {
    const id = fakeKeyId(address);
    if (attr === "arn") return r.arn("kms", `key/${id}`);
    if (attr === "key_id" || attr === "id") return id;
    return undefined;
  },
  aws_kms_alias: named("name", (name, r) => r.arn("kms", name), [], {
    id: (name) => name,
    target_key_arn: (_name, r, block) => r.customerKeyArn(block.target_key_id)!,
  }),
  aws_scheduler_schedule: named("name", (name, r, block) =>
    r.arn("scheduler", `schedule/${typeof block.group_name === "string" ? r.resolveString(block.group_name) : "default"}/${name}`),
  ),
  aws_cloudwatch_event_rule: named("name", (name, r) => r.arn("events", `rule/${name}`), [], { id: (name) => name }),
  aws_cloudwatch_metric_alarm: named("alarm_name", (name, r) => r.arn("cloudwatch", `alarm:${name}`), [], { id: (name) => name }),
  aws_cloudwatch_dashboard: named("dashboard_name", (name, r) => r.arn("cloudwatch", `dashboard/${name}`, { regional: false }), [], {
    dashboard_arn: (name, r) => r.arn("cloudwatch", `dashboard/${name}`, { regional: false }),
  }),
};

/** Attribute rules of data sources. */
const DATA_RULES: Record<string, AttributeRule> = {
  aws_caller_identity: (attr, _block, r) => (attr === "account_id" || attr === "id" ? r.account : undefined),
  aws_partition: (attr, _block, r) => {
    if (attr === "partition" || attr === "id") return r.partition;
    if (attr === "dns_suffix") return "amazonaws.com";
    return undefined;
  },
  aws_region: (attr, _block, r) => (attr === "name" || attr === "region" || attr === "id" ? r.region : undefined),
  aws_iam_policy_document: (attr, block, r) =>
    attr === "json" || attr === "minified_json" ? JSON.stringify(renderPolicyDocument(block, r)) : undefined,
};

/** The JSON document a `data.aws_iam_policy_document` renders, references resolved. */
export function renderPolicyDocument(block: Block, r: ArnResolver): PolicyDocument {
  const list = (v: unknown): string[] | undefined =>
    v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((x) => r.resolveString(String(x)));
  const principals = (blocks: Block[] | undefined) => {
    if (!blocks) return undefined;
    const out: Record<string, string[]> = {};
    for (const p of blocks) out[p.type === "*" ? "AWS" : p.type] = [...(out[p.type] ?? []), ...list(p.identifiers)!];
    return out;
  };
  const statements: Block[] = Array.isArray(block.statement) ? block.statement : block.statement ? [block.statement] : [];
  return {
    Version: block.version ?? "2012-10-17",
    Statement: statements.map((s) => {
      const condition: Record<string, Record<string, string[]>> = {};
      for (const c of (Array.isArray(s.condition) ? s.condition : s.condition ? [s.condition] : []) as Block[]) {
        condition[c.test] = { ...(condition[c.test] ?? {}), [r.resolveString(c.variable)]: list(c.values)! };
      }
      const statement: Record<string, unknown> = { Effect: s.effect ?? "Allow" };
      if (s.sid) statement.Sid = s.sid;
      if (s.actions) statement.Action = list(s.actions);
      if (s.not_actions) statement.NotAction = list(s.not_actions);
      if (s.resources) statement.Resource = list(s.resources);
      if (s.not_resources) statement.NotResource = list(s.not_resources);
      if (s.principals) statement.Principal = principals(s.principals);
      if (s.not_principals) statement.NotPrincipal = principals(s.not_principals);
      if (Object.keys(condition).length > 0) statement.Condition = condition;
      return statement as unknown as PolicyStatementJson;
    }),
  };
}

/** Parses a policy attribute (a JSON string, possibly a `${data.aws_iam_policy_document.x.json}` reference). */
function parsePolicy(text: unknown, r: ArnResolver, where: string): PolicyDocument {
  if (typeof text !== "string") throw new Error(`resolve-arns: ${where} has no policy JSON`);
  const document = JSON.parse(r.resolveString(text)) as PolicyDocument;
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement as unknown as PolicyStatementJson];
  return { ...document, Statement: statements };
}

/** The role address a `role` / `roles` attribute names (by `${aws_iam_role.x.name|id|arn}` or literal name). */
function roleAddressOf(value: string, roles: Map<string, ResolvedRole>, r: ArnResolver, where: string): string {
  const direct = /^\$\{(aws_iam_role\.[A-Za-z0-9_-]+)\.(name|id|arn)\}$/.exec(value);
  if (direct && roles.has(direct[1]!)) return direct[1]!;
  const literal = r.resolveString(value);
  for (const role of roles.values()) if (role.name === literal || role.arn === literal) return role.address;
  throw new Error(`resolve-arns: ${where} is attached to ${value}, which is not a role of this stack`);
}

/**
 * Every role of the stack, keyed by its name, with its trust policy and every identity policy statement
 * that applies to it (`aws_iam_role_policy`, `inline_policy` blocks, and `aws_iam_policy` attachments),
 * all references resolved. AWS-managed policy attachments cannot be evaluated offline and throw.
 */
export function resolvedPolicies(s: Synthesized): Map<string, ResolvedRole> {
  const r = new ArnResolver(s);
  const byAddress = new Map<string, ResolvedRole>();
  for (const [key, role] of Object.entries(s.tf.resource.aws_iam_role ?? {})) {
    const address = `aws_iam_role.${key}`;
    const statements: PolicyStatementJson[] = [];
    for (const inline of (role.inline_policy ?? []) as Block[]) {
      if (inline.policy) statements.push(...parsePolicy(inline.policy, r, `${address} inline_policy ${inline.name}`).Statement);
    }
    for (const managed of (role.managed_policy_arns ?? []) as string[]) {
      statements.push(...managedPolicy(managed, s, r, address).Statement);
    }
    byAddress.set(address, {
      address,
      name: r.resolveReference(`${address}.name`),
      arn: r.resolveReference(`${address}.arn`),
      trust: parsePolicy(role.assume_role_policy, r, `${address} assume_role_policy`),
      policy: { Version: "2012-10-17", Statement: statements },
    });
  }
  for (const [key, policy] of Object.entries(s.tf.resource.aws_iam_role_policy ?? {})) {
    const where = `aws_iam_role_policy.${key}`;
    // A literal role name the stack does not create: an existing role the stack grants to.
    if (!policy.role.includes("${") && ![...byAddress.values()].some((role) => role.name === policy.role)) {
      const address = `external.${policy.role}`;
      if (!byAddress.has(address)) {
        byAddress.set(address, {
          address,
          name: policy.role,
          arn: `arn:${r.partition}:iam::${r.account}:role/${policy.role}`,
          trust: { Statement: [] },
          policy: { Version: "2012-10-17", Statement: [] },
          external: true,
        });
      }
    }
    byAddress
      .get(roleAddressOf(policy.role, byAddress, r, where))!
      .policy.Statement.push(...parsePolicy(policy.policy, r, where).Statement);
  }
  for (const [key, attachment] of Object.entries(s.tf.resource.aws_iam_role_policy_attachment ?? {})) {
    const where = `aws_iam_role_policy_attachment.${key}`;
    byAddress
      .get(roleAddressOf(attachment.role, byAddress, r, where))!
      .policy.Statement.push(...managedPolicy(attachment.policy_arn, s, r, where).Statement);
  }
  for (const [key, attachment] of Object.entries(s.tf.resource.aws_iam_policy_attachment ?? {})) {
    const where = `aws_iam_policy_attachment.${key}`;
    for (const role of (attachment.roles ?? []) as string[]) {
      byAddress
        .get(roleAddressOf(role, byAddress, r, where))!
        .policy.Statement.push(...managedPolicy(attachment.policy_arn, s, r, where).Statement);
    }
  }
  return new Map([...byAddress.values()].map((role) => [role.name, role]));
}

/** The document of an `aws_iam_policy` of this stack named by ARN reference; AWS-managed policies throw. */
function managedPolicy(policyArn: string, s: Synthesized, r: ArnResolver, where: string): PolicyDocument {
  const reference = /^\$\{(aws_iam_policy\.[A-Za-z0-9_-]+)\.(arn|id)\}$/.exec(policyArn);
  const block = reference && s.tf.resource.aws_iam_policy?.[reference[1]!.slice("aws_iam_policy.".length)];
  if (!block)
    throw new Error(`resolve-arns: ${where} attaches ${policyArn}, which is not a policy of this stack and cannot be evaluated offline`);
  return parsePolicy(block.policy, r, reference![1]!);
}

/**
 * Every identity policy document of the stack: each `aws_iam_role_policy`, each role's `inline_policy`,
 * each `aws_iam_policy` (attached or not) and each `data.aws_iam_policy_document` without principals
 * (documents with principals are trust or resource policies). References resolved.
 */
export function identityPolicies(s: Synthesized): SourcedPolicy[] {
  const r = new ArnResolver(s);
  const out: SourcedPolicy[] = [];
  for (const [key, policy] of Object.entries(s.tf.resource.aws_iam_role_policy ?? {})) {
    out.push({ source: `aws_iam_role_policy.${key} (${policy.name})`, document: parsePolicy(policy.policy, r, key) });
  }
  for (const [key, role] of Object.entries(s.tf.resource.aws_iam_role ?? {})) {
    for (const inline of (role.inline_policy ?? []) as Block[]) {
      if (inline.policy)
        out.push({ source: `aws_iam_role.${key} inline_policy ${inline.name}`, document: parsePolicy(inline.policy, r, key) });
    }
  }
  for (const [key, policy] of Object.entries(s.tf.resource.aws_iam_policy ?? {})) {
    out.push({ source: `aws_iam_policy.${key}`, document: parsePolicy(policy.policy, r, key) });
  }
  for (const [key, doc] of Object.entries(s.tf.data?.aws_iam_policy_document ?? {})) {
    const rendered = renderPolicyDocument(doc, r);
    if (rendered.Statement.every((st) => st.Principal === undefined && st.NotPrincipal === undefined)) {
      out.push({ source: `data.aws_iam_policy_document.${key}`, document: rendered });
    }
  }
  return out;
}

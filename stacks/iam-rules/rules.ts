/**
 * The IAM anti-patterns of reliability-security.md §2.8 as a pure rule set: each rule takes one
 * statement (or, for trust, one document) and returns its problems, an empty list when it complies.
 * No dependency on cdktf or on tests, so the same rules run at synth time (IamRulesAspect) and over
 * the resolved policies in the least-privilege tests.
 */

/** One IAM policy statement, as written in JSON. */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** An IAM policy document. */
export interface DocumentJson {
  readonly Version?: string;
  readonly Statement: readonly StatementJson[];
}

/** One rule over the statements of an identity policy. */
export interface StatementRule {
  /** Stable id used in messages, `IAM<n>` after the §2.8 numbering. */
  readonly id: string;
  readonly title: string;
  check(statement: StatementJson): string[];
}

/** Actions §2.8 allows on Resource "*": AWS offers no resource-level scoping for them. */
export const UNSCOPABLE_ALLOWLIST: ReadonlySet<string> = new Set([
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
export const ESCALATION_ACTIONS: readonly string[] = [
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

export const list = <T>(value: T | T[] | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as T[])] : [value as T];

/** Whether an IAM action pattern (with `*`/`?`) matches `action`, case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/** A Terraform interpolation or an unresolved cdktf token inside a string. */
const UNRESOLVED = /\$\{[^}]*\}/g;

/**
 * Where a wildcard in an ARN is misplaced, or undefined when it is only in the last segment of a
 * named resource. Unresolved references count as names: they carry no wildcard. A resource whose
 * ARN head is itself a reference (`${bucket.arn}/data/*`) cannot be judged here and passes; the
 * least-privilege tests judge it again with references resolved.
 */
export function misplacedWildcard(resource: string): string | undefined {
  if (resource === "*") return undefined; // rule 2's business
  const literal = resource.replace(UNRESOLVED, "ref");
  const fields = literal.split(":");
  if (fields.length < 6 || fields[0] !== "arn") return resource.startsWith("${") ? undefined : `${resource} is not an ARN`;
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
  const namedSegments = name
    .slice(0, first)
    .split(/[:/]/)
    .slice(0, -1)
    .filter((segment) => segment !== "");
  const needed = service === "s3" ? 1 : 2;
  if (namedSegments.length < needed) return `${resource} has a wildcard in its resource-name position`;
  return undefined;
}

const allowOnly =
  (check: (st: StatementJson) => string[]) =>
  (st: StatementJson): string[] =>
    st.Effect === "Allow" ? check(st) : [];

/** The statement rules of §2.8, in its numbering (rule 7, the reviewed action sets, lives in the tests). */
export const STATEMENT_RULES: readonly StatementRule[] = [
  {
    id: "IAM1",
    title: "no Allow has a '*', 'service:*' or partially wildcarded action",
    check: allowOnly((st) => {
      const problems = list(st.Action)
        .filter((a) => /[*?]/.test(a))
        .map((a) => `wildcard action ${a}`);
      if (st.NotAction) problems.push(`NotAction ${JSON.stringify(st.NotAction)} allows every other action`);
      return problems;
    }),
  },
  {
    id: "IAM2",
    title: "no Allow has Resource '*' unless every action is unscopable",
    check: allowOnly((st) => {
      const problems: string[] = [];
      if (st.NotResource) problems.push(`NotResource ${JSON.stringify(st.NotResource)} allows every other resource`);
      if (list(st.Resource).includes("*")) {
        const scopable = list(st.Action).filter((a) => !UNSCOPABLE_ALLOWLIST.has(a));
        if (scopable.length > 0) problems.push(`Resource "*" for ${scopable.join(", ")}`);
      }
      return problems;
    }),
  },
  {
    id: "IAM3",
    title: "a wildcard appears only in the last segment of a named resource",
    check: allowOnly((st) =>
      list(st.Resource)
        .map(misplacedWildcard)
        .filter((p): p is string => p !== undefined),
    ),
  },
  {
    id: "IAM4",
    title: "no Allow grants iam:PassRole",
    check: allowOnly((st) =>
      list(st.Action)
        .filter((a) => actionMatches(a, "iam:PassRole"))
        .map((a) => `${a} allows iam:PassRole`),
    ),
  },
  {
    id: "IAM5",
    title: "no Allow grants a privilege-escalation action",
    check: allowOnly((st) =>
      list(st.Action).flatMap((a) => ESCALATION_ACTIONS.filter((e) => actionMatches(a, e)).map((e) => `${a} allows ${e}`)),
    ),
  },
  {
    id: "IAM6",
    title: "no Allow grants kms:* or a kms action on a wildcarded key",
    check: allowOnly((st) => {
      const kms = list(st.Action).filter((a) => /^kms:/i.test(a) || a === "*");
      const problems = kms.filter((a) => actionMatches(a, "kms:Anything")).map((a) => `${a} allows every kms action`);
      const wide = list(st.Resource).filter((r) => /[*?]/.test(r.replace(UNRESOLVED, "ref")));
      if (kms.length > 0 && wide.length > 0) problems.push(`${kms.join(", ")} on ${wide.join(", ")}`);
      return problems;
    }),
  },
];

/** The confused-deputy condition key each service documents for AssumeRole; none for Lambda and Glue. */
export const TRUST_GUARDS: Readonly<Record<string, "sts:ExternalId" | "aws:SourceAccount" | undefined>> = {
  "lambda.amazonaws.com": undefined,
  "glue.amazonaws.com": undefined,
  "firehose.amazonaws.com": "sts:ExternalId",
  "states.amazonaws.com": "aws:SourceAccount",
  "events.amazonaws.com": "aws:SourceAccount",
  "scheduler.amazonaws.com": "aws:SourceAccount",
};

/** What a trust policy must name; by default any one service of {@link TRUST_GUARDS}, with its guard on any account. */
export interface TrustExpectation {
  /** The one service principal; by default any one service of {@link TRUST_GUARDS}. */
  readonly service?: string;
  /** The guard key; by default the one {@link TRUST_GUARDS} gives the service. */
  readonly guard?: "sts:ExternalId" | "aws:SourceAccount";
  /** The account the guard must equal; by default any one string. */
  readonly account?: string;
}

/**
 * Rule 8 (IAM8): exactly one statement, Allow sts:AssumeRole by exactly one service principal, with
 * that service's confused-deputy guard (StringEquals on the account) and no other condition.
 */
export function trustProblems(trust: DocumentJson, expected: TrustExpectation = {}): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(trust);
  if (/:root"/.test(text)) problems.push("names an account root");
  if (/"AWS"\s*:\s*(\[\s*)?"\*"/.test(text) || /"Principal"\s*:\s*"\*"/.test(text)) problems.push("trusts any principal");
  if (trust.Statement.length !== 1) return [...problems, `has ${trust.Statement.length} statements`];
  const [st] = trust.Statement as [StatementJson];
  if (st.Effect !== "Allow") problems.push(`Effect ${st.Effect}`);
  if (JSON.stringify(list(st.Action)) !== JSON.stringify(["sts:AssumeRole"])) problems.push(`Action ${JSON.stringify(st.Action)}`);
  const principal = st.Principal as Record<string, string | string[]> | undefined;
  const services = principal && Object.keys(principal).length === 1 ? list(principal.Service) : [];
  const service = services.length === 1 ? services[0]! : undefined;
  const known = service !== undefined && (expected.service === undefined ? service in TRUST_GUARDS : service === expected.service);
  if (!known) {
    const wanted = expected.service === undefined ? "one service of TRUST_GUARDS" : `"${expected.service}"`;
    problems.push(`Principal ${JSON.stringify(st.Principal)}, expected exactly { Service: ${wanted} }`);
    return problems;
  }
  const guard = expected.guard ?? (expected.service === undefined ? TRUST_GUARDS[service] : undefined);
  const condition = st.Condition;
  const value = guard === undefined ? undefined : condition?.StringEquals?.[guard];
  const exact =
    guard === undefined
      ? condition === undefined
      : JSON.stringify(Object.keys(condition ?? {})) === JSON.stringify(["StringEquals"]) &&
        JSON.stringify(Object.keys(condition!.StringEquals!)) === JSON.stringify([guard]) &&
        typeof value === "string" &&
        (expected.account === undefined || value === expected.account);
  if (!exact) {
    const want = guard ? `{"StringEquals":{"${guard}":"${expected.account ?? "<account>"}"}}` : "none";
    problems.push(`Condition ${JSON.stringify(condition)}, expected ${want}`);
  }
  return problems;
}

/** One broken rule in a document. */
export interface Violation {
  readonly rule: string;
  /** The statement's Sid, or its index. */
  readonly statement: string;
  readonly problem: string;
}

/** Every statement rule over every statement of an identity policy. */
export function identityPolicyViolations(document: DocumentJson): Violation[] {
  return document.Statement.flatMap((st, i) =>
    STATEMENT_RULES.flatMap((rule) => rule.check(st).map((problem) => ({ rule: rule.id, statement: st.Sid ?? `#${i}`, problem }))),
  );
}

/** The trust rule over a trust policy. */
export function trustPolicyViolations(document: DocumentJson, expected?: TrustExpectation): Violation[] {
  return trustProblems(document, expected).map((problem) => ({ rule: "IAM8", statement: "trust", problem }));
}

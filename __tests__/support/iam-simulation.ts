/**
 * Policy evaluation with @cloud-copilot/iam-simulate: a role's requests against its identity policy
 * and the resource's policy, and the requests services make as themselves (service-request-contexts.ts)
 * against key, topic and trust policies.
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { FAKE_ACCOUNT_ID, PolicyDocument, ResolvedRole } from "./resolve-arns";
import { ASSUME_ROLE_ROW, requestContext, requestPrincipal, RequestRowId, SERVICE_REQUESTS } from "./service-request-contexts";
import { list, Pair, StackView } from "./stack-view";

export type Outcome = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | `error: ${string}`;

/**
 * iam-simulate 0.1.173 drops `kms:EncryptionContext:<key>` request keys (it only accepts variable keys
 * written `prefix/name`), so an encryption-context condition could never match. The same key is renamed,
 * in the policies and in the request alike, to `aws:RequestTag/<key>`: a variable key it does take and
 * compares with the same string operators.
 */
export const ENCRYPTION_CONTEXT = /kms:EncryptionContext:([A-Za-z0-9:_-]+)/g;
export const renameEncryptionContext = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replace(ENCRYPTION_CONTEXT, "aws:RequestTag/$1"));

/** Evaluates one request by `role`, with the bucket policy (S3) or key policy (KMS) of the resource as resource policy. */
export async function simulate(role: ResolvedRole, pair: Pair, v: StackView): Promise<Outcome> {
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

export const describePair = (p: Pair & { why?: string }) =>
  `${p.action} on ${p.resource}${p.context ? ` ${JSON.stringify(p.context)}` : ""}${p.why ? ` — ${p.why}` : ""}`;

/** The pairs whose outcome differs from `expected`, described. */
export async function mismatches(
  role: ResolvedRole,
  pairs: readonly (Pair & { why?: string })[],
  expected: Outcome,
  v: StackView,
): Promise<string[]> {
  const out: string[] = [];
  for (const pair of pairs) {
    const outcome = await simulate(role, pair, v);
    if (outcome !== expected) out.push(`${describePair(pair)}: ${outcome}`);
  }
  return out;
}

// ── requests services make as themselves (service-request-contexts.ts) ──────────────────────────

/** A request a service principal makes: on a key of ours (judged by its key policy) or to assume a role (judged by its trust policy). */
export interface ServiceRequest {
  readonly row: RequestRowId;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
  readonly policy: PolicyDocument;
  readonly why: string;
}

export const OTHER_ACCOUNT = "210987654321";

/** Evaluates a request by a service principal against a resource policy alone (it has no identity policy of ours). */
export async function simulateService(request: ServiceRequest): Promise<Outcome> {
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
export async function serviceMismatches(requests: readonly ServiceRequest[], expected: Outcome): Promise<string[]> {
  const out: string[] = [];
  for (const request of requests) {
    const outcome = await simulateService(request);
    if (outcome !== expected)
      out.push(
        `${request.row}: ${request.principal} ${request.action} on ${request.resource} ${JSON.stringify(request.context)} — ${request.why}: ${outcome}`,
      );
  }
  return out;
}

/**
 * The KMS requests services make as their own principal on the stack's customer-managed keys: log
 * groups encrypted with a key, alarms and rules publishing to an encrypted topic, log delivery for an
 * encrypted state machine that logs.
 */
export function keyServiceRequests(v: StackView): ServiceRequest[] {
  const out: ServiceRequest[] = [];
  const push = (rows: readonly RequestRowId[], keyArn: string, resource: string | undefined, source: string | undefined, why: string) => {
    for (const row of rows) {
      const values = v.values(resource, source);
      out.push({
        row,
        principal: requestPrincipal(row, values),
        action: SERVICE_REQUESTS[row].action,
        resource: keyArn,
        context: requestContext(row, values),
        policy: v.keyPolicy(keyArn),
        why,
      });
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
      if (keyArn)
        push(
          ["cloudwatch.alarm-publish.generate", "cloudwatch.alarm-publish.decrypt"],
          keyArn,
          undefined,
          v.arn(address),
          `${address} notifies an encrypted topic`,
        );
    }
  }
  for (const { address, block } of v.blocks("aws_cloudwatch_event_target")) {
    const keyArn = topicKey(block.arn);
    const rule = v
      .blocks("aws_cloudwatch_event_rule")
      .find(({ address: a }) => v.r.resolveReference(`${a}.name`) === v.r.resolveString(block.rule));
    if (keyArn)
      push(
        ["events.rule-publish.generate", "events.rule-publish.decrypt"],
        keyArn,
        undefined,
        rule && v.arn(rule.address),
        `${address} publishes to an encrypted topic`,
      );
  }
  for (const { address, block } of v.blocks("aws_sfn_state_machine")) {
    const keyArn =
      block.encryption_configuration?.type === "CUSTOMER_MANAGED_KMS_KEY"
        ? v.r.customerKeyArn(block.encryption_configuration.kms_key_id)
        : undefined;
    if (keyArn && block.logging_configuration && block.logging_configuration.level !== "OFF") {
      push(["logs.state-machine-delivery.decrypt"], keyArn, undefined, undefined, `${address} logs executions under the key`);
    }
  }
  return out;
}

/** The sns:Publish requests alarms and rules make on the alerts topic, against the topic policy. */
export function topicPublishRequests(v: StackView): ServiceRequest[] {
  const out: ServiceRequest[] = [];
  const topicPolicy = v.blocks("aws_sns_topic_policy")[0];
  if (!topicPolicy) return out;
  const topicArn = v.r.resolveString(topicPolicy.block.arn);
  const policy: PolicyDocument = JSON.parse(v.r.resolveString(topicPolicy.block.policy));
  const push = (row: RequestRowId, source: string, why: string) => {
    const values = v.values(topicArn, source);
    out.push({
      row,
      principal: requestPrincipal(row, values),
      action: SERVICE_REQUESTS[row].action,
      resource: topicArn,
      context: requestContext(row, values),
      policy,
      why,
    });
  };
  for (const { address, block } of v.blocks("aws_cloudwatch_metric_alarm")) {
    if ([...(block.alarm_actions ?? []), ...(block.ok_actions ?? [])].some((a: string) => v.r.resolveString(a) === topicArn)) {
      push("cloudwatch.alarm-publish.publish", v.arn(address), `${address} notifies the alerts topic`);
    }
  }
  for (const { address, block } of v.blocks("aws_cloudwatch_event_target")) {
    const rule = v
      .blocks("aws_cloudwatch_event_rule")
      .find(({ address: a }) => v.r.resolveReference(`${a}.name`) === v.r.resolveString(block.rule));
    if (v.r.resolveString(block.arn) === topicArn)
      push("events.rule-publish.publish", rule ? v.arn(rule.address) : address, `${address} publishes to the alerts topic`);
  }
  return out;
}

/** What acts with each role, for `aws:SourceArn` in AssumeRole: the state machine or schedule that uses it. */
export function roleSources(v: StackView): Map<string, string> {
  const sources = new Map<string, string>();
  for (const { address, block } of v.blocks("aws_sfn_state_machine")) sources.set(v.roleArn(block.role_arn), v.arn(address));
  for (const { address, block } of v.blocks("aws_scheduler_schedule")) sources.set(v.roleArn(block.target.role_arn), v.arn(address));
  return sources;
}

/** The AssumeRole request of the service each role of the stack trusts, with what that service sends. */
export function assumeRoleRequests(v: StackView): ServiceRequest[] {
  const sources = roleSources(v);
  return [...v.roles.values()]
    .filter((role) => !role.external)
    .map((role) => {
      const services = role.trust.Statement.flatMap((st) => list((st.Principal as { Service?: string | string[] } | undefined)?.Service));
      const row = ASSUME_ROLE_ROW[services[0] ?? ""];
      if (services.length !== 1 || !row)
        throw new Error(`${role.name} trusts ${JSON.stringify(services)}: add its AssumeRole row to service-request-contexts.ts`);
      const values = v.values(role.arn, sources.get(role.arn));
      return {
        row,
        principal: requestPrincipal(row, values),
        action: "sts:AssumeRole",
        resource: role.arn,
        context: requestContext(row, values),
        policy: role.trust,
        why: `${services[0]} assumes ${role.name}`,
      };
    });
}

/** The same request from another account, where the row carries the account (aws:SourceAccount, sts:ExternalId). */
export function fromOtherAccount(request: ServiceRequest): ServiceRequest | undefined {
  const keys = ["aws:SourceAccount", "sts:ExternalId"].filter((k) => request.context[k] !== undefined);
  if (keys.length === 0) return undefined;
  const context = { ...request.context };
  for (const k of keys) context[k] = OTHER_ACCOUNT;
  return { ...request, context, why: `${request.why}, on behalf of account ${OTHER_ACCOUNT}` };
}

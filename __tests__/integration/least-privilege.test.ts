/**
 * Least privilege, proven (issue 4; reliability-security.md §2). Three parts:
 * 1. The eight rules of §2.8 over every identity policy of the synthesized stack (the rule set of
 *    stacks/iam-rules), each role's action set against the reviewed list (support/reviewed-roles.ts),
 *    and each trust policy.
 * 2. Every role's policy, references resolved to concrete ARNs, evaluated with @cloud-copilot/iam-simulate:
 *    what the state machine's tasks, the handlers' SDK commands and the documented needs of Firehose,
 *    the crawler, Lambda and QuickSight require (support/iam-needs.ts) must be Allowed; a list of must-not
 *    pairs (support/must-deny.ts) must be ImplicitlyDenied.
 * 3. Every KMS and AssumeRole request carries exactly the condition keys the service sends, from the
 *    table in __tests__/support/service-request-contexts.ts: role policies, the key policy and trust
 *    policies are evaluated together with them, so a condition the real request would not satisfy fails.
 * A new permission changes the reviewed list; a new task, command or resource without its permission fails here.
 */
import { STATEMENT_RULES, trustProblems } from "../../stacks/iam-rules";
import { COMMAND_IAM, deriveNeeds, HANDLER_USES, handlerFolders, sdkCommandsOf } from "../support/iam-needs";
import {
  assumeRoleRequests,
  fromOtherAccount,
  keyServiceRequests,
  mismatches,
  serviceMismatches,
  ServiceRequest,
  simulate,
  topicPublishRequests,
} from "../support/iam-simulation";
import { kmsDenials, landmarks, MUST_DENY } from "../support/must-deny";
import { FAKE_ACCOUNT_ID, identityPolicies, PolicyDocument, PolicyStatementJson, ResolvedRole } from "../support/resolve-arns";
import {
  CONFIGURATIONS,
  kindOf,
  REVIEWED_ROLES,
  reviewedActions,
  RoleKind,
  STREAM_KEY_ARN,
  trustExpectation,
} from "../support/reviewed-roles";
import { requestContext, SERVICE_REQUESTS } from "../support/service-request-contexts";
import { actionsOf, list, Pair, REGION, StackView, unique, viaService } from "../support/stack-view";
import { synthPipeline } from "../support/synth";

// The statement rules themselves, each with a passing and a failing case: iam-rules.test.ts.
describe("the §2.8 trust rule against the reviewed roles", () => {
  it("rule 8 rejects a trust policy that also trusts the account root", () => {
    const trust: PolicyDocument = {
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com", AWS: "arn:aws:iam::123456789012:root" },
          Action: "sts:AssumeRole",
        },
      ],
    };
    expect(trustProblems(trust, trustExpectation(REVIEWED_ROLES.transform))).not.toEqual([]);
  });

  it("rule 8 rejects a Firehose trust policy without sts:ExternalId", () => {
    const trust: PolicyDocument = {
      Statement: [{ Effect: "Allow", Principal: { Service: "firehose.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
    expect(trustProblems(trust, trustExpectation(REVIEWED_ROLES.firehose))).not.toEqual([]);
  });
});

describe("the handlers' SDK commands", () => {
  it("every handler folder has an entry in HANDLER_USES", () => {
    expect(handlerFolders()).toEqual(Object.keys(HANDLER_USES).sort());
  });

  it("every command a handler sends has an IAM mapping", () => {
    const unmapped = handlerFolders().flatMap((h) =>
      sdkCommandsOf(h)
        .commands.filter((c) => !COMMAND_IAM[c])
        .map((c) => `handlers/${h}: ${c}`),
    );
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
    it.each(STATEMENT_RULES)("rule $id: $title", ({ check }) => {
      const problems = policies.flatMap(({ source, document }) =>
        document.Statement.flatMap((st) => check(st).map((p) => `${source} ${st.Sid ?? ""}: ${p}`)),
      );
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
      else expect(trustProblems(v.roles.get(name)!.trust, trustExpectation(REVIEWED_ROLES[kind!]))).toEqual([]);
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
      if (monitoring)
        expect(new Set(requests.map((r) => r.row))).toEqual(new Set(["cloudwatch.alarm-publish.publish", "events.rule-publish.publish"]));
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
      const decrypt = (service: string): Pair => ({
        action: "kms:Decrypt",
        resource: STREAM_KEY_ARN,
        context: { "kms:ViaService": viaService(service) },
      });

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
    const values = {
      region: REGION,
      account: FAKE_ACCOUNT_ID,
      partition: "aws",
      resource: "arn:aws:sns:eu-west-1:123456789012:t",
      source: "arn:aws:events:eu-west-1:123456789012:rule/r",
    };
    expect(requestContext("events.rule-publish.generate", values)).toEqual({});
    expect(requestContext("cloudwatch.alarm-publish.decrypt", values)).toEqual({
      "aws:SourceAccount": FAKE_ACCOUNT_ID,
      "aws:SourceArn": values.source,
    });
    expect(
      requestContext("states.execution-data.generate", { ...values, resource: "arn:aws:states:eu-west-1:123456789012:stateMachine:m" }),
    ).toEqual({
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
  const principalIs = (st: Statement, service: string) =>
    list((st.Principal as { Service?: string | string[] } | undefined)?.Service).includes(service);

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
    expect(
      await serviceMismatches(
        requests.map((r) => ({ ...r, policy })),
        "ImplicitlyDenied",
      ),
    ).toEqual([]);
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions: no
  // Condition blocks in SNS topic policies for EventBridge.
  it("a topic policy that requires aws:SourceArn of EventBridge (the earlier form) refuses the crawler-failure alert", async () => {
    const requests = topicPublishRequests(v).filter((r) => r.principal === "events.amazonaws.com");
    expect(requests).toHaveLength(1);
    expect(await serviceMismatches(requests, "Allowed")).toEqual([]);
    const policy = withStatements(requests[0]!.policy, (st) =>
      principalIs(st, "events.amazonaws.com")
        ? { ...st, Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/any" } } }
        : st,
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
    const policy = withStatements(requests[0]!.policy, (st) => ({
      ...st,
      Condition: { StringEquals: { "aws:SourceAccount": FAKE_ACCOUNT_ID } },
    }));
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

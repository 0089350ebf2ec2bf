/**
 * The §2.8 IAM rule set (stacks/iam-rules): each rule flags a violating statement and passes a
 * compliant one, and the aspect fails synth of a stack whose policy breaks a rule.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Testing } from "cdktf";
import {
  DocumentJson,
  iamDocuments,
  identityPolicyViolations,
  iamViolations,
  misplacedWildcard,
  STATEMENT_RULES,
  StatementJson,
  trustPolicyViolations,
  trustProblems,
} from "../../stacks/iam-rules";
import { PipelineStack } from "../../stacks/pipeline-stack";
import { testConfig } from "../support/synth";

const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

/** A violating and a compliant statement for each rule id. */
const RULE_CASES: Readonly<Record<string, { readonly bad: StatementJson; readonly good: StatementJson }>> = {
  IAM1: {
    bad: { Effect: "Allow", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b/data/*"] },
    good: { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/data/*"] },
  },
  IAM2: {
    bad: { Effect: "Allow", Action: ["xray:PutTraceSegments", "s3:GetObject"], Resource: ["*"] },
    good: { Effect: "Allow", Action: ["xray:PutTraceSegments", "logs:CreateLogDelivery"], Resource: ["*"] },
  },
  IAM3: {
    bad: { Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: ["arn:aws:logs:*:123456789012:log-group:/aws/lambda/fn:*"] },
    good: { Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn:*"] },
  },
  IAM4: {
    bad: { Effect: "Allow", Action: ["iam:Pass*"], Resource: ["arn:aws:iam::123456789012:role/r"] },
    good: { Effect: "Allow", Action: ["iam:GetRole"], Resource: ["arn:aws:iam::123456789012:role/r"] },
  },
  IAM5: {
    bad: { Effect: "Allow", Action: ["lambda:UpdateFunctionCode"], Resource: ["arn:aws:lambda:eu-west-1:123456789012:function:f"] },
    good: { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: ["arn:aws:lambda:eu-west-1:123456789012:function:f"] },
  },
  IAM6: {
    bad: { Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"] },
    good: { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [KEY_ARN] },
  },
};

const cases = STATEMENT_RULES.map((rule) => ({ ...rule, ...RULE_CASES[rule.id]! }));
const trust = (statement: Record<string, unknown>): DocumentJson => ({
  Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...statement }],
});

describe("the §2.8 statement rules", () => {
  it("every rule has a violating and a compliant case", () => {
    expect(Object.keys(RULE_CASES).sort()).toEqual(STATEMENT_RULES.map((r) => r.id).sort());
  });

  it.each(cases)("$id $title: flags a violating statement", ({ check, bad }) => {
    expect(check(bad)).not.toEqual([]);
  });

  it.each(cases)("$id $title: passes a compliant statement", ({ check, good }) => {
    expect(check(good)).toEqual([]);
  });

  it.each(cases)("$id ignores a Deny statement", ({ check, bad }) => {
    expect(check({ ...bad, Effect: "Deny" })).toEqual([]);
  });

  it("IAM1 rejects NotAction and IAM2 rejects NotResource in an Allow", () => {
    expect(STATEMENT_RULES[0]!.check({ Effect: "Allow", NotAction: "s3:DeleteObject", Resource: ["arn:aws:s3:::b/x"] })).not.toEqual([]);
    expect(STATEMENT_RULES[1]!.check({ Effect: "Allow", Action: ["s3:GetObject"], NotResource: "arn:aws:s3:::b/x" })).not.toEqual([]);
  });

  it.each([
    "arn:aws:s3:::*",
    "arn:aws:s3:::bucket*",
    "arn:aws:logs:eu-west-1:123456789012:log-group:*",
    "arn:aws:glue:eu-west-1:*:table/db/t",
    "arn:aws:s3:::b/*/x",
  ])("IAM3 rejects the misplaced wildcard in %s", (resource) => {
    expect(misplacedWildcard(resource)).toBeDefined();
  });

  it.each([
    "arn:aws:s3:::b/data/*",
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn:*",
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers*",
    "arn:aws:glue:eu-west-1:123456789012:table/db/*",
    "arn:aws:lambda:eu-west-1:123456789012:function:fn:*",
  ])("IAM3 accepts the last-segment wildcard in %s", (resource) => {
    expect(misplacedWildcard(resource)).toBeUndefined();
  });

  it("IAM3 reads references as names: a wildcard beside them is still judged", () => {
    expect(
      misplacedWildcard(
        "arn:${data.aws_partition.p.partition}:logs:eu-west-1:${data.aws_caller_identity.a.account_id}:log-group:/aws/lambda/fn:*",
      ),
    ).toBeUndefined();
    expect(
      misplacedWildcard("arn:${data.aws_partition.p.partition}:logs:*:${data.aws_caller_identity.a.account_id}:log-group:x"),
    ).toBeDefined();
    expect(misplacedWildcard("${aws_s3_bucket.b.arn}/data/*")).toBeUndefined();
  });

  it("reports the rule id and the statement", () => {
    expect(identityPolicyViolations({ Statement: [{ Sid: "ReadAll", ...RULE_CASES.IAM1!.bad }] })).toEqual([
      { rule: "IAM1", statement: "ReadAll", problem: "wildcard action s3:Get*" },
    ]);
    expect(identityPolicyViolations({ Statement: Object.values(RULE_CASES).map((c) => c.good) })).toEqual([]);
  });
});

describe("the §2.8 trust rule (IAM8)", () => {
  it.each([
    ["lambda.amazonaws.com", undefined],
    ["glue.amazonaws.com", undefined],
    ["firehose.amazonaws.com", { StringEquals: { "sts:ExternalId": "123456789012" } }],
    ["states.amazonaws.com", { StringEquals: { "aws:SourceAccount": "123456789012" } }],
    ["scheduler.amazonaws.com", { StringEquals: { "aws:SourceAccount": "123456789012" } }],
  ])("passes one service principal %s with its documented guard", (service, condition) => {
    expect(trustProblems(trust({ Principal: { Service: service }, ...(condition ? { Condition: condition } : {}) }))).toEqual([]);
  });

  it.each([
    ["the account root besides the service", { Principal: { Service: "lambda.amazonaws.com", AWS: "arn:aws:iam::123456789012:root" } }],
    ["any principal", { Principal: "*" }],
    ["AWS *", { Principal: { AWS: "*" } }],
    ["two services", { Principal: { Service: ["lambda.amazonaws.com", "glue.amazonaws.com"] } }],
    ["Firehose without sts:ExternalId", { Principal: { Service: "firehose.amazonaws.com" } }],
    [
      "Glue with a guard Glue does not send",
      { Principal: { Service: "glue.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": "1" } } },
    ],
    [
      "Step Functions guarded by a list",
      { Principal: { Service: "states.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": ["1"] } } },
    ],
    ["another action", { Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:TagSession" }],
  ])("rejects %s", (_name, statement) => {
    expect(trustProblems(trust(statement))).not.toEqual([]);
  });

  it("rejects a second statement", () => {
    const one = trust({ Principal: { Service: "lambda.amazonaws.com" } });
    expect(trustProblems({ Statement: [...one.Statement, ...one.Statement] })).not.toEqual([]);
  });

  it("checks an expected service, guard and account when given", () => {
    const firehose = trust({
      Principal: { Service: "firehose.amazonaws.com" },
      Condition: { StringEquals: { "sts:ExternalId": "123456789012" } },
    });
    expect(trustProblems(firehose, { service: "firehose.amazonaws.com", guard: "sts:ExternalId", account: "123456789012" })).toEqual([]);
    expect(trustProblems(firehose, { service: "firehose.amazonaws.com", guard: "sts:ExternalId", account: "210987654321" })).not.toEqual(
      [],
    );
    expect(trustProblems(firehose, { service: "lambda.amazonaws.com" })).not.toEqual([]);
    expect(trustPolicyViolations(firehose, { service: "lambda.amazonaws.com" })[0]).toMatchObject({ rule: "IAM8", statement: "trust" });
  });
});

describe("the IAM rules aspect", () => {
  const stack = () => new PipelineStack(Testing.app(), "acme-test", { config: testConfig() });

  it("sees every role and policy of the shipped stack as literal JSON, so none is skipped", () => {
    const s = new PipelineStack(Testing.app(), "acme-test", {
      config: testConfig({
        security: { encryption: "customer-managed" },
        quicksight: { enabled: true, principalArn: "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst" },
      }),
    });
    const documents = iamDocuments(s);
    expect(documents.filter((d) => d.kind === "trust").length).toBeGreaterThanOrEqual(9);
    expect(documents.filter((d) => d.kind === "identity").length).toBeGreaterThanOrEqual(10);
    expect(documents.filter((d) => d.document === undefined).map((d) => d.path)).toEqual([]);
    expect(iamViolations(s)).toEqual([]);
  });

  it("passes the shipped stack", () => {
    const s = stack();
    expect(iamViolations(s)).toEqual([]);
    expect(() => Testing.synth(s)).not.toThrow();
  });

  it("fails synth naming the rule, the resource and the statement of a broken policy", () => {
    const s = stack();
    new IamRolePolicy(s, "too-wide", {
      name: "too-wide",
      role: "some-role",
      policy: JSON.stringify({ Statement: [{ Sid: "ReadEverything", ...RULE_CASES.IAM2!.bad }] }),
    });
    expect(() => Testing.synth(s)).toThrow(/IAM2 acme-test\/too-wide \[ReadEverything\]: Resource "\*" for s3:GetObject/);
  });

  it("fails synth on a trust policy that trusts any principal", () => {
    const s = stack();
    new IamRole(s, "open-role", { name: "open", assumeRolePolicy: JSON.stringify(trust({ Principal: "*" })) });
    expect(() => Testing.synth(s)).toThrow(/IAM8 acme-test\/open-role \[trust\]: trusts any principal/);
  });

  it("skips a document that is not literal JSON (a reference, known at plan time)", () => {
    const s = stack();
    new IamRolePolicy(s, "from-data", { name: "from-data", role: "some-role", policy: "${data.aws_iam_policy_document.x.json}" });
    expect(iamViolations(s)).toEqual([]);
  });
});

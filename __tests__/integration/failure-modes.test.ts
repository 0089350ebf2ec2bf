/**
 * Failure modes of the reliability bar (§3) that no other test file covers. The "Failure modes" table
 * in docs/operations.md maps every mode to the tests that prove the design handles it.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { minimumPeriodMinutes } from "../../contract/schedule";
import { ArnResolver, FAKE_ACCOUNT_ID, PolicyDocument, resolvedPolicies, ResolvedRole } from "../support/resolve-arns";
import { synthPipeline, Synthesized } from "../support/synth";

/** The resolved policy of the only `aws_s3_bucket_policy` on the lake bucket. */
function lakeBucketPolicy(s: Synthesized, r: ArnResolver): { bucketArn: string; policy: PolicyDocument } {
  const [address] = Object.entries(s.tf.resource.aws_s3_bucket).find(([, b]) => String(b.bucket_prefix).endsWith("-lake-"))!;
  const bucketArn = r.arnOf(`aws_s3_bucket.${address}`);
  const policy = s
    .resources("aws_s3_bucket_policy")
    .map((p) => JSON.parse(r.resolveString(p.policy)) as PolicyDocument)
    .find((p) => JSON.stringify(p).includes(bucketArn))!;
  return { bucketArn, policy };
}

async function outcome(
  role: ResolvedRole,
  action: string,
  resource: string,
  resourcePolicy: PolicyDocument,
  context: Record<string, string>,
) {
  const result = await runSimulation(
    {
      identityPolicies: [{ name: role.name, policy: role.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
      request: { principal: role.arn, action, resource: { resource, accountId: FAKE_ACCOUNT_ID }, contextVariables: context },
    },
    {},
  );
  return result.resultType === "error" ? `error: ${JSON.stringify(result.errors)}` : result.overallResult;
}

describe("§3.4 Firehose cannot deliver to S3", () => {
  const s = synthPipeline();
  const r = new ArnResolver(s);
  const firehose = [...resolvedPolicies(s).values()].find((role) => role.name.endsWith("-firehose"))!;
  const { bucketArn, policy } = lakeBucketPolicy(s, r);
  const object = `${bucketArn}/data/year=2026/month=11/day=25/hour=10/part.parquet`;

  it("the TLS-only bucket policy does not deny the Firehose role's writes over TLS", async () => {
    await expect(outcome(firehose, "s3:PutObject", object, policy, { "aws:SecureTransport": "true" })).resolves.toBe("Allowed");
  });

  it("the same write without TLS is explicitly denied, so the deny is live and not vacuous", async () => {
    await expect(outcome(firehose, "s3:PutObject", object, policy, { "aws:SecureTransport": "false" })).resolves.toBe("ExplicitlyDenied");
  });

  it("the stream keeps undelivered records for the configured retention, at least 24 hours", () => {
    expect(s.only("aws_kinesis_stream").retention_period).toBeGreaterThanOrEqual(24);
  });

  it("the customer-managed key lets the Firehose role encrypt lake objects through S3 only", async () => {
    const cmk = synthPipeline({ security: { encryption: "customer-managed" } });
    const resolver = new ArnResolver(cmk);
    const role = [...resolvedPolicies(cmk).values()].find((x) => x.name.endsWith("-firehose"))!;
    const keyArn = resolver.arnOf(Object.keys(cmk.tf.resource.aws_kms_key).map((k) => `aws_kms_key.${k}`)[0]!);
    const keyPolicy = JSON.parse(resolver.resolveString(cmk.only("aws_kms_key").policy)) as PolicyDocument;
    const via = (service: string) => ({ "kms:ViaService": `${service}.eu-west-1.amazonaws.com` });
    await expect(outcome(role, "kms:GenerateDataKey", keyArn, keyPolicy, via("s3"))).resolves.toBe("Allowed");
    await expect(outcome(role, "kms:GenerateDataKey", keyArn, keyPolicy, via("sqs"))).resolves.toBe("ImplicitlyDenied");
  });
});

describe("§3.8 double execution of the scheduled batch", () => {
  it.each([
    ["the default daily schedule", {}],
    ["a six-hourly schedule", { batch: { schedule: "rate(6 hours)" } }],
  ] as const)("with %s, the execution timeout is shorter than the schedule's period, so runs never overlap", (_name, overrides) => {
    const s = synthPipeline(overrides);
    const timeoutSeconds = JSON.parse(s.only("aws_sfn_state_machine").definition).TimeoutSeconds as number;
    const periodSeconds = minimumPeriodMinutes(s.only("aws_scheduler_schedule").schedule_expression) * 60;
    expect(timeoutSeconds).toBeLessThan(periodSeconds);
  });
});

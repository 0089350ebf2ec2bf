/**
 * The "block" checks of the security bar (Checkov / Trivy / Security Hub IDs in the test names) on the
 * default synth, and the opt-in checks in both settings. Checks that do not apply are listed in the
 * docs/security.md ("Security checks") with the reason.
 */
import "cdktf/lib/testing/adapters/jest";
import { LIMITS } from "../../stacks/config";
import { STATEMENT_RULES, StatementJson, trustProblems } from "../../stacks/iam-rules";
import { asList, rolesOf } from "../support/iam";
import { referencedAddress, synthPipeline, Synthesized } from "../support/synth";

const KEY = /^\$\{aws_kms_key\.[^.]+\.arn\}$/;
const defaults = synthPipeline();
const cmk = synthPipeline({ security: { encryption: "customer-managed" } });
const cmkWithoutBatch = synthPipeline({ security: { encryption: "customer-managed" }, batch: { enabled: false } });
const logged = synthPipeline({ security: { accessLogging: true } });

const policiesOf = (s: Synthesized) => [...rolesOf(s).values()].flatMap((r) => r.statements.filter((st) => st.Effect === "Allow"));
const bucketAddresses = (s: Synthesized) =>
  Object.keys(s.tf.resource.aws_s3_bucket)
    .map((k) => `aws_s3_bucket.${k}`)
    .sort();
const companions = (s: Synthesized, type: string) =>
  s
    .resources(type)
    .map((r) => referencedAddress(r.bucket))
    .sort();

describe("Kinesis", () => {
  it("CKV_AWS_43 / AVD-AWS-0064 / Kinesis.1: the stream is encrypted with KMS and names its key", () => {
    expect(defaults.only("aws_kinesis_stream")).toMatchObject({ encryption_type: "KMS", kms_key_id: expect.any(String) });
  });

  it("CKV_AWS_185: a key id is always set (the AWS-managed key by default, the stack's key when opted in)", () => {
    expect(defaults.only("aws_kinesis_stream").kms_key_id).toBe("alias/aws/kinesis");
    expect(cmk.only("aws_kinesis_stream").kms_key_id).toMatch(KEY);
  });

  it("Kinesis.3 (warn): retention is validated to 24–8760 hours and defaults to 168", () => {
    expect(defaults.only("aws_kinesis_stream").retention_period).toBe(168);
    expect(LIMITS.stream.retentionHours).toEqual({ min: 24, max: 8760 });
  });
});

describe("Firehose", () => {
  const s3 = (s: Synthesized) => s.only("aws_kinesis_firehose_delivery_stream").extended_s3_configuration;

  it("project rule: the error prefix carries the error type whenever the prefix has expressions", () => {
    expect(s3(defaults).prefix).toContain("!{");
    expect(s3(defaults).error_output_prefix).toContain("!{firehose:error-output-type}");
  });

  it("project rule: every source record is backed up raw", () => {
    expect(s3(defaults)).toMatchObject({
      s3_backup_mode: "Enabled",
      s3_backup_configuration: expect.objectContaining({ prefix: expect.stringMatching(/^raw\//) }),
    });
  });

  it("project rule: delivery errors are logged and the Lambda processor is configured with at most 3 MB", () => {
    expect(s3(defaults).cloudwatch_logging_options.enabled).toBe(true);
    const params = s3(defaults).processing_configuration.processors[0].parameters;
    expect(params.map((p: { parameter_name: string }) => p.parameter_name)).toContain("LambdaArn");
    // Unset means Firehose's 1 MB default (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html).
    expect(
      Number(params.find((p: { parameter_name: string }) => p.parameter_name === "BufferSizeInMBs")?.parameter_value ?? 1),
    ).toBeLessThanOrEqual(3);
  });

  it("project rule: conversion uses ≥ 64 MiB buffers, a stack-managed table, a Parquet serializer and a deserializer", () => {
    const conversion = s3(defaults).data_format_conversion_configuration;
    expect(s3(defaults).buffering_size).toBeGreaterThanOrEqual(64);
    expect(conversion.schema_configuration).toMatchObject({
      database_name: expect.any(String),
      table_name: expect.any(String),
      role_arn: expect.any(String),
    });
    expect(conversion.output_format_configuration.serializer).toHaveProperty("parquet_ser_de");
    expect(conversion.input_format_configuration.deserializer).toHaveProperty("open_x_json_ser_de");
  });

  it("CKV_AWS_240/241 (skip): no server_side_encryption block, which AWS rejects with a Kinesis source", () => {
    expect(defaults.only("aws_kinesis_firehose_delivery_stream")).not.toHaveProperty("server_side_encryption");
  });

  it("opt-in: delivered and backed-up objects use the stack's key", () => {
    expect(s3(defaults)).not.toHaveProperty("kms_key_arn");
    expect(s3(cmk).kms_key_arn).toMatch(KEY);
    expect(s3(cmk).s3_backup_configuration.kms_key_arn).toMatch(KEY);
  });
});

describe("S3", () => {
  it.each([
    ["CKV2_AWS_6 / CKV_AWS_53-56 / S3.8", "aws_s3_bucket_public_access_block"],
    ["CKV2_AWS_65 / S3.12", "aws_s3_bucket_ownership_controls"],
    ["CKV_AWS_19 / AVD-AWS-0088", "aws_s3_bucket_server_side_encryption_configuration"],
    ["CKV2_AWS_61 / CKV_AWS_300", "aws_s3_bucket_lifecycle_configuration"],
    ["S3.5", "aws_s3_bucket_policy"],
  ])("%s: every bucket has a %s", (_id, type) => {
    expect(companions(defaults, type)).toEqual(bucketAddresses(defaults));
    expect(companions(logged, type)).toEqual(bucketAddresses(logged));
  });

  it("CKV2_AWS_6: public access is blocked in all four ways", () => {
    for (const b of defaults.resources("aws_s3_bucket_public_access_block")) {
      expect([b.block_public_acls, b.block_public_policy, b.ignore_public_acls, b.restrict_public_buckets]).toEqual([
        true,
        true,
        true,
        true,
      ]);
    }
  });

  it("CKV2_AWS_65: ACLs are disabled (BucketOwnerEnforced)", () => {
    for (const o of defaults.resources("aws_s3_bucket_ownership_controls")) expect(o.rule.object_ownership).toBe("BucketOwnerEnforced");
  });

  it("CKV_AWS_19: buckets are encrypted with SSE-S3 by default", () => {
    for (const e of defaults.resources("aws_s3_bucket_server_side_encryption_configuration")) {
      expect(e.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    }
  });

  it("CKV_AWS_145 / AVD-AWS-0132 / S3.17 (opt-in): SSE-KMS with the stack's key and a bucket key", () => {
    for (const e of cmk.resources("aws_s3_bucket_server_side_encryption_configuration")) {
      expect(e.rule[0]).toEqual({
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(KEY) },
        bucket_key_enabled: true,
      });
    }
  });

  it("CKV_AWS_21 / S3.14: the lake bucket is versioned and old versions expire", () => {
    expect(defaults.only("aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    const rules = defaults.resources("aws_s3_bucket_lifecycle_configuration").flatMap((l) => l.rule);
    expect(rules).toContainEqual(expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 30 }] }));
  });

  it("CKV_AWS_300: every lifecycle has an enabled, unfiltered rule that aborts incomplete uploads", () => {
    for (const l of logged.resources("aws_s3_bucket_lifecycle_configuration")) {
      expect(l.rule).toContainEqual(
        expect.objectContaining({ status: "Enabled", filter: [{}], abort_incomplete_multipart_upload: [expect.anything()] }),
      );
    }
  });

  it("S3.5: every bucket denies requests without TLS", () => {
    for (const p of logged.resources("aws_s3_bucket_policy")) {
      expect(JSON.parse(p.policy).Statement).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  it("CKV_AWS_70 / CKV_AWS_93: no bucket policy allows a wildcard principal without a condition", () => {
    for (const p of logged.resources("aws_s3_bucket_policy")) {
      for (const st of JSON.parse(p.policy).Statement.filter((x: { Effect: string }) => x.Effect === "Allow")) {
        expect(st.Principal).not.toBe("*");
        expect(st.Condition).toBeDefined();
      }
    }
  });

  it("CKV_AWS_18 / AVD-AWS-0089 / S3.9 (opt-in): server access logs of both buckets go to a separate log bucket", () => {
    expect(defaults.resources("aws_s3_bucket_logging")).toHaveLength(0);
    const logging = logged.resources("aws_s3_bucket_logging");
    expect(logging).toHaveLength(2);
    const targets = new Set(logging.map((l) => referencedAddress(l.target_bucket)));
    expect(targets.size).toBe(1);
    expect(logging.map((l) => referencedAddress(l.bucket))).not.toContain([...targets][0]);
  });

  it("CKV_AWS_18 (opt-in): only S3's logging service may write to the log bucket, for our two buckets", () => {
    const statements = logged.resources("aws_s3_bucket_policy").flatMap((p) => JSON.parse(p.policy).Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Condition: { ArnLike: { "aws:SourceArn": [expect.any(String), expect.any(String)] } },
      }),
    );
  });

  it("AVD-AWS-0320: bucket names are validated before synth", () => {
    expect(() => synthPipeline({ names: { lakeBucket: "My.Bucket" } })).toThrow(/names\.lakeBucket/);
  });
});

describe("Lambda", () => {
  const functions = (s: Synthesized) => s.resources("aws_lambda_function");

  it("CKV_AWS_363 / Lambda.2: no function uses a deprecated runtime", () => {
    for (const fn of functions(defaults)) expect(fn.runtime).toBe("nodejs22.x");
  });

  it("CKV_AWS_50 / AVD-AWS-0066 / Lambda.7: every function traces actively", () => {
    for (const fn of functions(defaults)) expect(fn.tracing_config).toEqual({ mode: "Active" });
  });

  it("CKV_AWS_45: no environment variable looks like a secret", () => {
    const secretish = /(secret|password|passwd|token|api[_-]?key|private[_-]?key|AKIA[0-9A-Z]{16})/i;
    for (const fn of functions(defaults)) {
      for (const [name, value] of Object.entries(fn.environment.variables as Record<string, string>)) {
        expect(`${name}=${value}`).not.toMatch(secretish);
      }
    }
  });

  it("CKV_AWS_301 / Lambda.1 / AVD-AWS-0067: no resource-based permission exists (services invoke through their roles)", () => {
    expect(defaults.resources("aws_lambda_permission")).toHaveLength(0);
  });

  it("CKV_AWS_66: every function has its own log group with retention", () => {
    const groups = new Map(defaults.resources("aws_cloudwatch_log_group").map((g) => [g.name, g]));
    for (const fn of functions(defaults)) expect(groups.get(`/aws/lambda/${fn.function_name}`)?.retention_in_days).toBe(30);
  });

  it("CKV_AWS_173 (opt-in): environment variables are encrypted with the stack's key", () => {
    for (const fn of functions(defaults)) expect(fn).not.toHaveProperty("kms_key_arn");
    for (const fn of functions(cmk)) expect(fn.kms_key_arn).toMatch(KEY);
  });
});

describe("CloudWatch Logs", () => {
  it("CKV_AWS_66: every log group has an allowed retention", () => {
    for (const g of defaults.resources("aws_cloudwatch_log_group")) {
      expect(LIMITS.logRetentionDays as readonly number[]).toContain(g.retention_in_days);
    }
  });

  it("CKV_AWS_338 / CloudWatch.16 (opt-in): a compliance retention of 365 days or more applies to every group", () => {
    const long = synthPipeline({ logs: { retentionDays: 365 } });
    for (const g of long.resources("aws_cloudwatch_log_group")) expect(g.retention_in_days).toBe(365);
  });

  it("CKV_AWS_158 / AVD-AWS-0017 (opt-in): every log group is encrypted with the stack's key", () => {
    for (const g of defaults.resources("aws_cloudwatch_log_group")) expect(g).not.toHaveProperty("kms_key_id");
    for (const g of cmk.resources("aws_cloudwatch_log_group")) expect(g.kms_key_id).toMatch(KEY);
  });
});

describe("Glue", () => {
  it("CKV_AWS_195: the crawler uses a security configuration", () => {
    expect(referencedAddress(defaults.only("aws_glue_crawler").security_configuration)).toMatch(/^aws_glue_security_configuration\./);
  });

  it("CKV_AWS_99 (opt-in): the security configuration encrypts S3, CloudWatch and bookmarks with the stack's key", () => {
    expect(cmk.only("aws_glue_security_configuration").encryption_configuration).toEqual({
      s3_encryption: { s3_encryption_mode: "SSE-KMS", kms_key_arn: expect.stringMatching(KEY) },
      cloudwatch_encryption: { cloudwatch_encryption_mode: "SSE-KMS", kms_key_arn: expect.stringMatching(KEY) },
      job_bookmarks_encryption: { job_bookmarks_encryption_mode: "CSE-KMS", kms_key_arn: expect.stringMatching(KEY) },
    });
  });

  it("project rule: the table is stack-owned and the crawler only maintains its partitions (catalog target, LOG)", () => {
    const crawler = defaults.only("aws_glue_crawler");
    expect(crawler.catalog_target).toHaveLength(1);
    expect(crawler.schema_change_policy).toEqual({ update_behavior: "LOG", delete_behavior: "LOG" });
  });
});

describe("Athena", () => {
  // Every workgroup: the user-facing one and the batch validation one.
  const configs = (s: Synthesized) => s.resources("aws_athena_workgroup").map((w) => w.configuration);

  it("CKV_AWS_159 / AVD-AWS-0006: query results are encrypted (SSE_S3, or SSE_KMS with the stack's key)", () => {
    expect(configs(defaults)).toHaveLength(2);
    for (const config of configs(defaults))
      expect(config.result_configuration.encryption_configuration).toEqual({ encryption_option: "SSE_S3" });
    for (const config of configs(cmk)) {
      expect(config.result_configuration.encryption_configuration).toEqual({
        encryption_option: "SSE_KMS",
        kms_key_arn: expect.stringMatching(KEY),
      });
    }
  });

  it("CKV_AWS_82 / AVD-AWS-0007: the workgroup configuration is enforced", () => {
    for (const config of configs(defaults)) expect(config.enforce_workgroup_configuration).toBe(true);
  });

  it("Athena.4: CloudWatch metrics are published", () => {
    for (const config of configs(defaults)) expect(config.publish_cloudwatch_metrics_enabled).toBe(true);
  });

  it("project rule (cost guard): a scan cutoff and a dedicated, expiring result location", () => {
    for (const config of configs(defaults)) {
      expect(config.bytes_scanned_cutoff_per_query).toBeGreaterThanOrEqual(10_485_760);
      expect(config.result_configuration.output_location).toMatch(/\/athena-results\/$/);
    }
  });
});

describe("Step Functions and the schedule", () => {
  it("CKV_AWS_285 / StepFunctions.1: execution data is logged at ERROR level", () => {
    expect(defaults.only("aws_sfn_state_machine").logging_configuration).toMatchObject({ include_execution_data: true, level: "ERROR" });
  });

  it("CKV_AWS_284: tracing is on", () => {
    expect(defaults.only("aws_sfn_state_machine").tracing_configuration).toEqual({ enabled: true });
  });

  it("project rule: the workflow is STANDARD", () => {
    expect(defaults.only("aws_sfn_state_machine").type).toBe("STANDARD");
  });

  it("opt-in: the state machine encrypts its data with the stack's key", () => {
    expect(defaults.only("aws_sfn_state_machine").encryption_configuration).toEqual({ type: "AWS_OWNED_KEY" });
    expect(cmk.only("aws_sfn_state_machine").encryption_configuration).toMatchObject({
      type: "CUSTOMER_MANAGED_KMS_KEY",
      kms_key_id: expect.stringMatching(KEY),
    });
  });

  it("project rule (EventBridge): the schedule target has a role, a retry policy and a dead-letter queue", () => {
    expect(defaults.only("aws_scheduler_schedule").target).toMatchObject({
      role_arn: expect.any(String),
      retry_policy: expect.objectContaining({ maximum_retry_attempts: expect.any(Number) }),
      dead_letter_config: { arn: expect.any(String) },
    });
  });

  it("CKV_AWS_27 / SQS.1: the dead-letter queue is encrypted (SSE-SQS, or the stack's key)", () => {
    expect(defaults.only("aws_sqs_queue").sqs_managed_sse_enabled).toBe(true);
    expect(cmk.only("aws_sqs_queue").kms_master_key_id).toMatch(KEY);
  });
});

describe("IAM", () => {
  const statements = policiesOf(defaults);
  /** The problems the §2.8 rules `ids` (stacks/iam-rules) find in `sts`. */
  const broken = (ids: readonly string[], sts: readonly StatementJson[]) =>
    STATEMENT_RULES.filter((rule) => ids.includes(rule.id)).flatMap((rule) =>
      sts.flatMap((st) => rule.check(st).map((p) => `${rule.id} ${st.Sid ?? ""}: ${p}`)),
    );

  it("CKV_AWS_62 / CKV_AWS_1 / IAM.1: no statement allows every action on every resource", () => {
    for (const st of statements) expect(asList(st.Action).includes("*") && asList(st.Resource).includes("*")).toBe(false);
    expect(broken(["IAM2"], statements)).toEqual([]);
  });

  it("CKV_AWS_63 / CKV_AWS_49 / CKV2_AWS_40 / AVD-AWS-0057 / AVD-AWS-0345: no wildcard actions (rule IAM1)", () => {
    expect(statements.length).toBeGreaterThan(0);
    expect(broken(["IAM1"], statements)).toEqual([]);
  });

  it("CKV_AWS_286 / CKV_AWS_110 / AVD-AWS-0342: no privilege-escalation action and no iam:PassRole (rules IAM4, IAM5)", () => {
    expect(broken(["IAM4", "IAM5"], policiesOf(cmk))).toEqual([]);
  });

  it("CKV_AWS_60 / CKV_AWS_61: trust policies name one service principal, never * or an account root (rule IAM8)", () => {
    const roles = [...rolesOf(defaults).values()];
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(trustProblems(role.trust)).toEqual([]);
  });

  it("CKV_AWS_274 / CKV_AWS_40: no managed-policy attachments and no users", () => {
    for (const type of ["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user", "aws_iam_user_policy"]) {
      expect(defaults.resources(type)).toHaveLength(0);
    }
  });

  it("KMS.1 / KMS.2: no kms action on *; every key use goes through one named service (kms:ViaService) or names its data's encryption context", () => {
    const kms = policiesOf(cmk).filter((st) => asList(st.Action).some((a) => a.startsWith("kms:")));
    expect(kms.length).toBeGreaterThan(0);
    for (const st of kms) {
      expect(asList(st.Resource)).toEqual([expect.stringMatching(KEY)]);
      const equals = st.Condition?.StringEquals ?? {};
      const context = Object.keys(equals).filter((k) => k.startsWith("kms:EncryptionContext:"));
      if (equals["kms:ViaService"] !== undefined) expect(equals["kms:ViaService"]).toMatch(/^[a-z0-9]+\.eu-west-1\.amazonaws\.com$/);
      else expect(context).toHaveLength(1);
    }
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html: kms:ViaService on an
  // execution role "can prevent a new execution from starting or cause a running execution to fail".
  it("the state machine's execution role uses the key under its own encryption context, never with kms:ViaService (Step Functions encryption-at-rest)", () => {
    const role = [...rolesOf(cmk).values()].find((r) => r.name.endsWith("-states"))!;
    const kms = role.statements.filter((st) => asList(st.Action).some((a) => a.startsWith("kms:")));
    const own = kms.filter((st) => st.Condition?.StringEquals?.["kms:EncryptionContext:aws:states:stateMachineArn"] !== undefined);
    expect(own).toHaveLength(1);
    expect(asList(own[0]!.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(own[0]!.Condition).toEqual({
      StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": expect.stringMatching(/:states:eu-west-1:.*:stateMachine:/) },
    });
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html, step 3: with execution
  // logging, the execution role needs kms:GenerateDataKey under kms:EncryptionContext:SourceArn = arn:aws:logs:<region>:<account>:*.
  it("the execution role may generate data keys for log delivery under the logs SourceArn context (Step Functions encryption-at-rest, step 3)", () => {
    const role = [...rolesOf(cmk).values()].find((r) => r.name.endsWith("-states"))!;
    const delivery = role.statements.filter((st) => st.Condition?.StringEquals?.["kms:EncryptionContext:SourceArn"] !== undefined);
    expect(delivery).toHaveLength(1);
    expect(asList(delivery[0]!.Action)).toEqual(["kms:GenerateDataKey"]);
    expect(delivery[0]!.Condition!.StringEquals!["kms:EncryptionContext:SourceArn"]).toMatch(
      /^arn:\$\{data\.aws_partition\.[^}]+\}:logs:eu-west-1:\$\{data\.aws_caller_identity\.[^}]+\}:\*$/,
    );
  });

  // The API caller table of the same page lists StartExecution with no kms permission ("--").
  it("the scheduler role has no use of the key besides its encrypted dead-letter queue (StartExecution needs none)", () => {
    const role = [...rolesOf(cmk).values()].find((r) => r.name.endsWith("-scheduler"))!;
    const kms = role.statements.filter((st) => asList(st.Action).some((a) => a.startsWith("kms:")));
    expect(kms.map((st) => st.Condition?.StringEquals?.["kms:ViaService"])).toEqual(["sqs.eu-west-1.amazonaws.com"]);
  });
});

describe("KMS key (opt-in)", () => {
  it("creates no key by default", () => {
    expect(defaults.resources("aws_kms_key")).toHaveLength(0);
  });

  it("CKV_AWS_7 / KMS.4: the key rotates", () => {
    expect(cmk.only("aws_kms_key").enable_key_rotation).toBe(true);
  });

  type KeyStatement = {
    Sid: string;
    Principal: { Service?: string | string[]; AWS?: string };
    Action: string | string[];
    Condition?: Record<string, Record<string, string>>;
  };
  const keyStatements = (s: Synthesized): KeyStatement[] => JSON.parse(s.only("aws_kms_key").policy).Statement;
  const byService = (s: Synthesized, service: string) =>
    keyStatements(s).filter((st) => asList(st.Principal.Service ?? []).includes(service));
  /**
   * Service principals AWS documents without any usable condition: EventBridge to encrypted topics
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services:
   * aws:SourceAccount, aws:SourceArn and aws:SourceOrgID "not supported") and Step Functions log delivery
   * (https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html, step 3: no condition).
   */
  const DOCUMENTED_UNCONDITIONED = ["delivery.logs.amazonaws.com", "events.amazonaws.com"];

  it("CKV2_AWS_64 / CKV_AWS_33: the key has a policy with no wildcard principal; services are conditioned unless AWS documents no condition for them", () => {
    for (const st of keyStatements(cmk)) {
      expect(st.Principal).not.toBe("*");
      expect(st.Principal.AWS ?? "").not.toBe("*");
      const services = asList(st.Principal.Service ?? []);
      if (services.length > 0 && !services.every((svc) => DOCUMENTED_UNCONDITIONED.includes(svc))) expect(st.Condition).toBeDefined();
    }
  });

  it("admits only CloudWatch Logs, CloudWatch alarms, EventBridge and (with the batch path) CloudWatch Logs delivery, one statement each", () => {
    const services = (s: Synthesized) =>
      keyStatements(s)
        .flatMap((st) => asList(st.Principal.Service ?? []))
        .sort();
    expect(services(cmk)).toEqual([
      "cloudwatch.amazonaws.com",
      "delivery.logs.amazonaws.com",
      "events.amazonaws.com",
      "logs.eu-west-1.amazonaws.com",
    ]);
    expect(services(cmkWithoutBatch)).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com", "logs.eu-west-1.amazonaws.com"]);
  });

  it("EventBridge may publish to the encrypted alerts topic with no aws:Source* condition (SNS: not supported for EventBridge to encrypted topics)", () => {
    const [st, ...more] = byService(cmk, "events.amazonaws.com");
    expect(more).toEqual([]);
    expect(asList(st!.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(JSON.stringify(st!.Condition ?? {})).not.toMatch(/aws:Source/);
  });

  it("CloudWatch alarms publish under aws:SourceAccount = the account (SNS: add aws:SourceAccount for service event sources)", () => {
    const [st, ...more] = byService(cmk, "cloudwatch.amazonaws.com");
    expect(more).toEqual([]);
    expect(st!.Condition).toEqual({ StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\./) } });
  });

  it("CloudWatch Logs delivery may decrypt, exactly as Step Functions encryption-at-rest step 3 shows", () => {
    const [st, ...more] = byService(cmk, "delivery.logs.amazonaws.com");
    expect(more).toEqual([]);
    expect(st).toMatchObject({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" });
    expect(st!.Condition).toBeUndefined();
  });
});

describe("SNS", () => {
  it("CKV_AWS_26 (opt-in): the alerts topic is encrypted with the stack's key", () => {
    expect(defaults.only("aws_sns_topic")).not.toHaveProperty("kms_master_key_id");
    expect(cmk.only("aws_sns_topic").kms_master_key_id).toMatch(KEY);
  });
});

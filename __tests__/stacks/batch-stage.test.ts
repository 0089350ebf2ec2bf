import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import "cdktf/lib/testing/adapters/jest";
import { BATCH_STATES } from "../../state-machines/batch-workflow";
import { actionsOf, asList, resourcesFor, rolesOf } from "../support/iam";
import { addressOf, addressWhere, referencedAddress, synthPipeline, Synthesized } from "../support/synth";
import { pushConcurrency } from "../../stacks/config/batch-workflow-props";

const validateAsl = require("asl-validator") as (definition: unknown) => { isValid: boolean; errors: unknown[] };

const s = synthPipeline({ monitoring: { notificationEmail: "ops@example.com" } });
const machine = () => s.only("aws_sfn_state_machine");
const definition = () => JSON.parse(machine().definition);
const roles = rolesOf(s);
const roleNamed = (name: string) => {
  const role = roles.get(name);
  if (!role) throw new Error(`no role ${name}; roles: ${[...roles.keys()].join(", ")}`);
  return role;
};
const fnAddress = (synth: Synthesized, name: string) =>
  addressWhere(synth, "aws_lambda_function", (fn) => fn.function_name === `acme-test-batch-${name}`);

describe("batch state machine", () => {
  it("is a STANDARD workflow with error logging to its own log group and tracing", () => {
    expect(s.json).toHaveResourceWithProperties(SfnStateMachine, {
      name: "acme-test-batch",
      type: "STANDARD",
      tracing_configuration: { enabled: true },
      logging_configuration: expect.objectContaining({ include_execution_data: true, level: "ERROR" }),
    });
    const group = addressWhere(s, "aws_cloudwatch_log_group", (g) => g.name === "/aws/vendedlogs/states/acme-test-batch");
    expect(machine().logging_configuration.log_destination).toBe(`\${${group}.arn}:*`);
  });

  it("has a definition that asl-validator accepts", () => {
    const result = validateAsl(JSON.parse(machine().definition));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("bounds the execution by the configured run timeout", () => {
    expect(definition().TimeoutSeconds).toBe(120 * 60);
    expect(JSON.parse(synthPipeline({ batch: { runTimeoutMinutes: 300 } }).only("aws_sfn_state_machine").definition).TimeoutSeconds).toBe(
      18000,
    );
  });

  it("invokes the four batch functions by their ARNs", () => {
    const text = machine().definition as string;
    for (const name of ["extract", "push", "delivery-check", "finalize"]) {
      expect(text).toContain(`\${${fnAddress(s, name)}.arn}`);
    }
  });

  it("crawls the pipeline's crawler and validates in the batch's own workgroup", () => {
    const text = machine().definition as string;
    expect(text).toContain('"Name":"acme-test-partitions"');
    expect(text).toContain('"WorkGroup":"acme-test-batch-validation"');
    expect(text).not.toContain('"WorkGroup":"acme-test"');
    expect(text).toContain(`\${${addressOf(s, "aws_sns_topic")}.arn}`);
  });

  it("pushes one chunk per shard at a time", () => {
    expect(definition().States[BATCH_STATES.pushToKinesis].MaxConcurrency).toBe(1);
    const three = synthPipeline({ stream: { shardCount: 3 } }).only("aws_sfn_state_machine");
    expect(JSON.parse(three.definition).States[BATCH_STATES.pushToKinesis].MaxConcurrency).toBe(3);
  });

  it("waits for delivery longer than the configured buffering", () => {
    const loop = JSON.stringify(definition().States);
    expect(definition().States[BATCH_STATES.waitForDelivery].Seconds).toBeGreaterThan(0);
    expect(loop).toContain(BATCH_STATES.deliveryChecksLeft);
  });

  it("gives the workflow role exactly the actions its tasks use", () => {
    expect(actionsOf(roleNamed("acme-test-batch-states"))).toEqual(
      [
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:GetWorkGroup",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
        "glue:BatchGetPartition",
        "glue:GetCrawler",
        "glue:GetDatabase",
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:GetTable",
        "glue:StartCrawler",
        "lambda:InvokeFunction",
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
        "sns:Publish",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
  });

  it("lets the workflow invoke only the batch functions", () => {
    const invoked = resourcesFor(roleNamed("acme-test-batch-states"), "lambda:InvokeFunction");
    const expected = ["extract", "push", "delivery-check", "finalize"].flatMap((n) => [
      `\${${fnAddress(s, n)}.arn}`,
      `\${${fnAddress(s, n)}.arn}:*`,
    ]);
    expect(invoked.sort()).toEqual(expected.sort());
  });

  it("scopes crawler and Athena actions to the pipeline's crawler and workgroup", () => {
    const role = roleNamed("acme-test-batch-states");
    expect(resourcesFor(role, "glue:StartCrawler")).toEqual([expect.stringMatching(/:crawler\/acme-test-partitions$/)]);
    expect(resourcesFor(role, "athena:StartQueryExecution")).toEqual([expect.stringMatching(/:workgroup\/acme-test-batch-validation$/)]);
    expect(resourcesFor(role, "s3:PutObject")).toEqual([expect.stringMatching(/\}\/athena-results\/\*$/)]);
  });

  it("trusts Step Functions from this account only", () => {
    expect(roleNamed("acme-test-batch-states").trust.Statement[0]).toMatchObject({
      Principal: { Service: "states.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}" } },
    });
  });
});

describe("batch validation workgroup", () => {
  const workgroups = (synth: Synthesized) => synth.resources("aws_athena_workgroup");
  const named = (synth: Synthesized, name: string) => workgroups(synth).find((w) => w.name === name);

  it("is a second workgroup with the user workgroup's results location, encryption and enforcement", () => {
    const user = named(s, "acme-test")!;
    const batch = named(s, "acme-test-batch-validation")!;
    expect(workgroups(s)).toHaveLength(2);
    expect(batch.configuration.result_configuration).toEqual(user.configuration.result_configuration);
    expect(batch.configuration).toMatchObject({
      enforce_workgroup_configuration: true,
      publish_cloudwatch_metrics_enabled: true,
      engine_version: user.configuration.engine_version,
    });
    const cmk = synthPipeline({ security: { encryption: "customer-managed" } });
    expect(named(cmk, "acme-test-batch-validation")!.configuration.result_configuration.encryption_configuration).toEqual(
      named(cmk, "acme-test")!.configuration.result_configuration.encryption_configuration,
    );
    expect(named(cmk, "acme-test-batch-validation")!.configuration.result_configuration.encryption_configuration.encryption_option).toBe(
      "SSE_KMS",
    );
  });

  it("has its own scan cutoff, 10 GiB unless configured, independent of the user workgroup's", () => {
    expect(named(s, "acme-test-batch-validation")!.configuration.bytes_scanned_cutoff_per_query).toBe(10_737_418_240);
    expect(named(s, "acme-test")!.configuration.bytes_scanned_cutoff_per_query).toBe(1_073_741_824);
    const tuned = synthPipeline({ batch: { validationBytesScannedCutoff: 10_485_760 }, query: { bytesScannedCutoffPerQuery: 20_000_000 } });
    expect(named(tuned, "acme-test-batch-validation")!.configuration.bytes_scanned_cutoff_per_query).toBe(10_485_760);
    expect(named(tuned, "acme-test")!.configuration.bytes_scanned_cutoff_per_query).toBe(20_000_000);
  });

  it("holds no named queries, and is not created without the batch path", () => {
    for (const q of s.resources("aws_athena_named_query"))
      expect(q.workgroup).toBe(`\${${addressWhere(s, "aws_athena_workgroup", (w) => w.name === "acme-test")}.name}`);
    expect(workgroups(synthPipeline({ batch: { enabled: false } })).map((w) => w.name)).toEqual(["acme-test"]);
  });
});

describe("batch workflow under partition projection", () => {
  const projected = synthPipeline({ catalog: { partitionProjection: true } });
  const definitionOf = (synth: Synthesized) => JSON.parse(synth.only("aws_sfn_state_machine").definition);

  it("never crawls: no crawler states and no crawler permissions for the workflow", () => {
    const text = projected.only("aws_sfn_state_machine").definition as string;
    expect(text).not.toContain("glue:startCrawler");
    expect(text).not.toContain("glue:getCrawler");
    expect(Object.keys(definitionOf(projected).States)).not.toContain(BATCH_STATES.startCrawler);
    const role = rolesOf(projected).get("acme-test-batch-states")!;
    expect(actionsOf(role)).not.toContain("glue:StartCrawler");
    expect(actionsOf(role)).not.toContain("glue:GetCrawler");
  });

  it("goes from the delivery check straight to validation", () => {
    const states = definitionOf(projected).States;
    expect(states[BATCH_STATES.isDelivered].Choices[0].Next).toBe(BATCH_STATES.startValidation);
    expect(states[BATCH_STATES.startValidation].Next).toBe(BATCH_STATES.runValidationQuery);
    expect(states[BATCH_STATES.waitBeforeRevalidation].Next).toBe(BATCH_STATES.runValidationQuery);
  });
});

describe("push concurrency", () => {
  // An inline Map runs at most 40 iterations at once: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html
  it("is one chunk per shard up to 40 shards, and 40 beyond", () => {
    const provisioned = (shardCount: number) => pushConcurrency({ mode: "PROVISIONED", shardCount, retentionHours: 24 });
    expect([1, 39, 40, 41, 500].map(provisioned)).toEqual([1, 39, 40, 40, 40]);
    expect(pushConcurrency({ mode: "ON_DEMAND", retentionHours: 24 })).toBe(4);
  });

  it("synthesizes a stream of 100 shards with MaxConcurrency 40", () => {
    const wide = synthPipeline({ stream: { shardCount: 100 } }).only("aws_sfn_state_machine");
    expect(JSON.parse(wide.definition).States[BATCH_STATES.pushToKinesis].MaxConcurrency).toBe(40);
  });

  it("paces each push to the stream's capacity ÷ MaxConcurrency: 100 shards ÷ 40 = 2,500 records/s and 2.5 MiB/s", () => {
    const push = synthPipeline({ stream: { shardCount: 100 } })
      .resources("aws_lambda_function")
      .find((fn) => fn.function_name === "acme-test-batch-push");
    expect(JSON.parse(push!.environment.variables.BATCH_SETTINGS).pushRate).toEqual({
      recordsPerSecond: 2500,
      bytesPerSecond: 2.5 * 1024 * 1024,
    });
  });
});

describe("batch schedule", () => {
  const schedule = () => s.only("aws_scheduler_schedule");

  it("runs on the configured expression and time zone without a flexible window", () => {
    expect(schedule()).toMatchObject({
      schedule_expression: "cron(0 2 * * ? *)",
      schedule_expression_timezone: "UTC",
      flexible_time_window: { mode: "OFF" },
    });
  });

  it("starts the state machine with the scheduled time as input", () => {
    expect(referencedAddress(schedule().target.arn)).toBe(addressOf(s, "aws_sfn_state_machine"));
    expect(JSON.parse(schedule().target.input)).toEqual({ scheduledTime: "<aws.scheduler.scheduled-time>" });
  });

  it("retries and dead-letters starts that fail", () => {
    expect(schedule().target.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 });
    expect(referencedAddress(schedule().target.dead_letter_config.arn)).toBe(addressOf(s, "aws_sqs_queue"));
    expect(s.only("aws_sqs_queue").sqs_managed_sse_enabled).toBe(true);
  });

  it("lets the scheduler only start this state machine and dead-letter to its queue", () => {
    const role = roleNamed("acme-test-batch-scheduler");
    expect(actionsOf(role)).toEqual(["sqs:SendMessage", "states:StartExecution"]);
    expect(resourcesFor(role, "states:StartExecution")).toEqual([`\${${addressOf(s, "aws_sfn_state_machine")}.arn}`]);
    expect(role.trust.Statement[0]!.Principal).toEqual({ Service: "scheduler.amazonaws.com" });
  });

  it("creates no schedule when runs are manual", () => {
    const manual = synthPipeline({ batch: { schedule: null } });
    expect(manual.resources("aws_scheduler_schedule")).toHaveLength(0);
    expect(manual.resources("aws_sfn_state_machine")).toHaveLength(1);
  });
});

describe("batch notifications", () => {
  it("publishes failures to the stack's alerts topic", () => {
    expect(s.only("aws_sns_topic").name).toBe("acme-test-alerts");
    expect(JSON.parse(machine().definition).States[BATCH_STATES.notifyFailure].Parameters.TopicArn).toBe(
      `\${${addressOf(s, "aws_sns_topic")}.arn}`,
    );
  });

  it("subscribes the configured email", () => {
    expect(s.only("aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "ops@example.com" });
    expect(synthPipeline().resources("aws_sns_topic_subscription")).toHaveLength(0);
  });
});

describe("batch functions", () => {
  const functions = () => s.resources("aws_lambda_function").filter((fn) => String(fn.function_name).includes("-batch-"));

  it("run Node.js 22 on arm64 with tracing and their own log groups", () => {
    expect(functions()).toHaveLength(4);
    const groups = s.resources("aws_cloudwatch_log_group").map((g) => g.name);
    for (const fn of functions()) {
      expect(fn).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], tracing_config: { mode: "Active" } });
      expect(groups).toContain(`/aws/lambda/${fn.function_name}`);
    }
  });

  it("receive the schema, table and batch settings", () => {
    for (const fn of functions()) {
      const settings = JSON.parse(fn.environment.variables.BATCH_SETTINGS);
      expect(settings).toMatchObject({
        database: "acme_test",
        table: "events",
        eventIdColumn: "event_id",
        recordsPerChunk: 5000,
        runTimeoutSeconds: 7200,
      });
      expect(settings.schema.eventTimeColumn).toBe("event_time");
    }
  });

  it("let only the push function write to the stream", () => {
    const writers = [...roles.values()].filter((r) => actionsOf(r).includes("kinesis:PutRecords")).map((r) => r.name);
    expect(writers).toEqual(["acme-test-batch-push-role"]);
    expect(resourcesFor(roleNamed("acme-test-batch-push-role"), "kinesis:PutRecords")).toEqual([
      `\${${addressOf(s, "aws_kinesis_stream")}.arn}`,
    ]);
  });

  it("scope each function's S3 access to its batch prefixes", () => {
    const objects = (role: string, action: string) => resourcesFor(roleNamed(role), action).map((r) => r.replace(/^\$\{[^}]+\}\//, ""));
    expect(objects("acme-test-batch-extract-role", "s3:GetObject").sort()).toEqual(["_runs/*", "errors/*", "landing/*", "raw/*"]);
    expect(objects("acme-test-batch-extract-role", "s3:PutObject").sort()).toEqual(["_runs/*", "rejected/*", "staging/*"]);
    expect(objects("acme-test-batch-push-role", "s3:GetObject")).toEqual(["staging/*"]);
    expect(objects("acme-test-batch-finalize-role", "s3:DeleteObject").sort()).toEqual(["errors/*", "landing/*"]);
    expect(objects("acme-test-batch-finalize-role", "s3:GetObject").sort()).toEqual(["_runs/*", "errors/*", "landing/*", "staging/*"]);
    expect(objects("acme-test-batch-finalize-role", "s3:PutObject").sort()).toEqual(["_runs/*", "processed/*"]);
    const listing = roleNamed("acme-test-batch-delivery-check-role").statements.find((st) => asList(st.Action).includes("s3:ListBucket"))!;
    expect(listing.Condition).toEqual({ StringLike: { "s3:prefix": ["data/", "data/*"] } });
  });

  it("let a replay list and read errors/ and raw/, and move only errors/ objects (the raw backup stays)", () => {
    const listed = (role: string) =>
      roleNamed(role)
        .statements.filter((st) => asList(st.Action).includes("s3:ListBucket"))
        .flatMap((st) => asList(st.Condition?.StringLike?.["s3:prefix"] ?? []));
    const sid = (role: string, name: string) => roleNamed(role).statements.find((st) => st.Sid === name);
    expect(listed("acme-test-batch-extract-role")).toEqual(expect.arrayContaining(["errors/", "errors/*", "raw/", "raw/*"]));
    expect(asList(sid("acme-test-batch-extract-role", "ReadReplaySources")!.Action)).toEqual(["s3:GetObject"]);
    expect(listed("acme-test-batch-finalize-role")).toEqual(expect.arrayContaining(["errors/", "errors/*"]));
    expect(listed("acme-test-batch-finalize-role")).not.toContain("raw/*");
    expect(asList(sid("acme-test-batch-finalize-role", "MoveReplayedErrorObjects")!.Action).sort()).toEqual([
      "s3:DeleteObject",
      "s3:GetObject",
    ]);
    // The existing grants keep their Sids.
    for (const name of ["ListLandingFiles", "ReadLandingFiles", "ReadClaimMarker", "WriteChunksRejectsAndMarker"])
      expect(sid("acme-test-batch-extract-role", name)).toBeDefined();
    for (const name of ["ReadManifestAndMarker", "ListLandingAndProcessedFiles", "MoveLandingFiles", "WriteProcessedAndMarker"])
      expect(sid("acme-test-batch-finalize-role", name)).toBeDefined();
  });

  it("expire staging chunks after the configured days", () => {
    const rules = s.resources("aws_s3_bucket_lifecycle_configuration").flatMap((l) => l.rule);
    expect(rules).toContainEqual(expect.objectContaining({ filter: [{ prefix: "staging/" }], expiration: [{ days: 7 }] }));
  });

  it("keep processed batch inputs unless an expiry is configured", () => {
    const rules = (synth: Synthesized) => synth.resources("aws_s3_bucket_lifecycle_configuration").flatMap((l) => l.rule);
    expect(rules(s).map((r) => r.id)).not.toContain("expire-processed-batch-inputs");
    expect(rules(synthPipeline({ lake: { processedExpirationDays: 400 } }))).toContainEqual(
      expect.objectContaining({ filter: [{ prefix: "processed/" }], expiration: [{ days: 400 }] }),
    );
  });

  it("encrypt for a customer-managed stream key through Kinesis only", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const push = rolesOf(synthPipeline({ stream: { kmsKeyArn: key } })).get("acme-test-batch-push-role")!;
    expect(push.statements).toContainEqual(
      expect.objectContaining({
        Action: ["kms:GenerateDataKey"],
        Resource: [key],
        Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" } },
      }),
    );
  });
});

describe("batch path switched off", () => {
  const off = synthPipeline({ batch: { enabled: false } });

  it("creates no workflow, functions, schedule or queue", () => {
    for (const type of ["aws_sfn_state_machine", "aws_scheduler_schedule", "aws_sqs_queue"]) {
      expect(off.resources(type)).toHaveLength(0);
    }
    expect(off.resources("aws_lambda_function")).toHaveLength(1);
  });
});

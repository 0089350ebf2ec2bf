import { Testing } from "cdktf";
import { ConfigError, loadConfig, NAME_LIMITS, NameKind, Overrides, PipelineConfigFile, PipelineSettings } from "../../stacks/config";
import { PipelineStack } from "../../stacks/pipeline-stack";
import { TerraformJson, wrap } from "../support/synth";

/** Ten characters: the longest environment name the configuration allows. */
const LONGEST_ENVIRONMENT = "abcdefghij";

/** Exact bucket names, so the 37-character `bucket_prefix` limit does not cap the prefix first. */
const EXACT_BUCKETS = { lakeBucket: "acme-lake-bucket", resultsBucket: "acme-results-bucket", accessLogBucket: "acme-access-logs" };

/** Every optional resource on: batch with a schedule, monitoring, QuickSight, the stack's key, access logs. */
const EVERYTHING_ON: Overrides<PipelineSettings> = {
  security: { encryption: "customer-managed", accessLogging: true },
  quicksight: { enabled: true, principalArn: "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst" },
  partitioning: { partitionTime: "event" },
};

function fileFor(namePrefix: string, overrides: Overrides<PipelineSettings>, environment = LONGEST_ENVIRONMENT): PipelineConfigFile {
  return { defaults: { namePrefix, region: "eu-west-1" }, environments: { [environment]: overrides } };
}

function problemsOf(namePrefix: string, overrides: Overrides<PipelineSettings>): string {
  try {
    loadConfig(fileFor(namePrefix, overrides), LONGEST_ENVIRONMENT);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

function synthesize(namePrefix: string, overrides: Overrides<PipelineSettings>): TerraformJson {
  const config = loadConfig(fileFor(namePrefix, overrides), LONGEST_ENVIRONMENT);
  return wrap(Testing.synth(new PipelineStack(Testing.app(), "max", { config }))).tf;
}

/** Attributes of a resource that hold a physical name (literal values only; references are skipped). */
const NAME_ATTRIBUTE = /^(name|name_prefix|bucket|bucket_prefix|function_name|alarm_name|dashboard_name|target_id|group_name|[a-z_]+_id)$/;
/** `*_id` attributes that reference another resource or hold a non-name value. */
const NOT_A_NAME = new Set(["aws_account_id", "target_key_id", "kms_key_id", "kms_master_key_id", "key_id", "physical_table_map_id"]);

function physicalNames(tf: TerraformJson): { type: string; attribute: string; value: string }[] {
  const found: { type: string; attribute: string; value: string }[] = [];
  for (const [type, resources] of Object.entries(tf.resource)) {
    for (const resource of Object.values(resources)) {
      for (const [attribute, value] of Object.entries(resource)) {
        if (typeof value !== "string" || value.includes("${") || NOT_A_NAME.has(attribute) || !NAME_ATTRIBUTE.test(attribute)) continue;
        found.push({ type, attribute, value });
      }
    }
  }
  return found;
}

const rowFor = new Map<string, NameKind>();
for (const [kind, row] of Object.entries(NAME_LIMITS) as [NameKind, (typeof NAME_LIMITS)[NameKind]][]) {
  for (const [type, attribute] of row.resources) rowFor.set(`${type}.${attribute}`, kind);
}

describe("the table of name limits", () => {
  it.each(Object.entries(NAME_LIMITS))("%s cites its source and has a sane range", (_kind, row) => {
    expect(row.source).toMatch(/https:\/\/(docs\.aws\.amazon\.com|github\.com\/hashicorp\/terraform-provider-aws)\//);
    expect(row.minLength).toBeGreaterThanOrEqual(1);
    expect(row.maxLength).toBeGreaterThanOrEqual(row.minLength);
  });

  // Spot checks against the sources, written out here rather than read from the table.
  it.each([
    ["iamRole", 64], // internal/service/iam/role.go: roleNameMaxLen = 64
    ["lambdaFunction", 64], // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
    ["stateMachine", 80], // internal/service/sfn/state_machine.go: StringLenBetween(1, 80)
    ["schedule", 64], // internal/service/scheduler/schedule.go: StringLenBetween(1, 64)
    ["eventRule", 64], // internal/service/events/validate.go: validateRuleName
    ["sqsQueue", 80], // internal/service/sqs/queue.go: ^[0-9A-Za-z_-]{1,80}$
    ["deliveryStream", 64], // https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html
    ["kinesisStream", 128], // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html
    ["bucket", 63], // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    ["athenaWorkgroup", 128], // https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html
    ["logGroup", 512], // internal/service/logs/validate.go: validLogGroupName
    ["glueCrawler", 255], // https://docs.aws.amazon.com/glue/latest/webapi/API_CreateCrawler.html
  ] as const)("limits %s names to %i characters", (kind, max) => {
    expect(NAME_LIMITS[kind].maxLength).toBe(max);
  });
});

describe("derived names are validated at config time", () => {
  // The case: 32 + 1 + 10 = 43 characters of base, + "-batch-delivery-check-role" = 69 > 64.
  it("rejects a prefix whose batch function role name would be 69 characters, naming the field, the name and the limit", () => {
    const prefix = "a".repeat(32);
    const message = problemsOf(prefix, { names: EXACT_BUCKETS });
    expect(message).toContain(
      `[${LONGEST_ENVIRONMENT}] namePrefix: received "${prefix}"; allowed: a value short enough for every name built from it:`,
    );
    expect(message).toContain(
      `the IAM role name "${prefix}-${LONGEST_ENVIRONMENT}-batch-delivery-check-role" has 69 characters, AWS allows 1–64`,
    );
    expect(message).toContain("Fix: shorten namePrefix or the environment name");
  });

  // With a 10-character environment the base may be at most 64 - 26 = 38 characters, so the prefix 27.
  it.each([
    [26, true],
    [27, true],
    [28, false],
  ])("with a 10-character environment, a %i-character prefix is accepted: %p", (length, accepted) => {
    const message = problemsOf("p".repeat(length), { names: EXACT_BUCKETS });
    if (accepted) expect(message).toBe("");
    else
      expect(message).toMatch(
        /namePrefix: received "p{28}"; allowed: .*"p{28}-abcdefghij-batch-delivery-check-role" has 65 characters, AWS allows 1–64/,
      );
  });

  // internal/service/s3/bucket.go: bucket_prefix ≤ 63 - 26 = 37; `<base>-results-` is the longest derived one
  // (without access logging), so the base may be 28 characters and, with a 10-character environment, the prefix 17.
  it.each([
    [16, true],
    [17, true],
    [18, false],
  ])("with derived bucket names and a 10-character environment, a %i-character prefix is accepted: %p", (length, accepted) => {
    const message = problemsOf("p".repeat(length), {});
    if (accepted) expect(message).toBe("");
    else
      expect(message).toMatch(/names\.resultsBucket: received "p{18}-abcdefghij-results-"; allowed: a derived bucket prefix of at most 37/);
  });

  it("does not check the batch names when the batch path is off", () => {
    expect(problemsOf("p".repeat(32), { names: EXACT_BUCKETS, batch: { enabled: false } })).toBe("");
  });

  // Each override's longest accepted value, worked out from the AWS limit of the longest name built from it.
  it.each([
    ["transformFunction", 59, "IAM role name", "-role"], // role `<fn>-role` ≤ 64
    ["deliveryStream", 55, "IAM role name", "-firehose"], // role `<stream>-firehose` ≤ 64
    ["crawler", 56, "IAM role name", "-crawler"], // role `<crawler>-crawler` ≤ 64
    ["stateMachine", 54, "IAM role name", "-scheduler"], // role `<machine>-scheduler` ≤ 64
  ] as const)("names.%s: %i characters pass, one more is rejected with the derived name and its limit", (field, max, limit, suffix) => {
    const at = (length: number) => problemsOf("acme", { names: { [field]: "n".repeat(length) } });
    expect(at(max - 1)).toBe("");
    expect(at(max)).toBe("");
    const message = at(max + 1);
    expect(message).toContain(
      `names.${field}: received "${"n".repeat(max + 1)}"; allowed: a value short enough for every name built from it:`,
    );
    expect(message).toContain(`the ${limit} "${"n".repeat(max + 1)}${suffix}" has ${max + 1 + suffix.length} characters, AWS allows 1–64`);
  });

  it.each([
    ["stream", 128, "a Kinesis stream name of 1–128 characters"],
    ["workgroup", 128, "an Athena workgroup name of 1–128 characters"],
    ["database", 255, "a Glue database name (lower-case letters, digits, underscores) of 1–255 characters"],
  ] as const)("names.%s: %i characters pass, one more is rejected", (field, max, allowed) => {
    const at = (length: number) => problemsOf("acme", { names: { [field]: "n".repeat(length) } });
    expect(at(max - 1)).toBe("");
    expect(at(max)).toBe("");
    // Long values are shortened (quote and 116 characters, then "...") in the message; the length is stated.
    expect(at(max + 1)).toContain(`names.${field}: received "${"n".repeat(116)}...; allowed: ${allowed} (it has ${max + 1})`);
  });

  // The view `<table>_latest` is a Glue table too: 255 - 7 = 248.
  it("catalog.tableName: 248 characters pass, 249 are rejected because of the _latest view", () => {
    const at = (length: number) => problemsOf("acme", { catalog: { tableName: "t".repeat(length) } });
    expect(at(247)).toBe("");
    expect(at(248)).toBe("");
    expect(at(249)).toContain(`the Glue table name "${"t".repeat(249)}_latest" has 256 characters, AWS allows 1–255`);
  });

  it("names.stateMachine may be longer when the batch has no schedule (no scheduler role)", () => {
    // Without a schedule the longest derived name is the role `<machine>-states`: 64 - 7 = 57.
    expect(problemsOf("acme", { batch: { schedule: null }, names: { stateMachine: "n".repeat(57) } })).toBe("");
    expect(problemsOf("acme", { batch: { schedule: null }, names: { stateMachine: "n".repeat(58) } })).toMatch(
      /names\.stateMachine: received "n{58}"; .*"n{58}-states" has 65 characters/,
    );
  });
});

describe("the synthesized stack at the longest accepted names", () => {
  const longest: Overrides<PipelineSettings> = {
    ...EVERYTHING_ON,
    names: {
      ...EXACT_BUCKETS,
      lakeBucket: "l".repeat(63),
      transformFunction: "t".repeat(59),
      deliveryStream: "d".repeat(55),
      crawler: "c".repeat(56),
      stateMachine: "m".repeat(54),
      stream: "s".repeat(128),
      workgroup: "w".repeat(128),
      database: "b".repeat(255),
    },
    catalog: { tableName: "e".repeat(248) },
  };
  const tf = synthesize("p".repeat(27), longest);
  const names = physicalNames(tf);

  it("is accepted by the configuration", () => {
    expect(problemsOf("p".repeat(27), longest)).toBe("");
  });

  it("has a row in the limit table for every kind of physical name it sets", () => {
    const uncovered = [...new Set(names.map((n) => `${n.type}.${n.attribute}`))].filter((key) => !rowFor.has(key));
    expect(uncovered).toEqual([]);
  });

  it("keeps every physical name within its AWS limit", () => {
    const broken = names
      .filter((n) => rowFor.has(`${n.type}.${n.attribute}`))
      .filter((n) => {
        const row = NAME_LIMITS[rowFor.get(`${n.type}.${n.attribute}`)!];
        return n.value.length < row.minLength || n.value.length > row.maxLength || !row.pattern.test(n.value);
      })
      .map((n) => `${n.type}.${n.attribute} = ${n.value} (${n.value.length})`);
    expect(broken).toEqual([]);
  });

  // internal/service/iam/role.go: roleNameMaxLen = 64. Written out so the check does not rest on the table alone.
  it("reaches exactly 64 characters for the longest role names, and no more", () => {
    const roles = names.filter((n) => n.type === "aws_iam_role").map((n) => n.value.length);
    expect(Math.max(...roles)).toBe(64);
  });

  it("checks the names it is meant to (the stack has roles, functions, alarms, QuickSight ids and a key alias)", () => {
    const types = new Set(names.map((n) => n.type));
    for (const type of [
      "aws_iam_role",
      "aws_lambda_function",
      "aws_cloudwatch_metric_alarm",
      "aws_quicksight_analysis",
      "aws_kms_alias",
      "aws_scheduler_schedule",
      "aws_sqs_queue",
      "aws_s3_bucket",
    ]) {
      expect(types).toContain(type);
    }
  });
});

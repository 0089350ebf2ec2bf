import { pipelineConfig } from "../../pipeline.config";
import { z } from "zod";
import {
  CLICKSTREAM_SCHEMA,
  ConfigError,
  DEFAULT_SETTINGS,
  loadAllConfigs,
  loadConfig,
  mergeSettings,
  Overrides,
  PipelineConfigFile,
  PipelineSettings,
  settingsSchema,
} from "../../stacks/config";
import { cronProblem } from "../../contract/schedule";

/** A file with one `test` environment carrying the given overrides. */
function fileWith(overrides: Overrides<PipelineSettings>): PipelineConfigFile {
  return { defaults: { namePrefix: "acme", region: "eu-west-1" }, environments: { test: overrides } };
}

/** The ConfigError thrown for `overrides`, or a failure when none is thrown. */
function problemsFor(overrides: Overrides<PipelineSettings>): ConfigError {
  try {
    loadConfig(fileWith(overrides), "test");
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const schemaWith = (columns: { name: string; type: string; required: boolean }[], eventTimeColumn = "event_time") =>
  ({ eventTimeColumn, columns }) as unknown as PipelineSettings["schema"];

const validColumns = [
  { name: "event_id", type: "string", required: true },
  { name: "event_time", type: "timestamp", required: true },
];

describe("the shipped configuration", () => {
  it("loads every environment without problems", () => {
    const configs = loadAllConfigs(pipelineConfig, {});
    expect(configs.map((c) => c.environment)).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  it("applies the seed's defaults: 168 h retention, AWS-managed KMS, one shard, Parquet, hourly day partitions", () => {
    const config = loadConfig(fileWith({}), "test");
    expect(config.stream).toEqual({ mode: "PROVISIONED", shardCount: 1, retentionHours: 168 });
    expect(config.stream.kmsKeyArn).toBeUndefined();
    expect(config.delivery.format).toBe("parquet");
    expect(config.partitioning).toEqual({ dayKey: "day", partitionTime: "arrival" });
  });

  it("lets an environment override one field and keep the rest", () => {
    const file: PipelineConfigFile = {
      defaults: { namePrefix: "acme", region: "eu-west-1", logs: { retentionDays: 60 } },
      environments: { dev: { stream: { retentionHours: 24 } }, prod: {} },
    };
    const [dev, prod] = loadAllConfigs(file, {});
    expect(dev!.stream.retentionHours).toBe(24);
    expect(dev!.stream.shardCount).toBe(1);
    expect(dev!.logs.retentionDays).toBe(60);
    expect(prod!.stream.retentionHours).toBe(168);
  });

  it("replaces arrays instead of merging them", () => {
    expect(mergeSettings({ a: [1, 2], b: { c: 1 } }, { a: [3], b: { d: 2 } })).toEqual({ a: [3], b: { c: 1, d: 2 } });
  });

  it("returns a frozen configuration", () => {
    const config = loadConfig(fileWith({}), "test");
    expect(Object.isFrozen(config.stream)).toBe(true);
  });

  it("derives physical names from the prefix and environment", () => {
    const names = loadConfig(fileWith({}), "test").resolvedNames;
    expect(names).toMatchObject({
      stream: "acme-test-events",
      deliveryStream: "acme-test-delivery",
      database: "acme_test",
      table: "events",
      workgroup: "acme-test",
      lakeBucket: { prefix: "acme-test-lake-" },
    });
  });
});

describe("configuration validation", () => {
  it("reports every problem at once, each naming field, value, range and fix", () => {
    const error = problemsFor({ stream: { retentionHours: 12 }, query: { bytesScannedCutoffPerQuery: 1000 } });
    expect(error.problems).toHaveLength(2);
    expect(error.message).toMatch(/\[test\] stream\.retentionHours: received 12; allowed: an integer from 24 to 8760 \(hours\)\. Fix: /);
    expect(error.message).toMatch(/\[test\] query\.bytesScannedCutoffPerQuery: received 1000; allowed: .*10485760.*Fix: /);
  });

  it("collects problems from several environments before failing", () => {
    const file: PipelineConfigFile = {
      defaults: { namePrefix: "acme", region: "eu-west-1" },
      environments: { dev: { stream: { retentionHours: 10 } }, prod: { logs: { retentionDays: 2 } } },
    };
    expect(() => loadAllConfigs(file, {})).toThrow(/\[dev\] stream\.retentionHours[\s\S]*\[prod\] logs\.retentionDays/);
  });

  it.each([23, 8761, 36.5])("rejects a retention of %p hours", (hours) => {
    expect(problemsFor({ stream: { retentionHours: hours } }).message).toMatch(
      /stream\.retentionHours: received [\d.]+; allowed: an integer from 24 to 8760/,
    );
  });

  it("rejects a shard count with ON_DEMAND", () => {
    expect(problemsFor({ stream: { mode: "ON_DEMAND", shardCount: 2 } }).message).toMatch(
      /stream\.shardCount: received 2; allowed: no shard count when stream\.mode is ON_DEMAND.*Fix: remove stream\.shardCount/,
    );
  });

  it("accepts ON_DEMAND without a shard count, not inheriting the provisioned default", () => {
    const config = loadConfig(fileWith({ stream: { mode: "ON_DEMAND" } }), "test");
    expect(config.stream.mode).toBe("ON_DEMAND");
    expect(config.stream.shardCount).toBeUndefined();
  });

  it("rejects PROVISIONED without a shard count", () => {
    const file: PipelineConfigFile = {
      defaults: { namePrefix: "acme", region: "eu-west-1", stream: { shardCount: undefined } },
      environments: { test: {} },
    };
    expect(() => loadConfig(file, "test")).toThrow(
      /stream\.shardCount: received nothing \(unset\); allowed: an integer from 1 to 10000 when stream\.mode is PROVISIONED/,
    );
  });

  it("rejects a shard count of zero", () => {
    expect(problemsFor({ stream: { shardCount: 0 } }).message).toMatch(
      /stream\.shardCount: received 0; allowed: an integer from 1 to 10000/,
    );
  });

  it("rejects a buffer below 64 MiB while Parquet conversion is on", () => {
    expect(problemsFor({ delivery: { bufferSizeMiB: 32 } }).message).toMatch(
      /delivery\.bufferSizeMiB: received 32; allowed: an integer from 64 to 128 \(MiB\) while Parquet conversion is on/,
    );
  });

  it("accepts a small buffer when conversion is off", () => {
    expect(loadConfig(fileWith({ delivery: { format: "json", bufferSizeMiB: 5 } }), "test").delivery.bufferSizeMiB).toBe(5);
  });

  it("rejects a buffer above 128 MiB", () => {
    expect(problemsFor({ delivery: { bufferSizeMiB: 129 } }).message).toMatch(
      /delivery\.bufferSizeMiB: received 129; allowed: an integer from 64 to 128/,
    );
  });

  it.each([-1, 901])("rejects a buffer interval of %p s", (seconds) => {
    expect(problemsFor({ delivery: { bufferIntervalSeconds: seconds } }).message).toMatch(
      /delivery\.bufferIntervalSeconds: received -?\d+; allowed: an integer from 0 to 900/,
    );
  });

  it("requires at least 60 s of buffering with event-time (dynamic) partitioning", () => {
    expect(problemsFor({ delivery: { bufferIntervalSeconds: 0 }, partitioning: { partitionTime: "event" } }).message).toMatch(
      /delivery\.bufferIntervalSeconds: received 0; allowed: an integer from 60 to 900.*dynamic partitioning/,
    );
  });

  it.each([0.1, 3.5])("rejects a processor buffer of %p MB", (mb) => {
    expect(problemsFor({ delivery: { processorBufferSizeMB: mb } }).message).toMatch(
      /delivery\.processorBufferSizeMB: received [\d.]+; allowed: a number from 0\.2 to 3 \(MB/,
    );
  });

  it.each([59, 901])("rejects a processor interval of %p s", (seconds) => {
    expect(problemsFor({ delivery: { processorBufferIntervalSeconds: seconds } }).message).toMatch(
      /delivery\.processorBufferIntervalSeconds: received \d+; allowed: an integer from 60 to 900/,
    );
  });

  it("rejects a stream name with spaces", () => {
    expect(problemsFor({ names: { stream: "my events" } }).message).toMatch(
      /names\.stream: received "my events"; allowed: a Kinesis stream name matching/,
    );
  });

  it("rejects a stream name over 128 characters", () => {
    expect(problemsFor({ names: { stream: "s".repeat(129) } }).message).toMatch(/names\.stream: .*1–128 characters/);
  });

  it("rejects a delivery stream name over 64 characters", () => {
    expect(problemsFor({ names: { deliveryStream: "d".repeat(65) } }).message).toMatch(
      /names\.deliveryStream: .*allowed: a Firehose stream name of 1–64 characters/,
    );
  });

  it("names the prefix when a derived name is too long", () => {
    const file: PipelineConfigFile = {
      defaults: { namePrefix: "a".repeat(32), region: "eu-west-1" },
      environments: { test: {} },
    };
    expect(() => loadConfig(file, "test")).toThrow(/names\.lakeBucket: received "a{32}-test-lake-".*Fix: shorten namePrefix/);
  });

  it.each([
    ["Upper-Case", /only lower-case letters, digits and hyphens/],
    ["my.bucket.name", /no dots/],
    ["ab", /3–63 characters/],
    ["192.168.1.10", /IP address/],
    ["xn--bucket", /xn--/],
    ["lake-s3alias", /-s3alias/],
  ])("rejects the bucket name %p", (name, reason) => {
    const message = problemsFor({ names: { lakeBucket: name } }).message;
    expect(message).toMatch(/names\.lakeBucket: received/);
    expect(message).toMatch(reason);
  });

  it("rejects a Glue database name with hyphens", () => {
    expect(problemsFor({ names: { database: "my-db" } }).message).toMatch(
      /names\.database: received "my-db"; allowed: a Glue database name/,
    );
  });

  it("rejects an upper-case Glue table name", () => {
    expect(problemsFor({ catalog: { tableName: "Events" } }).message).toMatch(
      /catalog\.tableName: received "Events"; allowed: a Glue table name/,
    );
  });

  it("rejects an Athena workgroup name with a slash", () => {
    expect(problemsFor({ names: { workgroup: "team/lake" } }).message).toMatch(
      /names\.workgroup: received "team\/lake"; allowed: an? Athena workgroup name/,
    );
  });

  it("rejects a Lambda function name with dots", () => {
    expect(problemsFor({ names: { transformFunction: "lake.transform" } }).message).toMatch(
      /names\.transformFunction: received "lake\.transform"; allowed: a Lambda function name/,
    );
  });

  it("rejects an unsupported Glue type, naming the allowed ones", () => {
    const schema = schemaWith([...validColumns, { name: "tags", type: "varchar(10)", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(
      /schema\.columns\.2\.type: received "varchar\(10\)"; allowed: string, boolean, .*decimal\(p,s\)/,
    );
  });

  it("rejects a bad nested type, naming the column, the type text and the position of the problem", () => {
    const schema = schemaWith([...validColumns, { name: "items", type: "array<struct<sku:strin>>", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(
      /schema\.columns\.2\.type: received "array<struct<sku:strin>>"; allowed: .*nested array<type>.*Fix: fix the type: unknown type "strin" .* at position 17 of "array<struct<sku:strin>>"/,
    );
  });

  it("accepts nested types written as Glue writes them, and gives the form to write for one with spaces", () => {
    const nested = [...validColumns, { name: "items", type: "array<struct<sku:string,price:double>>", required: false }];
    expect(() => loadConfig(fileWith({ schema: schemaWith(nested) }), "test")).not.toThrow();
    const spaced = schemaWith([...validColumns, { name: "tags", type: "map<string, string>", required: false }]);
    expect(problemsFor({ schema: spaced }).message).toContain('lower-case without spaces: "map<string,string>"');
  });

  it("rejects decimal precision above 38", () => {
    const schema = schemaWith([...validColumns, { name: "amount", type: "decimal(40,2)", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(/schema\.columns\.2\.type: received "decimal\(40,2\)"/);
  });

  it("rejects an upper-case column name and suggests the lower-case one", () => {
    const schema = schemaWith([...validColumns, { name: "UserId", type: "string", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(
      /schema\.columns\.2\.name: received "UserId"; allowed: a lower-case name.*rename it to "userid"/,
    );
  });

  it("rejects duplicate column names", () => {
    const schema = schemaWith([...validColumns, { name: "event_id", type: "string", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(
      /schema\.columns\.2\.name: received "event_id"; allowed: a name used by no other column/,
    );
  });

  it.each(["year", "hour", "day"])("rejects a column named like the partition key %p", (name) => {
    const schema = schemaWith([...validColumns, { name, type: "string", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(
      new RegExp(`schema\\.columns\\.2\\.name: received "${name}"; allowed: a name other than the partition keys year, month, day, hour`),
    );
  });

  it("rejects a column named date only when date is the day key", () => {
    const schema = schemaWith([...validColumns, { name: "date", type: "date", required: false }]);
    expect(loadConfig(fileWith({ schema }), "test").schema.columns).toHaveLength(3);
    expect(problemsFor({ schema, partitioning: { dayKey: "date" } }).message).toMatch(/partition keys year, month, date, hour/);
  });

  it("rejects an event-time column that is not a timestamp", () => {
    const schema = schemaWith(validColumns, "event_id");
    expect(problemsFor({ schema }).message).toMatch(
      /schema\.eventTimeColumn: received "event_id"; allowed: a column of type timestamp \(it is string\)/,
    );
  });

  it("rejects an event-time column that does not exist", () => {
    const schema = schemaWith(validColumns, "ts");
    expect(problemsFor({ schema }).message).toMatch(
      /schema\.eventTimeColumn: received "ts"; allowed: the name of a timestamp column in schema\.columns \(event_id, event_time\)/,
    );
  });

  it("rejects an optional event-time column", () => {
    const schema = schemaWith([validColumns[0]!, { name: "event_time", type: "timestamp", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(/schema\.eventTimeColumn: .*a required column/);
  });

  it.each([
    ["cron(0 * * * *)", /has 5 fields/],
    ["0 * * * ? *", /must be written cron/],
    ["cron(0 * * * * *)", /exactly one of day-of-month and day-of-week must be \?/],
    ["cron(61 * * * ? *)", /minutes field "61" must use values 0–59/],
    ["cron(0 25 * * ? *)", /hours field "25"/],
  ])("rejects the crawler schedule %p", (schedule, reason) => {
    const message = problemsFor({ catalog: { crawlerSchedule: schedule } }).message;
    expect(message).toMatch(/catalog\.crawlerSchedule: received .*allowed: a 6-field cron/);
    expect(message).toMatch(reason);
  });

  it("accepts no crawler schedule", () => {
    expect(loadConfig(fileWith({ catalog: { crawlerSchedule: null } }), "test").catalog.crawlerSchedule).toBeNull();
  });

  it("rejects a scan cutoff below 10 MB", () => {
    expect(problemsFor({ query: { bytesScannedCutoffPerQuery: 10_485_759 } }).message).toMatch(
      /query\.bytesScannedCutoffPerQuery: received 10485759; allowed: an integer from 10485760/,
    );
  });

  it("rejects a log retention CloudWatch does not offer", () => {
    expect(problemsFor({ logs: { retentionDays: 10 } }).message).toMatch(
      /logs\.retentionDays: received 10; allowed: one of 1, 3, 5, 7, 14, 30/,
    );
  });

  it("rejects a misspelled field", () => {
    expect(problemsFor({ stream: { retentionHour: 48 } as never }).message).toMatch(/stream\.retentionHour: .*only the fields listed/);
  });

  it("rejects a value of the wrong type", () => {
    expect(problemsFor({ stream: { retentionHours: "168" as never } }).message).toMatch(
      /stream\.retentionHours: received "168"; allowed: a value of type number/,
    );
  });

  it("rejects an unknown stream mode", () => {
    expect(problemsFor({ stream: { mode: "AUTO" as never } }).message).toMatch(
      /stream\.mode: received "AUTO"; allowed: one of "PROVISIONED", "ON_DEMAND"/,
    );
  });

  it("rejects a KMS key from another region", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    expect(problemsFor({ stream: { kmsKeyArn: key } }).message).toMatch(/stream\.kmsKeyArn: .*a key in the stack's region eu-west-1/);
  });

  describe("stream.kmsKeyArn with security.encryption", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

    it("rejects a stream key together with the stack's customer-managed key (the stack's key encrypts the stream)", () => {
      expect(problemsFor({ security: { encryption: "customer-managed" }, stream: { kmsKeyArn: key } }).message).toMatch(
        /stream\.kmsKeyArn: received "arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]+"; allowed: unset when security\.encryption is customer-managed/,
      );
    });

    it("does not require a stream key with customer-managed encryption", () => {
      const config = loadConfig(fileWith({ security: { encryption: "customer-managed" } }), "test");
      expect(config.stream.kmsKeyArn).toBeUndefined();
      expect(config.security.encryption).toBe("customer-managed");
    });

    it("accepts a stream key with AWS-managed encryption", () => {
      expect(loadConfig(fileWith({ stream: { kmsKeyArn: key } }), "test").stream.kmsKeyArn).toBe(key);
    });
  });

  it("rejects a malformed KMS key ARN", () => {
    expect(problemsFor({ stream: { kmsKeyArn: "my-key" } }).message).toMatch(
      /stream\.kmsKeyArn: received "my-key"; allowed: a KMS key ARN/,
    );
  });

  it("rejects a drop rule on an unknown column", () => {
    expect(problemsFor({ delivery: { dropRules: [{ column: "kind", equals: ["ping"] }] } }).message).toMatch(
      /delivery\.dropRules\.0\.column: received "kind"; allowed: a scalar schema column/,
    );
  });

  it("rejects a transform timeout beyond Firehose's 5 minutes", () => {
    expect(problemsFor({ transform: { timeoutSeconds: 301 } }).message).toMatch(
      /transform\.timeoutSeconds: received 301; allowed: an integer from 1 to 300/,
    );
  });

  it("rejects an invalid environment name", () => {
    const file: PipelineConfigFile = { defaults: { namePrefix: "acme", region: "eu-west-1" }, environments: { Prod_1: {} } };
    expect(() => loadAllConfigs(file, {})).toThrow(/\[Prod_1\] environments: received "Prod_1"/);
  });

  it("rejects a region that is not a region code", () => {
    expect(problemsFor({ region: "Ireland" }).message).toMatch(/region: received "Ireland"; allowed: an AWS region code/);
  });
});

describe("batch configuration validation", () => {
  it.each([
    ["rate(1 hours)", /use the singular unit for 1/],
    ["rate(0 minutes)", /at least 1/],
    ["every day", /6-field cron/],
    ["cron(0 2 * * *)", /has 5 fields/],
  ])("rejects the batch schedule %p", (schedule, reason) => {
    const message = problemsFor({ batch: { schedule } }).message;
    expect(message).toMatch(/batch\.schedule: received .*allowed: rate\(N minutes\|hours\|days\) or a 6-field cron/);
    expect(message).toMatch(reason);
  });

  it("rejects a run timeout that lets scheduled runs overlap", () => {
    expect(problemsFor({ batch: { schedule: "rate(1 hour)", runTimeoutMinutes: 90 } }).message).toMatch(
      /batch\.runTimeoutMinutes: received 90; allowed: less than the schedule's shortest period \(60 minutes for rate\(1 hour\)\)/,
    );
  });

  it("measures the shortest gap of a cron schedule with several runs a day", () => {
    expect(problemsFor({ batch: { schedule: "cron(0 1,2 * * ? *)", runTimeoutMinutes: 80 } }).message).toMatch(
      /shortest period \(60 minutes/,
    );
    expect(loadConfig(fileWith({ batch: { schedule: "cron(0 6,18 * * ? *)", runTimeoutMinutes: 120 } }), "test").batch.schedule).toBe(
      "cron(0 6,18 * * ? *)",
    );
  });

  it("rejects a run timeout too short for the workflow's waiting loops, naming their budgets", () => {
    const message = problemsFor({ batch: { runTimeoutMinutes: 30 } }).message;
    expect(message).toMatch(
      /batch\.runTimeoutMinutes: received 30; allowed: an integer from 72 to 1440 \(minutes; the minimum covers delivery 480 s, crawler 1800 s, 2 validation retries of 120 s and 30 min for extract and push\)/,
    );
  });

  it("raises the minimum run timeout with longer delivery buffering", () => {
    expect(problemsFor({ delivery: { bufferIntervalSeconds: 900 }, batch: { runTimeoutMinutes: 72 } }).message).toMatch(
      /allowed: an integer from 82 to 1440/,
    );
  });

  it("rejects an event id column that is not a string column of the schema", () => {
    expect(problemsFor({ batch: { eventIdColumn: "duration_ms" } }).message).toMatch(
      /batch\.eventIdColumn: received "duration_ms"; allowed: a string column of the schema/,
    );
  });

  it("reserves the batch_id column for the workflow", () => {
    const schema = schemaWith([...validColumns, { name: "batch_id", type: "string", required: false }]);
    expect(problemsFor({ schema }).message).toMatch(/schema\.columns: received "batch_id"; allowed: no column named batch_id/);
  });

  it("accepts a batch_id column when the batch path is off", () => {
    const schema = schemaWith([...validColumns, { name: "batch_id", type: "string", required: false }]);
    expect(loadConfig(fileWith({ schema, batch: { enabled: false } }), "test").batch.enabled).toBe(false);
  });

  it("rejects an unknown time zone", () => {
    expect(problemsFor({ batch: { scheduleTimezone: "Mars/Olympus" } }).message).toMatch(
      /batch\.scheduleTimezone: received "Mars\/Olympus"; allowed: an IANA time zone/,
    );
  });

  // The alarm compares the average of DeliveryToS3.Success (0–1) with LessThanThreshold: 0 could never fire.
  it("rejects monitoring.deliverySuccessMin 0 with a configuration message, before any construct is built", () => {
    expect(problemsFor({ monitoring: { deliverySuccessMin: 0 } }).message).toMatch(
      /\[test\] monitoring\.deliverySuccessMin: received 0; allowed: a number greater than 0 and at most 1 .*Fix: set monitoring\.deliverySuccessMin above 0/,
    );
  });

  it.each([0.0001, 0.99, 1])("accepts monitoring.deliverySuccessMin %p", (share) => {
    expect(loadConfig(fileWith({ monitoring: { deliverySuccessMin: share } }), "test").monitoring.deliverySuccessMin).toBe(share);
  });

  it.each([-0.1, 1.01])("rejects monitoring.deliverySuccessMin %p", (share) => {
    expect(problemsFor({ monitoring: { deliverySuccessMin: share } }).message).toMatch(
      /monitoring\.deliverySuccessMin: received -?[\d.]+; allowed: a number greater than 0 and at most 1/,
    );
  });

  it.each([0, 289])("rejects monitoring.throttlePeriods %p (CloudWatch caps period × evaluation periods at one day)", (periods) => {
    expect(problemsFor({ monitoring: { throttlePeriods: periods } }).message).toMatch(
      /monitoring\.throttlePeriods: received \d+; allowed: an integer from 1 to 288/,
    );
  });

  it("rejects a malformed notification email", () => {
    expect(problemsFor({ monitoring: { notificationEmail: "ops" } }).message).toMatch(/monitoring\.notificationEmail: received "ops"/);
  });

  it("rejects a chunk size outside 100–100000 records", () => {
    expect(problemsFor({ batch: { recordsPerChunk: 10 } }).message).toMatch(
      /batch\.recordsPerChunk: received 10; allowed: an integer from 3000 to 100000/,
    );
  });

  it("rejects a partition key field that is not a column", () => {
    expect(problemsFor({ batch: { partitionKeyField: "customer" } }).message).toMatch(/batch\.partitionKeyField: received "customer"/);
  });
});

describe("Terraform Cloud backend choice", () => {
  it("uses a local backend when no organization is configured", () => {
    expect(loadConfig(fileWith({}), "test", {}).backend).toMatchObject({ kind: "local" });
  });

  it("takes the organization from TF_CLOUD_ORGANIZATION and names the workspace from the pattern", () => {
    expect(loadConfig(fileWith({}), "test", { TF_CLOUD_ORGANIZATION: "acme-corp" }).backend).toEqual({
      kind: "cloud",
      organization: "acme-corp",
      workspace: "acme-test",
      hostname: "app.terraform.io",
    });
  });

  it("prefers the configured organization and workspace pattern", () => {
    const config = loadConfig(fileWith({ terraformCloud: { organization: "data-team", workspace: "lake-{env}" } }), "test", {
      TF_CLOUD_ORGANIZATION: "other",
    });
    expect(config.backend).toMatchObject({ organization: "data-team", workspace: "lake-test" });
  });

  it("rejects a workspace pattern that yields an invalid name", () => {
    expect(problemsFor({ terraformCloud: { workspace: "lake {env}" } }).message).toMatch(
      /terraformCloud\.workspace: received "lake \{env\}"/,
    );
  });
});

describe("cron expressions", () => {
  it.each([
    "cron(10 * * * ? *)",
    "cron(0/15 8-17 ? * MON-FRI *)",
    "cron(0 12 1 JAN,JUL ? 2027)",
    "cron(0 0 L * ? *)",
    "cron(0 9 ? * 2#1 *)",
  ])("accepts %p", (expression) => expect(cronProblem(expression)).toBeUndefined());
});

describe("the schema as the single source", () => {
  /** Dotted paths and descriptions of every leaf setting, through defaults, optionals and refinements. */
  function leaves(schema: z.ZodTypeAny, path = ""): { path: string; description?: string }[] {
    const description = schema.description;
    let node = schema;
    while (node instanceof z.ZodDefault || node instanceof z.ZodOptional || node instanceof z.ZodNullable || node instanceof z.ZodEffects) {
      node = node instanceof z.ZodEffects ? node.innerType() : node instanceof z.ZodDefault ? node.removeDefault() : node.unwrap();
    }
    if (node instanceof z.ZodObject && path !== "schema") {
      return Object.entries(node.shape as Record<string, z.ZodTypeAny>).flatMap(([key, child]) =>
        leaves(child, path ? `${path}.${key}` : key),
      );
    }
    return [{ path, description }];
  }

  it("gives every setting a description that says why one would change it", () => {
    const all = leaves(settingsSchema);
    expect(all.length).toBeGreaterThan(70);
    expect(all.filter((leaf) => !leaf.description || leaf.description.length < 20).map((leaf) => leaf.path)).toEqual([]);
  });

  it("takes the project defaults from the schema", () => {
    expect(DEFAULT_SETTINGS.stream).toEqual({ mode: "PROVISIONED", retentionHours: 168 });
    expect(DEFAULT_SETTINGS.delivery.bufferSizeMiB).toBe(128);
    expect(DEFAULT_SETTINGS.schema).toEqual(CLICKSTREAM_SCHEMA);
    expect(DEFAULT_SETTINGS.tags).toEqual({});
  });

  it("reports a single-field rule and a cross-field rule together", () => {
    const error = problemsFor({ stream: { retentionHours: 12, mode: "ON_DEMAND", shardCount: 2 } });
    expect(error.problems.map((p) => p.field)).toEqual(["stream.retentionHours", "stream.shardCount"]);
  });

  it("stops at a value of the wrong type before the cross-field rules", () => {
    const error = problemsFor({ stream: { retentionHours: "168" as never, mode: "ON_DEMAND", shardCount: 2 } });
    expect(error.problems.map((p) => p.field)).toEqual(["stream.retentionHours"]);
  });
});

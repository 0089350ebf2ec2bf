/**
 * The cross-field configuration rules, through `loadConfig` on plain settings objects (no stack is
 * synthesized): each problem names its field, the value received, what is allowed and the fix.
 */
import type { Overrides, PipelineSettings } from "../../stacks/config";
import { only, problems } from "../support/config-problems";

const QUICKSIGHT_USER = "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";

describe("QuickSight rules", () => {
  it("checks nothing while QuickSight is off", () => {
    expect(problems({ quicksight: { enabled: false, serviceRoleName: "bad role/name" } })).toEqual([]);
  });

  it("accepts a user or group ARN, in any partition, with a plain role name", () => {
    expect(problems({ quicksight: { enabled: true, principalArn: QUICKSIGHT_USER } })).toEqual([]);
    const group = "arn:aws-cn:quicksight:cn-north-1:123456789012:group/default/lake.analysts@acme";
    expect(problems({ quicksight: { enabled: true, principalArn: group, serviceRoleName: "qs+role=1,a.b@c_d-e" } })).toEqual([]);
  });

  it("requires a principal when enabled, showing it unset", () => {
    const problem = only(problems({ quicksight: { enabled: true } }), "quicksight.principalArn");
    expect(problem.received).toBeUndefined();
    expect(problem.allowed).toBe("the ARN of a QuickSight user or group when quicksight.enabled is true");
    expect(problem.fix).toMatch(/^set quicksight\.principalArn, e\.g\. arn:aws:quicksight:/);
  });

  it.each([
    "arn:aws:iam::123456789012:user/analyst",
    "arn:aws:quicksight:eu-west-1:12345678901:user/default/analyst",
    "arn:aws:quicksight:eu-west-1:123456789012:role/default/analyst",
    "arn:aws:quicksight:eu-west-1:123456789012:user/analyst",
    " arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst",
    "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst ",
    "arn:aws:quicksight:EU:123456789012:user/default/analyst",
  ])("rejects the principal %p, showing the expected shape", (principalArn) => {
    const problem = only(problems({ quicksight: { enabled: true, principalArn } }), "quicksight.principalArn");
    expect(problem.received).toBe(principalArn);
    expect(problem.allowed).toBe("arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> (or group/…)");
    expect(problem.fix).toContain("aws quicksight list-users --namespace default");
  });

  it.each(["", "a".repeat(65), "service-role/qs", "qs role"])("rejects the role name %p", (serviceRoleName) => {
    const problem = only(
      problems({ quicksight: { enabled: true, principalArn: QUICKSIGHT_USER, serviceRoleName } }),
      "quicksight.serviceRoleName",
    );
    expect(problem.received).toBe(serviceRoleName);
    expect(problem.allowed).toBe("an IAM role name of 1–64 letters, digits and + = , . @ _ - (no path)");
  });

  it("accepts a 64-character role name", () => {
    expect(problems({ quicksight: { enabled: true, principalArn: QUICKSIGHT_USER, serviceRoleName: "r".repeat(64) } })).toEqual([]);
  });
});

describe("names built from templates", () => {
  it("reports an override whose derived role name is too long, naming the override and the longest such name", () => {
    // 60 characters fit a Lambda function name (64) but not its role `<name>-role` (IAM: 64).
    const transformFunction = "f".repeat(60);
    const problem = only(problems({ names: { transformFunction } }), "names.transformFunction");
    expect(problem.received).toBe(transformFunction);
    expect(problem.allowed).toMatch(
      /^a value short enough for every name built from it: the .* "f{60}-[a-z-]+" has \d+ characters, AWS allows 1–\d+$/,
    );
    expect(problem.fix).toBe("shorten names.transformFunction (derived from namePrefix and the environment name when unset)");
  });

  it.each([
    ["deliveryStream", "d".repeat(60)],
    ["crawler", "c".repeat(60)],
    ["stateMachine", "s".repeat(60)],
  ] as const)("reports names.%s by its resolved value when a name built from it is too long", (field, value) => {
    const problem = only(problems({ batch: { enabled: true }, names: { [field]: value } }), `names.${field}`);
    expect(problem.received).toBe(value);
    expect(problem.allowed).toMatch(/^a value short enough for every name built from it: /);
    expect(problem.fix).toBe(`shorten names.${field} (derived from namePrefix and the environment name when unset)`);
  });

  it("reports the table name when its latest-records view name would be too long", () => {
    const tableName = "t".repeat(250);
    const problem = only(problems({ catalog: { tableName } }), "catalog.tableName");
    expect(problem.received).toBe(tableName);
    expect(problem.allowed).toMatch(/^a value short enough for every name built from it: .*"t{250}_/);
    expect(problem.fix).toBe("shorten catalog.tableName");
  });

  it("blames the prefix, with the environment, for names built from both, showing the longest that does not fit", () => {
    // A 32-character prefix and a 10-character environment: the longest batch function name is 64
    // characters (fits), its role name 69 (IAM allows 64).
    const list = problems({ batch: { enabled: true } }, "p".repeat(32), "abcdefghij");
    const problem = only(list, "namePrefix");
    expect(problem.received).toBe("p".repeat(32));
    expect(problem.allowed).toBe(
      `a value short enough for every name built from it: the IAM role name "${"p".repeat(32)}-abcdefghij-batch-delivery-check-role" has 69 characters, AWS allows 1–64`,
    );
    expect(problem.fix).toBe("shorten namePrefix or the environment name");
  });

  it("says nothing of names built from templates when the prefix itself is invalid", () => {
    const list = problems({}, "Bad_Prefix");
    expect(list[0]).toMatchObject({
      field: "namePrefix",
      allowed: "2–32 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen",
    });
    expect(list.filter((p) => p.allowed.startsWith("a value short enough"))).toEqual([]);
    expect(only(list, "names.database").fix).toBe(
      "use only the characters /^[a-z_][a-z0-9_]*$/ (derived from namePrefix; shorten namePrefix or set names.database)",
    );
  });

  it("does not add a derived-name problem to a field whose own value is already reported", () => {
    const list = problems({ names: { transformFunction: "f".repeat(65) } });
    expect(list.filter((p) => p.field === "names.transformFunction")).toHaveLength(1);
    expect(only(list, "names.transformFunction").allowed).toBe("a Lambda function name of 1–64 characters (it has 65)");
  });
});

describe("physical names and buckets", () => {
  it("says where a derived name came from and how to shorten it", () => {
    const problem = only(problems({}, "a".repeat(32)), "names.lakeBucket");
    expect(problem.allowed).toBe(
      "a derived bucket prefix of at most 37 lower-case letters, digits and hyphens (Terraform adds a 26-character unique suffix)",
    );
    expect(problem.fix).toBe("shorten namePrefix, or set names.lakeBucket to an exact bucket name");
  });

  it("checks the access-log bucket only when access logging is on", () => {
    const bad = { names: { accessLogBucket: "Bad_Bucket" } };
    expect(problems({ ...bad, security: { accessLogging: false } }).map((p) => p.field)).not.toContain("names.accessLogBucket");
    const problem = only(problems({ ...bad, security: { accessLogging: true } }), "names.accessLogBucket");
    expect(problem.received).toBe("Bad_Bucket");
    expect(problem.fix).toBe(
      "choose a globally unique name that follows the rules, or remove names.accessLogBucket to let Terraform generate one",
    );
  });

  it("lists every rule an exact bucket name breaks", () => {
    const problem = only(problems({ names: { resultsBucket: "xn--a.b" } }), "names.resultsBucket");
    expect(problem.allowed).toBe(
      "an S3 bucket name with only lower-case letters, digits and hyphens, starting and ending with a letter or digit (no dots: they break TLS); not starting with xn-- or sthree-",
    );
  });

  it.each(["sthree-bucket", "lake--ol-s3", "lake--x-s3", "a".repeat(64)])("rejects the bucket name %p", (lakeBucket) => {
    expect(only(problems({ names: { lakeBucket } }), "names.lakeBucket").received).toBe(lakeBucket);
  });

  it.each(["abc", "a".repeat(63), "lake-2026"])("accepts the bucket name %p", (lakeBucket) => {
    expect(problems({ names: { lakeBucket } })).toEqual([]);
  });

  it("says a name set explicitly is too long without blaming the prefix", () => {
    const problem = only(problems({ names: { stream: "s".repeat(129) } }), "names.stream");
    expect(problem.allowed).toBe("a Kinesis stream name of 1–128 characters (it has 129)");
    expect(problem.fix).toBe("use a name of at most 128 characters");
  });

  it("names the allowed characters of a Glue name and points a derived one at the prefix", () => {
    const problem = only(problems({ names: { database: "lake-db" } }), "names.database");
    expect(problem.allowed).toMatch(/^a Glue database name \(lower-case letters, digits, underscores\) matching \//);
    expect(problem.fix).toMatch(/^use only the characters \//);
    expect(problem.fix).not.toContain("namePrefix");
  });
});

describe("event schema rules", () => {
  const TIME = { name: "event_time", type: "timestamp", required: true } as const;
  const ID = { name: "event_id", type: "string", required: true } as const;

  it("asks for at least one column", () => {
    const problem = only(problems({ schema: { columns: [] } }), "schema.columns");
    expect(problem).toMatchObject({ received: [], allowed: "at least one column", fix: "declare the event's columns in schema.columns" });
  });

  it("names the duplicate column by its index and value", () => {
    const problem = only(problems({ schema: { columns: [ID, TIME, { ...ID, required: false }] } }), "schema.columns.2.name");
    expect(problem).toMatchObject({ received: "event_id", allowed: "a name used by no other column" });
  });

  it("suggests the lower-case name, and checks a lower-case name's characters and length", () => {
    const upper = only(
      problems({ schema: { columns: [ID, TIME, { name: "Page", type: "string", required: false }] } }),
      "schema.columns.2.name",
    );
    expect(upper).toMatchObject({ received: "Page", allowed: "a lower-case name (Glue, Athena and Parquet lower-case column names)" });
    expect(upper.fix).toMatch(/^rename it to "page"; /);
    const dashed = only(
      problems({ schema: { columns: [ID, TIME, { name: "page-url", type: "string", required: false }] } }),
      "schema.columns.2.name",
    );
    expect(dashed.allowed).toMatch(/^a column name of lower-case letters, digits and underscores matching \//);
  });

  it("lists the partition keys a column must not be named after, following the day key", () => {
    const problem = only(
      problems({ partitioning: { dayKey: "date" }, schema: { columns: [ID, TIME, { name: "date", type: "string", required: false }] } }),
      "schema.columns.2.name",
    );
    expect(problem.allowed).toBe("a name other than the partition keys year, month, date, hour");
    expect(problem.fix).toBe('rename the column (e.g. "date_value"), or change partitioning.dayKey if it collides with the day key');
  });

  it("lists the columns when the event-time column is missing", () => {
    const problem = only(problems({ schema: { eventTimeColumn: "ts", columns: [ID, TIME] } }), "schema.eventTimeColumn");
    expect(problem).toMatchObject({ received: "ts", allowed: "the name of a timestamp column in schema.columns (event_id, event_time)" });
  });

  it("names the type of an event-time column that is not a timestamp, and asks an optional one to be required", () => {
    const typed = only(problems({ schema: { columns: [ID, { ...TIME, type: "string" }] } }), "schema.eventTimeColumn");
    expect(typed.allowed).toBe("a column of type timestamp (it is string)");
    const optional = only(problems({ schema: { columns: [ID, { ...TIME, required: false }] } }), "schema.eventTimeColumn");
    expect(optional.fix).toBe('set required: true on column "event_time"');
  });

  it("refuses a schema whose transform settings outgrow the function's environment, counting columns and bytes", () => {
    const columns = [
      ID,
      TIME,
      ...Array.from({ length: 60 }, (_, i) => ({ name: `column_number_${i}`, type: "string", required: false }) as const),
    ];
    const problem = only(problems({ schema: { columns } }), "schema.columns");
    expect(problem.received).toMatch(/^62 columns \(\d+ bytes\)$/);
    expect(Number(/\((\d+) bytes/.exec(String(problem.received))![1])).toBeGreaterThan(3584);
    expect(problem.allowed).toBe("a schema that fits the transform's 4 KB of environment variables (at most 3584 bytes as JSON)");
    const fits = problems({ schema: { columns: columns.slice(0, 30) } });
    expect(fits).toEqual([]);
  });
});

describe("delivery freshness", () => {
  it("is unchecked when unset", () => {
    expect(problems({ monitoring: { deliveryFreshnessMaxSeconds: undefined } })).toEqual([]);
  });

  it("must exceed the two buffering intervals together, naming them", () => {
    const delivery = { bufferIntervalSeconds: 300, processorBufferIntervalSeconds: 60 };
    const problem = only(
      problems({ delivery, monitoring: { deliveryFreshnessMaxSeconds: 359 } }),
      "monitoring.deliveryFreshnessMaxSeconds",
    );
    expect(problem.allowed).toBe("an integer from 360 to 86400 (seconds; below the buffering (360 s) it would alarm on normal operation)");
    expect(problem.fix).toBe("set it above 360, or remove it for twice the buffering");
    expect(problems({ delivery, monitoring: { deliveryFreshnessMaxSeconds: 360 } })).toEqual([]);
  });

  it("is at least a minute even with short buffering, and at most a day", () => {
    const delivery = { bufferIntervalSeconds: 0, processorBufferIntervalSeconds: 60 };
    expect(problems({ delivery, monitoring: { deliveryFreshnessMaxSeconds: 60 } })).toEqual([]);
    expect(only(problems({ monitoring: { deliveryFreshnessMaxSeconds: 86_401 } }), "monitoring.deliveryFreshnessMaxSeconds").received).toBe(
      86_401,
    );
  });
});

describe("workload", () => {
  it("reports the workload's problems under workload.<field>", () => {
    const problem = only(
      problems({ workload: { eventsPerSecond: 100, averageRecordBytes: 1000, maxRecordBytes: 10 } }),
      "workload.maxRecordBytes",
    );
    expect(problem).toMatchObject({ received: 10, allowed: "at least averageRecordBytes (1000)" });
    expect(problem.fix).toMatch(/^set maxRecordBytes to the largest event size/);
  });

  it("has nothing to say of a sensible workload or none", () => {
    expect(problems({ workload: { eventsPerSecond: 100, averageRecordBytes: 1000 } })).toEqual([]);
    expect(problems({ workload: undefined })).toEqual([]);
  });
});

describe("batch rules", () => {
  const batch = (settings: Record<string, unknown>) => ({ batch: { enabled: true, ...settings } }) as Overrides<PipelineSettings>;

  it("lists the schema's columns when the event id column is not a string column, and says what to name", () => {
    const problem = only(problems(batch({ eventIdColumn: "event_time" })), "batch.eventIdColumn");
    expect(problem.allowed).toMatch(/^a string column of the schema \(event_id, event_type, event_time, .*\)$/);
    expect(problem.fix).toContain("unique event id");
  });

  it("says how to fix a partition key field that is no column, and a batch_id column", () => {
    expect(only(problems(batch({ partitionKeyField: "nope" })), "batch.partitionKeyField").fix).toContain("remove it to use the event id");
    const columns = [
      { name: "event_id", type: "string", required: true },
      { name: "event_time", type: "timestamp", required: true },
      { name: "batch_id", type: "string", required: false },
    ] as const;
    expect(only(problems({ ...batch({}), schema: { columns } }), "schema.columns").fix).toBe(
      "rename your batch_id column, or set batch.enabled to false",
    );
  });

  it.each([
    ["recordsPerChunk", 100_001, "an integer from 3000 to 100000 (records per staging chunk; fewer would let one range's chunks exceed"],
    ["maxPushAttempts", 21, "an integer from 1 to 20 (PutRecords attempts)"],
    ["validationAttempts", 0, "an integer from 1 to 10 (attempts)"],
    ["validationBytesScannedCutoff", 1, "an integer from 10485760 to 9007199254740991 (bytes; Athena's minimum is 10 MB)"],
    ["stagingExpirationDays", 0, "an integer from 1 to 36500 (days)"],
  ])("states the range and unit of batch.%s and names the field in the fix", (field, value, allowed) => {
    const problem = only(problems(batch({ [field]: value })), `batch.${field}`);
    expect(problem.received).toBe(value);
    expect(problem.allowed.startsWith(allowed)).toBe(true);
    expect(problem.fix).toMatch(new RegExp(`^set batch\\.${field} (between|to at least)`));
  });

  it("without a computable budget (invalid buffering or validation attempts), bounds the run timeout to 15–1440 minutes", () => {
    const badAttempts = only(problems(batch({ validationAttempts: 0, runTimeoutMinutes: 10 })), "batch.runTimeoutMinutes");
    expect(badAttempts.allowed).toBe("an integer from 15 to 1440 (minutes)");
    expect(badAttempts.fix).toBe("set batch.runTimeoutMinutes between 15 and 1440");
    const badBuffer = problems({ ...batch({ runTimeoutMinutes: 10 }), delivery: { bufferIntervalSeconds: -1 } });
    expect(only(badBuffer, "batch.runTimeoutMinutes").allowed).toBe("an integer from 15 to 1440 (minutes)");
  });

  it("computes the budget from zero buffering and from a single validation attempt", () => {
    const zero = only(problems({ ...batch({ runTimeoutMinutes: 10 }), delivery: { bufferIntervalSeconds: 0 } }), "batch.runTimeoutMinutes");
    expect(zero.allowed).toMatch(
      /^an integer from \d+ to 1440 \(minutes; the minimum covers delivery \d+ s, crawler 1800 s, 2 validation retries/,
    );
    const single = only(problems(batch({ validationAttempts: 1, runTimeoutMinutes: 10 })), "batch.runTimeoutMinutes");
    expect(single.allowed).toMatch(/, 0 validation retries of 120 s and 30 min for extract and push\)$/);
    expect(single.fix).toMatch(/^set batch\.runTimeoutMinutes between \d+ and 1440$/);
  });

  it("accepts manual runs only (no schedule) without checking a period", () => {
    expect(problems(batch({ schedule: null, runTimeoutMinutes: 1440 }))).toEqual([]);
  });

  it("says how to write a schedule, a time zone, and how to stop runs overlapping", () => {
    expect(only(problems(batch({ schedule: "every day" })), "batch.schedule").fix).toContain('"rate(6 hours)"');
    expect(only(problems(batch({ scheduleTimezone: "Mars/Olympus" })), "batch.scheduleTimezone").fix).toBe(
      "use a time zone name from the IANA database",
    );
    const overlap = only(problems(batch({ schedule: "rate(2 hours)", runTimeoutMinutes: 130 })), "batch.runTimeoutMinutes");
    expect(overlap.fix).toBe("lower batch.runTimeoutMinutes or schedule runs further apart");
  });
});

describe("QuickSight role name fix", () => {
  it("says where to find the role's name", () => {
    const problem = only(
      problems({ quicksight: { enabled: true, principalArn: QUICKSIGHT_USER, serviceRoleName: "a b" } }),
      "quicksight.serviceRoleName",
    );
    expect(problem.fix).toBe("set the name of QuickSight's role as IAM shows it, e.g. aws-quicksight-service-role-v0");
  });
});

describe("the name prefix", () => {
  it.each(["acme-", "acme-lake-", "a"])("rejects %p (it must end with a letter or digit and have two characters)", (prefix) => {
    expect(only(problems({}, prefix), "namePrefix").received).toBe(prefix);
  });

  it("accepts 32 characters and refuses 33", () => {
    expect(problems({}, `a${"b".repeat(31)}`).map((p) => p.field)).not.toContain("namePrefix");
    expect(only(problems({}, `a${"b".repeat(32)}`), "namePrefix").fix).toBe('choose a short lower-case prefix such as "acme-lake"');
  });
});

describe("stream and delivery rules", () => {
  it("tells a PROVISIONED stream without shards what one shard takes, and how to fix a zero count", () => {
    const missing = only(problems({ stream: { mode: "PROVISIONED", shardCount: undefined } }), "stream.shardCount");
    expect(missing).toMatchObject({ received: undefined, allowed: "an integer from 1 to 10000 when stream.mode is PROVISIONED" });
    expect(missing.fix).toBe("set stream.shardCount (1 shard takes 1 MiB/s or 1,000 records/s), or set stream.mode to ON_DEMAND");
    const zero = only(problems({ stream: { mode: "PROVISIONED", shardCount: 0 } }), "stream.shardCount");
    expect(zero.allowed).toBe("an integer from 1 to 10000 (shards)");
    expect(zero.fix).toBe("set stream.shardCount to at least 1 (1 shard takes 1 MiB/s or 1,000 records/s)");
  });

  it("refuses a shard count with ON_DEMAND, saying AWS manages the capacity", () => {
    const problem = only(problems({ stream: { mode: "ON_DEMAND", shardCount: 2 } }), "stream.shardCount");
    expect(problem).toMatchObject({ received: 2, allowed: "no shard count when stream.mode is ON_DEMAND (capacity is managed by AWS)" });
    expect(problem.fix).toBe("remove stream.shardCount, or set stream.mode to PROVISIONED");
  });

  it("accepts a key or alias ARN of the stack's region, in any partition", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0123abcd-0123-abcd-0123-0123456789ab";
    expect(problems({ stream: { kmsKeyArn: key } })).toEqual([]);
    expect(problems({ stream: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/team/stream_key-1" } })).toEqual([]);
  });

  it.each([
    "arn:aws:kms:eu-west-1:123456789012:key/not-a-uuid",
    "xarn:aws:kms:eu-west-1:123456789012:alias/k",
    "arn:aws:kms:eu-west-1:123456789012:alias/k x",
    "arn:aws:kms:eu-west-1:1234:alias/k",
  ])("refuses the stream key %p, showing the expected shape", (kmsKeyArn) => {
    const problem = only(problems({ stream: { kmsKeyArn } }), "stream.kmsKeyArn");
    expect(problem.allowed).toBe("a KMS key ARN arn:aws:kms:<region>:<account>:key/<uuid>");
    expect(problem.fix).toBe("paste the key's ARN from the KMS console, or remove it to use the AWS-managed key");
  });

  it("names the stack's region for a key from another", () => {
    const problem = only(problems({ stream: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/k" } }), "stream.kmsKeyArn");
    expect(problem.allowed).toBe("a key in the stack's region eu-west-1");
    expect(problem.fix).toBe("use a key from the same region as the stream");
  });

  it("says how to keep an own stream key with the stack's customer-managed key", () => {
    const list = problems({
      stream: { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/k" },
      security: { encryption: "customer-managed" },
    });
    expect(only(list, "stream.kmsKeyArn").fix).toBe(
      "remove stream.kmsKeyArn, or set security.encryption to aws-managed to keep your own stream key",
    );
  });

  it("explains a small buffer under Parquet conversion, and ranges the buffer otherwise", () => {
    const small = only(problems({ delivery: { bufferSizeMiB: 63 } }), "delivery.bufferSizeMiB");
    expect(small.allowed).toBe("an integer from 64 to 128 (MiB) while Parquet conversion is on");
    expect(small.fix).toMatch(/^set delivery\.bufferSizeMiB to at least 64 .*or set delivery\.format to json$/);
    expect(problems({ delivery: { bufferSizeMiB: 64 } })).toEqual([]);
    const zero = only(problems({ delivery: { bufferSizeMiB: 0 } }), "delivery.bufferSizeMiB");
    expect(zero.allowed).toBe("an integer from 64 to 128 (MiB)");
    expect(zero.fix).toBe("set delivery.bufferSizeMiB between 64 and 128");
    const json = only(problems({ delivery: { format: "json", bufferSizeMiB: 0 } }), "delivery.bufferSizeMiB");
    expect(json.allowed).toBe("an integer from 1 to 128 (MiB)");
    expect(problems({ delivery: { format: "json", bufferSizeMiB: 1 } })).toEqual([]);
  });

  it("states the buffer interval's range, and why event-time partitions need 60 s", () => {
    const arrival = only(problems({ delivery: { bufferIntervalSeconds: 901 } }), "delivery.bufferIntervalSeconds");
    expect(arrival.allowed).toBe("an integer from 0 to 900 (seconds)");
    expect(arrival.fix).toBe("set delivery.bufferIntervalSeconds between 0 and 900; 300 is a good default");
    const event = only(
      problems({ partitioning: { partitionTime: "event" }, delivery: { bufferIntervalSeconds: 59 } }),
      "delivery.bufferIntervalSeconds",
    );
    expect(event.allowed).toBe(
      "an integer from 60 to 900 (seconds; dynamic partitioning (event-time partitions) does not allow less than 60)",
    );
  });

  it("lists the schema's columns for a drop rule on an unknown one, by the rule's index", () => {
    const rules = [
      { column: "event_type", equals: ["x"] },
      { column: "nope", equals: ["x"] },
    ];
    const problem = only(problems({ delivery: { dropRules: rules } } as Overrides<PipelineSettings>), "delivery.dropRules.1.column");
    expect(problem.received).toBe("nope");
    expect(problem.allowed).toMatch(/^a scalar schema column \(event_id, event_type, .*\)$/);
    // A drop rule compares a value with strings: nested columns (items, properties) are not offered.
    expect(problem.allowed).not.toMatch(/items|properties/);
    expect(problem.fix).toBe("name a column declared in schema.columns that is not an array, map or struct");
  });
});

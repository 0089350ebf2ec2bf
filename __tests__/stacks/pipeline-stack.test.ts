import { AthenaNamedQuery } from "@cdktf/provider-aws/lib/athena-named-query";
import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { GlueCrawler } from "@cdktf/provider-aws/lib/glue-crawler";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Logger, LogLevel } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { Testing } from "cdktf";
import { UNSCOPABLE_ALLOWLIST } from "../../stacks/iam-rules/rules";
import "cdktf/lib/testing/adapters/jest";
import { CLICKSTREAM_SCHEMA, PipelineSettings } from "../../stacks/config";
import { MAX_REPLAY_OBJECT_BYTES } from "../../handlers/extract/object-text";
import { bindEnvironment, NodeFunction } from "../../stacks/constructs/node-function";
import { actionsOf, asList, resourcesFor, rolesOf } from "../support/iam";
import {
  addressOf,
  addressWhere,
  eventsTable,
  eventsTableAddress,
  findWhere,
  referencedAddress,
  synthPipeline,
  Synthesized,
} from "../support/synth";

const isTransform = (fn: Record<string, any>) => String(fn.function_name).endsWith("-transform");
const transformOf = (s: Synthesized) => findWhere(s, "aws_lambda_function", isTransform);
const transformAddress = (s: Synthesized) => addressWhere(s, "aws_lambda_function", isTransform);

const defaults: Synthesized = synthPipeline();
const firehose = () => defaults.only("aws_kinesis_firehose_delivery_stream");
const s3Config = () => firehose().extended_s3_configuration;
const processorParameter = (s: Synthesized, name: string) =>
  s
    .only("aws_kinesis_firehose_delivery_stream")
    .extended_s3_configuration.processing_configuration.processors[0].parameters.find(
      (p: { parameter_name: string }) => p.parameter_name === name,
    )?.parameter_value;
const roles = rolesOf(defaults);
const role = (suffix: string) => {
  const found = [...roles.values()].find((r) => r.name.endsWith(suffix));
  if (!found) throw new Error(`no role ending with ${suffix}`);
  return found;
};

describe("stream", () => {
  it("encrypts with KMS using the AWS-managed key by default", () => {
    expect(defaults.json).toHaveResourceWithProperties(KinesisStream, {
      encryption_type: "KMS",
      kms_key_id: "alias/aws/kinesis",
    });
  });

  it("keeps records for 168 hours on one provisioned shard by default", () => {
    expect(defaults.json).toHaveResourceWithProperties(KinesisStream, {
      retention_period: 168,
      shard_count: 1,
      stream_mode_details: { stream_mode: "PROVISIONED" },
    });
  });

  it("sets no shard count in ON_DEMAND mode", () => {
    const stream = synthPipeline({ stream: { mode: "ON_DEMAND" } }).only("aws_kinesis_stream");
    expect(stream.stream_mode_details).toEqual({ stream_mode: "ON_DEMAND" });
    expect(stream).not.toHaveProperty("shard_count");
  });

  it("uses a customer-managed key and lets Firehose decrypt only through Kinesis", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
    const s = synthPipeline({ stream: { kmsKeyArn: key } });
    expect(s.only("aws_kinesis_stream").kms_key_id).toBe(key);
    const decrypt = [...rolesOf(s).values()].flatMap((r) => r.statements).filter((st) => asList(st.Action).includes("kms:Decrypt"));
    expect(decrypt).toEqual([
      expect.objectContaining({
        Resource: [key],
        Condition: { StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" } },
      }),
    ]);
  });
});

describe("lake storage", () => {
  const buckets = defaults.resources("aws_s3_bucket");
  const bucketAddresses = Object.keys(defaults.tf.resource.aws_s3_bucket).map((k) => `aws_s3_bucket.${k}`);
  const companionsOf = (type: string) =>
    defaults
      .resources(type)
      .map((r) => referencedAddress(r.bucket))
      .sort();

  it("creates a lake bucket and a results bucket with unique generated names", () => {
    expect(buckets.map((b) => b.bucket_prefix).sort()).toEqual(["acme-test-lake-", "acme-test-results-"]);
  });

  it("uses an exact bucket name when one is configured", () => {
    const s = synthPipeline({ names: { lakeBucket: "acme-events-lake" } });
    expect(s.resources("aws_s3_bucket").map((b) => b.bucket)).toContain("acme-events-lake");
  });

  it.each([
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
  ])("gives every bucket a %s", (type) => {
    expect(companionsOf(type)).toEqual([...bucketAddresses].sort());
  });

  it("blocks all public access", () => {
    for (const block of defaults.resources("aws_s3_bucket_public_access_block")) {
      expect(block).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
  });

  it("disables ACLs and encrypts with SSE-S3", () => {
    for (const o of defaults.resources("aws_s3_bucket_ownership_controls")) expect(o.rule.object_ownership).toBe("BucketOwnerEnforced");
    for (const e of defaults.resources("aws_s3_bucket_server_side_encryption_configuration")) {
      expect(e.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    }
  });

  it("denies every request that does not use TLS", () => {
    for (const policy of defaults.resources("aws_s3_bucket_policy")) {
      expect(JSON.parse(policy.policy).Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });

  it("versions the lake bucket only", () => {
    const versioning = defaults.only("aws_s3_bucket_versioning");
    expect(versioning.versioning_configuration.status).toBe("Enabled");
    const lake = Object.entries(defaults.tf.resource.aws_s3_bucket).find(([, b]) => b.bucket_prefix === "acme-test-lake-")![0];
    expect(referencedAddress(versioning.bucket)).toBe(`aws_s3_bucket.${lake}`);
  });

  it("aborts incomplete uploads in every bucket", () => {
    for (const lifecycle of defaults.resources("aws_s3_bucket_lifecycle_configuration")) {
      expect(lifecycle.rule).toContainEqual(
        expect.objectContaining({
          status: "Enabled",
          filter: [{}],
          abort_incomplete_multipart_upload: [expect.objectContaining({ days_after_initiation: expect.any(Number) })],
        }),
      );
    }
  });

  // S3 removes a delete marker only through Expiration.ExpiredObjectDeleteMarker, which "cannot be specified
  // with Days or Date" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html); the
  // provider marks expired_object_delete_marker "Conflicts with date and days"
  // (website/docs/r/s3_bucket_lifecycle_configuration.html.markdown in hashicorp/terraform-provider-aws), yet
  // only warns at plan time (WarnExactlyOneOfChildren in internal/service/s3/bucket_lifecycle_configuration.go):
  // the PutBucketLifecycleConfiguration call is what fails, so the synthesized rules must never combine them.
  it("removes expired delete markers everywhere in the versioned lake, in an expiration without days or date", () => {
    const s = synthPipeline({ batch: { enabled: true } });
    const versionedBucket = referencedAddress(s.only("aws_s3_bucket_versioning").bucket);
    const lake = s.resources("aws_s3_bucket_lifecycle_configuration").find((l) => referencedAddress(l.bucket) === versionedBucket)!;
    const bucketWide = lake.rule.filter((rule: any) => rule.status === "Enabled" && JSON.stringify(rule.filter) === "[{}]");
    expect(bucketWide).toContainEqual(expect.objectContaining({ expiration: [{ expired_object_delete_marker: true }] }));
    // A marker is "expired" only once its noncurrent versions are gone: those must expire bucket-wide too.
    expect(bucketWide).toContainEqual(
      expect.objectContaining({ noncurrent_version_expiration: [expect.objectContaining({ noncurrent_days: expect.any(Number) })] }),
    );
  });

  it("never puts expired_object_delete_marker in the same expiration block as days or date", () => {
    for (const synth of [defaults, synthPipeline({ batch: { enabled: true }, lake: { processedExpirationDays: 30 } })]) {
      for (const lifecycle of synth.resources("aws_s3_bucket_lifecycle_configuration")) {
        for (const rule of lifecycle.rule) {
          for (const expiration of rule.expiration ?? []) {
            if (expiration.expired_object_delete_marker !== undefined) {
              expect({ rule: rule.id, days: expiration.days, date: expiration.date }).toEqual({
                rule: rule.id,
                days: undefined,
                date: undefined,
              });
            }
          }
        }
      }
    }
  });

  it("expires raw backups, delivery errors and query results after the configured days", () => {
    const s = synthPipeline({ lake: { rawBackupExpirationDays: 11, errorExpirationDays: 12, queryResultExpirationDays: 13 } });
    const rules = s.resources("aws_s3_bucket_lifecycle_configuration").flatMap((l) => l.rule);
    expect(rules).toContainEqual(expect.objectContaining({ filter: [{ prefix: "raw/" }], expiration: [{ days: 11 }] }));
    expect(rules).toContainEqual(expect.objectContaining({ filter: [{ prefix: "errors/" }], expiration: [{ days: 12 }] }));
    expect(rules).toContainEqual(expect.objectContaining({ id: "expire-query-results", expiration: [{ days: 13 }] }));
  });
});

describe("delivery", () => {
  it("reads from the stream and writes to the lake bucket", () => {
    expect(referencedAddress(firehose().kinesis_source_configuration.kinesis_stream_arn)).toBe(addressOf(defaults, "aws_kinesis_stream"));
    expect(firehose().destination).toBe("extended_s3");
  });

  it("sets no server-side encryption block, which conflicts with a Kinesis source", () => {
    expect(firehose()).not.toHaveProperty("server_side_encryption");
  });

  it("buffers at least 64 MiB when converting to Parquet", () => {
    expect(s3Config().buffering_size).toBeGreaterThanOrEqual(64);
    expect(s3Config().data_format_conversion_configuration.enabled).toBe(true);
  });

  it("converts JSON to Parquet with Snappy and leaves destination compression off", () => {
    const conversion = s3Config().data_format_conversion_configuration;
    expect(conversion.output_format_configuration.serializer.parquet_ser_de.compression).toBe("SNAPPY");
    expect(conversion.input_format_configuration.deserializer).toHaveProperty("open_x_json_ser_de");
    expect(s3Config().compression_format).toBe("UNCOMPRESSED");
  });

  it("converts with the Glue table defined in the same stack", () => {
    const schema = s3Config().data_format_conversion_configuration.schema_configuration;
    const table = eventsTable(defaults);
    expect(schema).toMatchObject({ database_name: "acme_test", table_name: table.name, version_id: "LATEST" });
    expect(referencedAddress(table.database_name)).toBe(addressOf(defaults, "aws_glue_catalog_database"));
    expect(defaults.only("aws_glue_catalog_database").name).toBe("acme_test");
    expect(firehose().depends_on).toContain(eventsTableAddress(defaults));
  });

  it("writes hourly year/month/day/hour partitions under data/", () => {
    expect(s3Config().prefix).toBe("data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/");
  });

  it("names the day partition date when configured", () => {
    const s = synthPipeline({ partitioning: { dayKey: "date" } });
    expect(s.only("aws_kinesis_firehose_delivery_stream").extended_s3_configuration.prefix).toContain("/date=!{timestamp:dd}/");
    expect(eventsTable(s).partition_keys.map((k: { name: string }) => k.name)).toEqual(["year", "month", "date", "hour"]);
  });

  it("writes failed records under errors/ by error type", () => {
    expect(s3Config().error_output_prefix).toMatch(/^errors\/!\{firehose:error-output-type\}\/year=!\{timestamp:yyyy\}\//);
    expect(s3Config().prefix).not.toContain("firehose:error-output-type");
  });

  it("backs up every source record under raw/", () => {
    expect(s3Config().s3_backup_mode).toBe("Enabled");
    expect(s3Config().s3_backup_configuration.prefix).toMatch(/^raw\//);
    expect(s3Config().s3_backup_configuration.bucket_arn).toBe(s3Config().bucket_arn);
  });

  // AWS accepts 1-128 MiB and 60-900 s for the backup (https://docs.aws.amazon.com/firehose/latest/dev/create-configure-backup.html)
  // and grows the buffer when delivery falls behind; the 64 MiB cap is the project's: landing files are
  // streamed at any size, but a replay still reads a raw backup object whole and refuses more than
  // MAX_REPLAY_OBJECT_BYTES (256 MiB) decompressed, so a backup object must stay well under it.
  it("caps the raw-backup buffer at 64 MiB and at least 60 s, whatever the destination buffer", () => {
    const backup = (delivery: NonNullable<Parameters<typeof synthPipeline>[0]>["delivery"]) =>
      synthPipeline({ delivery }).only("aws_kinesis_firehose_delivery_stream").extended_s3_configuration.s3_backup_configuration;
    expect(s3Config().buffering_size).toBe(128);
    expect(s3Config().s3_backup_configuration.buffering_size).toBe(64);
    expect(backup({ bufferSizeMiB: 100 }).buffering_size).toBe(64);
    expect(backup({ bufferSizeMiB: 65 }).buffering_size).toBe(64);
    expect(backup({ bufferSizeMiB: 64 }).buffering_size).toBe(64);
    expect(backup({ format: "json", bufferSizeMiB: 10 }).buffering_size).toBe(10);
    expect(backup({ format: "json", bufferSizeMiB: 10, bufferIntervalSeconds: 30 }).buffering_interval).toBe(60);
    expect(4 * 64 * 1024 * 1024).toBeLessThanOrEqual(MAX_REPLAY_OBJECT_BYTES);
  });

  it("keeps data, raw and error prefixes disjoint so the table location holds only Parquet", () => {
    const roots = [s3Config().prefix, s3Config().error_output_prefix, s3Config().s3_backup_configuration.prefix].map(
      (p: string) => p.split("/")[0],
    );
    expect(new Set(roots).size).toBe(3);
    expect(eventsTable(defaults).storage_descriptor.location).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.[^}]+\.bucket\}\/data\/$/);
  });

  it("invokes the transform through its published, version-qualified ARN", () => {
    const arn = processorParameter(defaults, "LambdaArn");
    expect(referencedAddress(arn)).toBe(transformAddress(defaults));
    expect(arn).toMatch(/\.qualified_arn\}$/);
    expect(transformOf(defaults).publish).toBe(true);
  });

  it("hands the transform at most 3 MB per invocation", () => {
    // Unset, Firehose uses 1 MB for a Lambda processor (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html).
    expect(Number(processorParameter(defaults, "BufferSizeInMBs") ?? 1)).toBeLessThanOrEqual(3);
    expect(Number(processorParameter(synthPipeline({ delivery: { processorBufferSizeMB: 0.5 } }), "BufferSizeInMBs"))).toBe(0.5);
  });

  // The provider drops NumberOfRetries "3", BufferSizeInMBs "1" and BufferIntervalInSeconds "60" from state
  // on read (terraform-provider-aws internal/service/firehose/delivery_stream.go, defaultProcessorParameters).
  it("sets only the processor parameters that differ from Firehose's defaults, which the provider drops on read", () => {
    const names = (s: Synthesized) =>
      s
        .only("aws_kinesis_firehose_delivery_stream")
        .extended_s3_configuration.processing_configuration.processors[0].parameters.map(
          (p: { parameter_name: string }) => p.parameter_name,
        );
    expect(
      names(synthPipeline({ delivery: { processorRetries: 3, processorBufferSizeMB: 1, processorBufferIntervalSeconds: 60 } })),
    ).toEqual(["LambdaArn"]);
    const tuned = synthPipeline({ delivery: { processorRetries: 5, processorBufferSizeMB: 2, processorBufferIntervalSeconds: 120 } });
    expect(processorParameter(tuned, "NumberOfRetries")).toBe("5");
    expect(processorParameter(tuned, "BufferSizeInMBs")).toBe("2");
    expect(processorParameter(tuned, "BufferIntervalInSeconds")).toBe("120");
    expect(processorParameter(synthPipeline({ delivery: { processorRetries: 0 } }), "NumberOfRetries")).toBe("0");
  });

  it("logs delivery errors to its own log group and streams", () => {
    const logging = s3Config().cloudwatch_logging_options;
    expect(logging.enabled).toBe(true);
    const group = defaults.resources("aws_cloudwatch_log_group").find((g) => g.name === "/aws/kinesisfirehose/acme-test-delivery");
    expect(group).toBeDefined();
    const streams = defaults.resources("aws_cloudwatch_log_stream").map((s) => s.name);
    expect(streams).toEqual(expect.arrayContaining(["DestinationDelivery", "BackupDelivery"]));
  });

  it("is created only after its role policy exists", () => {
    const policies = Object.entries(defaults.tf.resource.aws_iam_role_policy)
      .filter(([, p]) => p.name === "firehose-delivery")
      .map(([key]) => `aws_iam_role_policy.${key}`);
    expect(policies).toHaveLength(1);
    expect(firehose().depends_on).toContain(policies[0]);
  });

  it("partitions by event time with keys from the transform when configured", () => {
    const s = synthPipeline({ partitioning: { partitionTime: "event" } });
    const config = s.only("aws_kinesis_firehose_delivery_stream").extended_s3_configuration;
    expect(config.dynamic_partitioning_configuration).toEqual({ enabled: true, retry_duration: 300 });
    expect(config.prefix).toBe(
      "data/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/",
    );
    expect(config.error_output_prefix).toContain("!{firehose:error-output-type}");
    expect(JSON.parse(transformOf(s).environment.variables.TRANSFORM_SETTINGS).partitionTime).toBe("event");
  });

  it("does not enable dynamic partitioning for arrival-time partitions", () => {
    expect(s3Config()).not.toHaveProperty("dynamic_partitioning_configuration");
  });

  it("delivers gzip JSON without conversion when the format is json", () => {
    const s = synthPipeline({ delivery: { format: "json", bufferSizeMiB: 16 } });
    const config = s.only("aws_kinesis_firehose_delivery_stream").extended_s3_configuration;
    expect(config).not.toHaveProperty("data_format_conversion_configuration");
    expect(config.compression_format).toBe("GZIP");
    expect(eventsTable(s).storage_descriptor.ser_de_info.serialization_library).toBe("org.apache.hive.hcatalog.data.JsonSerDe");
  });
});

describe("transform function", () => {
  it("runs Node.js 22 on arm64 with active tracing, published as a version", () => {
    expect(defaults.json).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "acme-test-transform",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      tracing_config: { mode: "Active" },
      publish: true,
      handler: "index.handler",
    });
  });

  it("stays within Firehose's 5-minute invocation limit", () => {
    expect(transformOf(defaults).timeout).toBeLessThanOrEqual(300);
  });

  it("has an explicit log group with the configured retention", () => {
    const s = synthPipeline({ logs: { retentionDays: 60 } });
    expect(s.resources("aws_cloudwatch_log_group")).toContainEqual(
      expect.objectContaining({ name: "/aws/lambda/acme-test-transform", retention_in_days: 60 }),
    );
    expect(transformOf(s).depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/^aws_cloudwatch_log_group\.transform_function_logs/)]),
    );
  });

  it("receives the event schema from the configuration", () => {
    const settings = JSON.parse(transformOf(defaults).environment.variables.TRANSFORM_SETTINGS);
    expect(settings.schema.eventTimeColumn).toBe(CLICKSTREAM_SCHEMA.eventTimeColumn);
    expect(settings.schema.columns.slice(0, -1)).toEqual(CLICKSTREAM_SCHEMA.columns);
    expect(settings.schema.columns.at(-1)).toMatchObject({ name: "batch_id", type: "string", required: false });
    expect(settings.dayKey).toBe("day");
  });

  it("is deployed from a bundled asset with a content hash", () => {
    const fn = transformOf(defaults);
    expect(fn.filename).toMatch(/assets\/.+\.zip$/);
    expect(fn.source_code_hash).toMatch(/^[0-9A-F]{32,}$/i);
  });

  it("grants no resource-based invoke permission (Firehose invokes through its role)", () => {
    expect(defaults.resources("aws_lambda_permission")).toHaveLength(0);
  });
});

describe("every function's Powertools settings", () => {
  const configurations: Array<[string, Synthesized]> = [
    ["default", defaults],
    ["customer-managed key", synthPipeline({ security: { encryption: "customer-managed" } })],
    ["event-time partitions", synthPipeline({ partitioning: { partitionTime: "event" } })],
  ];
  const functionsOf = (s: Synthesized) => s.resources("aws_lambda_function");

  /** What Powertools' Logger writes with a function's environment (POWERTOOLS_DEV sends it through console). */
  function firstLogLine(variables: Record<string, string>): Record<string, unknown> {
    const saved = process.env;
    const lines: string[] = [];
    const spies = (["info", "warn", "error", "debug", "log"] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))),
    );
    try {
      process.env = { ...variables, POWERTOOLS_DEV: "true" };
      new Logger().warn("probe");
    } finally {
      process.env = saved;
      for (const spy of spies) spy.mockRestore();
    }
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  }

  it.each(configurations)("%s: every function logs under its own name as service, at a Powertools log level", (_name, s) => {
    expect(functionsOf(s).length).toBeGreaterThanOrEqual(5);
    for (const fn of functionsOf(s)) {
      const variables = fn.environment.variables as Record<string, string>;
      // Powertools names an unset service `service_undefined` (@aws-lambda-powertools/commons Utility).
      expect({ fn: fn.function_name, line: firstLogLine(variables) }).toEqual({
        fn: fn.function_name,
        line: expect.objectContaining({ service: fn.function_name, level: "WARN" }),
      });
      expect(Object.keys(LogLevel)).toContain(variables.POWERTOOLS_LOG_LEVEL);
    }
  });

  it("publishes the transform's record metrics in the namespace and service the FailedRecords alarm watches", () => {
    const alarm = defaults.resources("aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "FailedRecords")!;
    const saved = process.env;
    let serialized: { _aws: { CloudWatchMetrics: Array<{ Namespace: string }> }; service?: string };
    try {
      process.env = { ...transformOf(defaults).environment.variables };
      const metrics = new Metrics();
      metrics.addMetric("FailedRecords", MetricUnit.Count, 1);
      serialized = metrics.serializeMetrics() as typeof serialized;
    } finally {
      process.env = saved;
    }
    expect(serialized._aws.CloudWatchMetrics[0]!.Namespace).toBe(alarm.namespace);
    expect(serialized.service).toBe(alarm.dimensions.service);
  });

  it("comes from NodeFunction alone: a function's own environment may not set Powertools variables", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new NodeFunction(scope, "fn", {
          functionName: "acme-test-probe",
          description: "probe",
          entry: "handlers/push/index.ts",
          memoryMiB: 128,
          timeoutSeconds: 3,
          bindings: [bindEnvironment("POWERTOOLS_SERVICE_NAME", "other")],
          logRetentionDays: 7,
          ctx: { accountId: "123456789012", region: "eu-west-1", partition: "aws" },
        });
      }),
    ).toThrow(/environment sets POWERTOOLS_SERVICE_NAME; NodeFunction sets Powertools' variables/);
  });
});

describe("catalog", () => {
  const table = () => eventsTable(defaults);

  it("defines the table columns from the event schema, plus batch_id for the batch path", () => {
    expect(table().storage_descriptor.columns.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([
      ...CLICKSTREAM_SCHEMA.columns.map((c) => [c.name, c.type]),
      ["batch_id", "string"],
    ]);
  });

  it("adds no batch_id column when the batch path is off", () => {
    const columns = eventsTable(synthPipeline({ batch: { enabled: false } })).storage_descriptor.columns;
    expect(columns.map((c: { name: string }) => c.name)).not.toContain("batch_id");
  });

  it("follows a custom schema", () => {
    const schema: PipelineSettings["schema"] = {
      eventTimeColumn: "ts",
      columns: [
        { name: "id", type: "string", required: true },
        { name: "ts", type: "timestamp", required: true },
        { name: "amount", type: "decimal(10,2)", required: false },
      ],
    };
    const s = synthPipeline({ schema, batch: { enabled: false } });
    expect(eventsTable(s).storage_descriptor.columns.map((c: { name: string }) => c.name)).toEqual(["id", "ts", "amount"]);
  });

  it("partitions by year, month, day and hour as strings", () => {
    expect(table().partition_keys).toEqual(["year", "month", "day", "hour"].map((name) => ({ name, type: "string" })));
  });

  it("describes Parquet with the Hive Parquet SerDe", () => {
    expect(table()).toMatchObject({
      table_type: "EXTERNAL_TABLE",
      parameters: { EXTERNAL: "TRUE", classification: "parquet", "parquet.compression": "SNAPPY" },
      storage_descriptor: {
        input_format: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        output_format: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        ser_de_info: { serialization_library: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
      },
    });
  });

  it("crawls the Terraform-defined table instead of creating a new one", () => {
    const crawler = defaults.only("aws_glue_crawler");
    expect(crawler).not.toHaveProperty("s3_target");
    expect(referencedAddress(crawler.catalog_target[0].tables[0])).toBe(eventsTableAddress(defaults));
  });

  it("never rewrites the table schema and lets partitions inherit from the table", () => {
    const crawler = defaults.only("aws_glue_crawler");
    expect(crawler.schema_change_policy).toEqual({ update_behavior: "LOG", delete_behavior: "LOG" });
    expect(JSON.parse(crawler.configuration).CrawlerOutput.Partitions.AddOrUpdateBehavior).toBe("InheritFromTable");
  });

  // "configuration for catalog target crawlers will have { ... "Grouping": { "TableGroupingPolicy":
  // "CombineCompatibleSchemas"} } by default" (terraform-provider-aws website/docs/r/glue_crawler.html.markdown);
  // the provider compares it as JSON (internal/service/glue/crawler.go, SuppressEquivalentJSONDiffs).
  it("states the table grouping policy AWS gives a catalog-target crawler, so the plan settles", () => {
    const crawler = defaults.only("aws_glue_crawler");
    expect(crawler.catalog_target).toHaveLength(1);
    expect(JSON.parse(crawler.configuration).Grouping).toEqual({ TableGroupingPolicy: "CombineCompatibleSchemas" });
    expect(JSON.parse(crawler.configuration).Version).toBe(1);
  });

  it("runs hourly by default, on the configured schedule, or only on demand", () => {
    expect(defaults.json).toHaveResourceWithProperties(GlueCrawler, { schedule: "cron(10 * * * ? *)" });
    expect(synthPipeline({ catalog: { crawlerSchedule: null } }).only("aws_glue_crawler")).not.toHaveProperty("schedule");
  });

  it("encrypts what the crawler writes through a security configuration", () => {
    const crawler = defaults.only("aws_glue_crawler");
    expect(referencedAddress(crawler.security_configuration)).toBe(addressOf(defaults, "aws_glue_security_configuration"));
    expect(defaults.only("aws_glue_security_configuration").encryption_configuration.s3_encryption.s3_encryption_mode).toBe("SSE-S3");
  });

  it("gives the crawler its own role instead of the managed AWSGlueServiceRole", () => {
    expect(defaults.json).not.toContain("AWSGlueServiceRole");
    expect(defaults.resources("aws_iam_role_policy_attachment")).toHaveLength(0);
  });

  it("grants partition deletes only when deletions are propagated", () => {
    const crawlerRole = (s: Synthesized) => [...rolesOf(s).values()].find((r) => r.name.endsWith("-crawler"))!;
    expect(actionsOf(crawlerRole(defaults))).not.toContain("glue:BatchDeletePartition");
    const s = synthPipeline({ catalog: { schemaDeleteBehavior: "DELETE_FROM_DATABASE" } });
    expect(actionsOf(crawlerRole(s))).toEqual(expect.arrayContaining(["glue:DeletePartition", "glue:BatchDeletePartition"]));
  });
});

describe("query", () => {
  it("enforces the workgroup configuration with metrics, engine v3 and the scan cutoff", () => {
    expect(defaults.json).toHaveResourceWithProperties(AthenaWorkgroup, {
      name: "acme-test",
      configuration: expect.objectContaining({
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
        bytes_scanned_cutoff_per_query: 1073741824,
        engine_version: { selected_engine_version: "Athena engine version 3" },
      }),
    });
  });

  it("writes encrypted results to the results bucket", () => {
    const result = defaults.resources("aws_athena_workgroup").find((w) => w.name === "acme-test")!.configuration.result_configuration;
    expect(result.encryption_configuration).toEqual({ encryption_option: "SSE_S3" });
    const results = Object.entries(defaults.tf.resource.aws_s3_bucket).find(([, b]) => b.bucket_prefix === "acme-test-results-")![0];
    expect(result.output_location).toBe(`s3://\${aws_s3_bucket.${results}.bucket}/athena-results/`);
  });

  it("binds every named query to the pipeline's workgroup and database", () => {
    const queries = defaults.resources("aws_athena_named_query");
    expect(queries.length).toBeGreaterThanOrEqual(3);
    for (const query of queries) {
      expect(referencedAddress(query.workgroup)).toBe(addressWhere(defaults, "aws_athena_workgroup", (w) => w.name === "acme-test"));
      expect(referencedAddress(query.database)).toBe(addressOf(defaults, "aws_glue_catalog_database"));
    }
    expect(defaults.json).toHaveResourceWithProperties(AthenaNamedQuery, { query: expect.stringContaining('FROM "acme_test"."events"') });
  });
});

describe("IAM", () => {
  const allStatements = [...roles.values()].flatMap((r) => r.statements);

  it("gives every role a trust policy for exactly one service principal", () => {
    const principals = [...roles.values()].map((r) => {
      expect(r.trust.Statement).toHaveLength(1);
      expect(r.trust.Statement[0]!.Principal).toEqual({ Service: expect.stringMatching(/^[a-z]+\.amazonaws\.com$/) });
      return (r.trust.Statement[0]!.Principal as { Service: string }).Service;
    });
    expect(new Set(principals)).toEqual(
      new Set(["firehose.amazonaws.com", "glue.amazonaws.com", "lambda.amazonaws.com", "states.amazonaws.com", "scheduler.amazonaws.com"]),
    );
  });

  it("gives each function its own role", () => {
    const functionRoles = defaults.resources("aws_lambda_function").map((fn) => fn.role);
    expect(new Set(functionRoles).size).toBe(functionRoles.length);
  });

  // Glue documents no confused-deputy key for the roles it assumes (service-request-contexts.ts, glue.assume-role):
  // a condition on aws:SourceAccount would deny every crawl.
  it("guards the Firehose trust with the account as external id, and leaves the Glue trust unconditioned", () => {
    const account = "${data.aws_caller_identity.account.account_id}";
    expect(role("-firehose").trust.Statement[0]!.Condition).toEqual({ StringEquals: { "sts:ExternalId": account } });
    expect(role("-crawler").trust.Statement[0]!.Condition).toBeUndefined();
  });

  it("never allows * or service:* actions", () => {
    for (const action of allStatements.flatMap((s) => asList(s.Action))) {
      expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
  });

  it("allows a bare * resource only for actions without resource-level permissions", () => {
    const unscopable = UNSCOPABLE_ALLOWLIST;
    const starred = allStatements.filter((s) => asList(s.Resource).includes("*"));
    expect(starred.length).toBeGreaterThan(0);
    for (const s of starred) expect(asList(s.Action).filter((a) => !unscopable.has(a))).toEqual([]);
  });

  it("uses wildcards only at the end of an ARN", () => {
    for (const resource of allStatements.flatMap((s) => asList(s.Resource)).filter((r) => r !== "*")) {
      expect(resource.slice(0, -1)).not.toContain("*");
    }
  });

  it("gives the transform only its own log writes and traces", () => {
    expect(actionsOf(role("-transform-role"))).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]);
    expect(resourcesFor(role("-transform-role"), "logs:PutLogEvents")).toEqual([
      expect.stringMatching(/:log-group:\/aws\/lambda\/acme-test-transform:\*$/),
    ]);
  });

  it("gives Firehose exactly what delivery with conversion needs", () => {
    expect(actionsOf(role("-firehose"))).toEqual([
      "glue:GetTable",
      "glue:GetTableVersion",
      "glue:GetTableVersions",
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
      "lambda:GetFunctionConfiguration",
      "lambda:InvokeFunction",
      "logs:PutLogEvents",
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
    ]);
  });

  it("lets Firehose write objects only under data/, raw/ and errors/", () => {
    expect(resourcesFor(role("-firehose"), "s3:PutObject").map((r) => r.replace(/^\$\{[^}]+\}/, "<lake>"))).toEqual([
      "<lake>/data/*",
      "<lake>/raw/*",
      "<lake>/errors/*",
    ]);
  });

  it("lets Firehose invoke the transform function and its versions only", () => {
    const fn = transformAddress(defaults);
    expect(resourcesFor(role("-firehose"), "lambda:InvokeFunction")).toEqual([`\${${fn}.arn}`, `\${${fn}.arn}:*`]);
  });

  it("lets the crawler read only the data prefix", () => {
    const crawler = role("-crawler");
    expect(resourcesFor(crawler, "s3:GetObject")).toEqual([expect.stringMatching(/\}\/data\/\*$/)]);
    const list = crawler.statements.find((s) => asList(s.Action).includes("s3:ListBucket"))!;
    expect(list.Condition).toEqual({ StringLike: { "s3:prefix": ["data/", "data/*"] } });
  });

  it("scopes the crawler's catalog actions to the database and table", () => {
    expect(resourcesFor(role("-crawler"), "glue:BatchCreatePartition")).toEqual([
      expect.stringMatching(/:catalog$/),
      expect.stringMatching(/:database\/acme_test$/),
      expect.stringMatching(/:table\/acme_test\/events$/),
    ]);
  });
});

describe("backend", () => {
  it("uses Terraform Cloud with a workspace per environment when an organization is set", () => {
    const s = synthPipeline({}, { TF_CLOUD_ORGANIZATION: "acme-corp" });
    expect(s.tf.terraform.cloud).toEqual({ hostname: "app.terraform.io", organization: "acme-corp", workspaces: { name: "acme-test" } });
    expect(s.tf.terraform).not.toHaveProperty("backend");
  });

  it("falls back to a local state file without an organization", () => {
    expect(defaults.tf.terraform.backend.local.path).toBe("../../../terraform.acme-test.tfstate");
  });
});

describe("outputs", () => {
  it("exports the names operators and producers need", () => {
    expect(Object.keys(defaults.tf.output ?? {})).toEqual(
      expect.arrayContaining([
        "stream_name",
        "delivery_stream_name",
        "lake_bucket",
        "results_bucket",
        "glue_database",
        "glue_table",
        "athena_workgroup",
        "crawler_name",
      ]),
    );
  });
});

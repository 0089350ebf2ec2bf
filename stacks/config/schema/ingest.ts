/** Schema of the streaming path: stream, delivery, transform, partitioning and the event schema. */
import { z } from "zod";
import { glueTypeProblem, isSupportedGlueType, SCALAR_GLUE_TYPES } from "../../../contract/event-schema";
import { CLICKSTREAM_SCHEMA } from "../clickstream-schema";
import { inRange } from "../field-rules";
import { LIMITS } from "../limits";

export const stream = z.strictObject({
  mode: z
    .enum(["PROVISIONED", "ON_DEMAND"])
    .default("PROVISIONED")
    .describe("ON_DEMAND for spiky or unknown traffic (AWS scales, costs more per GB); PROVISIONED when you can size shards."),
  shardCount: z
    .number()
    .optional()
    .describe("Write capacity of a PROVISIONED stream (1 MiB/s or 1,000 records/s per shard); forbidden with ON_DEMAND."),
  retentionHours: z
    .number()
    .superRefine(
      inRange({
        ...LIMITS.stream.retentionHours,
        unit: "hours",
        fix: "set stream.retentionHours between 24 and 8760; 168 keeps a week of records replayable",
      }),
    )
    .default(168)
    .describe("How long records stay replayable in the stream if delivery is blocked; longer costs more."),
  kmsKeyArn: z
    .string()
    .optional()
    .describe("Your own KMS key for the stream, when policy requires it; unset uses the AWS-managed alias/aws/kinesis."),
});

export const dropRule = z.strictObject({
  column: z.string(),
  equals: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
});

export const delivery = z.strictObject({
  format: z
    .enum(["parquet", "json"])
    .default("parquet")
    .describe("parquet (Snappy, through the Glue table) for cheap queries; json (GZIP) to keep records as sent."),
  bufferSizeMiB: z
    .number()
    .default(128)
    .describe("Firehose buffer size, 1–128 MiB (at least 64 with Parquet): larger means fewer, bigger files."),
  bufferIntervalSeconds: z
    .number()
    .default(300)
    .describe("Longest wait before Firehose writes, 0–900 s: lower for fresher data, higher for fewer files."),
  processorBufferSizeMB: z
    .number()
    .superRefine(
      inRange({
        ...LIMITS.delivery.processorBufferSizeMB,
        integer: false,
        unit: "MB; the transform's 6 MB response limit needs headroom",
        fix: "set delivery.processorBufferSizeMB between 0.2 and 3; 1 is the Firehose default",
      }),
    )
    .default(1)
    .describe("Records per transform invocation, 0.2–3 MB: lower it if large records make the transform slow."),
  processorBufferIntervalSeconds: z
    .number()
    .superRefine(
      inRange({
        ...LIMITS.delivery.processorBufferIntervalSeconds,
        unit: "seconds",
        fix: "set delivery.processorBufferIntervalSeconds between 60 and 900; 60 is the Firehose default",
      }),
    )
    .default(60)
    .describe("Longest wait before invoking the transform, 60–900 s: raise it to batch more records per invocation."),
  processorRetries: z
    .number()
    .superRefine(
      inRange({
        min: 0,
        max: 300,
        unit: "retries",
        fix: "set delivery.processorRetries to a small non-negative integer such as 3",
      }),
    )
    .default(3)
    .describe("Firehose retries of a failed transform invocation before records go to errors/: raise for flaky transforms."),
  dropRules: z
    .array(dropRule)
    .default([])
    .describe("Records matching a rule are returned as Dropped (e.g. health-check pings); nothing else is ever dropped."),
});

export const transform = z.strictObject({
  memoryMiB: z
    .number()
    .superRefine(
      inRange({
        ...LIMITS.lambda.memoryMiB,
        unit: "MiB",
        fix: "set transform.memoryMiB between 128 and 10240; 512 suits 1 MB batches",
      }),
    )
    .default(512)
    .describe("Transform memory (and CPU), 128–10240 MiB: raise it for wide schemas or large batches."),
  timeoutSeconds: z
    .number()
    .superRefine(
      inRange({
        ...LIMITS.lambda.transformTimeoutSeconds,
        unit: "seconds; Firehose waits at most 5 minutes for the transform",
        fix: "set transform.timeoutSeconds between 1 and 300; 120 is comfortable",
      }),
    )
    .default(120)
    .describe("Transform timeout, at most 300 s (Firehose waits 5 minutes): raise it if invocations time out."),
  tracing: z.boolean().default(true).describe("X-Ray active tracing of the transform: turn it off to save the tracing cost."),
});

export const partitioning = z.strictObject({
  dayKey: z
    .enum(["day", "date"])
    .default("day")
    .describe("Name of the day partition key: date to match existing queries (it needs quoting in SQL)."),
  partitionTime: z
    .enum(["arrival", "event"])
    .default("arrival")
    .describe("event partitions by the event-time column (dynamic partitioning, late events land in their hour)."),
});

export const column = z.strictObject({
  name: z.string(),
  type: z.string().refine(isSupportedGlueType, (type) => ({
    params: {
      received: type,
      allowed: `${SCALAR_GLUE_TYPES.join(", ")}, decimal(p,s) with 1 ≤ p ≤ 38, 0 ≤ s ≤ p, or nested array<type>, map<string,type>, struct<name:type,…>`,
      fix: `fix the type: ${glueTypeProblem(type) ?? ""}`,
    },
  })),
  required: z.boolean(),
  description: z.string().optional(),
});

export const eventSchema = z
  .strictObject({ eventTimeColumn: z.string(), columns: z.array(column) })
  .default(() => ({ ...CLICKSTREAM_SCHEMA, columns: [...CLICKSTREAM_SCHEMA.columns] }))
  .describe("Your events' columns: the single source of the table, the transform's validation and the SQL.");

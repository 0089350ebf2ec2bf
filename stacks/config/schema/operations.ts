/** Schema of running the pipeline: batch, monitoring, QuickSight, Terraform Cloud, names and workload. */
import { z } from "zod";
import { inRange, matching, satisfying } from "../field-rules";

export const batch = z.strictObject({
  enabled: z.boolean().default(true).describe("Build the batch workflow, its functions and its schedule: false if you only stream."),
  schedule: z
    .string()
    .nullable()
    .default("cron(0 2 * * ? *)")
    .describe("When batch runs start: rate(N unit) or 6-field cron in scheduleTimezone; null for manual runs only."),
  scheduleTimezone: z.string().default("UTC").describe("IANA time zone of the schedule, so runs follow your local clock."),
  eventIdColumn: z
    .string()
    .default("event_id")
    .describe("String column holding the event id, used to deduplicate; generated deterministically when absent."),
  partitionKeyField: z
    .string()
    .optional()
    .describe("Field whose value is the Kinesis partition key, to spread records over shards; unset uses the event id."),
  recordsPerChunk: z.number().default(5000).describe("Records per staging chunk (3000–100000): fewer for large records."),
  maxPushAttempts: z.number().default(8).describe("PutRecords attempts (1–20) before a push fails loudly: more on a throttled stream."),
  validationAttempts: z
    .number()
    .default(3)
    .describe("Validation query attempts (1–10) before a shortfall fails the run: more for late delivery."),
  validationBytesScannedCutoff: z
    .number()
    .default(10_737_418_240)
    .describe("Scan cutoff of the batch's own Athena workgroup (at least 10 MB): raise it for large batches."),
  runTimeoutMinutes: z.number().default(120).describe("Longest a run may take; shorter than the schedule's period so runs never overlap."),
  stagingExpirationDays: z.number().default(7).describe("Days staging chunks are kept, to inspect a failed run."),
});

/** The alarm on DeliveryToS3.Success fires below this average (0–1): at 0 it never could. */
function deliverySuccessProblem(share: number): string | undefined {
  if (Number.isFinite(share) && share > 0 && share <= 1) return undefined;
  return "a number greater than 0 and at most 1 (the share of S3 deliveries that must succeed; 0 would never alarm)";
}

export const monitoring = z.strictObject({
  enabled: z.boolean().default(true).describe("Alarms, the crawler-failure rule and the dashboard: false for throwaway environments."),
  notificationEmail: z
    .string()
    .superRefine(matching(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an email address", "set a valid address, or remove monitoring.notificationEmail"))
    .optional()
    .describe("Who is told about alarms and failed batch runs (confirm the subscription mail)."),
  iteratorAgeMaxSeconds: z
    .number()
    .superRefine(inRange({ min: 1, max: 7 * 24 * 3600, unit: "seconds", fix: "set monitoring.iteratorAgeMaxSeconds, e.g. 600" }))
    .default(600)
    .describe("Alarm when the oldest unread stream record is older than this: how late is too late for you."),
  // CloudWatch caps period × evaluation periods at one day: 288 five-minute periods.
  throttlePeriods: z
    .number()
    .superRefine(inRange({ min: 1, max: 288, unit: "5-minute periods", fix: "set monitoring.throttlePeriods between 1 and 288" }))
    .default(1)
    .describe("Consecutive 5-minute periods of write throttling before the alarm: raise it to ignore short bursts."),
  deliveryFreshnessMaxSeconds: z
    .number()
    .optional()
    .describe("Alarm when the oldest record not yet in S3 is older than this; unset is twice the buffering."),
  deliverySuccessMin: z
    .number()
    .superRefine(satisfying(deliverySuccessProblem, "set monitoring.deliverySuccessMin above 0, e.g. 0.99"))
    .default(0.99)
    .describe("Alarm when the share of records delivered to S3 drops below this (0–1)."),
  failedRecordsMax: z
    .number()
    .superRefine(
      inRange({
        min: 0,
        max: 1_000_000_000,
        unit: "records per 5 minutes",
        fix: "set monitoring.failedRecordsMax to 0 to alarm on any failed record",
      }),
    )
    .default(0)
    .describe("Failed records tolerated per 5 minutes before the alarm: raise it if some bad input is expected."),
  lambdaErrorsMax: z
    .number()
    .superRefine(
      inRange({
        min: 0,
        max: 1_000_000,
        unit: "errors per 5 minutes",
        fix: "set monitoring.lambdaErrorsMax to 0 to alarm on any error",
      }),
    )
    .default(0)
    .describe("Function errors tolerated per 5 minutes before the alarm."),
});

export const quicksight = z.strictObject({
  enabled: z.boolean().default(false).describe("Build the QuickSight data source, data set and dashboard (needs a subscription)."),
  principalArn: z.string().optional().describe("The QuickSight user or group given access to the dashboard."),
  importMode: z
    .enum(["SPICE", "DIRECT_QUERY"])
    .default("DIRECT_QUERY")
    .describe("SPICE imports data on a schedule (fast dashboards, SPICE cost); DIRECT_QUERY asks Athena each time."),
  serviceRoleName: z
    .string()
    .default("aws-quicksight-service-role-v0")
    .describe("The existing IAM role QuickSight queries Athena with, if your account uses another one."),
});

export const terraformCloud = z.strictObject({
  organization: z
    .string()
    .optional()
    .describe("Your Terraform Cloud organization; unset falls back to TF_CLOUD_ORGANIZATION, else a local backend."),
  workspace: z
    .string()
    .default("{prefix}-{env}")
    .describe("Workspace name ({prefix} and {env} are replaced), to match your workspace naming."),
  hostname: z.string().default("app.terraform.io").describe("Terraform Enterprise users set their host here."),
});

/** An explicit physical name; unset derives it from `namePrefix` and the environment. */
function nameOverride(what: string) {
  return z.string().optional().describe(`Exact ${what}, to adopt an existing naming scheme; unset derives it from namePrefix.`);
}

export const names = z.strictObject({
  stream: nameOverride("Kinesis stream name"),
  deliveryStream: nameOverride("Firehose stream name"),
  transformFunction: nameOverride("transform function name"),
  lakeBucket: nameOverride("lake bucket name (unset uses a bucket_prefix, so the name is globally unique)"),
  resultsBucket: nameOverride("query results bucket name (unset uses a bucket_prefix)"),
  accessLogBucket: nameOverride("access-log bucket name, with security.accessLogging (unset uses a bucket_prefix)"),
  database: nameOverride("Glue database name"),
  workgroup: nameOverride("Athena workgroup name"),
  crawler: nameOverride("Glue crawler name"),
  stateMachine: nameOverride("state machine name"),
});

/**
 * The traffic an environment expects, for the capacity planner and the synth-time capacity warnings.
 * Its rules are shared with the capacity CLI (./workload.ts). Crawler runs follow from the catalog.
 */
export const workload = z.strictObject({
  eventsPerSecond: z.number().describe("Average events per second producers send (the batch path comes on top)."),
  peakFactor: z.number().optional().describe("Peak rate ÷ average rate; shards are sized for the peak. Unset: 1."),
  averageRecordBytes: z.number().describe("Average size of one event (one JSON object), in bytes."),
  maxRecordBytes: z.number().optional().describe("Largest event, at most 1,024,000 bytes. Unset: averageRecordBytes."),
  consumers: z.number().optional().describe("Shared-throughput consumers reading the stream, Firehose included. Unset: 1."),
  eventsPerRecord: z.number().optional().describe("Events producers pack into one Kinesis record. Unset: 1."),
  batchRunsPerDay: z.number().optional().describe("Batch runs per day. Unset: derived from batch.schedule."),
  recordsPerBatch: z.number().optional().describe("Records loaded by one batch run. Unset: 0."),
  athenaQueriesPerDay: z.number().optional().describe("Athena queries per day besides batch validation. Unset: 0."),
  athenaBytesScannedPerQuery: z.number().optional().describe("Bytes one of those queries scans (Athena bills at least 10 MB). Unset: 0."),
});

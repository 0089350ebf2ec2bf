/** Schema of what is stored and queried: lake, catalog, query, logs and security. */
import { z } from "zod";
import { MAX_RECENT_DAYS } from "../../../contract/sql/partition-filter";
import { cronProblem } from "../../../contract/schedule";
import { inRange, oneOf, satisfying } from "../field-rules";
import { LIMITS } from "../limits";

const DAYS = { min: 1, max: 36500, unit: "days" } as const;

/** Days before objects of one kind expire; `what` completes "set lake.<field> to the number of days …". */
function expirationDays(field: string, what: string) {
  return z.number().superRefine(inRange({ ...DAYS, fix: `set lake.${field} to the number of days ${what}` }));
}

export const lake = z.strictObject({
  rawBackupExpirationDays: expirationDays("rawBackupExpirationDays", "raw backups stay replayable")
    .default(30)
    .describe("Days raw backups (raw/) stay replayable: longer allows later replays, costs storage."),
  errorExpirationDays: expirationDays("errorExpirationDays", "failed records are kept for investigation and replay")
    .default(90)
    .describe("Days failed records (errors/) are kept for investigation and replay."),
  queryResultExpirationDays: expirationDays("queryResultExpirationDays", "Athena query results are kept")
    .default(7)
    .describe("Days Athena query results are kept, for re-downloading results."),
  noncurrentVersionExpirationDays: expirationDays("noncurrentVersionExpirationDays", "overwritten object versions are kept")
    .default(30)
    .describe("Days overwritten or deleted lake object versions are kept, your window to undo a mistake."),
  forceDestroy: z.boolean().default(false).describe("Let terraform destroy delete non-empty buckets: for throwaway environments."),
  processedExpirationDays: expirationDays("processedExpirationDays", "processed batch inputs and replayed error objects are kept")
    .optional()
    .describe("Days processed/ objects (loaded batch inputs, replayed errors) are kept; unset keeps them as the batch inputs."),
});

function crawlerScheduleProblem(schedule: string | null): string | undefined {
  const problem = schedule === null ? undefined : cronProblem(schedule);
  return problem && `a 6-field ${LIMITS.glue.cron} in UTC (${problem})`;
}

export const catalog = z.strictObject({
  tableName: z.string().default("events").describe("Glue table name: change it to match your data's name."),
  crawlerSchedule: z
    .string()
    .nullable()
    .superRefine(
      satisfying(crawlerScheduleProblem, 'write e.g. "cron(10 * * * ? *)" for 10 past every hour, or null to crawl only on demand'),
    )
    .default("cron(10 * * * ? *)")
    .describe("When the crawler adds new partitions (6-field cron, UTC), or null to crawl on demand only."),
  schemaUpdateBehavior: z
    .enum(["LOG", "UPDATE_IN_DATABASE"])
    .default("LOG")
    .describe("UPDATE_IN_DATABASE lets the crawler rewrite the table on schema changes; LOG keeps Terraform's table."),
  schemaDeleteBehavior: z
    .enum(["LOG", "DELETE_FROM_DATABASE"])
    .default("LOG")
    .describe("DELETE_FROM_DATABASE removes partitions whose objects are gone; LOG keeps them."),
  partitionProjection: z
    .boolean()
    .default(false)
    .describe("Athena computes hourly partitions itself: new hours are queryable at once, without crawls."),
  latestViewDays: z
    .number()
    .superRefine(
      inRange({
        min: 1,
        max: MAX_RECENT_DAYS,
        unit: "days of partitions the <table>_latest view reads",
        fix:
          "set catalog.latestViewDays between 1 and 366, e.g. 7; deduplicate older history with an explicit job " +
          '(docs/using-the-pipeline.md, "Deduplicating all of history")',
      }),
    )
    .default(7)
    .describe("Days the deduplicated <table>_latest view reads (1–366): more history, more bytes scanned."),
});

export const query = z.strictObject({
  bytesScannedCutoffPerQuery: z
    .number()
    .superRefine(
      inRange({
        min: LIMITS.athena.bytesScannedCutoff.min,
        max: Number.MAX_SAFE_INTEGER,
        unit: "bytes; Athena's minimum is 10 MB",
        fix: "set query.bytesScannedCutoffPerQuery to at least 10485760 (10 MB), e.g. 1073741824 for 1 GiB",
      }),
    )
    .default(1_073_741_824)
    .describe("Queries scanning more are cancelled (at least 10 MB): your cap on one query's cost."),
});

export const logs = z.strictObject({
  retentionDays: z
    .number()
    .superRefine(oneOf(LIMITS.logRetentionDays, "pick the nearest allowed value, e.g. 30"))
    .default(30)
    .describe("Retention of every log group (a CloudWatch value): longer for audits, shorter to save cost."),
});

export const security = z.strictObject({
  encryption: z
    .enum(["aws-managed", "customer-managed"])
    .default("aws-managed")
    .describe("customer-managed creates one rotated KMS key for stream, buckets, logs, workflow and topic (costs a key)."),
  accessLogging: z.boolean().default(false).describe("S3 server access logs of both buckets, when audits require them."),
  accessLogExpirationDays: z
    .number()
    .superRefine(inRange({ ...DAYS, fix: "set security.accessLogExpirationDays to the days access logs are kept, e.g. 90" }))
    .default(90)
    .describe("Days access logs are kept, as long as your audit policy asks."),
});

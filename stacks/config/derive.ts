/** What the functions receive, derived from a validated configuration. */
import { BATCH_ID_COLUMN } from "../../contract/batch";
import type { EventSchema } from "../../contract/event-schema";
import type { BatchSettings, TransformSettings } from "../../contract/settings";
import { PROJECTED_YEARS } from "../../contract/sql/partition-projection";
import { pushPlan } from "../../state-machines/timing";
import type { PipelineConfig } from "./load";

/**
 * The table's columns: the event schema, plus the `batch_id` column the batch workflow stamps when the
 * batch path is enabled (streamed events leave it NULL).
 */
export function tableSchema(config: PipelineConfig): EventSchema {
  if (!config.batch.enabled) return config.schema;
  const batchId = {
    name: BATCH_ID_COLUMN,
    type: "string",
    required: false,
    description: "Batch that loaded the row (NULL when streamed)",
  } as const;
  return { ...config.schema, columns: [...config.schema.columns, batchId] };
}

/** The settings the batch functions receive (`BATCH_SETTINGS`), derived from a validated configuration. */
export function batchSettings(config: PipelineConfig): BatchSettings {
  const { batch, resolvedNames: names } = config;
  const push = pushPlan(config.stream);
  return {
    schema: config.schema,
    dayKey: config.partitioning.dayKey,
    partitionTime: config.partitioning.partitionTime,
    database: names.database,
    table: names.table,
    dropRules: config.delivery.dropRules,
    eventIdColumn: batch.eventIdColumn,
    partitionKeyField: batch.partitionKeyField ?? batch.eventIdColumn,
    recordsPerChunk: batch.recordsPerChunk,
    maxPushAttempts: batch.maxPushAttempts,
    pushRate: push.share,
    pushConcurrency: push.concurrency,
    runTimeoutSeconds: batch.runTimeoutMinutes * 60,
  };
}

/** The settings the transform function receives, derived from a validated configuration. */
export function transformSettings(config: PipelineConfig): TransformSettings {
  return {
    schema: tableSchema(config),
    dayKey: config.partitioning.dayKey,
    partitionTime: config.partitioning.partitionTime,
    dropRules: config.delivery.dropRules,
    ...(config.partitioning.partitionTime === "event" && config.catalog.partitionProjection
      ? { projectedYears: { from: PROJECTED_YEARS.from, to: PROJECTED_YEARS.to } }
      : {}),
  };
}

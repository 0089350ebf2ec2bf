/** A clickstream event schema, and transform and batch settings over it, shared by the tests. */
import { BATCH_ID_COLUMN } from "../../contract/batch";
import type { EventSchema } from "../../contract/event-schema";
import { type BatchSettings, type TransformSettings } from "../../contract/settings";

/** Clickstream event: three required columns, `event_time` is the event-time column. */
export const TEST_SCHEMA: EventSchema = {
  eventTimeColumn: "event_time",
  columns: [
    { name: "event_id", type: "string", required: true },
    { name: "event_type", type: "string", required: true },
    { name: "event_time", type: "timestamp", required: true },
    { name: "user_id", type: "string", required: false },
    { name: "session_id", type: "string", required: false },
    { name: "page_url", type: "string", required: false },
    { name: "referrer", type: "string", required: false },
    { name: "device_type", type: "string", required: false },
    { name: "country", type: "string", required: false },
    { name: "duration_ms", type: "bigint", required: false },
    { name: "revenue", type: "decimal(10,2)", required: false },
    { name: "is_bot", type: "boolean", required: false },
  ],
};

/** Nested columns: a purchase's items (array of structs) and free-form properties (a map). */
export const NESTED_TEST_COLUMNS: EventSchema["columns"] = [
  { name: "items", type: "array<struct<sku:string,price:double,quantity:int>>", required: false },
  { name: "properties", type: "map<string,string>", required: false },
];

/** {@link TEST_SCHEMA} with only the named columns, in its order (the event-time column must be among them). */
export function testSchemaOf(names: readonly string[]): EventSchema {
  return { ...TEST_SCHEMA, columns: TEST_SCHEMA.columns.filter((c) => names.includes(c.name)) };
}

/** Transform settings over {@link TEST_SCHEMA}: arrival-time partitioning, `day` key, no drop rules. */
export function testSettings(overrides: Partial<TransformSettings> = {}): TransformSettings {
  return { schema: TEST_SCHEMA, dayKey: "day", partitionTime: "arrival", dropRules: [], ...overrides };
}

/**
 * Batch settings over {@link TEST_SCHEMA} plus `batch_id`: arrival-time partitioning, `day` key,
 * 1,000-record chunks, table `lake_db.clicks`, a one-hour run.
 */
export function testBatchSettings(overrides: Partial<BatchSettings> = {}): BatchSettings {
  return {
    schema: { ...TEST_SCHEMA, columns: [...TEST_SCHEMA.columns, { name: BATCH_ID_COLUMN, type: "string", required: false }] },
    dayKey: "day",
    partitionTime: "arrival",
    eventIdColumn: "event_id",
    partitionKeyField: "user_id",
    recordsPerChunk: 1000,
    maxPushAttempts: 3,
    database: "lake_db",
    table: "clicks",
    runTimeoutSeconds: 3600,
    ...overrides,
  };
}

/**
 * Each function's settings: the JSON the stack writes into an environment variable and the function
 * parses once, at start-up, with the zod schema here. One schema per kind of function: the transform
 * (`TRANSFORM_SETTINGS`) and the batch functions (`BATCH_SETTINGS`, shared by all four).
 */
import { z } from "zod";
import { glueTypeProblem, isSupportedGlueType, type DayKey, type EventSchema, type GlueType } from "./event-schema";
import { preview } from "./json";
import type { WriteRate } from "./stream-capacity";

/** A documented filter rule: records whose `column` equals one of `values` are returned as `Dropped`. */
export interface DropRule {
  readonly column: string;
  readonly equals: readonly (string | number | boolean)[];
}

/** Where a record's hour partition comes from. */
export type PartitionTime = "arrival" | "event";

/** Everything the transform needs to validate, coerce and (optionally) partition records. */
export interface TransformSettings {
  readonly schema: EventSchema;
  readonly dayKey: DayKey;
  /** `event`: return `partitionKeys` from the event time for dynamic partitioning. */
  readonly partitionTime: PartitionTime;
  readonly dropRules: readonly DropRule[];
  /**
   * Set with event-time partitions under Athena partition projection: the projected years. An event whose
   * year is outside them is returned as `ProcessingFailed` (error prefix, with a reason) instead of landing
   * in a partition Athena never reads. @default no check
   */
  readonly projectedYears?: { readonly from: number; readonly to: number };
}

/** What the batch handlers need to know about the pipeline, passed as JSON in BATCH_SETTINGS. */
export interface BatchSettings {
  readonly schema: EventSchema;
  readonly dayKey: DayKey;
  readonly partitionTime: PartitionTime;
  /** Column holding the event id (a string column of the schema). */
  readonly eventIdColumn: string;
  /** Field whose value is the Kinesis partition key (falls back to the event id when empty). */
  readonly partitionKeyField: string;
  /** Records per staging chunk (one Map iteration pushes one chunk). */
  readonly recordsPerChunk: number;
  /** PutRecords attempts per request before the push fails with RecordsUndelivered. */
  readonly maxPushAttempts: number;
  /**
   * The share of the stream's write capacity one push iteration is paced to (capacity ÷ the push Map's
   * concurrency; see `contract/stream-capacity.ts`). @default not paced: as fast as PutRecords accepts
   */
  readonly pushRate?: WriteRate;
  /**
   * How many ranges the push runs at once (the Distributed Map's MaxConcurrency): PlanBatch cuts at least
   * this many ranges when the data allows, so every share of the stream's capacity is used. @default 1
   */
  readonly pushConcurrency?: number;
  /** Glue database and table the validation query reads. */
  readonly database: string;
  readonly table: string;
  /** Longest a run may take, in seconds: bounds the arrival-time partition window of the validation query. */
  readonly runTimeoutSeconds: number;
  /**
   * The stream transform's drop rules. Batch records matching one are rejected with that reason instead
   * of pushed, so the transform never drops a record the validation expects. @default []
   */
  readonly dropRules?: readonly DropRule[];
}

/** Column names: lower-case, as Glue, Athena and Parquet write them. */
const COLUMN_NAME = /^[a-z][a-z0-9_]*$/;

/** An error map naming what was expected and what was received: `must be …, got "dd"`. */
function expecting(what: string): { errorMap: z.ZodErrorMap } {
  return { errorMap: (_issue, ctx) => ({ message: `${what}, got ${preview(ctx.data)}` }) };
}

const positiveInteger = z.number(expecting("must be an integer ≥ 1")).int().min(1);
const nonEmptyString = z.string(expecting("must be a non-empty string")).min(1);
const dayKey = z.enum(["day", "date"], expecting('must be "day" or "date"'));
const partitionTime = z.enum(["arrival", "event"], expecting('must be "arrival" or "event"'));

const eventColumn = z.object(
  {
    name: z
      .string(expecting(`must match ${COLUMN_NAME.source} (≤ 255 characters)`))
      .regex(COLUMN_NAME)
      .max(255),
    type: z.string(expecting("must be a supported Glue type")).refine(
      (type): type is GlueType => isSupportedGlueType(type),
      (type) => ({ message: `must be a supported Glue type, got ${preview(type)}: ${glueTypeProblem(type) ?? ""}` }),
    ),
    required: z.boolean({ message: "must be a boolean" }),
    description: z.string().optional(),
  },
  { message: "must be an object" },
);

/** The event schema: named, typed, distinct columns and a `timestamp` event-time column. */
export const eventSchemaSchema = z
  .object(
    {
      columns: z.array(eventColumn, { message: "must be a non-empty array" }).min(1, "must be a non-empty array"),
      eventTimeColumn: z.string(expecting("must name a timestamp column")),
    },
    { message: "must be an object" },
  )
  .superRefine((schema, ctx) => {
    const seen = new Set<string>();
    for (const [index, column] of schema.columns.entries()) {
      if (seen.has(column.name))
        ctx.addIssue({ code: "custom", path: ["columns", index, "name"], message: `${column.name} is declared twice` });
      seen.add(column.name);
    }
    if (schema.columns.find((column) => column.name === schema.eventTimeColumn)?.type !== "timestamp") {
      ctx.addIssue({
        code: "custom",
        path: ["eventTimeColumn"],
        message: `must name a timestamp column, got ${preview(schema.eventTimeColumn)}`,
      });
    }
  });

const dropRule = z.object(
  {
    column: nonEmptyString,
    equals: z.array(z.union([z.string(), z.number(), z.boolean()]), expecting("must be an array of strings, numbers and booleans")),
  },
  { message: "must be { column: string, equals: (string | number | boolean)[] }" },
);
const dropRules = z.array(dropRule, { message: "must be an array" });

const projectedYears = z
  .object({ from: z.number().int(), to: z.number().int() }, expecting("must be { from: integer, to: integer } with from ≤ to"))
  .superRefine((years, ctx) => {
    if (years.from > years.to)
      ctx.addIssue({ code: "custom", message: `must be { from: integer, to: integer } with from ≤ to, got ${preview(years)}` });
  });

const settingsObject = { message: "settings must be a JSON object" };

/** `TRANSFORM_SETTINGS`, parsed by the transform function. */
export const transformSettingsSchema: z.ZodType<TransformSettings, z.ZodTypeDef, unknown> = z.object(
  { schema: eventSchemaSchema, dayKey, partitionTime, dropRules, projectedYears: projectedYears.optional() },
  settingsObject,
);

/** `BATCH_SETTINGS`, parsed by each of the four batch functions. */
export const batchSettingsSchema: z.ZodType<BatchSettings, z.ZodTypeDef, unknown> = z
  .object(
    {
      schema: eventSchemaSchema,
      dayKey,
      partitionTime,
      eventIdColumn: z.string(expecting("must name a string column of the schema")),
      partitionKeyField: nonEmptyString,
      recordsPerChunk: positiveInteger,
      maxPushAttempts: positiveInteger,
      pushRate: z
        .object(
          { recordsPerSecond: positiveInteger, bytesPerSecond: positiveInteger },
          expecting("must be { recordsPerSecond, bytesPerSecond }"),
        )
        .optional(),
      pushConcurrency: positiveInteger.optional(),
      database: nonEmptyString,
      table: nonEmptyString,
      runTimeoutSeconds: positiveInteger,
      dropRules: dropRules.optional(),
    },
    settingsObject,
  )
  .superRefine((settings, ctx) => {
    if (settings.schema.columns.find((column) => column.name === settings.eventIdColumn)?.type !== "string") {
      ctx.addIssue({
        code: "custom",
        path: ["eventIdColumn"],
        message: `must name a string column of the schema, got ${preview(settings.eventIdColumn)}`,
      });
    }
  });

/** One problem per issue, each naming its path: `schema.columns[2].type must be …, got "text"`. */
export function settingsProblems(error: z.ZodError, under: readonly string[] = []): string[] {
  return error.issues.map((issue) => {
    const parts = [...under, ...issue.path];
    const path = parts.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
    return path ? `${path} ${issue.message}` : issue.message;
  });
}

/** Problems of an event schema read from JSON, each under `schema.`; empty when it is valid. */
export function eventSchemaProblems(schema: unknown): string[] {
  const result = eventSchemaSchema.safeParse(schema);
  return result.success ? [] : settingsProblems(result.error, ["schema"]);
}

/**
 * Parses a function's settings JSON from its environment variable `variable` with `schema`; throws
 * naming the variable and every problem at once.
 */
export function parseSettings<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, variable: string, text: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${variable} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`${variable} is invalid: ${settingsProblems(result.error).join("; ")}`);
  return result.data;
}

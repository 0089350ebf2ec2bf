/**
 * The event schema: declared once in the configuration, consumed by the Glue table (Firehose converts
 * with it), by the transform Lambda (validation and coercion) and by the generated SQL.
 * No cdktf and no AWS SDK here: both `stacks/` and `handlers/` import this module.
 */

import { glueTypeString, tryParseGlueType, type ScalarGlueType } from "./glue-type";

export { SCALAR_GLUE_TYPES, type ScalarGlueType } from "./glue-type";

/**
 * A Glue type: a scalar, `decimal(precision,scale)` with 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision,
 * or a nested `array<…>`, `map<string,…>` or `struct<name:type,…>` (parsed by ./glue-type.ts).
 */
export type GlueType = ScalarGlueType | `decimal(${number},${number})` | `array<${string}>` | `map<${string}>` | `struct<${string}>`;

/** One column of the event. Names are lower-case because Glue, Athena and Parquet lower-case them. */
export interface EventColumn {
  /** Lower-case `[a-z][a-z0-9_]*`, at most 255 characters; the JSON key producers send. */
  readonly name: string;
  /** Glue type of the column; the transform coerces JSON values to it. */
  readonly type: GlueType;
  /** A record without a value for a required column is rejected (ProcessingFailed) with a reason. */
  readonly required: boolean;
  /** Shown in the Glue table and the README. */
  readonly description?: string;
}

/** The event schema: columns plus the column that holds the event time. */
export interface EventSchema {
  readonly columns: readonly EventColumn[];
  /** Name of a required `timestamp` column holding when the event happened. */
  readonly eventTimeColumn: string;
}

/** Name of the day partition key. `day` by default because DATE is a reserved word in Athena. */
export type DayKey = "day" | "date";

/** The hourly partition keys, in path order: year, month, day key, hour. All are `string` in Glue. */
export function partitionKeys(dayKey: DayKey): readonly [string, string, string, string] {
  return ["year", "month", dayKey, "hour"];
}

const DECIMAL = /^decimal\((\d{1,2}),(\d{1,2})\)$/;

/** Parses `decimal(p,s)`; returns undefined when the text is not a valid decimal type. */
export function parseDecimal(type: string): { precision: number; scale: number } | undefined {
  const match = DECIMAL.exec(type);
  if (!match) return undefined;
  const precision = Number(match[1]);
  const scale = Number(match[2]);
  if (precision < 1 || precision > 38 || scale > precision) return undefined;
  return { precision, scale };
}

/** True when `type` is a Glue type this pipeline supports, written as Glue writes it (lower-case, no spaces). */
export function isSupportedGlueType(type: string): type is GlueType {
  const node = tryParseGlueType(type);
  return !(node instanceof Error) && glueTypeString(node) === type;
}

/**
 * Why `type` is not a supported Glue type (naming the position), or undefined when it is. A type with
 * spaces is reported with the form to write instead.
 */
export function glueTypeProblem(type: string): string | undefined {
  const node = tryParseGlueType(type);
  if (node instanceof Error) return node.message;
  const canonical = glueTypeString(node);
  return canonical === type ? undefined : `write it as Glue does, lower-case without spaces: ${JSON.stringify(canonical)}`;
}

/**
 * Every text form the coercer writes for a `timestamp` column, as Joda-Time patterns: ISO 8601 in UTC
 * with a literal `Z`, without a fraction (a producer's `…:ss'Z'` passes unchanged) or with 1–9 fraction
 * digits (a producer's `…:ss.f'Z'` passes unchanged; every other accepted form is rewritten with
 * `Date.toISOString`, 3 digits). Joda parses `S` repeated n times as 1 to n digits. The JSON table
 * declares these as its Hive JSON SerDe's `timestamp.formats`: Athena reads a timestamp with the first
 * pattern that consumes the whole value, and otherwise falls back to `yyyy-MM-dd HH:mm:ss[.f]`, which
 * does not accept the `T` … `Z` form (https://docs.aws.amazon.com/athena/latest/ug/hive-json-serde.html;
 * Trino lib/trino-hive-formats HiveFormatUtils.createTimestampParser).
 */
export const TIMESTAMP_TEXT_FORMATS = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'"] as const;

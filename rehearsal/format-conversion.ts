/**
 * STAND-IN for Firehose's record format conversion (OpenX JSON SerDe → Parquet with the Glue table's
 * schema), the pure half: Glue types as DuckDB types, and each JSON value as the text DuckDB casts.
 * The delivery stand-in then lets DuckDB `TRY_CAST` every value to its column type; a record with a
 * value that does not cast goes to `errors/format-conversion-failed/`.
 *
 * How it follows the OpenX JSON SerDe (as documented for Firehose): keys match columns case-
 * insensitively and unknown keys are ignored; timestamps are accepted as `yyyy-MM-dd'T'HH:mm:ss[.S]'Z'`
 * (up to 9 fraction digits), `yyyy-[M]M-[d]d HH:mm:ss[.S]`, epoch seconds, epoch milliseconds or
 * fractional epoch seconds. Where it cannot follow it exactly, it is stricter and says so in the
 * record's error message: a number with a fraction in an integer column, a JSON object or array in a
 * scalar column, and a value out of range are failures here (Hive may round, stringify or null them).
 */
import { parseDecimal, type GlueType } from "../contract/event-schema";

/** One column of the Glue table as the conversion sees it. */
export interface TableColumn {
  readonly name: string;
  readonly type: GlueType | string;
}

/** The DuckDB type that holds a Glue type's values in Parquet. Throws for types the rehearsal cannot map. */
export function duckDbType(glueType: string): string {
  const scalar: Record<string, string> = {
    string: "VARCHAR",
    boolean: "BOOLEAN",
    tinyint: "TINYINT",
    smallint: "SMALLINT",
    int: "INTEGER",
    integer: "INTEGER",
    bigint: "BIGINT",
    float: "FLOAT",
    double: "DOUBLE",
    date: "DATE",
    timestamp: "TIMESTAMP",
  };
  const type = glueType.trim().toLowerCase();
  if (scalar[type]) return scalar[type];
  const decimal = parseDecimal(type.replace(/\s+/g, ""));
  if (decimal) return `DECIMAL(${decimal.precision},${decimal.scale})`;
  if (/^(varchar|char)\(\d+\)$/.test(type)) return "VARCHAR";
  throw new Error(`the rehearsal cannot map the Glue type ${JSON.stringify(glueType)} to a Parquet column`);
}

/** A record prepared for DuckDB: one text (or null) per table column, or why it cannot be converted. */
export type PreparedRecord = { readonly values: (string | null)[] } | { readonly error: string };

/** The conversion error code Firehose reports for records that do not fit the table. */
export const MALFORMED_DATA = "DataFormatConversion.MalformedData";

const ISO_Z = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
const SPACE_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_TYPES = new Set(["tinyint", "smallint", "int", "integer", "bigint"]);

/**
 * Parses one record (the transform's output line) and turns each column's JSON value into DuckDB cast
 * input. JSON that does not parse, or is not an object, is an error, as it is for the deserializer.
 */
export function prepareRecord(text: string, columns: readonly TableColumn[]): PreparedRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `The given JSON data is malformed: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { error: "The given JSON data is malformed: expected one JSON object per record" };
  }
  const byName = new Map<string, unknown>();
  for (const [key, value] of Object.entries(parsed)) {
    const lower = key.toLowerCase();
    if (!byName.has(lower)) byName.set(lower, value);
  }
  const values: (string | null)[] = [];
  for (const column of columns) {
    const value = byName.get(column.name.toLowerCase());
    const converted = valueText(value, column.type.toLowerCase());
    if (typeof converted === "object" && converted !== null) {
      return { error: `column ${column.name} (${column.type}): ${converted.problem}, got ${preview(value)}` };
    }
    values.push(converted);
  }
  return { values };
}

/** The message for a value DuckDB could not cast. */
export function castFailure(column: TableColumn, text: string): string {
  return `column ${column.name} (${column.type}): ${preview(text)} cannot be converted to ${column.type} (DuckDB TRY_CAST to ${duckDbType(column.type)} failed)`;
}

function valueText(value: unknown, type: string): string | null | { problem: string } {
  if (value === undefined || value === null) return null;
  if (typeof value === "object") return { problem: "a JSON object or array in a scalar column" };
  if (type === "string" || type.startsWith("varchar") || type.startsWith("char")) return String(value);
  if (type === "boolean") {
    if (typeof value === "boolean") return String(value);
    if (value === "true" || value === "false") return value;
    return { problem: "not a boolean" };
  }
  if (type === "date") {
    if (typeof value === "string" && DATE.test(value)) return value;
    return { problem: "not a date (yyyy-MM-dd)" };
  }
  if (type === "timestamp") return timestampText(value);
  // numeric: tinyint … bigint, float, double, decimal(p,s)
  if (typeof value === "boolean") return { problem: "a boolean in a numeric column" };
  const text = String(value);
  if (!NUMBER_TEXT.test(text)) return { problem: "not a number" };
  if (INTEGER_TYPES.has(type) && !Number.isInteger(Number(text))) return { problem: "not an integer" };
  return text;
}

function timestampText(value: unknown): string | { problem: string } {
  if (typeof value === "number") return epochText(value);
  if (typeof value !== "string") return { problem: "not a timestamp" };
  const match = ISO_Z.exec(value) ?? SPACE_TIME.exec(value);
  if (match) {
    const [, year, month, day, hour, minute, second, fraction] = match;
    const micros = (fraction ?? "").slice(0, 6).padEnd(6, "0");
    return `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")} ${hour}:${minute}:${second}.${micros}`;
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return epochText(Number(value));
  return { problem: "not a timestamp the OpenX JSON SerDe reads (yyyy-MM-ddTHH:mm:ss[.S]Z, yyyy-M-d HH:mm:ss[.S] or epoch)" };
}

/** Epoch seconds (integer or fractional) below 1e11, epoch milliseconds above: the same cut as the transform. */
function epochText(value: number): string | { problem: string } {
  if (!Number.isFinite(value)) return { problem: "not a finite epoch" };
  const millis = Math.abs(value) < 1e11 ? value * 1000 : value;
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return { problem: "epoch out of range" };
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

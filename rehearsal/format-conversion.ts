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
import { type GlueType } from "../contract/event-schema";
import { duckDbTypeString, glueTypeString, isComplex, parseGlueType, tryParseGlueType, type GlueTypeNode } from "../contract/glue-type";

/** One column of the Glue table as the conversion sees it. */
export interface TableColumn {
  readonly name: string;
  readonly type: GlueType | string;
}

/**
 * The DuckDB type that holds a Glue type's values in Parquet: scalars, DECIMAL(p,s), and the nested
 * types as DuckDB's STRUCT(…), LIST (`T[]`) and MAP(VARCHAR, …), which it writes to Parquet as a group,
 * a LIST and a MAP. Throws for types the rehearsal cannot map.
 */
export function duckDbType(glueType: string): string {
  const type = glueType.trim().toLowerCase();
  if (type === "integer") return "INTEGER";
  if (/^(varchar|char)\(\d+\)$/.test(type)) return "VARCHAR";
  const node = tryParseGlueType(type);
  if (node instanceof Error) {
    throw new Error(`the rehearsal cannot map the Glue type ${JSON.stringify(glueType)} to a Parquet column: ${node.message}`);
  }
  return duckDbTypeString(node);
}

/** True when the Glue type is a struct, array or map (its value is staged as JSON text). */
export function isNestedType(glueType: string): boolean {
  const node = tryParseGlueType(glueType.trim().toLowerCase());
  return !(node instanceof Error) && isComplex(node);
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
  if (isNestedType(type)) {
    const converted = nestedValue(value, parseGlueType(type), "");
    return converted instanceof Problem ? { problem: converted.problem } : JSON.stringify(converted);
  }
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

class Problem {
  constructor(readonly problem: string) {}
}

/**
 * A nested value as the JSON DuckDB casts to the column's nested type: every scalar inside converted
 * as a top-level value of its type would be (timestamps to DuckDB's text form), keys of structs matched
 * case-insensitively and unknown ones ignored, as the OpenX JSON SerDe does. A value that does not fit
 * is a problem naming its path, as for a scalar column.
 */
function nestedValue(value: unknown, node: GlueTypeNode, path: string): unknown {
  if (value === undefined || value === null) return null;
  const wrong = (what: string) => new Problem(`${path ? `${path}: ` : ""}${what}`);
  if (node.kind === "array") {
    if (!Array.isArray(value)) return wrong(`not an array (${glueTypeString(node)})`);
    const items: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const converted = nestedValue(item, node.element, `${path}[${i}]`);
      if (converted instanceof Problem) return converted;
      items.push(converted);
    }
    return items;
  }
  if (node.kind === "map" || node.kind === "struct") {
    if (typeof value !== "object" || Array.isArray(value)) return wrong(`not an object (${glueTypeString(node)})`);
    const out: Record<string, unknown> = {};
    const entries = Object.entries(value as Record<string, unknown>);
    if (node.kind === "map") {
      for (const [key, item] of entries) {
        const converted = nestedValue(item, node.value, `${path}[${JSON.stringify(key)}]`);
        if (converted instanceof Problem) return converted;
        out[key] = converted;
      }
      return out;
    }
    for (const field of node.fields) {
      const entry = entries.find(([key]) => key.toLowerCase() === field.name);
      const converted = nestedValue(entry?.[1], field.type, `${path}.${field.name}`);
      if (converted instanceof Problem) return converted;
      out[field.name] = converted;
    }
    return out;
  }
  const text = valueText(value, glueTypeString(node));
  if (text !== null && typeof text === "object") return wrong(text.problem);
  if (text === null || node.kind === "decimal") return text === null ? null : Number(text);
  if (node.name === "boolean") return text === "true";
  return ["tinyint", "smallint", "int", "bigint", "float", "double"].includes(node.name) ? Number(text) : text;
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

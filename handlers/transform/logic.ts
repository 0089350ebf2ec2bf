/**
 * Pure record transformation for the Firehose processor: validate each record against the event schema,
 * coerce lossless type differences, apply the drop rules and return one Firehose result per input record.
 * No SDK and no `process.env`: the adapter in `index.ts` reads the settings and does the I/O.
 */
import { isUtf8 } from "node:buffer";
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationMetadata,
  FirehoseTransformationResultRecord,
} from "aws-lambda";
import { TRANSFORM_ENV, type DropRule, type TransformSettings } from "../shared/contract";
import { isSupportedGlueType, parseDecimal, partitionKeys, type GlueType } from "../shared/event-schema";

/** Firehose's record size limit, 1,000 KiB, applied to the decoded record. */
export const MAX_RECORD_BYTES = 1_024_000;

/** Lambda's synchronous response limit, 6 MiB. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/** Default response budget: the Lambda limit minus 64 KiB of headroom for the runtime's envelope. */
export const DEFAULT_RESPONSE_BUDGET_BYTES = LAMBDA_RESPONSE_LIMIT_BYTES - 64 * 1024;

/** Reason given to records that would push the response over the budget. */
export const OVER_BUDGET_REASON = "response would exceed the 6 MiB Lambda limit; lower the processor buffer size";

/** Why one record was returned as `ProcessingFailed`. */
export interface RecordFailure {
  readonly recordId: string;
  readonly reason: string;
}

/** Per-invocation counters; `ok + failed + dropped` equals the number of input records. */
export interface TransformCounts {
  readonly ok: number;
  readonly failed: number;
  readonly dropped: number;
  /** Ok records whose keys or values were changed (lower-cased keys, coerced or normalised values). */
  readonly coerced: number;
  /** Keys that match no schema column, summed over the records that reached the key check. */
  readonly unknownFields: number;
}

/** What {@link transformRecords} returns: the Firehose response records plus what the adapter logs and counts. */
export interface TransformOutcome {
  /** Exactly one entry per input record, same order and ids; only Firehose response fields. */
  readonly records: FirehoseTransformationResultRecord[];
  readonly failures: RecordFailure[];
  readonly counts: TransformCounts;
  /** Distinct unknown keys seen in this invocation, at most {@link MAX_REPORTED_UNKNOWN_KEYS}. */
  readonly unknownKeys: string[];
}

/** Cap on the distinct unknown key names reported per invocation. */
export const MAX_REPORTED_UNKNOWN_KEYS = 20;

/** Options of {@link transformRecords}. */
export interface TransformOptions {
  /**
   * Estimated serialized response size above which no further record is returned as Ok.
   * @default DEFAULT_RESPONSE_BUDGET_BYTES
   */
  readonly responseBudgetBytes?: number;
}

/** Settings compiled once into per-column coercers; reuse it across invocations. */
export interface CompiledTransform {
  /** The settings this was compiled from. */
  readonly settings: TransformSettings;
  /** Transforms one Firehose event; see {@link transformRecords}. */
  transform(event: FirehoseTransformationEvent, options?: TransformOptions): TransformOutcome;
}

type JsonObject = Record<string, unknown>;

class Invalid {
  constructor(readonly detail: string) {}
}

type Coercer = (value: unknown) => unknown;

interface CompiledColumn {
  readonly name: string;
  readonly type: GlueType;
  readonly required: boolean;
  readonly coerce: Coercer;
  /** The name is also an `Object.prototype` member, so a missing key must be told apart with `hasOwn`. */
  readonly inherited: boolean;
}

interface CompiledDropRule {
  readonly column: string;
  readonly values: ReadonlySet<unknown>;
}

const NEWLINE = Buffer.from("\n");
const NEWLINE_BASE64 = "Cg==";
const VALUE_PREVIEW_CHARS = 80;
const COLUMN_NAME = /^[a-z][a-z0-9_]*$/;
const RECORD_OVERHEAD_CHARS = 38;
const RESPONSE_OVERHEAD_CHARS = 14;

const compiledCache = new WeakMap<TransformSettings, CompiledTransform>();

/**
 * Transforms a Firehose event from a Kinesis source. Never throws for a bad record: each one becomes
 * `ProcessingFailed` with its original `data` and a reason in `failures`.
 */
export function transformRecords(
  event: FirehoseTransformationEvent,
  settings: TransformSettings | CompiledTransform,
  options?: TransformOptions,
): TransformOutcome {
  const compiled = "transform" in settings ? settings : cachedCompile(settings);
  return compiled.transform(event, options);
}

function cachedCompile(settings: TransformSettings): CompiledTransform {
  let compiled = compiledCache.get(settings);
  if (!compiled) {
    compiled = compileSchema(settings);
    compiledCache.set(settings, compiled);
  }
  return compiled;
}

/** Parses and validates the JSON settings the stack passes in `TRANSFORM_SETTINGS`. */
export function parseTransformSettings(text: string): TransformSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${TRANSFORM_ENV.settings} is not valid JSON: ${messageOf(error)}`);
  }
  const problems = settingsProblems(raw);
  if (problems.length > 0) throw new Error(`${TRANSFORM_ENV.settings} is invalid: ${problems.join("; ")}`);
  return raw as TransformSettings;
}

/** Validates the settings and precomputes one coercer per column; throws with every problem found. */
export function compileSchema(settings: TransformSettings): CompiledTransform {
  const problems = settingsProblems(settings);
  if (problems.length > 0) throw new Error(`invalid transform settings: ${problems.join("; ")}`);

  const columns: CompiledColumn[] = settings.schema.columns.map((column) => ({
    name: column.name,
    type: column.type,
    required: column.required,
    coerce: coercerFor(column.type),
    inherited: column.name in Object.prototype,
  }));
  const byName = new Map(columns.map((column) => [column.name, column]));
  const dropRules = settings.dropRules.map((rule) => compileDropRule(rule, byName));
  const eventTime = settings.partitionTime === "event" ? settings.schema.eventTimeColumn : undefined;
  const [yearKey, monthKey, dayKey, hourKey] = partitionKeys(settings.dayKey);
  const sampleMetadata = { partitionKeys: { [yearKey]: "YYYY", [monthKey]: "MM", [dayKey]: "DD", [hourKey]: "HH" } };
  const metadataChars = `,"metadata":${JSON.stringify(sampleMetadata)}`.length;

  const partitionMetadata = (time: string): FirehoseTransformationMetadata => ({
    partitionKeys: {
      [yearKey]: time.slice(0, 4),
      [monthKey]: time.slice(5, 7),
      [dayKey]: time.slice(8, 10),
      [hourKey]: time.slice(11, 13),
    },
  });

  const context: RecordContext = { columns, byName, dropRules, eventTime, partitionMetadata, metadataChars };
  return {
    settings,
    transform: (event, options) => transformEvent(event, context, options),
  };
}

interface RecordContext {
  readonly columns: readonly CompiledColumn[];
  readonly byName: ReadonlyMap<string, CompiledColumn>;
  readonly dropRules: readonly CompiledDropRule[];
  readonly eventTime: string | undefined;
  readonly partitionMetadata: (time: string) => FirehoseTransformationMetadata;
  readonly metadataChars: number;
}

interface MutableCounts {
  ok: number;
  failed: number;
  dropped: number;
  coerced: number;
  unknownFields: number;
}

type Verdict =
  | {
      readonly result: "Ok";
      readonly data: string;
      readonly coerced: boolean;
      readonly metadata?: FirehoseTransformationMetadata;
    }
  | { readonly result: "Dropped" }
  | { readonly result: "ProcessingFailed"; readonly reason: string };

function transformEvent(
  event: FirehoseTransformationEvent,
  context: RecordContext,
  options: TransformOptions | undefined,
): TransformOutcome {
  const budget = options?.responseBudgetBytes ?? DEFAULT_RESPONSE_BUDGET_BYTES;
  const input = event.records;
  const records: FirehoseTransformationResultRecord[] = new Array(input.length);
  const failures: RecordFailure[] = [];
  const counts: MutableCounts = { ok: 0, failed: 0, dropped: 0, coerced: 0, unknownFields: 0 };
  const unknownKeys = new Set<string>();

  // Every record can always fall back to ProcessingFailed with its input data, so that size is reserved up front;
  // an Ok record is accepted only if the response still fits once every later record is counted at its fallback size.
  let reserved = RESPONSE_OVERHEAD_CHARS;
  for (const record of input) reserved += fallbackChars(record.recordId, record.data);
  let used = 0;
  let overBudget = false;

  for (let i = 0; i < input.length; i++) {
    const { recordId, data } = input[i];
    const fallback = fallbackChars(recordId, data);
    reserved -= fallback;
    let verdict: Verdict;
    try {
      verdict = transformOne(data, context, counts, unknownKeys);
    } catch (error) {
      verdict = { result: "ProcessingFailed", reason: `unexpected error: ${messageOf(error)}` };
    }

    if (verdict.result === "Ok") {
      const chars = okChars(recordId, verdict.data, verdict.metadata ? context.metadataChars : 0);
      if (overBudget || used + chars + reserved > budget) {
        overBudget = true;
        verdict = { result: "ProcessingFailed", reason: OVER_BUDGET_REASON };
      } else {
        used += chars;
        counts.ok++;
        if (verdict.coerced) counts.coerced++;
        records[i] = verdict.metadata
          ? { recordId, result: "Ok", data: verdict.data, metadata: verdict.metadata }
          : { recordId, result: "Ok", data: verdict.data };
        continue;
      }
    }
    used += fallback;
    if (verdict.result === "Dropped") {
      counts.dropped++;
      records[i] = { recordId, result: "Dropped", data };
    } else {
      counts.failed++;
      failures.push({ recordId, reason: verdict.reason });
      records[i] = { recordId, result: "ProcessingFailed", data };
    }
  }
  return { records, failures, counts, unknownKeys: [...unknownKeys] };
}

function fallbackChars(recordId: string, data: string): number {
  return RECORD_OVERHEAD_CHARS + recordId.length + "ProcessingFailed".length + data.length;
}

function okChars(recordId: string, data: string, metadataChars: number): number {
  return RECORD_OVERHEAD_CHARS + recordId.length + "Ok".length + data.length + metadataChars;
}

function fail(reason: string): Verdict {
  return { result: "ProcessingFailed", reason };
}

function transformOne(data: string, context: RecordContext, counts: MutableCounts, unknownKeys: Set<string>): Verdict {
  const bytes = Buffer.from(data, "base64");
  if (bytes.length > MAX_RECORD_BYTES) {
    return fail(
      `record is ${bytes.length} bytes, over Firehose's record limit of ${MAX_RECORD_BYTES} bytes (1,000 KiB)`,
    );
  }
  const text = bytes.toString("utf8");
  if (text.includes("\uFFFD") && !isUtf8(bytes)) return fail("record is not valid UTF-8");
  if (text.charCodeAt(0) !== 0x7b && text.trim().length === 0) return fail("empty record");

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return fail(`malformed JSON: ${error.message}`);
  }
  if (Array.isArray(parsed)) return fail("JSON array: send one event per record");
  if (typeof parsed !== "object" || parsed === null) {
    return fail(`JSON ${parsed === null ? "null" : typeof parsed}: expected one JSON object per record`);
  }

  const keys = normaliseKeys(parsed as JsonObject, context.byName, counts, unknownKeys);
  if (typeof keys === "string") return fail(keys);
  const record = keys.record;
  let changed = keys.renamed;

  for (const column of context.columns) {
    const value = column.inherited && !Object.hasOwn(record, column.name) ? undefined : record[column.name];
    if (value === undefined || value === null) {
      if (column.required) return fail(`missing required ${typeMismatch(column, value)}`);
      continue;
    }
    const coerced = column.coerce(value);
    if (coerced instanceof Invalid) return fail(typeMismatch(column, value, coerced.detail));
    if (coerced !== value) {
      record[column.name] = coerced;
      changed = true;
    }
  }

  for (const rule of context.dropRules) {
    if (Object.hasOwn(record, rule.column) && rule.values.has(record[rule.column])) return { result: "Dropped" };
  }

  const output = changed || !isSingleLine(text) ? encodeLine(record) : withOneNewline(data, bytes, text);
  const metadata = context.eventTime ? context.partitionMetadata(record[context.eventTime] as string) : undefined;
  return { result: "Ok", data: output, coerced: changed, metadata };
}

function typeMismatch(column: CompiledColumn, value: unknown, detail = ""): string {
  return `column ${column.name}: expected ${column.type}, got ${preview(value)}${detail ? ` (${detail})` : ""}`;
}

/** Lower-cases keys (rebuilding the object only when needed); returns a failure reason on a collision. */
function normaliseKeys(
  parsed: JsonObject,
  byName: ReadonlyMap<string, CompiledColumn>,
  counts: MutableCounts,
  unknownKeys: Set<string>,
): { record: JsonObject; renamed: boolean } | string {
  let needsRename = false;
  for (const key in parsed) {
    if (byName.has(key)) continue;
    const lower = key.toLowerCase();
    if (lower !== key) {
      needsRename = true;
      if (byName.has(lower)) continue;
    }
    counts.unknownFields++;
    if (unknownKeys.size < MAX_REPORTED_UNKNOWN_KEYS) unknownKeys.add(lower);
  }
  if (!needsRename) return { record: parsed, renamed: false };

  const record: JsonObject = {};
  for (const key in parsed) {
    const lower = key.toLowerCase();
    if (Object.hasOwn(record, lower)) {
      const previous = Object.keys(parsed).find((other) => other !== key && other.toLowerCase() === lower);
      return `keys ${JSON.stringify(previous)} and ${JSON.stringify(key)} collide after lower-casing`;
    }
    if (lower === "__proto__") {
      Object.defineProperty(record, lower, {
        value: parsed[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      record[lower] = parsed[key];
    }
  }
  return { record, renamed: true };
}

/** True when the text is the object alone on one line: no "\n" but an optional final one, no other padding. */
function isSingleLine(text: string): boolean {
  const last = text.length - 1;
  const newline = text.indexOf("\n");
  if (newline !== -1 && newline !== last) return false;
  const end = newline === last ? last - 1 : last;
  return text.charCodeAt(0) === 0x7b && text.charCodeAt(end) === 0x7d;
}

function encodeLine(record: JsonObject): string {
  return Buffer.from(`${JSON.stringify(record)}\n`, "utf8").toString("base64");
}

function withOneNewline(base64: string, bytes: Buffer, text: string): string {
  return text.charCodeAt(text.length - 1) === 0x0a ? base64 : appendNewlineBase64(base64, bytes);
}

/**
 * Base64 of `bytes + "\n"`, given `base64` = base64 of `bytes`, re-encoding only the final partial 3-byte group.
 * Falls back to a full encode when `base64` is not the canonical padded encoding of `bytes`.
 */
export function appendNewlineBase64(base64: string, bytes: Uint8Array): string {
  const length = bytes.length;
  const remainder = length % 3;
  if (base64.length !== Math.ceil(length / 3) * 4) return Buffer.concat([bytes, NEWLINE]).toString("base64");
  if (remainder === 0) return base64 + NEWLINE_BASE64;
  const tail = Buffer.allocUnsafe(remainder + 1);
  tail[0] = bytes[length - remainder];
  if (remainder === 2) tail[1] = bytes[length - 1];
  tail[remainder] = 0x0a;
  return base64.slice(0, -4) + tail.toString("base64");
}

function compileDropRule(rule: DropRule, byName: ReadonlyMap<string, CompiledColumn>): CompiledDropRule {
  const column = rule.column.toLowerCase();
  const coerce = byName.get(column)?.coerce;
  const values = rule.equals.map((value) => {
    const coerced = coerce ? coerce(value) : value;
    return coerced instanceof Invalid ? value : coerced;
  });
  return { column, values: new Set(values) };
}

function settingsProblems(raw: unknown): string[] {
  if (!isObject(raw)) return ["settings must be a JSON object"];
  const problems: string[] = [];
  const schema = raw.schema;
  const columnTypes = new Map<string, unknown>();
  if (!isObject(schema) || !Array.isArray(schema.columns) || schema.columns.length === 0) {
    problems.push("schema.columns must be a non-empty array");
  } else {
    for (const [index, column] of (schema.columns as unknown[]).entries()) {
      if (!isObject(column)) {
        problems.push(`schema.columns[${index}] must be an object`);
        continue;
      }
      const name = column.name;
      if (typeof name !== "string" || !COLUMN_NAME.test(name) || name.length > 255) {
        problems.push(
          `schema.columns[${index}].name must match ${COLUMN_NAME.source} (≤ 255 characters), got ${preview(name)}`,
        );
      } else if (columnTypes.has(name)) {
        problems.push(`schema.columns[${index}].name ${name} is declared twice`);
      } else {
        columnTypes.set(name, column.type);
      }
      if (typeof column.type !== "string" || !isSupportedGlueType(column.type)) {
        problems.push(`schema.columns[${index}].type must be a supported Glue type, got ${preview(column.type)}`);
      }
      if (typeof column.required !== "boolean") problems.push(`schema.columns[${index}].required must be a boolean`);
    }
    const eventTime = schema.eventTimeColumn;
    if (typeof eventTime !== "string" || columnTypes.get(eventTime) !== "timestamp") {
      problems.push(`schema.eventTimeColumn must name a timestamp column, got ${preview(eventTime)}`);
    }
  }
  if (raw.dayKey !== "day" && raw.dayKey !== "date")
    problems.push(`dayKey must be "day" or "date", got ${preview(raw.dayKey)}`);
  if (raw.partitionTime !== "arrival" && raw.partitionTime !== "event") {
    problems.push(`partitionTime must be "arrival" or "event", got ${preview(raw.partitionTime)}`);
  }
  if (!Array.isArray(raw.dropRules)) {
    problems.push("dropRules must be an array");
  } else {
    for (const [index, rule] of (raw.dropRules as unknown[]).entries()) {
      const valid =
        isObject(rule) &&
        typeof rule.column === "string" &&
        rule.column.length > 0 &&
        Array.isArray(rule.equals) &&
        rule.equals.every((value) => ["string", "number", "boolean"].includes(typeof value));
      if (!valid)
        problems.push(`dropRules[${index}] must be { column: string, equals: (string | number | boolean)[] }`);
    }
  }
  return problems;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** JSON text of a value for a failure reason, cut to about 80 characters. */
function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > VALUE_PREVIEW_CHARS ? `${text.slice(0, VALUE_PREVIEW_CHARS)}…` : text;
}

const INTEGER_RANGES = {
  tinyint: [-128, 127],
  smallint: [-32_768, 32_767],
  int: [-2_147_483_648, 2_147_483_647],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const;

const FLOAT_MAX = 3.4028234663852886e38;
const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/;
const LOOSE_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH_TEXT = /^-?\d+(?:\.\d+)?$/;
const MAX_EXACT_DIGITS = 15;

function coercerFor(type: GlueType): Coercer {
  switch (type) {
    case "string":
      return coerceString;
    case "boolean":
      return coerceBoolean;
    case "tinyint":
    case "smallint":
    case "int":
    case "bigint":
      return integerCoercer(type);
    case "float":
      return floatCoercer(FLOAT_MAX);
    case "double":
      return floatCoercer(Number.MAX_VALUE);
    case "date":
      return coerceDate;
    case "timestamp":
      return coerceTimestamp;
    default:
      return decimalCoercer(type);
  }
}

function coerceString(value: unknown): unknown {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return new Invalid("");
}

function coerceBoolean(value: unknown): unknown {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return new Invalid("");
}

function integerCoercer(type: keyof typeof INTEGER_RANGES): Coercer {
  const [min, max] = INTEGER_RANGES[type];
  const range =
    type === "bigint"
      ? `bigint is limited to JavaScript safe integers, ${min}..${max}, because JSON numbers are parsed as doubles`
      : `out of range ${min}..${max}`;
  return (value) => {
    let number: number;
    if (typeof value === "number") number = value;
    else if (typeof value === "string" && INTEGER_TEXT.test(value)) number = Number(value);
    else return new Invalid("");
    if (!Number.isInteger(number)) return new Invalid("not an integer");
    if (number < min || number > max || (type === "bigint" && !Number.isSafeInteger(number))) return new Invalid(range);
    return number;
  };
}

function floatCoercer(max: number): Coercer {
  return (value) => {
    let number: number;
    if (typeof value === "number") number = value;
    else if (typeof value === "string" && NUMBER_TEXT.test(value)) number = Number(value);
    else return new Invalid("");
    if (!Number.isFinite(number) || Math.abs(number) > max) return new Invalid("not a finite number in range");
    return number;
  };
}

function decimalCoercer(type: GlueType): Coercer {
  const shape = parseDecimal(type);
  if (!shape) throw new Error(`unsupported Glue type ${type}`);
  const integerDigits = shape.precision - shape.scale;
  const factor = 10 ** shape.scale;
  const limit = 10 ** integerDigits;
  const quickCheck = shape.precision <= MAX_EXACT_DIGITS;
  return (value) => {
    // A double that survives rounding to `scale` decimals has at most `scale` fraction digits.
    if (
      quickCheck &&
      typeof value === "number" &&
      Math.abs(value) < limit &&
      Math.round(value * factor) / factor === value
    ) {
      return value;
    }
    let number: number;
    let text: string;
    if (typeof value === "number") {
      number = value;
      text = String(value);
    } else if (typeof value === "string" && NUMBER_TEXT.test(value)) {
      number = Number(value);
      text = value;
    } else {
      return new Invalid("");
    }
    if (!Number.isFinite(number)) return new Invalid("not a finite number");
    const digits = decimalDigits(text);
    if (!digits) return new Invalid("");
    if (digits.integer > integerDigits) return new Invalid(`more than ${integerDigits} integer digits`);
    if (digits.fraction > shape.scale) return new Invalid(`more than ${shape.scale} fraction digits`);
    if (digits.significant > MAX_EXACT_DIGITS) {
      return new Invalid(`more than ${MAX_EXACT_DIGITS} significant digits cannot be carried exactly as a JSON number`);
    }
    return number;
  };
}

/** Integer, fraction and significant digit counts of a decimal numeral, ignoring insignificant zeros. */
function decimalDigits(text: string): { integer: number; fraction: number; significant: number } | undefined {
  const match = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const integerPart = match[1];
  const fractionPart = match[2] ?? "";
  let digits = integerPart + fractionPart;
  if (digits.length === 0) return undefined;
  let point = integerPart.length + (match[3] ? Number(match[3]) : 0);
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 0x30) start++;
  if (start === digits.length) return { integer: 0, fraction: 0, significant: 0 };
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  digits = digits.slice(start, end);
  point -= start;
  return { integer: Math.max(point, 0), fraction: Math.max(digits.length - point, 0), significant: digits.length };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= days;
}

function isClockTime(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 59;
}

function coerceDate(value: unknown): unknown {
  if (typeof value !== "string") return new Invalid("");
  const match = DATE_TEXT.exec(value);
  if (!match) return new Invalid("not YYYY-MM-DD");
  if (!isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return new Invalid("not a calendar date");
  return value;
}

function coerceTimestamp(value: unknown): unknown {
  if (typeof value === "number") return fromEpoch(value);
  if (typeof value !== "string") return new Invalid("");
  const utc = ISO_UTC.exec(value);
  if (utc) {
    const valid =
      isCalendarDate(Number(utc[1]), Number(utc[2]), Number(utc[3])) &&
      isClockTime(Number(utc[4]), Number(utc[5]), Number(utc[6]));
    return valid ? value : new Invalid("not a real date and time");
  }
  if (EPOCH_TEXT.test(value)) return fromEpoch(Number(value));
  const loose = LOOSE_TIMESTAMP.exec(value);
  if (!loose) return new Invalid("unparseable timestamp");
  const [year, month, day] = [Number(loose[1]), Number(loose[2]), Number(loose[3])];
  const [hour, minute, second] = [Number(loose[4] ?? 0), Number(loose[5] ?? 0), Number(loose[6] ?? 0)];
  if (!isCalendarDate(year, month, day) || !isClockTime(hour, minute, second))
    return new Invalid("not a real date and time");
  const millis = loose[7] ? Number(loose[7].slice(0, 3).padEnd(3, "0")) : 0;
  const offset = offsetMinutes(loose[8]);
  if (offset === undefined) return new Invalid("invalid UTC offset");
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year);
  return isoOrInvalid(date.getTime() - offset * 60_000);
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 18 || minutes > 59) return undefined;
  return (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/** Epoch seconds when |value| < 1e11 (before year 5138), epoch milliseconds otherwise. */
function fromEpoch(value: number): unknown {
  if (!Number.isFinite(value)) return new Invalid("not a finite epoch");
  return isoOrInvalid(Math.abs(value) < 1e11 ? value * 1000 : value);
}

function isoOrInvalid(millis: number): unknown {
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return new Invalid("out of range");
  const iso = date.toISOString();
  return iso.length === 24 ? iso : new Invalid("outside years 0000..9999");
}

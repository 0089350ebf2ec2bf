/**
 * Per-record validation and coercion against the event schema, shared by the Firehose transform and
 * the batch extract: lower-case the keys, check required columns, coerce lossless type differences
 * (numeric strings, epoch timestamps, "true"/"false", …) and report the first problem as a reason.
 * Pure: no SDK, no `process.env`, no I/O.
 */
import { type EventSchema, type GlueType } from "../../contract/event-schema";
import { glueTypeString, isComplex, parseGlueType, type GlueTypeNode } from "../../contract/glue-type";
import { preview, type JsonObject } from "../../contract/json";
import { eventSchemaProblems } from "../../contract/settings";
import { Invalid, nestedCoercer, type Coercer } from "./nested-coercion";

/** Firehose's record size limit, 1,000 KiB, applied to the decoded record. */
export const MAX_RECORD_BYTES = 1_024_000;

/** Cap on the distinct unknown key names reported per invocation. */
export const MAX_REPORTED_UNKNOWN_KEYS = 20;

/** A record that passed validation: keys lower-cased, values coerced to the column types. */
export interface ValidRecord {
  /** The input object itself when nothing had to be renamed, else a lower-cased copy; coerced values are written into it. */
  readonly record: JsonObject;
  /** True when keys were lower-cased or a value was coerced. */
  readonly changed: boolean;
}

/** Where {@link RecordValidator.validate} counts keys that match no schema column. */
export interface UnknownFieldTally {
  unknownFields: number;
}

interface CompiledColumn {
  readonly name: string;
  readonly type: GlueType;
  readonly required: boolean;
  readonly coerce: Coercer;
  /** The name is also an `Object.prototype` member, so a missing key must be told apart with `hasOwn`. */
  readonly inherited: boolean;
}

/**
 * Validates and coerces parsed JSON objects against one schema. Build it once with
 * {@link compileRecordValidator} and reuse it: the per-column coercers are precomputed.
 */
export class RecordValidator {
  private readonly columns: readonly CompiledColumn[];
  private readonly byName: ReadonlyMap<string, CompiledColumn>;

  /** Use {@link compileRecordValidator}, which checks the schema first. */
  constructor(schema: EventSchema) {
    this.columns = schema.columns.map((column) => ({
      name: column.name,
      type: column.type,
      required: column.required,
      coerce: coercerFor(column.type),
      inherited: column.name in Object.prototype,
    }));
    this.byName = new Map(this.columns.map((column) => [column.name, column]));
  }

  /**
   * Lower-cases the keys of `parsed` (rebuilding the object only when needed), then checks and coerces
   * every column, writing coerced values into the returned record. Returns the reason for the first
   * problem instead: a key collision after lower-casing, a missing required column or a value that
   * cannot be coerced losslessly. Keys outside the schema are kept, counted in `tally.unknownFields`
   * and their lower-cased names added to `unknownKeys` (at most {@link MAX_REPORTED_UNKNOWN_KEYS}).
   */
  validate(parsed: JsonObject, tally: UnknownFieldTally, unknownKeys: Set<string>): ValidRecord | string {
    const keys = normaliseKeys(parsed, this.byName, tally, unknownKeys);
    if (typeof keys === "string") return keys;
    const record = keys.record;
    let changed = keys.renamed;

    for (const column of this.columns) {
      const value = column.inherited && !Object.hasOwn(record, column.name) ? undefined : record[column.name];
      if (value === undefined || value === null) {
        if (column.required) return `missing required ${typeMismatch(column, value)}`;
        continue;
      }
      const coerced = column.coerce(value);
      if (coerced instanceof Invalid) return typeMismatch(column, value, coerced.detail, coerced);
      if (coerced !== value) {
        record[column.name] = coerced;
        changed = true;
      }
    }
    return { record, changed };
  }

  /**
   * `value` coerced to the type of column `name` (matched case-insensitively), or `value` unchanged
   * when there is no such column or the value cannot be coerced.
   */
  coerceOrKeep(name: string, value: unknown): unknown {
    const coerce = this.byName.get(name.toLowerCase())?.coerce;
    const coerced = coerce ? coerce(value) : value;
    return coerced instanceof Invalid ? value : coerced;
  }
}

/** Checks the schema (see `eventSchemaProblems`) and compiles a {@link RecordValidator}; throws with every problem found. */
export function compileRecordValidator(schema: EventSchema): RecordValidator {
  const problems = eventSchemaProblems(schema);
  if (problems.length > 0) throw new Error(`invalid event schema: ${problems.join("; ")}`);
  return new RecordValidator(schema);
}

function typeMismatch(column: CompiledColumn, value: unknown, detail = "", invalid?: Invalid): string {
  if (invalid?.expected !== undefined) {
    // A problem inside a nested value: name its path, e.g. `column items[2].price: expected double, got "n/a"`.
    const inner = invalid.detail ? ` (${invalid.detail})` : "";
    return `column ${column.name}${invalid.path}: expected ${invalid.expected}, got ${preview(invalid.value)}${inner}`;
  }
  return `column ${column.name}: expected ${column.type}, got ${preview(value)}${detail ? ` (${detail})` : ""}`;
}

/** Lower-cases keys (rebuilding the object only when needed); returns a failure reason on a collision. */
function normaliseKeys(
  parsed: JsonObject,
  byName: ReadonlyMap<string, CompiledColumn>,
  tally: UnknownFieldTally,
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
    tally.unknownFields++;
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
const LOOSE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH_TEXT = /^-?\d+(?:\.\d+)?$/;
const MAX_EXACT_DIGITS = 15;

function coercerFor(type: GlueType): Coercer {
  const node = parseGlueType(type);
  return isComplex(node) ? nestedCoercer(node, scalarCoercer) : scalarCoercer(node);
}

function scalarCoercer(node: GlueTypeNode): Coercer {
  if (node.kind === "decimal") return decimalCoercer(node);
  if (node.kind !== "scalar") throw new Error(`not a scalar Glue type: ${glueTypeString(node)}`);
  switch (node.name) {
    case "string":
      return coerceString;
    case "boolean":
      return coerceBoolean;
    case "tinyint":
    case "smallint":
    case "int":
    case "bigint":
      return integerCoercer(node.name);
    case "float":
      return floatCoercer(FLOAT_MAX);
    case "double":
      return floatCoercer(Number.MAX_VALUE);
    case "date":
      return coerceDate;
    case "timestamp":
      return coerceTimestamp;
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

function decimalCoercer(shape: { readonly precision: number; readonly scale: number }): Coercer {
  const integerDigits = shape.precision - shape.scale;
  const factor = 10 ** shape.scale;
  const limit = 10 ** integerDigits;
  const quickCheck = shape.precision <= MAX_EXACT_DIGITS;
  return (value) => {
    // A double that survives rounding to `scale` decimals has at most `scale` fraction digits.
    if (quickCheck && typeof value === "number" && Math.abs(value) < limit && Math.round(value * factor) / factor === value) {
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
      isCalendarDate(Number(utc[1]), Number(utc[2]), Number(utc[3])) && isClockTime(Number(utc[4]), Number(utc[5]), Number(utc[6]));
    return valid ? value : new Invalid("not a real date and time");
  }
  if (EPOCH_TEXT.test(value)) return fromEpoch(Number(value));
  const loose = LOOSE_TIMESTAMP.exec(value);
  if (!loose) return new Invalid("unparseable timestamp");
  const [year, month, day] = [Number(loose[1]), Number(loose[2]), Number(loose[3])];
  const [hour, minute, second] = [Number(loose[4] ?? 0), Number(loose[5] ?? 0), Number(loose[6] ?? 0)];
  if (!isCalendarDate(year, month, day) || !isClockTime(hour, minute, second)) return new Invalid("not a real date and time");
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

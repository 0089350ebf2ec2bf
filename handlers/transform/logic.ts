/**
 * Pure record transformation for the Firehose processor: validate each record against the event schema,
 * coerce lossless type differences, apply the drop rules and return one Firehose result per input record.
 * No SDK and no `process.env`: the adapter in `index.ts` reads the settings and does the I/O.
 */
import { isUtf8 } from "node:buffer";
import type { FirehoseTransformationEvent, FirehoseTransformationMetadata, FirehoseTransformationResultRecord } from "aws-lambda";
import { partitionKeys } from "../../contract/event-schema";
import { MAX_RECORD_BYTES, RecordValidator } from "../shared/record-validation";
import type { JsonObject } from "../../contract/json";
import type { DropRule, TransformSettings } from "../../contract/settings";

export { MAX_RECORD_BYTES, MAX_REPORTED_UNKNOWN_KEYS } from "../shared/record-validation";

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

interface CompiledDropRule {
  readonly column: string;
  readonly values: ReadonlySet<unknown>;
}

const NEWLINE = Buffer.from("\n");
const NEWLINE_BASE64 = "Cg==";
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

/** Precomputes one coercer per column of settings parsed from `TRANSFORM_SETTINGS` (handlers/shared/settings.ts). */
export function compileSchema(settings: TransformSettings): CompiledTransform {
  const validator = new RecordValidator(settings.schema);
  const dropRules = settings.dropRules.map((rule) => compileDropRule(rule, validator));
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

  const projectedYears = eventTime ? settings.projectedYears : undefined;
  const context: RecordContext = { validator, dropRules, eventTime, partitionMetadata, metadataChars, projectedYears };
  return {
    settings,
    transform: (event, options) => transformEvent(event, context, options),
  };
}

interface RecordContext {
  readonly validator: RecordValidator;
  readonly dropRules: readonly CompiledDropRule[];
  readonly eventTime: string | undefined;
  readonly partitionMetadata: (time: string) => FirehoseTransformationMetadata;
  readonly metadataChars: number;
  /** Event-time partitions under partition projection: the years Athena projects. */
  readonly projectedYears: TransformSettings["projectedYears"];
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
    return fail(`record is ${bytes.length} bytes, over Firehose's record limit of ${MAX_RECORD_BYTES} bytes (1,000 KiB)`);
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

  const valid = context.validator.validate(parsed as JsonObject, counts, unknownKeys);
  if (typeof valid === "string") return fail(valid);
  const { record, changed } = valid;

  for (const rule of context.dropRules) {
    if (Object.hasOwn(record, rule.column) && rule.values.has(record[rule.column])) return { result: "Dropped" };
  }

  const projected = context.projectedYears;
  if (projected && context.eventTime) {
    const time = record[context.eventTime] as string;
    const year = Number(time.slice(0, 4));
    if (year < projected.from || year > projected.to) {
      return fail(
        `column ${context.eventTime}: event time ${time} is in year ${year}, outside the years ${projected.from}–${projected.to} that Athena partition projection reads (catalog.partitionProjection with event-time partitions): the record would land in a partition no query sees`,
      );
    }
  }

  const output = changed || !isSingleLine(text) ? encodeLine(record) : withOneNewline(data, bytes, text);
  const metadata = context.eventTime ? context.partitionMetadata(record[context.eventTime] as string) : undefined;
  return { result: "Ok", data: output, coerced: changed, metadata };
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

function compileDropRule(rule: DropRule, validator: RecordValidator): CompiledDropRule {
  const column = rule.column.toLowerCase();
  return { column, values: new Set(rule.equals.map((value) => validator.coerceOrKeep(column, value))) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

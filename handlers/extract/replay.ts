/**
 * Replay sources of the batch workflow: Firehose error objects under errors/<error type>/ and raw
 * backup objects under raw/, for the hourly prefixes of a time window. Pure and synchronous (no SDK,
 * no `process.env`): ExtractBatch (`logic.ts`) lists and reads the objects and feeds the items below to
 * its BatchBuilder; the operator CLI's `replay --dry-run` reuses the same decoders and {@link ReplayTally}.
 *
 * What the objects hold:
 * - errors/: newline-delimited JSON envelopes, gzipped when the destination compresses (JSON delivery),
 *   plain with Parquet conversion. `processing-failed` envelopes carry attemptsMade, arrivalTimestamp,
 *   errorCode, errorMessage, attemptEndingTimestamp, rawData (the record as Kinesis delivered it,
 *   base64) and lambdaArn; `format-conversion-failed` envelopes carry attemptsMade, arrivalTimestamp,
 *   lastErrorCode, lastErrorMessage (the documentation spells them ErrorCode, ErrorMessage: all three
 *   spellings are read), attemptEndingTimestamp, rawData (the transformed record, base64),
 *   sequenceNumber, subSequenceNumber and dataCatalogTable. `activePartitionExceeded` objects (event-time
 *   partitions: records beyond the stream's active-partition limit, docs: firehose/latest/dev/buffering.html)
 *   have no documented envelope; the dynamic-partitioning error page says only that each record comes
 *   "along with" information about the error. They are read like the others: `rawData` (base64; the
 *   record after the transform, which re-validates like the source record) and the error code and message
 *   under any of the three spellings. An envelope without `rawData` is reported in rejected/, not dropped.
 * - raw/: the source records exactly as Kinesis delivered them, gzipped and concatenated without a
 *   delimiter unless producers ended records with a newline (the batch push does).
 * Both are split with {@link splitJsonValues}, a bracket- and string-aware scanner, so `{…}{…}`,
 * `{…}\n{…}` and envelopes written back to back all come apart. Anything malformed becomes an
 * `invalid` item (reported in rejected/<batchId>/ with the object key and reason) and is skipped.
 */
import { isUtf8 } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { FIREHOSE_ERROR_TYPES, MAX_REPLAY_WINDOW_HOURS, type FirehoseErrorType, type ReplaySpec } from "../../contract/batch";
import { partitionKeys, type DayKey, type EventSchema } from "../../contract/event-schema";
import { compileRecordValidator, isJsonObject, preview } from "../shared/record-validation";
import { hourPartitionValues } from "../../contract/sql/partition-filter";
import type { SourceItem } from "./logic";
import { decodeLandingFile, isGzip, MAX_LANDING_FILE_BYTES } from "./object-text";
import { REPLAY_SOURCE_PREFIXES } from "../../contract/lake-layout";

const HOUR_MS = 3_600_000;

// ---------------------------------------------------------------------------------------------------
// The window

/** A checked replay: what to read, and the hourly prefixes to list, in order. */
export interface ReplayPlan {
  readonly from: ReplaySpec["from"];
  /** The error types read (all of {@link FIREHOSE_ERROR_TYPES} unless one was asked for); empty for the raw backup. */
  readonly errorTypes: readonly FirehoseErrorType[];
  /** `since` and `until` normalised to UTC ISO-8601. */
  readonly since: string;
  readonly until: string;
  /** Every hourly prefix overlapping [since, until): per error type (or raw/), oldest hour first. */
  readonly prefixes: readonly string[];
}

/**
 * Checks a replay request and lists the prefixes it reads. Returns every problem at once instead:
 * `from` must be `errors` or `backup`; `errorType`, only with errors, one of {@link FIREHOSE_ERROR_TYPES};
 * `since` and `until` ISO-8601 date-times with a zone, `since` before `until`, at most
 * {@link MAX_REPLAY_WINDOW_HOURS} hours apart.
 */
export function planReplay(spec: unknown, dayKey: DayKey): { readonly plan: ReplayPlan } | { readonly problems: string[] } {
  if (!isJsonObject(spec)) return { problems: [`replay must be an object { from, errorType?, since, until }, got ${preview(spec)}`] };
  const problems: string[] = [];
  const from = spec.from;
  if (from !== "errors" && from !== "backup") problems.push(`replay.from must be "errors" or "backup", got ${preview(from)}`);
  const errorType = spec.errorType;
  if (errorType !== undefined && errorType !== null) {
    if (from === "backup") problems.push(`replay.errorType applies to errors only; the raw backup has no error types (got ${preview(errorType)})`);
    else if (!(FIREHOSE_ERROR_TYPES as readonly unknown[]).includes(errorType)) {
      problems.push(`replay.errorType must be ${FIREHOSE_ERROR_TYPES.map((t) => `"${t}"`).join(" or ")}, got ${preview(errorType)}`);
    }
  }
  const since = parseInstant(spec.since);
  const until = parseInstant(spec.until);
  for (const [name, value, parsed] of [["since", spec.since, since], ["until", spec.until, until]] as const) {
    if (!parsed) problems.push(`replay.${name} must be an ISO-8601 date-time with a time zone, such as 2026-11-25T10:00:00Z, got ${preview(value)}`);
  }
  if (since && until) {
    const hours = (until.getTime() - since.getTime()) / HOUR_MS;
    if (hours <= 0) problems.push(`replay.since (${since.toISOString()}) must be before replay.until (${until.toISOString()})`);
    else if (hours > MAX_REPLAY_WINDOW_HOURS) {
      problems.push(`the replay window spans ${hours} hours; at most ${MAX_REPLAY_WINDOW_HOURS} (7 days) are replayed at once, so split it`);
    }
  }
  if (problems.length > 0 || !since || !until) return { problems };
  const source = from as ReplaySpec["from"];
  const errorTypes = source === "backup" ? [] : errorType ? [errorType as FirehoseErrorType] : [...FIREHOSE_ERROR_TYPES];
  return {
    plan: {
      from: source,
      errorTypes,
      since: since.toISOString(),
      until: until.toISOString(),
      prefixes: replayHourPrefixes(source, errorTypes, since, until, dayKey),
    },
  };
}

/**
 * The hourly prefixes overlapping [since, until), in the arrival-hour layout Firehose writes errors/
 * and raw/ in whatever the table's partitioning (`DeliveryStage` `deliveryPrefixes`):
 * `errors/<type>/year=YYYY/month=MM/<dayKey>=DD/hour=HH/` or `raw/year=…/hour=HH/`, UTC.
 */
export function replayHourPrefixes(
  from: ReplaySpec["from"],
  errorTypes: readonly FirehoseErrorType[],
  since: Date,
  until: Date,
  dayKey: DayKey,
): string[] {
  const hours: Date[] = [];
  for (let t = Math.floor(since.getTime() / HOUR_MS) * HOUR_MS; t < until.getTime(); t += HOUR_MS) hours.push(new Date(t));
  const roots =
    from === "errors" ? errorTypes.map((type) => `${REPLAY_SOURCE_PREFIXES.errors}${type}/`) : [REPLAY_SOURCE_PREFIXES.backup];
  return roots.flatMap((root) => hours.map((hour) => `${root}${hourPath(dayKey, hour)}`));
}

/** `year=YYYY/month=MM/<dayKey>=DD/hour=HH/` of the UTC hour containing `instant`. */
export function hourPath(dayKey: DayKey, instant: Date): string {
  const values = hourPartitionValues(instant);
  const [year, month, day, hour] = partitionKeys(dayKey);
  return `${year}=${values.year}/${month}=${values.month}/${day}=${values.day}/${hour}=${values.hour}/`;
}

/** The error type of an errors/ key (`errors/<type>/…`), or undefined for any other key. */
export function errorTypeOfKey(key: string): FirehoseErrorType | undefined {
  if (!key.startsWith(REPLAY_SOURCE_PREFIXES.errors)) return undefined;
  const type = key.slice(REPLAY_SOURCE_PREFIXES.errors.length).split("/", 1)[0];
  return (FIREHOSE_ERROR_TYPES as readonly string[]).includes(type ?? "") ? (type as FirehoseErrorType) : undefined;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO-8601 date-time with a zone designator naming a real instant, or undefined. */
export function parseInstant(text: unknown): Date | undefined {
  if (typeof text !== "string") return undefined;
  const match = INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const millis = match[7] ? Math.floor(Number(`0${match[7]}`) * 1000) : 0;
  const zone = /^([+-])(\d{2}):?(\d{2})$/.exec(match[8]!);
  const offsetMinutes = zone ? (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
  const monthDays = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59 || Math.abs(offsetMinutes) > 18 * 60) {
    return undefined;
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
}

// ---------------------------------------------------------------------------------------------------
// Splitting concatenated JSON

/** One JSON value cut out of a text, or a stretch that is not one. */
export type JsonPiece =
  | { readonly kind: "value"; readonly line: number; readonly raw: string; readonly value: unknown }
  | { readonly kind: "invalid"; readonly line: number; readonly raw: string; readonly reason: string };

/**
 * The JSON objects (and arrays) of a text in which they follow each other with or without whitespace
 * or newlines between them: `{"a":1}{"a":2}`, `{"a":1}\n{"a":2}\n`. A scanner tracks brackets and
 * strings (escapes included), so braces inside string values never split a record. Each piece is
 * reported at the 1-based line where it starts. A piece that does not parse, text between pieces that
 * is not an object, and an object the text ends inside (a truncated object) are `invalid`.
 *
 * Resynchronising: a broken record (say an envelope cut off mid-string) can throw the scanner's
 * string and bracket state off for what follows. When a piece spanning several lines fails, its lines
 * are scanned again one by one, so the records on the lines after the broken one are still recovered
 * (JSON strings cannot hold a raw line break, so a record written on one line never spans two).
 */
export function* splitJsonValues(text: string): Generator<JsonPiece> {
  yield* scanJson(text, 1, true);
}

function* scanJson(text: string, firstLine: number, retryByLine: boolean): Generator<JsonPiece> {
  let line = firstLine;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    const start = i;
    const startLine = line;
    if (c !== 0x7b && c !== 0x5b) {
      // Not an object: everything up to the next { or [ is reported as one stray piece.
      while (i < length && text.charCodeAt(i) !== 0x7b && text.charCodeAt(i) !== 0x5b) {
        if (text.charCodeAt(i) === 0x0a) line++;
        i++;
      }
      yield { kind: "invalid", line: startLine, raw: text.slice(start, i).trim(), reason: "not a JSON object: unexpected text between records" };
      continue;
    }
    let depth = 0;
    let inString = false;
    let closed = false;
    for (; i < length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 0x0a) line++;
      if (inString) {
        if (ch === 0x5c) i++;
        else if (ch === 0x22) inString = false;
      } else if (ch === 0x22) inString = true;
      else if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          closed = true;
          break;
        }
      }
    }
    let raw = text.slice(start, i);
    let piece: JsonPiece;
    if (!closed) piece = { kind: "invalid", line: startLine, raw, reason: "truncated JSON: the data ends inside this object" };
    else {
      try {
        piece = { kind: "value", line: startLine, raw, value: JSON.parse(raw) };
      } catch (error) {
        piece = { kind: "invalid", line: startLine, raw, reason: `malformed JSON: ${(error as Error).message}` };
      }
    }
    if (piece.kind === "invalid" && retryByLine && raw.includes("\n")) {
      // Rescan whole lines: from the piece's first line through the end of the line it ended on.
      const lineEnd = text.indexOf("\n", i);
      i = lineEnd === -1 ? length : lineEnd;
      raw = text.slice(start, i);
      for (const [offset, lineText] of raw.split("\n").entries()) yield* scanJson(lineText, startLine + offset, false);
      continue;
    }
    yield piece;
    if (!closed) return;
  }
}

// ---------------------------------------------------------------------------------------------------
// Decoding objects

/** A SourceItem of a replayed object, with the Firehose error of its envelope when it came from errors/. */
export type ReplayItem = SourceItem & {
  readonly errorCode?: string;
  readonly errorMessage?: string;
};

/** Reads an object of `from` (errors/ or raw/) into items for the BatchBuilder. */
export function decodeReplayObject(from: ReplaySpec["from"], bytes: Uint8Array): Iterable<ReplayItem> {
  return from === "errors" ? decodeErrorObject(bytes) : decodeRawBackupObject(bytes);
}

/**
 * A raw backup object's records. Position (the input of a generated event id) is the record's 1-based
 * ordinal in the object; line is where it starts. An unreadable object is one `file-invalid` item.
 */
export function* decodeRawBackupObject(bytes: Uint8Array): Generator<ReplayItem> {
  const decoded = decodeLandingFile(bytes);
  if ("reason" in decoded) {
    yield { kind: "file-invalid", reason: decoded.reason };
    return;
  }
  let ordinal = 0;
  for (const piece of splitJsonValues(decoded.text)) {
    if (piece.kind === "invalid") yield piece;
    else yield { kind: "value", line: piece.line, position: String(++ordinal), raw: piece.raw, value: piece.value };
  }
}

/**
 * A Firehose error object's records: each envelope's `rawData`, base64-decoded (and gunzipped if the
 * producer compressed it), split into JSON values. Position is `<envelope ordinal>.<record ordinal in
 * its rawData>`, line is where the envelope starts. A malformed envelope, a `rawData` that is missing,
 * not base64, empty, not UTF-8 or not JSON, is an `invalid` item carrying the envelope's error.
 */
export function* decodeErrorObject(bytes: Uint8Array): Generator<ReplayItem> {
  const decoded = decodeLandingFile(bytes);
  if ("reason" in decoded) {
    yield { kind: "file-invalid", reason: decoded.reason };
    return;
  }
  let envelopes = 0;
  for (const piece of splitJsonValues(decoded.text)) {
    if (piece.kind === "invalid") {
      yield { ...piece, reason: `malformed error envelope: ${piece.reason}` };
      continue;
    }
    const envelope = piece.value;
    envelopes++;
    if (!isJsonObject(envelope)) {
      yield { kind: "invalid", line: piece.line, raw: piece.raw, reason: "malformed error envelope: not a JSON object" };
      continue;
    }
    const error = envelopeError(envelope);
    const invalid = (reason: string, raw = piece.raw): ReplayItem => ({ kind: "invalid", line: piece.line, raw, reason, ...error });
    if (typeof envelope.rawData !== "string") {
      yield invalid("malformed error envelope: no rawData string");
      continue;
    }
    const record = decodeRawData(envelope.rawData);
    if ("reason" in record) {
      yield invalid(record.reason);
      continue;
    }
    let ordinal = 0;
    for (const value of splitJsonValues(record.text)) {
      if (value.kind === "invalid") yield invalid(`rawData is not JSON: ${value.reason}`, value.raw);
      else yield { kind: "value", line: piece.line, position: `${envelopes}.${++ordinal}`, raw: value.raw, value: value.value, ...error };
    }
    if (ordinal === 0 && record.text.trim() === "") yield invalid("rawData holds only whitespace: Firehose recorded an empty record");
  }
}

/** The error code and message of an envelope, whichever spelling Firehose used. */
export function envelopeError(envelope: Record<string, unknown>): { errorCode?: string; errorMessage?: string } {
  const first = (...names: string[]) => names.map((name) => envelope[name]).find((value): value is string => typeof value === "string" && value !== "");
  const errorCode = first("errorCode", "lastErrorCode", "ErrorCode");
  const errorMessage = first("errorMessage", "lastErrorMessage", "ErrorMessage");
  return { ...(errorCode ? { errorCode } : {}), ...(errorMessage ? { errorMessage } : {}) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The text of a `rawData` field: strict base64, then gunzipped when it starts with the gzip magic, then UTF-8. */
export function decodeRawData(rawData: string): { text: string } | { reason: string } {
  if (rawData === "") return { reason: "rawData is empty: Firehose recorded an empty record" };
  if (!BASE64.test(rawData)) return { reason: "rawData is not valid base64" };
  let bytes = Buffer.from(rawData, "base64");
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_LANDING_FILE_BYTES });
    } catch (error) {
      return { reason: `rawData is gzip but cannot be decompressed: ${(error as Error).message}` };
    }
  }
  if (!isUtf8(bytes)) return { reason: "rawData is not valid UTF-8 text" };
  return { text: bytes.toString("utf8") };
}

// ---------------------------------------------------------------------------------------------------
// Dry run

/** Counts of a set of objects, or of one error type. */
export interface ReplayCounts {
  readonly objects: number;
  /** JSON records decoded (what the extract would validate and push, less those the schema rejects). */
  readonly records: number;
  /** Envelopes, records or stretches that cannot be decoded (the extract reports them in rejected/). */
  readonly unreadable: number;
  /** Objects that cannot be read at all (corrupt gzip, not UTF-8). */
  readonly unreadableObjects: number;
}

/** What a replay would read. */
export interface ReplayReport extends ReplayCounts {
  /**
   * Distinct UTC event hours of the records (`YYYY-MM-DDTHH`), when the tally was given an event-hour
   * reader: with event-time partitions, the active partitions the replay opens in Firehose at once.
   */
  readonly eventHours?: number;
  /** Per error type, for errors/ (in {@link FIREHOSE_ERROR_TYPES} order, types without objects left out). */
  readonly byType: ReadonlyArray<{ readonly errorType: FirehoseErrorType } & ReplayCounts>;
  /** Entries (records and unreadable parts) per Firehose error (`<code>: <message>`), most frequent first, at most `topMessages`. */
  readonly topMessages: ReadonlyArray<{ readonly message: string; readonly entries: number }>;
  /** Distinct error messages seen, including those beyond `topMessages`. */
  readonly distinctMessages: number;
}

type MutableCounts = { -readonly [K in keyof ReplayCounts]: ReplayCounts[K] };

/**
 * Firehose's default quota of active partitions per delivery stream with dynamic partitioning; records
 * beyond it go to errors/activePartitionExceeded/. Raisable to 5,000 on request.
 * Source: https://docs.aws.amazon.com/firehose/latest/dev/buffering.html
 */
export const DEFAULT_ACTIVE_PARTITION_LIMIT = 500;

/**
 * The UTC hour (`YYYY-MM-DDTHH`) the transform partitions a record into with event-time partitions: its
 * event-time column coerced as the transform coerces it (to ISO-8601 UTC), cut after the hour, as the
 * transform cuts its partition keys. Undefined for a record without a readable event time.
 */
export function eventHourReader(schema: EventSchema): (record: unknown) => string | undefined {
  const validator = compileRecordValidator(schema);
  const column = schema.eventTimeColumn;
  return (record) => {
    if (!isJsonObject(record)) return undefined;
    const name = Object.keys(record).find((key) => key.toLowerCase() === column.toLowerCase());
    if (name === undefined || record[name] === null) return undefined;
    const time = validator.coerceOrKeep(column, record[name]);
    return typeof time === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}/.test(time) ? time.slice(0, 13) : undefined;
  };
}

/** Accumulates decoded objects for the dry-run report: objects, records, unreadable parts, by type and by message. */
export class ReplayTally {
  private readonly total: MutableCounts = { objects: 0, records: 0, unreadable: 0, unreadableObjects: 0 };
  private readonly types = new Map<FirehoseErrorType, MutableCounts>();
  private readonly messages = new Map<string, number>();
  private readonly hours = new Set<string>();

  /** `eventHour` (see {@link eventHourReader}) adds the distinct event hours to the report. */
  constructor(private readonly eventHour?: (record: unknown) => string | undefined) {}

  /** Adds one object: its key (for the error type) and its decoded items. */
  add(key: string, items: Iterable<ReplayItem>): void {
    const type = errorTypeOfKey(key);
    let perType = type ? this.types.get(type) : undefined;
    if (type && !perType) {
      perType = { objects: 0, records: 0, unreadable: 0, unreadableObjects: 0 };
      this.types.set(type, perType);
    }
    const counters = perType ? [this.total, perType] : [this.total];
    for (const c of counters) c.objects++;
    for (const item of items) {
      const field = item.kind === "value" ? "records" : item.kind === "invalid" ? "unreadable" : "unreadableObjects";
      for (const c of counters) c[field]++;
      if (item.kind === "value" && this.eventHour) {
        const hour = this.eventHour(item.value);
        if (hour) this.hours.add(hour);
      }
      if (type && item.kind !== "file-invalid") {
        const message = messageOf(item);
        this.messages.set(message, (this.messages.get(message) ?? 0) + 1);
      }
    }
  }

  /** The counts so far, with at most `topMessages` messages. */
  report(topMessages = 10): ReplayReport {
    const sorted = [...this.messages.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return {
      ...this.total,
      byType: FIREHOSE_ERROR_TYPES.filter((type) => this.types.has(type)).map((errorType) => ({ errorType, ...this.types.get(errorType)! })),
      topMessages: sorted.slice(0, topMessages).map(([message, entries]) => ({ message, entries })),
      distinctMessages: sorted.length,
      ...(this.eventHour ? { eventHours: this.hours.size } : {}),
    };
  }
}

/** The error of an item as one line: `<code>: <message>`, either alone, or a placeholder. */
function messageOf(item: ReplayItem): string {
  const parts = [item.errorCode, item.errorMessage?.replace(/\s+/g, " ").trim()].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join(": ") : "(no error code or message in the envelope)";
}

/**
 * Replay sources of the batch workflow: decoders of Firehose error objects under errors/<error type>/
 * and raw backup objects under raw/ (the window and its hourly prefixes are planned by
 * `contract/replay.ts`). Pure and synchronous (no SDK,
 * no `process.env`): ExtractBatch (`sources.ts`) lists and reads the objects and feeds the items below to
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
 * Both are split with {@link splitJsonValues}, over the bracket- and string-aware scanner of `json-scan.ts`, so `{…}{…}`,
 * `{…}\n{…}` and envelopes written back to back all come apart. Anything malformed becomes an
 * `invalid` item (reported in rejected/<batchId>/ with the object key and reason) and is skipped.
 */
import { isUtf8 } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { FIREHOSE_ERROR_TYPES, type FirehoseErrorType, type ReplaySpec } from "../../contract/batch";
import type { EventSchema } from "../../contract/event-schema";
import { isJsonObject } from "../../contract/json";
import { errorTypeOfKey, type ReplayCounts, type ReplayReport } from "../../contract/replay";
import { compileRecordValidator } from "../shared/record-validation";
import type { SourceItem } from "./landing-format";
import { scanJsonExtent } from "./json-scan";
import { decodeLandingFile, isGzip, MAX_REPLAY_OBJECT_BYTES } from "./object-text";

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
      yield {
        kind: "invalid",
        line: startLine,
        raw: text.slice(start, i).trim(),
        reason: "not a JSON object: unexpected text between records",
      };
      continue;
    }
    const extent = scanJsonExtent(text, i, "value");
    i = extent.end;
    line += extent.newlines;
    const closed = extent.complete;
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
  const first = (...names: string[]) =>
    names.map((name) => envelope[name]).find((value): value is string => typeof value === "string" && value !== "");
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
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_REPLAY_OBJECT_BYTES });
    } catch (error) {
      return { reason: `rawData is gzip but cannot be decompressed: ${(error as Error).message}` };
    }
  }
  if (!isUtf8(bytes)) return { reason: "rawData is not valid UTF-8 text" };
  return { text: bytes.toString("utf8") };
}

// ---------------------------------------------------------------------------------------------------
// Dry run

type MutableCounts = { -readonly [K in keyof ReplayCounts]: ReplayCounts[K] };

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
      byType: FIREHOSE_ERROR_TYPES.filter((type) => this.types.has(type)).map((errorType) => ({
        errorType,
        ...this.types.get(errorType)!,
      })),
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

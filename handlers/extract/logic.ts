/**
 * ExtractBatch: claim the batch window, read every landing file, validate and coerce each record against
 * the event schema (the transform's own validator), stamp the batch id and a deterministic event id, and
 * stage the accepted records as NDJSON chunks for the push Map; rejected lines go to rejected/ with reasons.
 * A replay (`input.replay`) reads Firehose error objects or raw backup objects of a time window instead
 * of landing/ (decoded by `replay.ts`); from there it is the same batch.
 *
 * No SDK and no `process.env`: the adapter injects an {@link ExtractStore} (S3 in Lambda, an in-memory
 * fake in tests), the clock and a logger. The parsers, {@link BatchBuilder} and the SQL are pure and
 * synchronous; {@link extractBatch} only sequences them with the store's I/O.
 *
 * Memory: one landing file is read whole (at most {@link MAX_LANDING_FILE_BYTES}, compressed and
 * decompressed; ~100 MB files are fine on a 1–2 GB function), plus the staging chunk being filled.
 * Chunks are written as soon as they are full, so the batch as a whole never sits in memory.
 */
import { createHash } from "node:crypto";
import { BATCH_ENV, BATCH_ID_COLUMN, MAX_LISTED_EVENT_HOURS, REPLAY_BATCH_SUFFIX, type BatchValidation, type ExtractInput, type EventHours, type ExtractOutput, type FirehoseErrorType, type ReplaySpec } from "../../contract/batch";
import { BatchTooLarge, InvalidBatchInput } from "../../contract/errors";
import type { EventSchema } from "../../contract/event-schema";
import { compileRecordValidator, MAX_RECORD_BYTES, type RecordValidator } from "../shared/record-validation";
import { quoteIdentifier, sqlString } from "../../contract/sql/identifiers";
import { latestRowsSql } from "../../contract/sql/latest-view";
import { hourPartitionPredicate, hourRangePredicate, MAX_WINDOW_HOURS } from "../../contract/sql/partition-filter";
import { decodeLandingFile, MAX_LANDING_FILE_BYTES } from "./object-text";
import { decodeReplayObject } from "./replay";
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import { isJsonObject, preview, type JsonObject } from "../../contract/json";
import { planReplay, type ReplayPlan } from "../../contract/replay";
import { batchSettingsSchema, parseSettings, type BatchSettings } from "../../contract/settings";

export { decodeLandingFile, MAX_LANDING_FILE_BYTES };

/** Most chunks one batch may have: the push runs one inline Map iteration per chunk. */
export const MAX_CHUNKS = 2_000;

/** A rejected line keeps at most this many bytes of its raw text (10 KiB). */
export const MAX_REJECTED_RAW_BYTES = 10 * 1024;


/** A rejected-lines object is closed once it holds this many bytes, or `recordsPerChunk` entries. */
export const MAX_REJECTED_CHUNK_BYTES = 16 * 1024 * 1024;

/** Landing file extensions read, each optionally followed by `.gz`. */
export const LANDING_FORMATS = { ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv" } as const;

/** How a landing file is parsed. */
export type LandingFormat = (typeof LANDING_FORMATS)[keyof typeof LANDING_FORMATS];

// ---------------------------------------------------------------------------------------------------
// I/O the orchestration needs

/** A listed object. */
export interface ObjectSummary {
  readonly key: string;
  /** Quoted, as S3 returns it. */
  readonly etag: string;
  readonly size: number;
}

/** An object's bytes and the ETag of exactly those bytes. */
export interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
}

/** The object store ExtractBatch reads and writes (the lake bucket). */
export interface ExtractStore {
  /** Every object under `prefix`, in key order, across all pages. */
  list(prefix: string): AsyncIterable<ObjectSummary>;
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** Writes only if no object has the key (S3 `If-None-Match: *`); false when one exists (412 or 409). */
  putIfAbsent(key: string, body: string, contentType: string): Promise<boolean>;
}

/** Structured logging; Powertools' Logger fits. */
export interface BatchLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

/** What {@link extractBatch} runs against. */
export interface ExtractDeps {
  readonly store: ExtractStore;
  /** The wall clock: claim and finish times and the arrival-time window; never the batch id. */
  readonly now: () => Date;
  readonly log: BatchLog;
}

/** The claim marker `_runs/<batchId>.json`; finalize sets `succeeded`. */
export interface RunMarker {
  readonly batchId: string;
  readonly status: "running" | "empty" | "failed" | "succeeded";
  readonly executionId: string;
  readonly scheduledTime?: string;
  readonly claimedAt: string;
  readonly forced?: boolean;
  readonly finishedAt?: string;
  readonly counts?: Readonly<Record<string, number>>;
  readonly error?: string;
  /** The replay this run loads, without its prefixes; absent for a landing batch. */
  readonly replay?: ReplayRecord;
  readonly [extra: string]: unknown;
}

/** A replay as the run marker and the manifest record it. */
export interface ReplayRecord {
  readonly from: ReplaySpec["from"];
  readonly errorTypes: readonly FirehoseErrorType[];
  readonly since: string;
  readonly until: string;
}

/** One landing file of a batch, as read. */
export interface ManifestFile {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** One errors/ or raw/ object a replay read. */
export interface ReplayedObject extends ManifestFile {
  /** Finalize moves it to processed/<batchId>/<key>: true for errors/ objects, false for the raw backup (which stays). */
  readonly move: boolean;
  /** Records of this object staged for pushing. */
  readonly records: number;
  /** Entries of this object written to rejected/ (malformed envelopes or records, schema failures, or the whole object). */
  readonly rejected: number;
}

/**
 * `staging/<batchId>/manifest.json`: what the batch read and wrote. Finalize moves exactly `files`
 * (landing files) and the `replayed` objects marked `move`.
 */
export interface BatchManifest {
  readonly batchId: string;
  readonly executionId: string;
  readonly scheduledTime: string;
  readonly extractedAt: string;
  /** Landing files read; empty for a replay. */
  readonly files: readonly ManifestFile[];
  readonly chunkKeys: readonly string[];
  readonly rejectedKeys: readonly string[];
  readonly counts: BatchCounts;
  /** What the batch read: landing/ (absent in manifests written before replays existed) or a replay source. */
  readonly source?: "landing" | ReplaySpec["from"];
  /** For a replay: the window and the hourly prefixes listed. */
  readonly replay?: ReplayRecord & { readonly prefixes: readonly string[] };
  /** For a replay: every object read, in listing order. */
  readonly replayed?: readonly ReplayedObject[];
}

/** Counters of one batch; `records + rejectedLines` equals every record or line read. */
export interface BatchCounts {
  /** Landing files (or replayed objects) in the manifest, rejected ones included. */
  readonly files: number;
  readonly records: number;
  /** Entries written to rejected/: rejected lines plus rejected whole files. */
  readonly rejected: number;
  readonly rejectedLines: number;
  readonly rejectedFiles: number;
  /** Accepted records whose event id was already taken by an earlier record of the batch. */
  readonly duplicateEventIds: number;
  /** Accepted records that had no event id and got a generated one. */
  readonly generatedEventIds: number;
}

// ---------------------------------------------------------------------------------------------------
// Settings and input

/** Parses and checks BATCH_SETTINGS; throws with every problem found. */
export function parseBatchSettings(text: string): BatchSettings {
  return parseSettings(batchSettingsSchema, BATCH_ENV.settings, text);
}

const SCHEDULED_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * The batch id of a run: its scheduled time in UTC to the minute, `YYYYMMDDTHHmmZ` (e.g. `20261125T0200Z`).
 * Seconds are dropped: schedules fire on whole minutes. Throws {@link InvalidBatchInput} unless
 * `scheduledTime` is an ISO-8601 date-time with a zone designator (`Z` or `±hh:mm`) naming a real instant.
 */
export function batchIdFor(scheduledTime: unknown): string {
  const invalid = () =>
    new InvalidBatchInput(
      `scheduledTime must be an ISO-8601 date-time with a time zone, such as 2026-11-25T02:00:00Z (the schedule's event time), got ${preview(
        scheduledTime,
      )}`,
    );
  if (typeof scheduledTime !== "string") throw invalid();
  const match = SCHEDULED_TIME.exec(scheduledTime);
  if (!match) throw invalid();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  const offset = /^[+-](\d{2}):?(\d{2})$/.exec(match[7]);
  const offsetMinutes = offset ? (match[7][0] === "-" ? -1 : 1) * (Number(offset[1]) * 60 + Number(offset[2])) : 0;
  if (
    !monthDays ||
    day < 1 ||
    day > monthDays ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Math.abs(offsetMinutes) > 18 * 60
  ) {
    throw invalid();
  }
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute) - offsetMinutes * 60_000).toISOString();
  return `${utc.slice(0, 4)}${utc.slice(5, 7)}${utc.slice(8, 10)}T${utc.slice(11, 13)}${utc.slice(14, 16)}Z`;
}

/** Keys of one batch. */
export function batchKeys(batchId: string): {
  marker: string;
  manifest: string;
  chunk(index: number): string;
  rejected(index: number): string;
} {
  const staging = `${BATCH_PREFIXES.staging}${batchId}/`;
  return {
    marker: `${BATCH_PREFIXES.runs}${batchId}.json`,
    manifest: `${staging}manifest.json`,
    chunk: (index) => `${staging}chunk-${String(index).padStart(5, "0")}.ndjson`,
    rejected: (index) => `${BATCH_PREFIXES.rejected}${batchId}/rejected-${String(index).padStart(5, "0")}.ndjson`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Landing files: classification, decoding and parsing

/** The format of a landing key by its extension (case-insensitive, `.gz` stripped), or undefined when unsupported. */
export function landingFormat(key: string): LandingFormat | undefined {
  const name = key.toLowerCase().replace(/\.gz$/, "");
  const extension = name.slice(name.lastIndexOf("."));
  return Object.hasOwn(LANDING_FORMATS, extension)
    ? LANDING_FORMATS[extension as keyof typeof LANDING_FORMATS]
    : undefined;
}

/** One item read from a landing file. */
export type SourceItem =
  /** A parsed value (not yet known to be an object) with its 1-based line and its raw text. */
  | {
      readonly kind: "value";
      readonly line: number;
      readonly position: string;
      readonly raw: string;
      readonly value: unknown;
    }
  /** A line or row that could not be parsed. */
  | { readonly kind: "invalid"; readonly line: number; readonly raw: string; readonly reason: string }
  /** The file as a whole is unreadable; nothing further is read from it. */
  | { readonly kind: "file-invalid"; readonly reason: string };

/** The items of a landing file's text in its format. */
export function parseLanding(format: LandingFormat, text: string): Iterable<SourceItem> {
  if (format === "csv") return csvItems(text);
  if (format === "json") return jsonItems(text);
  return ndjsonItems(text);
}

/** NDJSON: one JSON value per line; blank lines are skipped, a trailing `\r` is ignored. */
export function* ndjsonItems(text: string, firstLine = 1): Generator<SourceItem> {
  let line = firstLine;
  for (let start = 0; start < text.length; line++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const raw = text.charCodeAt(end - 1) === 0x0d ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (raw.trim() === "") continue;
    try {
      yield { kind: "value", line, position: String(line), raw, value: JSON.parse(raw) };
    } catch (error) {
      yield { kind: "invalid", line, raw, reason: `malformed JSON: ${(error as Error).message}` };
    }
  }
}

/**
 * `.json`: a JSON array of objects (each element reported at the line where it starts), or, when the
 * text does not start with `[`, NDJSON, or a single (possibly pretty-printed) JSON object.
 */
export function* jsonItems(text: string): Generator<SourceItem> {
  const start = firstNonBlank(text, 0);
  if (start === text.length) return;
  if (text.charCodeAt(start) === 0x5b) {
    yield* jsonArrayItems(text, start);
    return;
  }
  // NDJSON fails to parse as a whole right after its first object, so this costs little.
  const single = text.charCodeAt(start) === 0x7b ? tryParse(text) : undefined;
  if (isJsonObject(single)) {
    const line = lineAt(text, start);
    yield { kind: "value", line, position: String(line), raw: text, value: single };
    return;
  }
  yield* ndjsonItems(text);
}

function* jsonArrayItems(text: string, open: number): Generator<SourceItem> {
  let line = lineAt(text, open);
  let i = open + 1;
  for (let ordinal = 1; ; ordinal++) {
    // Skip whitespace before an element, counting lines.
    for (; i < text.length && isBlank(text.charCodeAt(i)); i++) if (text.charCodeAt(i) === 0x0a) line++;
    if (ordinal === 1 && text.charCodeAt(i) === 0x5d) {
      yield* trailing(text, i + 1, line);
      return;
    }
    const elementStart = i;
    const elementLine = line;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) line++;
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break;
        depth--;
      } else if (c === 0x2c && depth === 0) break;
    }
    if (i >= text.length) {
      yield {
        kind: "invalid",
        line: elementLine,
        raw: text.slice(elementStart),
        reason: "unterminated JSON array: the file ends before its closing ]",
      };
      return;
    }
    const raw = text.slice(elementStart, i).trimEnd();
    if (raw === "") {
      yield { kind: "invalid", line: elementLine, raw, reason: "empty JSON array element (a stray comma)" };
    } else {
      try {
        yield { kind: "value", line: elementLine, position: `${elementLine}#${ordinal}`, raw, value: JSON.parse(raw) };
      } catch (error) {
        yield { kind: "invalid", line: elementLine, raw, reason: `malformed JSON: ${(error as Error).message}` };
      }
    }
    if (text.charCodeAt(i) === 0x5d) {
      yield* trailing(text, i + 1, line);
      return;
    }
    i++; // the comma
  }
}

function* trailing(text: string, from: number, line: number): Generator<SourceItem> {
  const rest = firstNonBlank(text, from);
  if (rest < text.length) {
    yield {
      kind: "invalid",
      line: line + countNewlines(text, from, rest),
      raw: text.slice(rest),
      reason: "unexpected text after the closing ] of the JSON array",
    };
  }
}

/**
 * CSV (RFC 4180): a header row, then one record per row. Quoted fields may hold commas, newlines and
 * `""` escapes; `\n` and `\r\n` end rows. Values stay strings (the schema validation coerces them);
 * an empty cell, quoted or not, is a missing value. Rows are reported at the line where they start.
 * A missing, empty or repeated header name makes the file unreadable as a whole.
 */
export function* csvItems(text: string): Generator<SourceItem> {
  let header: string[] | undefined;
  for (const row of csvRows(text)) {
    if (!header) {
      header = row.cells.map((cell) => cell.trim());
      const problem = row.error ?? headerProblem(header);
      if (problem) {
        yield { kind: "file-invalid", reason: `CSV header (line ${row.line}): ${problem}` };
        return;
      }
      continue;
    }
    if (row.error) {
      yield { kind: "invalid", line: row.line, raw: row.raw, reason: `malformed CSV: ${row.error}` };
      continue;
    }
    if (row.cells.length !== header.length) {
      yield {
        kind: "invalid",
        line: row.line,
        raw: row.raw,
        reason: `CSV row has ${row.cells.length} cells; the header has ${header.length}`,
      };
      continue;
    }
    const value: JsonObject = {};
    row.cells.forEach((cell, index) => {
      if (cell !== "") value[header![index]] = cell;
    });
    yield { kind: "value", line: row.line, position: String(row.line), raw: row.raw, value };
  }
}

interface CsvRow {
  readonly line: number;
  readonly raw: string;
  readonly cells: string[];
  readonly error?: string;
}

/** Rows of RFC 4180 text; completely empty lines are skipped. */
export function* csvRows(text: string): Generator<CsvRow> {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const rowStart = i;
    const rowLine = line;
    const cells: string[] = [];
    let error: string | undefined;
    for (;;) {
      if (text.charCodeAt(i) === 0x22) {
        let value = "";
        let from = i + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1) {
            error = "unterminated quoted field";
            line += countNewlines(text, i, text.length);
            i = text.length;
            break;
          }
          value += text.slice(from, quote);
          if (text.charCodeAt(quote + 1) === 0x22) {
            value += '"';
            from = quote + 2;
            continue;
          }
          line += countNewlines(text, i, quote);
          i = quote + 1;
          break;
        }
        cells.push(value);
        if (!error && i < text.length && !isCellEnd(text, i))
          error = `unexpected text after a closing quote in cell ${cells.length}`;
      } else {
        let end = i;
        while (end < text.length && !isCellEnd(text, end)) end++;
        cells.push(text.slice(i, end));
        i = end;
      }
      if (error) {
        // Resynchronise at the end of the physical line.
        const newline = text.indexOf("\n", i);
        i = newline === -1 ? text.length : newline;
      }
      if (i < text.length && text.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      break;
    }
    const rowEnd = i;
    if (text.charCodeAt(i) === 0x0d) i++;
    if (text.charCodeAt(i) === 0x0a) {
      i++;
      line++;
    }
    if (!error && cells.length === 1 && cells[0] === "" && rowEnd === rowStart) continue;
    yield { line: rowLine, raw: text.slice(rowStart, rowEnd), cells, error };
  }
}

function isCellEnd(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 0x2c || c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) === 0x0a);
}

function headerProblem(header: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const [index, name] of header.entries()) {
    if (name === "") return `column ${index + 1} has no name`;
    if (seen.has(name.toLowerCase())) return `column name ${JSON.stringify(name)} appears twice`;
    seen.add(name.toLowerCase());
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Building a batch: validation, stamping, chunking (pure)

/** One line of `rejected/<batchId>/rejected-NNNNN.ndjson`. */
export interface RejectedEntry {
  /** Landing key of the file. */
  readonly key: string;
  /** 1-based line where the line, row or array element starts; null when the whole file is rejected. */
  readonly line: number | null;
  readonly reason: string;
  /** The raw text, cut to {@link MAX_REJECTED_RAW_BYTES} bytes; null for a whole file. */
  readonly raw: string | null;
  /** Present (true) when `raw` was cut. */
  readonly truncated?: boolean;
}

/** A staging or rejected object ready to write. */
export interface PendingObject {
  readonly key: string;
  readonly body: string;
}

/**
 * Accumulates one batch: validates each item, stamps `batch_id` and the event id, rejects what does not
 * fit, and cuts full chunks. Synchronous and pure: the caller writes the objects it hands out.
 */
export class BatchBuilder {
  private readonly validator: RecordValidator;
  private readonly keys: ReturnType<typeof batchKeys>;
  private readonly idColumn: string;
  private readonly eventTimeColumn: string;
  private readonly seenIds = new Set<string>();
  private readonly unknownKeySet = new Set<string>();
  private readonly tally = { unknownFields: 0 };
  private chunk: string[] = [];
  private rejected: string[] = [];
  private rejectedBytes = 0;
  private chunkCount = 0;
  private rejectedObjectCount = 0;
  private readonly counts = {
    records: 0,
    rejectedLines: 0,
    rejectedFiles: 0,
    duplicateEventIds: 0,
    generatedEventIds: 0,
  };
  private minHour: string | undefined;
  private maxHour: string | undefined;
  /** Distinct event hours, until there are more than MAX_LISTED_EVENT_HOURS (then undefined). */
  private hours: Set<string> | undefined = new Set();
  private readonly dropRules: readonly { column: string; values: ReadonlySet<unknown> }[];

  constructor(private readonly batchId: string, private readonly settings: BatchSettings) {
    this.validator = compileRecordValidator(extractSchema(settings));
    this.keys = batchKeys(batchId);
    this.idColumn = settings.eventIdColumn;
    this.eventTimeColumn = settings.schema.eventTimeColumn;
    this.dropRules = (settings.dropRules ?? []).map((rule) => ({
      column: rule.column,
      values: new Set(rule.equals.map((value) => this.validator.coerceOrKeep(rule.column, value))),
    }));
  }

  /** Adds one parsed item of landing file `key`. Returns false for `file-invalid`: stop reading the file. */
  add(key: string, item: SourceItem): boolean {
    if (item.kind === "file-invalid") {
      this.rejectFile(key, item.reason);
      return false;
    }
    if (item.kind === "invalid") {
      this.rejectLine(key, item.line, item.raw, item.reason);
      return true;
    }
    const reason = this.accept(key, item.position, item.value);
    if (reason !== undefined) this.rejectLine(key, item.line, item.raw, reason);
    return true;
  }

  /** Rejects a whole file, e.g. an unsupported type or an unreadable gzip stream. */
  rejectFile(key: string, reason: string): void {
    this.counts.rejectedFiles++;
    this.pushRejected({ key, line: null, reason, raw: null });
  }

  /** True when {@link takeChunk} or {@link takeRejected} has a full object to hand out. */
  hasFullObject(): boolean {
    return (
      this.chunk.length >= this.settings.recordsPerChunk ||
      this.rejected.length >= this.settings.recordsPerChunk ||
      this.rejectedBytes >= MAX_REJECTED_CHUNK_BYTES
    );
  }

  /** The next full chunk, or with `final` the last partial one; undefined when there is none. Throws BatchTooLarge past {@link MAX_CHUNKS}. */
  takeChunk(final = false): PendingObject | undefined {
    if (this.chunk.length === 0 || (!final && this.chunk.length < this.settings.recordsPerChunk)) return undefined;
    if (this.chunkCount >= MAX_CHUNKS) {
      throw new BatchTooLarge(
        `batch ${this.batchId} needs more than ${MAX_CHUNKS} staging chunks of ${
          this.settings.recordsPerChunk
        } records (over ${
          MAX_CHUNKS * this.settings.recordsPerChunk
        } records); raise batch.recordsPerChunk or split the landing files across scheduled runs`,
      );
    }
    const body = `${this.chunk.join("\n")}\n`;
    this.chunk = [];
    return { key: this.keys.chunk(this.chunkCount++), body };
  }

  /** The next full rejected-lines object, or with `final` the last partial one. */
  takeRejected(final = false): PendingObject | undefined {
    const full =
      this.rejected.length >= this.settings.recordsPerChunk || this.rejectedBytes >= MAX_REJECTED_CHUNK_BYTES;
    if (this.rejected.length === 0 || (!final && !full)) return undefined;
    const body = `${this.rejected.join("\n")}\n`;
    this.rejected = [];
    this.rejectedBytes = 0;
    return { key: this.keys.rejected(this.rejectedObjectCount++), body };
  }

  /** Keys of the chunks handed out so far. */
  chunkKeys(): string[] {
    return Array.from({ length: this.chunkCount }, (_, index) => this.keys.chunk(index));
  }

  /** Keys of the rejected-lines objects handed out so far. */
  rejectedKeys(): string[] {
    return Array.from({ length: this.rejectedObjectCount }, (_, index) => this.keys.rejected(index));
  }

  /** Counters so far, given the number of files in the manifest. */
  batchCounts(files: number): BatchCounts {
    return { files, ...this.counts, rejected: this.counts.rejectedLines + this.counts.rejectedFiles };
  }

  /** Distinct event ids among the accepted records: what the validation query must find. */
  distinctEventIds(): number {
    return this.counts.records - this.counts.duplicateEventIds;
  }

  /** First and last UTC hour (`YYYY-MM-DDTHH`) of the accepted records' event times. */
  eventHours(): EventHours | undefined {
    if (!this.minHour || !this.maxHour) return undefined;
    return { first: this.minHour, last: this.maxHour, ...(this.hours ? { hours: [...this.hours].sort() } : {}) };
  }

  /** Keys outside the schema (lower-cased, at most 20 names) and how often any appeared. */
  unknownFields(): { readonly count: number; readonly keys: string[] } {
    return { count: this.tally.unknownFields, keys: [...this.unknownKeySet] };
  }

  /** Validates, stamps and stages one value; returns why it is rejected, or undefined when accepted. */
  private accept(key: string, position: string, value: unknown): string | undefined {
    if (!isJsonObject(value)) {
      const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
      return `JSON ${kind}: expected one JSON object per record`;
    }
    const valid = this.validator.validate(value, this.tally, this.unknownKeySet);
    if (typeof valid === "string") return valid;
    const record = valid.record;
    const dropped = this.dropRules.find((rule) => rule.values.has(record[rule.column]));
    if (dropped) {
      return `matches the drop rule on ${dropped.column} (${JSON.stringify(record[dropped.column])}); the stream transform drops such records`;
    }

    let eventId = record[this.idColumn];
    let generated = false;
    if (eventId === undefined || eventId === null || eventId === "") {
      eventId = generatedEventId(key, position, record, this.idColumn);
      generated = true;
    }
    // A record that already carries a batch_id (e.g. re-exported from the lake) is re-stamped: the
    // batch that loads it now is the one the validation counts.
    delete record[BATCH_ID_COLUMN];
    record[this.idColumn] = eventId;
    record[BATCH_ID_COLUMN] = this.batchId;

    const line = JSON.stringify(record);
    const bytes = Buffer.byteLength(line, "utf8") + 1; // the push sends the line plus "\n"
    if (bytes > MAX_RECORD_BYTES) {
      return `record is ${bytes} bytes; Kinesis/Firehose accept at most ${MAX_RECORD_BYTES} bytes (1,000 KiB) per record`;
    }

    this.counts.records++;
    if (generated) this.counts.generatedEventIds++;
    else if (this.seenIds.has(eventId as string)) this.counts.duplicateEventIds++;
    else this.seenIds.add(eventId as string);
    const time = record[this.eventTimeColumn];
    if (typeof time === "string") {
      const hour = time.slice(0, 13);
      if (this.minHour === undefined || hour < this.minHour) this.minHour = hour;
      if (this.maxHour === undefined || hour > this.maxHour) this.maxHour = hour;
      this.hours?.add(hour);
      if (this.hours && this.hours.size > MAX_LISTED_EVENT_HOURS) this.hours = undefined;
    }
    this.chunk.push(line);
    return undefined;
  }

  private rejectLine(key: string, line: number, raw: string, reason: string): void {
    this.counts.rejectedLines++;
    const cut = truncateUtf8(raw, MAX_REJECTED_RAW_BYTES);
    this.pushRejected(cut === raw ? { key, line, reason, raw } : { key, line, reason, raw: cut, truncated: true });
  }

  private pushRejected(entry: RejectedEntry): void {
    const text = JSON.stringify(entry);
    this.rejected.push(text);
    this.rejectedBytes += text.length;
  }
}

/**
 * The schema the extract validates with: without `batch_id` (stamped afterwards, whatever the input held)
 * and with the event id optional (a missing one is generated after validation).
 */
function extractSchema(settings: BatchSettings): EventSchema {
  return {
    ...settings.schema,
    columns: settings.schema.columns
      .filter((column) => column.name !== BATCH_ID_COLUMN)
      .map((column) => (column.name === settings.eventIdColumn ? { ...column, required: false } : column)),
  };
}

/**
 * A deterministic event id for a record that has none: the first 32 hex digits of
 * sha256(`<landing key>:<position>:<canonical JSON of the validated record>`), so re-running the same
 * files yields the same ids and the lake can deduplicate. `position` is the line number (NDJSON, CSV)
 * or `line#element` (JSON arrays, where several elements may share a line). The id and batch_id
 * columns are left out of the canonical JSON, so the id does not depend on the batch.
 */
export function generatedEventId(key: string, position: string, record: JsonObject, idColumn: string): string {
  const content: JsonObject = {};
  for (const name of Object.keys(record)) {
    if (name !== idColumn && name !== BATCH_ID_COLUMN) content[name] = record[name];
  }
  return createHash("sha256")
    .update(`${key}:${position}:${canonicalJson(content)}`)
    .digest("hex")
    .slice(0, 32);
}

/** JSON with object keys sorted at every level, so equal records serialise equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

// ---------------------------------------------------------------------------------------------------
// Validation query

const HOUR_MS = 3_600_000;

/**
 * How long before the push a record sharing an object with a batch record can have arrived: Firehose
 * buffers at most 900 s in the Lambda processor and 900 s for delivery
 * (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html), and names the object after its
 * oldest record's arrival (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html).
 */
export const ARRIVAL_LOOKBACK_MS = 1_800_000;

/**
 * The partition hours the validation scans. Arrival-time partitioning: Firehose files an object under
 * the arrival hour of its OLDEST record, and a record of the batch can share an object with live records
 * that arrived up to {@link ARRIVAL_LOOKBACK_MS} earlier (the longest delivery buffer plus the longest
 * processor buffer), so from the hour of `now - ARRIVAL_LOOKBACK_MS` (`now`: the end of extraction,
 * before the push) through `now + runTimeoutSeconds`, capped at {@link MAX_WINDOW_HOURS}. Event-time
 * partitioning: the first to the last event hour of the accepted records, however far apart (a backfill
 * of months scans those months, never the whole table). Undefined only when there is nothing to bound
 * (no accepted records).
 */
export function validationWindow(
  settings: Pick<BatchSettings, "partitionTime" | "runTimeoutSeconds">,
  now: Date,
  eventHours: { readonly first: string; readonly last: string } | undefined,
): { readonly from: Date; readonly to: Date } | undefined {
  if (settings.partitionTime === "arrival") {
    const fromHour = Math.floor((now.getTime() - ARRIVAL_LOOKBACK_MS) / HOUR_MS) * HOUR_MS;
    const to = Math.min(now.getTime() + settings.runTimeoutSeconds * 1000, fromHour + MAX_WINDOW_HOURS * HOUR_MS);
    return { from: new Date(fromHour), to: new Date(to) };
  }
  if (!eventHours) return undefined;
  const from = new Date(`${eventHours.first}:00:00Z`);
  const to = new Date(`${eventHours.last}:00:00Z`);
  return { from, to };
}

/**
 * The batch's validation: one SELECT returning `found` (distinct event ids whose latest copy carries
 * this batch id) and `missing_required` (of those latest rows, how many have a NULL required column or
 * event id), every identifier quoted, the batch id a string literal.
 *
 * It reads through the deduplication of the `<table>_latest` view (the same generated SQL,
 * {@link latestRowsSql}), so a run passes only when what readers of the view see is this batch's copy
 * of each record. The dedup runs over the partitions of `window` rather than over the view itself:
 * Athena cannot push a partition filter on the view below its row_number(), so querying the view would
 * read the whole table on every run. Nothing newer than the window exists while the run is going, and
 * older copies never win, so within the window the result equals the view's (arrival-time partitions;
 * with event-time partitions, copies of an event share its event hour). A window of at most
 * {@link MAX_WINDOW_HOURS} hours is listed hour by hour; a wider one is a range on the concatenated keys.
 * Without a window (a batch with no accepted records) the query reads no partition at all: no query the
 * project runs scans the whole table.
 */
export function buildValidation(
  settings: Pick<BatchSettings, "schema" | "dayKey" | "eventIdColumn" | "database" | "table">,
  batchId: string,
  expectedCount: number,
  window: { readonly from: Date; readonly to: Date } | undefined,
): BatchValidation {
  const required = settings.schema.columns.filter((column) => column.required).map((column) => column.name);
  if (!required.includes(settings.eventIdColumn)) required.unshift(settings.eventIdColumn);
  const eventId = quoteIdentifier(settings.eventIdColumn);
  const schema = settings.schema.columns.some((column) => column.name === BATCH_ID_COLUMN)
    ? settings.schema
    : { ...settings.schema, columns: [...settings.schema.columns, { name: BATCH_ID_COLUMN, type: "string" as const, required: false }] };
  const latest = latestRowsSql(
    { database: settings.database, table: settings.table, schema, dayKey: settings.dayKey, eventIdColumn: settings.eventIdColumn },
    validationPredicate(settings.dayKey, window),
  );
  const query = [
    `SELECT count(DISTINCT ${eventId}) AS "found",`,
    `  count_if(${required.map((name) => `${quoteIdentifier(name)} IS NULL`).join(" OR ")}) AS "missing_required"`,
    `FROM (`,
    `  ${latest.split("\n").join("\n  ")}`,
    `) AS ${quoteIdentifier("latest")}`,
    `WHERE ${quoteIdentifier(BATCH_ID_COLUMN)} = ${sqlString(batchId)}`,
  ].join("\n");
  return { query, expectedCount };
}

/** The partition predicate of the validation's window; FALSE (nothing to read) without one. */
function validationPredicate(dayKey: BatchSettings["dayKey"], window: { readonly from: Date; readonly to: Date } | undefined): string {
  if (!window) return "FALSE";
  const spanHours = (window.to.getTime() - window.from.getTime()) / HOUR_MS;
  return spanHours > MAX_WINDOW_HOURS ? hourRangePredicate(dayKey, window.from, window.to) : hourPartitionPredicate(dayKey, window.from, window.to);
}

// ---------------------------------------------------------------------------------------------------
// Orchestration

/**
 * Runs ExtractBatch: claims `_runs/<batchId>.json` (with `force`, overwrites it), stages the landing
 * files and returns pointers and counts only. A claim held by another execution returns
 * `skipped: "already-claimed"` after no write at all; a retry of the execution that holds the claim
 * (same `executionId`, e.g. a Step Functions Retry after a timeout) proceeds and rewrites the same keys.
 * Skipped outputs carry an empty validation query: the workflow branches on `skipped` first.
 */
export async function extractBatch(
  input: ExtractInput,
  settings: BatchSettings,
  deps: ExtractDeps,
): Promise<ExtractOutput> {
  const replay = replayPlanOf(input, settings);
  const batchId = batchIdFor(input?.scheduledTime) + (replay ? REPLAY_BATCH_SUFFIX : "");
  if (typeof input.executionId !== "string" || input.executionId === "") {
    throw new InvalidBatchInput(`executionId must be the execution ARN, got ${preview(input.executionId)}`);
  }
  const { store, now, log } = deps;
  const keys = batchKeys(batchId);
  const claimedAt = now().toISOString();
  const marker: RunMarker = {
    batchId,
    status: "running",
    executionId: input.executionId,
    scheduledTime: input.scheduledTime,
    claimedAt,
    ...(input.force ? { forced: true } : {}),
    ...(replay ? { replay: replayRecord(replay) } : {}),
  };

  if (input.force === true) {
    await store.put(keys.marker, JSON.stringify(marker), "application/json");
  } else if (!(await store.putIfAbsent(keys.marker, JSON.stringify(marker), "application/json"))) {
    // Unreadable (e.g. no s3:GetObject on _runs/): treat as held by another execution, the safe side.
    const holder = await readJson<RunMarker>(store, keys.marker).catch((error: unknown) => {
      log.warn("cannot read the claim marker; treating the batch as claimed by another execution", {
        batchId,
        error: String(error),
      });
      return undefined;
    });
    if (holder?.executionId !== input.executionId) {
      log.info("batch already claimed; skipping", { batchId, claimedBy: holder?.executionId, status: holder?.status });
      return alreadyClaimed(batchId, keys.manifest, claimedAt);
    }
    log.info("resuming the claim held by this execution (a retry)", { batchId });
  }

  try {
    return await stageBatch(input, settings, deps, batchId, marker, replay);
  } catch (error) {
    if (error instanceof BatchTooLarge) {
      const failed: RunMarker = {
        ...marker,
        status: "failed",
        finishedAt: now().toISOString(),
        error: `${error.name}: ${error.message}`,
      };
      await store.put(keys.marker, JSON.stringify(failed), "application/json");
    }
    throw error;
  }
}

/**
 * The replay plan of the input, or undefined for a landing batch (`replay` absent or null, as the state
 * machine passes it). Throws {@link InvalidBatchInput} naming every problem of a bad replay.
 */
export function replayPlanOf(input: Pick<ExtractInput, "replay">, settings: Pick<BatchSettings, "dayKey">): ReplayPlan | undefined {
  if (input?.replay === undefined || input.replay === null) return undefined;
  const planned = planReplay(input.replay, settings.dayKey);
  if ("problems" in planned) throw new InvalidBatchInput(`invalid replay: ${planned.problems.join("; ")}`);
  return planned.plan;
}

function replayRecord(plan: ReplayPlan): ReplayRecord {
  return { from: plan.from, errorTypes: plan.errorTypes, since: plan.since, until: plan.until };
}

async function stageBatch(
  input: ExtractInput,
  settings: BatchSettings,
  deps: ExtractDeps,
  batchId: string,
  marker: RunMarker,
  replay: ReplayPlan | undefined,
): Promise<ExtractOutput> {
  const { store, now, log } = deps;
  const keys = batchKeys(batchId);
  const builder = new BatchBuilder(batchId, settings);
  const files: ManifestFile[] = [];
  const replayed: ReplayedObject[] = [];
  const flush = async (final: boolean) => {
    for (let object = builder.takeChunk(final); object; object = builder.takeChunk(final)) {
      await store.put(object.key, object.body, "application/x-ndjson");
    }
    for (let object = builder.takeRejected(final); object; object = builder.takeRejected(final)) {
      await store.put(object.key, object.body, "application/x-ndjson");
    }
  };
  const addItems = async (key: string, items: Iterable<SourceItem>) => {
    for (const item of items) {
      if (!builder.add(key, item)) break;
      if (builder.hasFullObject()) await flush(false);
    }
  };

  if (replay) {
    for (const prefix of replay.prefixes) {
      for await (const listed of store.list(prefix)) {
        if (listed.key.endsWith("/")) continue;
        // Error objects the run read move to processed/ with it (unreadable ones too: they are listed in
        // rejected/); one too large to read stays. The raw backup never moves.
        let move = replay.from === "errors";
        const before = builder.batchCounts(0);
        let summary: ManifestFile = { key: listed.key, etag: listed.etag, size: listed.size };
        if (listed.size > MAX_LANDING_FILE_BYTES) {
          builder.rejectFile(listed.key, `object is ${listed.size} bytes; at most ${MAX_LANDING_FILE_BYTES} are read`);
          move = false;
        } else {
          const object = await store.get(listed.key);
          if (!object) {
            log.warn("replay object disappeared between listing and reading; skipped", { key: listed.key });
            continue;
          }
          summary = { key: listed.key, etag: object.etag, size: object.body.byteLength };
          await addItems(listed.key, decodeReplayObject(replay.from, object.body));
        }
        const after = builder.batchCounts(0);
        replayed.push({ ...summary, move, records: after.records - before.records, rejected: after.rejected - before.rejected });
        if (builder.hasFullObject()) await flush(false);
      }
    }
  } else {
    for await (const listed of store.list(BATCH_PREFIXES.landing)) {
      if (listed.key.endsWith("/")) continue; // a console "folder" placeholder
      const format = landingFormat(listed.key);
      if (!format) {
        files.push({ key: listed.key, etag: listed.etag, size: listed.size });
        builder.rejectFile(
          listed.key,
          `unsupported file type; expected ${Object.keys(LANDING_FORMATS).join(", ")}, optionally gzipped (.gz)`,
        );
      } else if (listed.size > MAX_LANDING_FILE_BYTES) {
        files.push({ key: listed.key, etag: listed.etag, size: listed.size });
        builder.rejectFile(
          listed.key,
          `file is ${listed.size} bytes; at most ${MAX_LANDING_FILE_BYTES} are read, so split it`,
        );
      } else {
        const object = await store.get(listed.key);
        if (!object) {
          log.warn("landing file disappeared between listing and reading; left for its owner", { key: listed.key });
          continue;
        }
        files.push({ key: listed.key, etag: object.etag, size: object.body.byteLength });
        const decoded = decodeLandingFile(object.body);
        if ("reason" in decoded) builder.rejectFile(listed.key, decoded.reason);
        else await addItems(listed.key, parseLanding(format, decoded.text));
      }
      if (builder.hasFullObject()) await flush(false);
    }
  }
  await flush(true);

  const finishedAt = now();
  const counts = builder.batchCounts(replay ? replayed.length : files.length);
  const source: "landing" | ReplaySpec["from"] = replay ? replay.from : "landing";
  const manifest: BatchManifest = {
    batchId,
    executionId: input.executionId,
    scheduledTime: input.scheduledTime,
    extractedAt: finishedAt.toISOString(),
    files,
    chunkKeys: builder.chunkKeys(),
    rejectedKeys: builder.rejectedKeys(),
    counts,
    source,
    ...(replay ? { replay: { ...replayRecord(replay), prefixes: replay.prefixes }, replayed } : {}),
  };
  await store.put(keys.manifest, JSON.stringify(manifest), "application/json");
  const unknown = builder.unknownFields();
  log.info("batch extracted", {
    batchId,
    source,
    ...counts,
    chunks: manifest.chunkKeys.length,
    unknownFields: unknown.count,
    unknownKeys: unknown.keys,
  });
  if (counts.duplicateEventIds > 0) {
    log.warn("records repeat an event id within the batch; the validation expects distinct ids", {
      batchId,
      duplicateEventIds: counts.duplicateEventIds,
    });
  }

  const base = {
    batchId,
    source,
    fileCount: counts.files,
    rejectedCount: counts.rejected,
    manifestKey: keys.manifest,
    pushStartedAt: finishedAt.toISOString(),
    eventHours: builder.eventHours() ?? null,
  };
  if (counts.records === 0) {
    const empty: RunMarker = {
      ...marker,
      status: "empty",
      finishedAt: finishedAt.toISOString(),
      counts: { ...counts },
    };
    await store.put(keys.marker, JSON.stringify(empty), "application/json");
    return {
      ...base,
      skipped: true,
      skipReason: "empty",
      recordCount: 0,
      chunkKeys: [],
      validation: { query: "", expectedCount: 0 },
    };
  }
  const window = validationWindow(settings, finishedAt, builder.eventHours());
  if (!window)
    log.warn("no partition predicate for the validation query; it scans every partition", {
      batchId,
      eventHours: builder.eventHours(),
    });
  return {
    ...base,
    skipped: false,
    recordCount: counts.records,
    chunkKeys: manifest.chunkKeys,
    validation: buildValidation(settings, batchId, builder.distinctEventIds(), window),
  };
}

function alreadyClaimed(batchId: string, manifestKey: string, at: string): ExtractOutput {
  return {
    batchId,
    skipped: true,
    skipReason: "already-claimed",
    fileCount: 0,
    recordCount: 0,
    rejectedCount: 0,
    chunkKeys: [],
    manifestKey,
    pushStartedAt: at,
    eventHours: null,
    validation: { query: "", expectedCount: 0 },
  };
}

/** The JSON object stored at `key`, or undefined when it is missing or not JSON. */
export async function readJson<T>(store: Pick<ExtractStore, "get">, key: string): Promise<T | undefined> {
  const object = await store.get(key);
  if (!object) return undefined;
  const value = tryParse(Buffer.from(object.body).toString("utf8"));
  return isJsonObject(value) ? (value as T) : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function firstNonBlank(text: string, from: number): number {
  let i = from;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

function lineAt(text: string, index: number): number {
  return 1 + countNewlines(text, 0, index);
}

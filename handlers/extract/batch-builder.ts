/**
 * The batch builder: validates each parsed item against the event schema (the transform's own
 * validator), stamps the batch id and the event id, rejects what does not fit with a reason, and cuts
 * full staging and rejected-lines objects. Pure and synchronous: the orchestration writes what it hands out.
 */
import { BATCH_ID_COLUMN, MAX_LISTED_EVENT_HOURS, type EventHours } from "../../contract/batch";
import { BatchTooLarge } from "../../contract/errors";
import type { EventSchema } from "../../contract/event-schema";
import { isJsonObject } from "../../contract/json";
import type { BatchSettings } from "../../contract/settings";
import type { BatchCounts } from "../shared/batch-records";
import { compileRecordValidator, MAX_RECORD_BYTES, type RecordValidator } from "../shared/record-validation";
import { batchKeys } from "./batch-id";
import { generatedEventId } from "./event-id";
import type { SourceItem } from "./landing-format";

/** Most chunks one batch may have: the push runs one inline Map iteration per chunk. */
export const MAX_CHUNKS = 2_000;

/** A rejected line keeps at most this many bytes of its raw text (10 KiB). */
export const MAX_REJECTED_RAW_BYTES = 10 * 1024;

/** A rejected-lines object is closed once it holds this many bytes, or `recordsPerChunk` entries. */
export const MAX_REJECTED_CHUNK_BYTES = 16 * 1024 * 1024;

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

/** Where a builder's staging chunks and rejected-lines objects go (default: the batch's own keys). */
export interface BuilderKeys {
  chunk(index: number): string;
  rejected(index: number): string;
}

/** Options of a {@link BatchBuilder} that stages one range of a Distributed Map batch. */
export interface BuilderOptions {
  /** Staging and rejected keys. @default the batch's `batchKeys` */
  readonly keys?: BuilderKeys;
  /** Called with every accepted record's event id (given or generated), for the range's id list. */
  readonly onEventId?: (eventId: unknown) => void;
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
  private readonly keys: BuilderKeys;
  private readonly onEventId: ((eventId: unknown) => void) | undefined;
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

  constructor(
    private readonly batchId: string,
    private readonly settings: BatchSettings,
    options: BuilderOptions = {},
  ) {
    this.validator = compileRecordValidator(extractSchema(settings));
    this.keys = options.keys ?? batchKeys(batchId);
    this.onEventId = options.onEventId;
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
        `batch ${this.batchId} needs more than ${MAX_CHUNKS} staging chunks of ${this.settings.recordsPerChunk} records (over ${
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
    const full = this.rejected.length >= this.settings.recordsPerChunk || this.rejectedBytes >= MAX_REJECTED_CHUNK_BYTES;
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
    this.onEventId?.(eventId);
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

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/**
 * Pushing one staging chunk to Kinesis: parse the NDJSON chunk into PutRecords entries, plan requests
 * within the PutRecords limits, and send them, resending only the entries Kinesis did not accept, with
 * capped exponential backoff and full jitter, paced to the chunk's share of the stream's write capacity.
 * No SDK and no `process.env`: the adapter injects a `putRecords` function, `sleep`, `random` and a
 * clock (`now`), which lets tests drive retries and pacing with fakes.
 *
 * Record data is the staged NDJSON line (the JSON object exactly as the extract step wrote it) followed
 * by one "\n". Sending the staged bytes keeps what extract validated, and the newline keeps records
 * separable if anything downstream concatenates them; the Firehose transform re-serialises anyway.
 */
import { createHash } from "node:crypto";
import type { PushOutput } from "../../contract/batch";
import { InvalidChunk, RecordsUndelivered, RecordTooLarge } from "../../contract/errors";
import type { BatchSettings } from "../../contract/settings";
import type { WriteRate } from "../../contract/stream-capacity";

/** PutRecords limits (record size = data bytes + partition key bytes). */
export const PUT_RECORDS_LIMITS = {
  maxRecordsPerRequest: 500,
  maxRequestBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
  maxPartitionKeyLength: 256,
} as const;

/** Backoff between attempts: full jitter over `min(maxDelayMs, baseDelayMs * 2^(attempt-1))`. */
export const DEFAULT_BACKOFF = { baseDelayMs: 100, maxDelayMs: 5_000 } as const;

/** Error names (entry `ErrorCode`s or thrown error names) after which the same records are sent again. */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "InternalFailure",
]);

/** The part of {@link BatchSettings} the push uses. */
export type PushSettings = Pick<BatchSettings, "partitionKeyField" | "eventIdColumn" | "maxPushAttempts" | "pushRate" | "pushConcurrency">;

/**
 * The settings a chunk of a batch of `rangeCount` ranges is pushed with: its share is the stream's
 * capacity ÷ the ranges pushed at once, which is fewer than the push concurrency when the batch has
 * fewer ranges (a single gzip file is one range): then each range's share grows so the batch still
 * uses the whole stream. Unchanged without a rate, a concurrency or a range count.
 */
export function settingsForBatch(settings: PushSettings, rangeCount: number | undefined): PushSettings {
  const { pushRate, pushConcurrency } = settings;
  if (!pushRate || !pushConcurrency || !rangeCount || rangeCount >= pushConcurrency) return settings;
  const factor = pushConcurrency / Math.max(1, Math.floor(rangeCount));
  return {
    ...settings,
    pushRate: {
      recordsPerSecond: Math.floor(pushRate.recordsPerSecond * factor),
      bytesPerSecond: Math.floor(pushRate.bytesPerSecond * factor),
    },
  };
}

/** One PutRecords entry; structurally the SDK's `PutRecordsRequestEntry`. */
export interface PushEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
}

/** The request the sender passes to `putRecords`; structurally the SDK's `PutRecordsInput`. */
export interface PutRecordsRequest {
  readonly StreamName: string;
  readonly Records: PushEntry[];
}

/** What the sender reads from a PutRecords response; structurally the SDK's `PutRecordsOutput`. */
export interface PutRecordsResult {
  readonly FailedRecordCount?: number;
  readonly Records?: readonly {
    readonly ErrorCode?: string;
    readonly ErrorMessage?: string;
    readonly SequenceNumber?: string;
    readonly ShardId?: string;
  }[];
}

/** I/O the sender needs, injected by the adapter (or by tests). */
export interface SenderDeps {
  putRecords(request: PutRecordsRequest): Promise<PutRecordsResult>;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1]; scales each backoff delay (full jitter). */
  random(): number;
  /** Milliseconds on a steady clock; needed only to pace (`SendOptions.rate`). */
  now?(): number;
}

/** Where and how hard the sender pushes. */
export interface SendOptions {
  readonly streamName: string;
  /** Named in the error message when records stay undelivered. */
  readonly chunkKey: string;
  /** PutRecords calls per planned request, the first one included. */
  readonly maxAttempts: number;
  /** @default DEFAULT_BACKOFF.baseDelayMs */
  readonly baseDelayMs?: number;
  /** @default DEFAULT_BACKOFF.maxDelayMs */
  readonly maxDelayMs?: number;
  /** The most records and bytes per second to send, retries included. @default not paced */
  readonly rate?: WriteRate;
}

/**
 * The partition key of a record: the string value of `record[partitionKeyField]`, else of the event id
 * column, else (neither has a value) the MD5 of the data. Keys longer than 256 characters are replaced
 * by their MD5 hex, which keeps distinct keys distinct (truncation would merge keys sharing a prefix).
 */
export function partitionKeyFor(record: Record<string, unknown>, settings: PushSettings, data: Uint8Array): string {
  const key = keyText(record[settings.partitionKeyField]) || keyText(record[settings.eventIdColumn]);
  if (!key) return md5(data);
  // `length` counts UTF-16 units, never fewer than characters, so this errs towards hashing.
  return key.length > PUT_RECORDS_LIMITS.maxPartitionKeyLength ? md5(key) : key;
}

/** Turns the NDJSON text of a chunk into PutRecords entries, one per non-blank line. */
export function chunkEntries(ndjson: string, settings: PushSettings, chunkKey: string): PushEntry[] {
  const entries: PushEntry[] = [];
  const lines = ndjson.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new InvalidChunk(`${chunkKey} line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new InvalidChunk(`${chunkKey} line ${i + 1} is not a JSON object`);
    }
    const data = Buffer.from(`${line}\n`, "utf8");
    entries.push({ Data: data, PartitionKey: partitionKeyFor(record as Record<string, unknown>, settings, data) });
  }
  return entries;
}

/** Bytes PutRecords counts for an entry: data plus UTF-8 partition key. */
export function entryBytes(entry: PushEntry): number {
  return entry.Data.byteLength + Buffer.byteLength(entry.PartitionKey, "utf8");
}

/** How large one request may be. */
export interface RequestLimits {
  readonly maxRecordsPerRequest: number;
  readonly maxRequestBytes: number;
}

/**
 * Request limits for a paced push: PutRecords' own (500 records, 5 MiB), lowered to one second of the
 * rate, so no single call sends more than the share takes in a second.
 */
export function requestLimits(rate?: WriteRate): RequestLimits {
  const { maxRecordsPerRequest, maxRequestBytes } = PUT_RECORDS_LIMITS;
  if (!rate) return { maxRecordsPerRequest, maxRequestBytes };
  return {
    maxRecordsPerRequest: Math.max(1, Math.min(maxRecordsPerRequest, Math.floor(rate.recordsPerSecond))),
    maxRequestBytes: Math.max(1, Math.min(maxRequestBytes, Math.floor(rate.bytesPerSecond))),
  };
}

/**
 * Splits entries, in order, into requests of at most 500 records and 5 MiB (or the lower `limits`); an
 * entry larger than `limits.maxRequestBytes` goes alone. Throws {@link RecordTooLarge} for an entry over
 * 1 MiB (data plus key).
 */
export function planRequests(entries: readonly PushEntry[], limits: RequestLimits = requestLimits()): PushEntry[][] {
  const { maxRecordsPerRequest, maxRequestBytes } = limits;
  const { maxRecordBytes } = PUT_RECORDS_LIMITS;
  const requests: PushEntry[][] = [];
  let current: PushEntry[] = [];
  let currentBytes = 0;
  entries.forEach((entry, index) => {
    const bytes = entryBytes(entry);
    if (bytes > maxRecordBytes) {
      throw new RecordTooLarge(
        `record ${index + 1} is ${bytes} bytes with its partition key; PutRecords accepts at most ${maxRecordBytes}`,
      );
    }
    if (current.length === maxRecordsPerRequest || (current.length > 0 && currentBytes + bytes > maxRequestBytes)) {
      requests.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  });
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Upper bound of the delay before attempt `attempt + 1`: `min(max, base * 2^(attempt-1))`. */
export function backoffCeiling(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
}

/**
 * How long to wait before sending more, so that what was sent since the start stays within `rate`:
 * `max(records ÷ records/s, bytes ÷ bytes/s)` seconds after the start, less the time already gone.
 */
export function paceDelayMs(sent: { readonly records: number; readonly bytes: number }, elapsedMs: number, rate: WriteRate): number {
  const dueMs = 1000 * Math.max(sent.records / rate.recordsPerSecond, sent.bytes / rate.bytesPerSecond);
  return Math.max(0, dueMs - elapsedMs);
}

/** Counts what is sent and says how long to wait to stay within `rate`; never waits without one. */
function pacer(deps: SenderDeps, rate: WriteRate | undefined): { sent(entries: readonly PushEntry[]): void; delayMs(): number } {
  if (!rate) return { sent: () => undefined, delayMs: () => 0 };
  const now = deps.now;
  if (!now) throw new Error("pacing needs a clock: pass now() with a rate");
  const start = now();
  const total = { records: 0, bytes: 0 };
  return {
    sent(entries) {
      total.records += entries.length;
      total.bytes += entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
    },
    delayMs: () => paceDelayMs(total, now() - start, rate),
  };
}

/**
 * Sends the planned requests one after another. After each call, only the entries with an `ErrorCode`
 * are sent again; a thrown throttling error (see {@link RETRYABLE_ERRORS}) resends the whole remainder;
 * any other thrown error propagates. Each request gets `maxAttempts` calls. When entries are still
 * failing, throws `RecordsUndelivered` counting every record not accepted, later requests
 * included; it never returns with records unsent.
 *
 * With `options.rate`, every call waits until what was sent before it is within the rate (a retry waits
 * for the longer of its backoff and that), and the last call is followed by the same wait, so the
 * requests take at least `max(records ÷ records/s, bytes ÷ bytes/s)`. Retries count as sent: they use
 * the stream's capacity too, and a throttled stream is then given more room rather than less.
 */
export async function sendRequests(
  requests: readonly (readonly PushEntry[])[],
  deps: SenderDeps,
  options: SendOptions,
): Promise<Omit<PushOutput, "chunkKey">> {
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
  const total = requests.reduce((sum, request) => sum + request.length, 0);
  const pace = pacer(deps, options.rate);
  let pushed = 0;
  let calls = 0;
  for (let r = 0; r < requests.length; r++) {
    let pending: PushEntry[] = [...requests[r]];
    let lastErrors = new Map<string, number>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > options.maxAttempts) {
        const later = requests.slice(r + 1).reduce((sum, request) => sum + request.length, 0);
        throw undelivered(total - pushed, total, options, lastErrors, later);
      }
      const backoff = attempt > 1 ? deps.random() * backoffCeiling(attempt - 1, baseDelayMs, maxDelayMs) : 0;
      const wait = Math.max(backoff, pace.delayMs());
      if (attempt > 1 || wait > 0) await deps.sleep(wait);
      calls++;
      pace.sent(pending);
      let result: PutRecordsResult;
      try {
        result = await deps.putRecords({ StreamName: options.streamName, Records: pending });
      } catch (error) {
        const name = (error as Error).name;
        if (!RETRYABLE_ERRORS.has(name)) throw error;
        lastErrors = new Map([[name, pending.length]]);
        continue;
      }
      const failed = failedEntries(pending, result);
      pushed += pending.length - failed.entries.length;
      pending = failed.entries;
      lastErrors = failed.errors;
    }
  }
  const drain = pace.delayMs();
  if (drain > 0) await deps.sleep(drain);
  return { pushed, calls };
}

/**
 * Parses, plans and sends one chunk, paced to `settings.pushRate` when it is set; see {@link chunkEntries},
 * {@link planRequests}, {@link sendRequests}.
 */
export async function pushChunk(
  ndjson: string,
  target: { readonly chunkKey: string; readonly streamName: string; readonly settings: PushSettings },
  deps: SenderDeps,
): Promise<PushOutput> {
  const rate = target.settings.pushRate;
  const requests = planRequests(chunkEntries(ndjson, target.settings, target.chunkKey), requestLimits(rate));
  const sent = await sendRequests(requests, deps, {
    streamName: target.streamName,
    chunkKey: target.chunkKey,
    maxAttempts: target.settings.maxPushAttempts,
    rate,
  });
  return { chunkKey: target.chunkKey, ...sent };
}

/**
 * The entries of `sent` that Kinesis did not accept, matched by index, with error counts. If the response
 * reports failures it does not itemise (a missing or short `Records`), the unitemised entries count as
 * failed: resending risks a duplicate, which the event id absorbs; not resending risks a loss.
 */
function failedEntries(sent: readonly PushEntry[], result: PutRecordsResult): { entries: PushEntry[]; errors: Map<string, number> } {
  const entries: PushEntry[] = [];
  const errors = new Map<string, number>();
  if ((result.FailedRecordCount ?? 0) === 0) return { entries, errors };
  const items = result.Records ?? [];
  sent.forEach((entry, i) => {
    const code = i < items.length ? items[i].ErrorCode : "Unreported";
    if (!code) return;
    entries.push(entry);
    errors.set(code, (errors.get(code) ?? 0) + 1);
  });
  if (entries.length === 0) {
    // FailedRecordCount > 0 yet no entry carries an ErrorCode: resend them all rather than guess.
    entries.push(...sent);
    errors.set("Unreported", sent.length);
  }
  return { entries, errors };
}

function undelivered(
  missing: number,
  total: number,
  options: SendOptions,
  lastErrors: ReadonlyMap<string, number>,
  notAttempted: number,
): RecordsUndelivered {
  const codes = [...lastErrors].map(([code, count]) => `${code} ×${count}`).join(", ");
  const later = notAttempted > 0 ? ` (${notAttempted} of them in later requests, not sent)` : "";
  return new RecordsUndelivered(
    `${missing} of ${total} records of ${options.chunkKey} were not accepted by Kinesis after ${options.maxAttempts} attempts: ${codes}${later}`,
  );
}

function keyText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
}

function md5(data: Uint8Array | string): string {
  return createHash("md5").update(data).digest("hex");
}

/**
 * Has Firehose delivered anything since the push started? Decides which prefixes of the lake to list
 * and counts the data objects written since then. No SDK and no `process.env`: the adapter injects one
 * function that lists a page.
 */
import type { BatchSettings, DeliveryCheckOutput, EventHours } from "../shared/batch-contract";
import type { DayKey } from "../shared/event-schema";

/** Firehose's data prefix; equals `LAKE_PREFIXES.data` of the stack (a test keeps them equal). */
export const DATA_PREFIX = "data/";

/** Bounds of a check, so one poll stays fast on a big lake. */
export const LISTING_LIMITS = {
  /** Hourly prefixes listed at most, counted from the first hour. */
  maxHourPrefixes: 48,
  /** Pages (of up to 1,000 keys) listed per hourly prefix. */
  maxPagesPerHour: 10,
  /** Event-hour partitions listed at most, with event-time partitioning (one week). */
  maxEventHourPrefixes: 168,
  /** Pages listed under `data/` when partitions are by event time and the batch's hours are unknown. */
  maxPagesEventTime: 20,
  /**
   * How far before `since` the first hourly prefix starts: Firehose names an object after the arrival
   * hour of its oldest record, and a buffer may hold records from up to 900 s (its longest buffering
   * interval) before our first record arrived.
   */
  lookbackMs: 900_000,
} as const;

/** The part of {@link BatchSettings} the check uses. */
export type DeliveryCheckSettings = Pick<BatchSettings, "dayKey" | "partitionTime">;

/** What to list: each prefix, up to `maxPages` pages of it. */
export interface ListingPlan {
  readonly prefixes: readonly string[];
  readonly maxPages: number;
}

/** One object of a listing; structurally the SDK's `_Object`. */
export interface ListedObject {
  readonly Key?: string;
  readonly LastModified?: Date;
}

/** One page of a listing; structurally the SDK's `ListObjectsV2Output`. */
export interface ListedPage {
  readonly Contents?: readonly ListedObject[];
  readonly NextContinuationToken?: string;
}

/** Lists one page of `prefix`, continuing from `continuationToken`. */
export type ListPage = (prefix: string, continuationToken: string | undefined) => Promise<ListedPage>;

/** Picks and checks the check's settings from the BATCH_SETTINGS JSON. */
export function parseDeliveryCheckSettings(json: string): DeliveryCheckSettings {
  const raw = JSON.parse(json) as Partial<BatchSettings>;
  const problems: string[] = [];
  if (raw.dayKey !== "day" && raw.dayKey !== "date") problems.push(`dayKey must be "day" or "date", got ${JSON.stringify(raw.dayKey)}`);
  if (raw.partitionTime !== "arrival" && raw.partitionTime !== "event") {
    problems.push(`partitionTime must be "arrival" or "event", got ${JSON.stringify(raw.partitionTime)}`);
  }
  if (problems.length > 0) throw new Error(`invalid batch settings: ${problems.join("; ")}`);
  return { dayKey: raw.dayKey!, partitionTime: raw.partitionTime! };
}

/** Parses the input's `since`; throws when it is not a date-time. */
export function parseSince(since: unknown): Date {
  const time = typeof since === "string" ? Date.parse(since) : NaN;
  if (Number.isNaN(time)) throw new Error(`since must be an ISO-8601 time, got ${JSON.stringify(since)}`);
  return new Date(time);
}

/**
 * `data/year=YYYY/month=MM/<dayKey>=DD/hour=HH/` for every UTC hour from the hour of `since` through
 * the hour of `now`, oldest first, at most `max` of them (the hours right after `since` are where a
 * push lands). A `since` after `now` (clock skew) still yields its own hour.
 */
export function hourPrefixes(since: Date, now: Date, dayKey: DayKey, max: number = LISTING_LIMITS.maxHourPrefixes): string[] {
  const hourMs = 3_600_000;
  const first = Math.floor(since.getTime() / hourMs);
  const last = Math.max(first, Math.floor(now.getTime() / hourMs));
  const prefixes: string[] = [];
  for (let hour = first; hour <= last && prefixes.length < max; hour++) {
    const t = new Date(hour * hourMs);
    const [year, month, day, hh] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours()].map(
      (n, i) => String(n).padStart(i === 0 ? 4 : 2, "0"),
    );
    prefixes.push(`${DATA_PREFIX}year=${year}/month=${month}/${dayKey}=${day}/hour=${hh}/`);
  }
  return prefixes;
}

/**
 * What one check lists. Arrival-time partitions: the hourly prefixes from `since` (less the lookback)
 * to `now`. Event-time partitions: the hourly prefixes of the batch's event hours. Without them (an
 * older caller), or for a batch spanning more hours than can be listed, `data/` itself for a bounded
 * number of pages: S3 lists keys oldest partitions first, so on a large lake the newest objects may
 * not be reached, the check keeps answering "not yet", and the validation query has the final word.
 */
export function listingPlan(settings: DeliveryCheckSettings, since: Date, now: Date, eventHours?: EventHours | null): ListingPlan {
  if (settings.partitionTime === "event") {
    const range = eventHours ? eventHourRange(eventHours) : undefined;
    if (range && hoursBetween(range.first, range.last) < LISTING_LIMITS.maxEventHourPrefixes) {
      return {
        prefixes: hourPrefixes(range.first, range.last, settings.dayKey, LISTING_LIMITS.maxEventHourPrefixes),
        maxPages: LISTING_LIMITS.maxPagesPerHour,
      };
    }
    return { prefixes: [DATA_PREFIX], maxPages: LISTING_LIMITS.maxPagesEventTime };
  }
  const start = new Date(since.getTime() - LISTING_LIMITS.lookbackMs);
  return { prefixes: hourPrefixes(start, now, settings.dayKey), maxPages: LISTING_LIMITS.maxPagesPerHour };
}

/** Parses `YYYY-MM-DDTHH` hours; undefined when either is malformed or the range is reversed. */
export function eventHourRange(hours: EventHours): { first: Date; last: Date } | undefined {
  const parse = (hour: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) ? new Date(`${hour}:00:00Z`) : undefined);
  const first = parse(hours.first);
  const last = parse(hours.last);
  if (!first || !last || Number.isNaN(first.getTime()) || Number.isNaN(last.getTime()) || last < first) return undefined;
  return { first, last };
}

function hoursBetween(first: Date, last: Date): number {
  return Math.round((last.getTime() - first.getTime()) / 3_600_000);
}

/**
 * Counts the objects written at or after `since`. S3 reports LastModified in whole seconds, so `since`
 * is truncated to its second: an object written 300 ms after `since` must not be missed.
 */
export function isDelivered(objects: readonly ListedObject[], since: Date): DeliveryCheckOutput {
  const from = Math.floor(since.getTime() / 1000) * 1000;
  const count = objects.filter((o) => o.LastModified !== undefined && o.LastModified.getTime() >= from).length;
  return { delivered: count > 0, objects: count };
}

/** Lists every prefix of the plan, page by page up to `maxPages` each, and returns all objects seen. */
export async function listPlanned(plan: ListingPlan, listPage: ListPage): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  for (const prefix of plan.prefixes) {
    let token: string | undefined;
    for (let page = 0; page < plan.maxPages; page++) {
      const result = await listPage(prefix, token);
      objects.push(...(result.Contents ?? []));
      token = result.NextContinuationToken;
      if (!token) break;
    }
  }
  return objects;
}

/**
 * Has Firehose delivered the batch? Decides which partitions of the lake the batch's records are
 * expected in and checks that each holds an object written since the push began. No SDK and no
 * `process.env`: the adapter injects one function that lists a page.
 */
import { HOUR_MS } from "../../contract/time";
import { type DeliveryCheckOutput, type EventHours } from "../../contract/batch";
import type { DayKey } from "../../contract/event-schema";
import { LAKE_PREFIXES } from "../../contract/lake-layout";
import type { BatchSettings } from "../../contract/settings";

/** Firehose's data prefix, the table location. */
const DATA_PREFIX = LAKE_PREFIXES.data;

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

/** Parses the input's `since`; throws when it is not a date-time. */
export function parseSince(since: unknown): Date {
  const time = typeof since === "string" ? Date.parse(since) : NaN;
  if (Number.isNaN(time)) throw new Error(`since must be an ISO-8601 time, got ${JSON.stringify(since)}`);
  return new Date(time);
}

/** Parses the input's optional `until` (when the push ended); undefined when absent or null. */
export function parseUntil(until: unknown): Date | undefined {
  if (until === undefined || until === null) return undefined;
  const time = typeof until === "string" ? Date.parse(until) : NaN;
  if (Number.isNaN(time)) throw new Error(`until must be an ISO-8601 time, got ${JSON.stringify(until)}`);
  return new Date(time);
}

/**
 * `data/year=YYYY/month=MM/<dayKey>=DD/hour=HH/` for every UTC hour from the hour of `since` through
 * the hour of `now`, oldest first, at most `max` of them (the hours right after `since` are where a
 * push lands). A `since` after `now` (clock skew) still yields its own hour.
 */
export function hourPrefixes(since: Date, now: Date, dayKey: DayKey, max: number = LISTING_LIMITS.maxHourPrefixes): string[] {
  const first = Math.floor(since.getTime() / HOUR_MS);
  const last = Math.max(first, Math.floor(now.getTime() / HOUR_MS));
  const prefixes: string[] = [];
  for (let hour = first; hour <= last && prefixes.length < max; hour++) {
    const t = new Date(hour * HOUR_MS);
    const [year, month, day, hh] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours()].map((n, i) =>
      String(n).padStart(i === 0 ? 4 : 2, "0"),
    );
    prefixes.push(`${DATA_PREFIX}year=${year}/month=${month}/${dayKey}=${day}/hour=${hh}/`);
  }
  return prefixes;
}

/**
 * The partitions the batch's records are expected in, oldest first, or undefined when they cannot be
 * known (then {@link checkDelivery} falls back to a bounded listing of data/).
 *
 * - Arrival-time partitions: Firehose files an object under the arrival hour of its oldest record
 *   (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html), and every record of the batch
 *   arrived between `since` (push began) and `until` (push ended), so each UTC hour from `since` through
 *   `until` is expected.
 * - Event-time partitions (dynamic partitioning): each event hour holding a record of the batch
 *   (`eventHours.hours`, reported by the extract); undefined without that list.
 */
export function expectedPartitions(
  settings: DeliveryCheckSettings,
  since: Date,
  until: Date | undefined,
  eventHours?: EventHours | null,
): string[] | undefined {
  if (settings.partitionTime === "arrival") {
    const end = until && until > since ? until : since;
    return hourPrefixes(since, end, settings.dayKey);
  }
  const hours = eventHours?.hours;
  if (!hours || hours.length === 0 || hours.length > LISTING_LIMITS.maxEventHourPrefixes) return undefined;
  const prefixes: string[] = [];
  for (const hour of hours) {
    const range = eventHourRange({ first: hour, last: hour });
    if (!range) return undefined;
    prefixes.push(...hourPrefixes(range.first, range.first, settings.dayKey, 1));
  }
  return [...new Set(prefixes)].sort();
}

/** What one check needs: when the push began and ended, and the batch's event hours. */
export interface DeliveryCheckRequest {
  readonly since: Date;
  readonly until?: Date;
  readonly eventHours?: EventHours | null;
}

/**
 * Has Firehose written every partition the batch expects? Each expected partition needs an object last
 * modified at or after the push began; objects written before it (earlier batches, earlier traffic)
 * never count. With arrival-time partitions the LAST expected hour needs more: an object written at or
 * after the push ended, in that hour's partition, or in the previous hour's when the push crossed an
 * hour (a buffer opened before the hour turned is filed under the earlier hour and may hold the
 * batch's last records). Firehose flushes one buffer after another, so an object written after the
 * push ended is a buffer that held, or followed, the batch's last records; an object of live traffic
 * written while the push was still running does not pass the check.
 *
 * Without expected partitions (event-time partitions whose hours are unknown or span more than a week)
 * the check lists data/ for a bounded number of pages and passes on any new object: S3 lists oldest
 * partitions first, so on a large lake the check may keep answering "not yet", and the validation
 * re-runs (each after a new crawl) have the final word.
 */
export async function checkDelivery(
  settings: DeliveryCheckSettings,
  request: DeliveryCheckRequest,
  listPage: ListPage,
): Promise<DeliveryCheckOutput> {
  const { since, until, eventHours } = request;
  const expected = expectedPartitions(settings, since, until, eventHours);
  if (!expected) {
    const objects = await listPlanned({ prefixes: [DATA_PREFIX], maxPages: LISTING_LIMITS.maxPagesEventTime }, listPage);
    const result = isDelivered(objects, since);
    return { ...result, expected: 0, missing: result.delivered ? [] : [DATA_PREFIX] };
  }
  const from = wholeSecond(since);
  const pushEnd = until && until > since ? wholeSecond(until) : from;
  let objects = 0;
  const newSince: boolean[] = [];
  const newSinceEnd: boolean[] = [];
  for (const prefix of expected) {
    const listed = await listPlanned({ prefixes: [prefix], maxPages: LISTING_LIMITS.maxPagesPerHour }, listPage);
    const times = listed.flatMap((o) => (o.LastModified ? [o.LastModified.getTime()] : []));
    const fresh = times.filter((t) => t >= from).length;
    objects += fresh;
    newSince.push(fresh > 0);
    newSinceEnd.push(times.some((t) => t >= pushEnd));
  }
  const last = expected.length - 1;
  const delivered = expected.map((_, i) => {
    if (settings.partitionTime === "event" || i < last) return newSince[i]!;
    return newSinceEnd[i]! || (i > 0 && newSinceEnd[i - 1]!);
  });
  const missing = expected.filter((_, i) => !delivered[i]);
  return { delivered: missing.length === 0, objects, expected: expected.length, missing: summarise(missing) };
}

/** At most 5 prefixes, then "… and N more". */
function summarise(prefixes: readonly string[]): string[] {
  return prefixes.length <= 5 ? [...prefixes] : [...prefixes.slice(0, 5), `… and ${prefixes.length - 5} more`];
}

function wholeSecond(time: Date): number {
  return Math.floor(time.getTime() / 1000) * 1000;
}

/** Parses `YYYY-MM-DDTHH` hours; undefined when either is malformed or the range is reversed. */
export function eventHourRange(hours: EventHours): { first: Date; last: Date } | undefined {
  const parse = (hour: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) ? new Date(`${hour}:00:00Z`) : undefined);
  const first = parse(hours.first);
  const last = parse(hours.last);
  if (!first || !last || Number.isNaN(first.getTime()) || Number.isNaN(last.getTime()) || last < first) return undefined;
  return { first, last };
}

/**
 * Counts the objects written at or after `since`. S3 reports LastModified in whole seconds, so `since`
 * is truncated to its second: an object written 300 ms after `since` must not be missed.
 */
export function isDelivered(objects: readonly ListedObject[], since: Date): Pick<DeliveryCheckOutput, "delivered" | "objects"> {
  const from = wholeSecond(since);
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

/**
 * Replay planning, pure: checks a replay request and lists the hourly errors/ or raw/ prefixes it
 * reads, and the shape of the dry-run report. ExtractBatch and the operator CLI both plan with it.
 */
import { FIREHOSE_ERROR_TYPES, MAX_REPLAY_WINDOW_HOURS, type FirehoseErrorType, type ReplaySpec } from "./batch";
import { partitionKeys, type DayKey } from "./event-schema";
import { isJsonObject, preview } from "./json";
import { REPLAY_SOURCE_PREFIXES } from "./lake-layout";
import { hourPartitionValues } from "./sql/partition-filter";

import { HOUR_MS } from "./time";

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
    if (from === "backup")
      problems.push(`replay.errorType applies to errors only; the raw backup has no error types (got ${preview(errorType)})`);
    else if (!(FIREHOSE_ERROR_TYPES as readonly unknown[]).includes(errorType)) {
      problems.push(`replay.errorType must be ${FIREHOSE_ERROR_TYPES.map((t) => `"${t}"`).join(" or ")}, got ${preview(errorType)}`);
    }
  }
  const since = parseInstant(spec.since);
  const until = parseInstant(spec.until);
  for (const [name, value, parsed] of [
    ["since", spec.since, since],
    ["until", spec.until, until],
  ] as const) {
    if (!parsed)
      problems.push(`replay.${name} must be an ISO-8601 date-time with a time zone, such as 2026-11-25T10:00:00Z, got ${preview(value)}`);
  }
  if (since && until) {
    const hours = (until.getTime() - since.getTime()) / HOUR_MS;
    if (hours <= 0) problems.push(`replay.since (${since.toISOString()}) must be before replay.until (${until.toISOString()})`);
    else if (hours > MAX_REPLAY_WINDOW_HOURS) {
      problems.push(
        `the replay window spans ${hours} hours; at most ${MAX_REPLAY_WINDOW_HOURS} (7 days) are replayed at once, so split it`,
      );
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
 * and raw/ in whatever the table's partitioning (`deliveryPrefixes` in ./lake-layout.ts):
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
  const roots = from === "errors" ? errorTypes.map((type) => `${REPLAY_SOURCE_PREFIXES.errors}${type}/`) : [REPLAY_SOURCE_PREFIXES.backup];
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
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = match[7] ? Math.floor(Number(`0${match[7]}`) * 1000) : 0;
  const zone = /^([+-])(\d{2}):?(\d{2})$/.exec(match[8]!);
  const offsetMinutes = zone ? (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
  const monthDays = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > monthDays ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Math.abs(offsetMinutes) > 18 * 60
  ) {
    return undefined;
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
}

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

/**
 * Firehose's default quota of active partitions per delivery stream with dynamic partitioning; records
 * beyond it go to errors/activePartitionExceeded/. Raisable to 5,000 on request.
 * Source: https://docs.aws.amazon.com/firehose/latest/dev/buffering.html
 */
export const DEFAULT_ACTIVE_PARTITION_LIMIT = 500;

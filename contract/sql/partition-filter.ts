/**
 * Predicates on the four string partition keys (`year`, `month`, day key, `hour`; zero-padded UTC
 * values such as '2026', '11', '05', '09') that Athena can use to prune partitions.
 */
import { DayKey, partitionKeys } from "../event-schema";
import { quoteIdentifier, sqlString } from "./identifiers";

import { HOUR_MS } from "../time";

/** Longest span, in hours between the first and the last hour, that a partition predicate may cover (7 days). */
export const MAX_WINDOW_HOURS = 7 * 24;

/** The partition values of one hour, zero-padded as the lake's S3 prefixes and Glue partitions hold them. */
export interface HourPartitionValues {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
}

/** The partition values of the UTC hour containing `instant`. */
export function hourPartitionValues(instant: Date): HourPartitionValues {
  const iso = instant.toISOString(); // YYYY-MM-DDTHH:…Z, always UTC
  return { year: iso.slice(0, 4), month: iso.slice(5, 7), day: iso.slice(8, 10), hour: iso.slice(11, 13) };
}

/**
 * A predicate selecting exactly the hourly partitions from the hour containing `fromHourUtc` to the
 * hour containing `toHourUtc`, both inclusive. It is an OR of one conjunction per UTC day, each
 * comparing the keys with literals, so Athena prunes partitions before reading any object.
 * Throws when an argument is not a valid date, the window is reversed, or it spans more than 7 days.
 */
export function hourPartitionPredicate(dayKey: DayKey, fromHourUtc: Date, toHourUtc: Date): string {
  const from = floorToHour(fromHourUtc, "fromHourUtc");
  const to = floorToHour(toHourUtc, "toHourUtc");
  if (to < from) {
    throw new Error(
      `hourPartitionPredicate: the window is reversed: fromHourUtc ${new Date(from).toISOString()} is after toHourUtc ${new Date(to).toISOString()}`,
    );
  }
  const spanHours = (to - from) / HOUR_MS;
  if (spanHours > MAX_WINDOW_HOURS) {
    throw new Error(
      `hourPartitionPredicate: the window ${new Date(from).toISOString()} → ${new Date(to).toISOString()} spans ${spanHours} hours; at most ${MAX_WINDOW_HOURS} (7 days) are allowed`,
    );
  }

  const days = new Map<string, { values: HourPartitionValues; hours: string[] }>();
  for (let t = from; t <= to; t += HOUR_MS) {
    const values = hourPartitionValues(new Date(t));
    const id = `${values.year}${values.month}${values.day}`;
    const entry = days.get(id) ?? { values, hours: [] };
    entry.hours.push(values.hour);
    days.set(id, entry);
  }

  const [year, month, day, hour] = partitionKeys(dayKey).map(quoteIdentifier);
  const conjunctions = [...days.values()].map(({ values, hours }) => {
    const terms = [`${year} = ${sqlString(values.year)}`, `${month} = ${sqlString(values.month)}`, `${day} = ${sqlString(values.day)}`];
    if (hours.length === 1) terms.push(`${hour} = ${sqlString(hours[0])}`);
    else if (hours.length < 24) terms.push(`${hour} IN (${hours.map(sqlString).join(", ")})`);
    return `(${terms.join(" AND ")})`;
  });
  return `(${conjunctions.join(" OR ")})`;
}

/**
 * A predicate selecting exactly the hourly partitions from the hour containing `fromHourUtc` to the hour
 * containing `toHourUtc`, both inclusive, for a span of any length. The exact bound compares the
 * concatenated keys (`YYYYMMDDHH`) with two literals; the IN list on `year` constrains a single key, so
 * Athena prunes the partition listing (and partition projection enumerates only those years). Use it
 * where {@link hourPartitionPredicate} would be too long (more than {@link MAX_WINDOW_HOURS} hours).
 */
export function hourRangePredicate(dayKey: DayKey, fromHourUtc: Date, toHourUtc: Date): string {
  const from = hourPartitionValues(new Date(floorToHour(fromHourUtc, "fromHourUtc")));
  const to = hourPartitionValues(new Date(floorToHour(toHourUtc, "toHourUtc")));
  const bound = (v: HourPartitionValues) => `${v.year}${v.month}${v.day}${v.hour}`;
  if (bound(to) < bound(from)) {
    throw new Error(
      `hourRangePredicate: the window is reversed: fromHourUtc ${fromHourUtc.toISOString()} is after toHourUtc ${toHourUtc.toISOString()}`,
    );
  }
  const [year, month, day, hour] = partitionKeys(dayKey).map(quoteIdentifier);
  const years = Array.from({ length: Number(to.year) - Number(from.year) + 1 }, (_, k) => String(Number(from.year) + k).padStart(4, "0"));
  return [
    `(concat(${year}, ${month}, ${day}, ${hour}) BETWEEN ${sqlString(bound(from))} AND ${sqlString(bound(to))}`,
    `  AND ${year} IN (${years.map(sqlString).join(", ")}))`,
  ].join("\n");
}

/**
 * A predicate selecting the partitions from the hour that began `hours` hours before the query runs
 * through the current hour (so `hours + 1` partitions), computed by Athena from `current_timestamp`
 * in UTC. The exact bound compares the concatenated keys (`YYYYMMDDHH`) with `date_format`; the
 * per-key IN lists are redundant hints that each constrain a single key, so the partition listing
 * can be filtered too. Throws unless `hours` is an integer from 1 to 168.
 */
export function recentHoursPredicate(dayKey: DayKey, hours: number): string {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_WINDOW_HOURS) {
    throw new Error(`recentHoursPredicate: hours must be an integer from 1 to ${MAX_WINDOW_HOURS}, got ${hours}`);
  }
  const [year, month, day, hour] = partitionKeys(dayKey).map(quoteIdentifier);
  const nowUtc = "(current_timestamp AT TIME ZONE 'UTC')";
  const daysBack = Array.from({ length: Math.ceil(hours / 24) + 1 }, (_, k) => (k === 0 ? nowUtc : `${nowUtc} - INTERVAL '${k}' DAY`));
  const anyOf = (key: string, pattern: string) =>
    `${key} IN (${daysBack.map((instant) => `date_format(${instant}, ${sqlString(pattern)})`).join(", ")})`;
  const terms = [
    `concat(${year}, ${month}, ${day}, ${hour}) BETWEEN date_format(${nowUtc} - INTERVAL '${hours}' HOUR, '%Y%m%d%H') AND date_format(${nowUtc}, '%Y%m%d%H')`,
    anyOf(year, "%Y"),
    anyOf(month, "%m"),
    anyOf(day, "%d"),
  ];
  return `(${terms.join("\n  AND ")})`;
}

/** Longest rolling window, in days, that {@link recentDaysPredicate} accepts (one year and a day). */
export const MAX_RECENT_DAYS = 366;

/**
 * A predicate selecting the partitions of the UTC days from `days` days before the query runs through
 * the current day (so `days + 1` calendar days, always covering the last `days` × 24 hours), computed by
 * Athena from `current_timestamp` in UTC. Like {@link recentHoursPredicate}, it compares only partition
 * keys with strings: the exact bound compares the concatenated keys (`YYYYMMDD`) with `date_format`,
 * and IN lists on `year` (and on `month` while the window spans fewer than 12 months) constrain single
 * keys, so Athena prunes the partition listing, and partition projection enumerates only those values.
 * Throws unless `days` is an integer from 1 to {@link MAX_RECENT_DAYS}.
 */
export function recentDaysPredicate(dayKey: DayKey, days: number): string {
  if (!Number.isInteger(days) || days < 1 || days > MAX_RECENT_DAYS) {
    throw new Error(`recentDaysPredicate: days must be an integer from 1 to ${MAX_RECENT_DAYS}, got ${days}`);
  }
  const [year, month, day] = partitionKeys(dayKey).map(quoteIdentifier);
  const nowUtc = "(current_timestamp AT TIME ZONE 'UTC')";
  const start = `${nowUtc} - INTERVAL '${days}' DAY`;
  const format = (instant: string, pattern: string) => `date_format(${instant}, ${sqlString(pattern)})`;
  const terms = [
    `concat(${year}, ${month}, ${day}) BETWEEN ${format(start, "%Y%m%d")} AND ${format(nowUtc, "%Y%m%d")}`,
    `${year} IN (${format(start, "%Y")}, ${format(nowUtc, "%Y")})`,
  ];
  // A month has at least 28 days, so `days` days reach back at most ceil(days / 28) months.
  const monthsBack = Math.ceil(days / 28);
  if (monthsBack < 11) {
    const months = Array.from({ length: monthsBack + 1 }, (_, k) => (k === 0 ? nowUtc : `${nowUtc} - INTERVAL '${k}' MONTH`));
    terms.push(`${month} IN (${months.map((instant) => format(instant, "%m")).join(", ")})`);
  }
  return `(${terms.join("\n  AND ")})`;
}

function floorToHour(instant: Date, argument: string): number {
  const time = instant.getTime();
  if (Number.isNaN(time)) throw new Error(`hourPartitionPredicate: ${argument} is not a valid date`);
  return Math.floor(time / HOUR_MS) * HOUR_MS;
}

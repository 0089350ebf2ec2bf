/** The batch id of a run, from its scheduled time, and the lake keys of one batch. Pure. */
import { InvalidBatchInput } from "../../contract/errors";
import { preview } from "../../contract/json";
import { BATCH_PREFIXES } from "../../contract/lake-layout";

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
  if (!monthDays || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59 || Math.abs(offsetMinutes) > 18 * 60) {
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

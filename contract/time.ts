/** Durations shared by the handlers, the SQL builders and the replay planning. */

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;

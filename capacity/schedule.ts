/**
 * Runs per day of a schedule expression (`cron(...)` with 6 fields, or `rate(N unit)`), for billing.
 * Pure. Day-of-month, month and day-of-week restrictions become an average fraction of days.
 */

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const AVERAGE_DAYS_PER_MONTH = 365.25 / 12;

function value(token: string, min: number, names?: readonly string[]): number {
  const index = names?.indexOf(token.toUpperCase()) ?? -1;
  return index >= 0 ? min + index : Number(token);
}

/** Distinct values a cron field matches; special tokens (L, W, #) count as one value each. */
function count(field: string, min: number, max: number, names?: readonly string[]): number {
  if (field === "*" || field === "?") return max - min + 1;
  const values = new Set<number | string>();
  for (const part of field.split(",")) {
    if (/[LW#]/i.test(part)) {
      values.add(part);
      continue;
    }
    const [range = "*", step] = part.split("/");
    const [from, to] = range === "*" ? [min, max] : range.split("-").map((t) => value(t, min, names));
    const last = to ?? (step ? max : from!);
    for (let v = from!; v <= last; v += Number(step ?? 1)) values.add(v);
  }
  return values.size;
}

/**
 * Average runs per day of a valid schedule expression; `null` (no schedule) runs 0 times. The year
 * field is ignored. E.g. `cron(10 * * * ? *)` → 24, `rate(6 hours)` → 4, `cron(0 2 ? * MON-FRI *)` → 5/7.
 */
export function runsPerDay(expression: string | null): number {
  if (expression === null) return 0;
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  if (rate) {
    const perDay = { minute: 1440, hour: 24, day: 1 }[rate[2] as "minute" | "hour" | "day"];
    return perDay / Number(rate[1]);
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) throw new Error(`runsPerDay: not a schedule expression: ${expression}`);
  const [minutes = "*", hours = "*", dayOfMonth = "*", month = "*", dayOfWeek = "*"] = cron[1]!.trim().split(/\s+/);
  const perDay = count(minutes, 0, 59) * count(hours, 0, 23);
  const monthFraction = count(month, 1, 12, MONTHS) / 12;
  let dayFraction = 1;
  if (dayOfMonth !== "*" && dayOfMonth !== "?") dayFraction = count(dayOfMonth, 1, 31) / AVERAGE_DAYS_PER_MONTH;
  else if (dayOfWeek !== "*" && dayOfWeek !== "?") dayFraction = /[L#]/i.test(dayOfWeek) ? 1 / AVERAGE_DAYS_PER_MONTH : count(dayOfWeek, 1, 7, WEEKDAYS) / 7;
  return perDay * Math.min(1, dayFraction) * monthFraction;
}

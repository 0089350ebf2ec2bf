/**
 * AWS schedule expressions, as used by Glue crawler schedules and EventBridge Scheduler: validation of
 * `cron(minutes hours day-of-month month day-of-week year)` (UTC, with `?` in exactly one of
 * day-of-month and day-of-week) and `rate(N unit)`, and what a valid one means: the shortest time
 * between runs (the configuration's overlap check) and the average runs per day (the capacity
 * planner's bills). One parser of the fields serves all. Pure.
 */

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Extra single-value tokens allowed in this field (L, W, #). */
  readonly special?: RegExp;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly FieldRule[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(L|LW|\d{1,2}W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: WEEKDAYS, special: /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])$|^L$/ },
  { name: "year", min: 1970, max: 2199 },
];

function parseValue(token: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    return value >= rule.min && value <= rule.max ? value : undefined;
  }
  const index = rule.names?.indexOf(token.toUpperCase()) ?? -1;
  return index >= 0 ? rule.min + index : undefined;
}

function fieldProblem(text: string, rule: FieldRule): string | undefined {
  if (text === "*" || text === "?") return undefined;
  for (const part of text.split(",")) {
    if (rule.special?.test(part.toUpperCase())) continue;
    const [range, step, ...extra] = part.split("/");
    if (extra.length > 0 || range === undefined || range === "") return `bad ${rule.name} field "${text}"`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) {
      return `bad step "${step}" in ${rule.name} field "${text}"`;
    }
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2 || bounds.some((bound) => parseValue(bound, rule) === undefined)) {
      const names = rule.names ? ` or ${rule.names[0]}–${rule.names[rule.names.length - 1]}` : "";
      return `${rule.name} field "${text}" must use values ${rule.min}–${rule.max}${names}`;
    }
  }
  return undefined;
}

/** Returns why `expression` is not a valid AWS cron expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) return "must be written cron(...)";
  const fields = match[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return `has ${fields.length} fields; AWS cron needs 6 (minutes hours day-of-month month day-of-week year)`;
  for (let i = 0; i < 6; i++) {
    const problem = fieldProblem(fields[i]!, FIELDS[i]!);
    if (problem) return problem;
  }
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return "exactly one of day-of-month and day-of-week must be ?";
  }
  if (fields[0] === "?" || fields[1] === "?" || fields[3] === "?" || fields[5] === "?") {
    return "? is only allowed in day-of-month or day-of-week";
  }
  return undefined;
}

/** Returns why `expression` is not a valid `rate(N unit)` expression, or undefined when it is valid. */
export function rateProblem(expression: string): string | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return "must be written rate(<number> <minute|minutes|hour|hours|day|days>)";
  const value = Number(match[1]);
  const unit = match[2]!;
  if (value < 1) return "the number must be at least 1";
  if (value === 1 && unit.endsWith("s")) return `use the singular unit for 1: rate(1 ${unit.slice(0, -1)})`;
  if (value > 1 && !unit.endsWith("s")) return `use the plural unit for ${value}: rate(${value} ${unit}s)`;
  return undefined;
}

const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };
const AVERAGE_DAYS_PER_MONTH = 365.25 / 12;

/**
 * The values a field of a valid cron expression matches: numbers, and each special token (L, W, #)
 * as itself. `*` and `?` match every value of the field.
 */
function fieldValues(text: string, rule: FieldRule): Set<number | string> {
  const values = new Set<number | string>();
  if (text === "?") text = "*";
  const value = (token: string) => {
    const index = rule.names?.indexOf(token.toUpperCase()) ?? -1;
    return index >= 0 ? rule.min + index : Number(token);
  };
  for (const part of text.split(",")) {
    if (/[LW#]/i.test(part)) {
      values.add(part);
      continue;
    }
    const [range = "*", step] = part.split("/");
    const [from, to] = range === "*" ? [rule.min, rule.max] : range.split("-").map(value);
    const last = to ?? (step ? rule.max : from!);
    for (let v = from!; v <= last; v += Number(step ?? 1)) values.add(v);
  }
  return values;
}

/** The fields of a valid cron expression, by name. */
function cronFields(expression: string): Record<"minutes" | "hours" | "dayOfMonth" | "month" | "dayOfWeek", string> {
  const [minutes = "*", hours = "*", dayOfMonth = "*", month = "*", dayOfWeek = "*"] = /^cron\((.*)\)$/
    .exec(expression.trim())![1]!
    .trim()
    .split(/\s+/);
  return { minutes, hours, dayOfMonth, month, dayOfWeek };
}

const RATE = /^rate\((\d+) (minute|hour|day)s?\)$/;

/**
 * Shortest time between two runs of a valid schedule expression, in minutes. For cron it assumes every
 * day may match (a lower bound), which is the safe side when checking that runs cannot overlap.
 */
export function minimumPeriodMinutes(expression: string): number {
  const rate = RATE.exec(expression.trim());
  if (rate) return Number(rate[1]) * UNIT_MINUTES[rate[2]!]!;
  const fields = cronFields(expression);
  const numbers = (values: Set<number | string>) => [...values].filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  const minutes = numbers(fieldValues(fields.minutes, FIELDS[0]!));
  const hours = numbers(fieldValues(fields.hours, FIELDS[1]!));
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let shortest = times[0]! + 1440 - times[times.length - 1]!;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]! - times[i - 1]!);
  return shortest;
}

/**
 * Average runs per day of a valid schedule expression; `null` (no schedule) runs 0 times. The year
 * field is ignored; day-of-month, month and day-of-week restrictions become an average fraction of
 * days. E.g. `cron(10 * * * ? *)` → 24, `rate(6 hours)` → 4, `cron(0 2 ? * MON-FRI *)` → 5/7.
 */
export function runsPerDay(expression: string | null): number {
  if (expression === null) return 0;
  const rate = RATE.exec(expression.trim());
  if (rate) return 1440 / UNIT_MINUTES[rate[2]!]! / Number(rate[1]);
  if (!/^cron\((.*)\)$/.test(expression.trim())) throw new Error(`runsPerDay: not a schedule expression: ${expression}`);
  const { minutes, hours, dayOfMonth, month, dayOfWeek } = cronFields(expression);
  const count = (text: string, i: number) => fieldValues(text, FIELDS[i]!).size;
  const perDay = count(minutes, 0) * count(hours, 1);
  const monthFraction = count(month, 3) / 12;
  let dayFraction = 1;
  if (dayOfMonth !== "*" && dayOfMonth !== "?") dayFraction = count(dayOfMonth, 2) / AVERAGE_DAYS_PER_MONTH;
  else if (dayOfWeek !== "*" && dayOfWeek !== "?")
    dayFraction = /[L#]/i.test(dayOfWeek) ? 1 / AVERAGE_DAYS_PER_MONTH : count(dayOfWeek, 4) / 7;
  return perDay * Math.min(1, dayFraction) * monthFraction;
}

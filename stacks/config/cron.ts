/**
 * Validation of AWS 6-field cron expressions, as used by Glue crawler schedules and EventBridge:
 * `cron(minutes hours day-of-month month day-of-week year)`, UTC, with `?` in exactly one of
 * day-of-month and day-of-week.
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
      return `${rule.name} field "${text}" must use values ${rule.min}–${rule.max}${rule.names ? ` or ${rule.names[0]}–${rule.names[rule.names.length - 1]}` : ""}`;
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

/**
 * STAND-IN for Firehose's S3 prefix evaluation: `!{namespace:value}` expressions in `Prefix` and
 * `ErrorOutputPrefix`, following the Firehose developer guide ("Custom prefixes for Amazon S3 objects"):
 *
 * - `!{timestamp:<Java DateTimeFormatter pattern>}` on the approximate arrival time of the OLDEST record
 *   of the object, in UTC (the stack sets `custom_time_zone = "UTC"`); every use in one prefix is the
 *   same instant; text in single quotes is literal (`''` is a quote).
 * - `!{firehose:error-output-type}` (ErrorOutputPrefix only) and `!{firehose:random-string}` (11
 *   characters, a new one at each use).
 * - `!{partitionKeyFromLambda:key}` / `!{partitionKeyFromQuery:key}` from the record's partition keys
 *   (dynamic partitioning).
 * - A prefix without any timestamp or partition-key expression gets `yyyy/MM/dd/HH/` appended.
 *
 * Pure: the instant, keys and random source come in as arguments. Only the DateTimeFormatter letters a
 * prefix plausibly uses are supported (y, M, d, H, h, m, s, S, a, D, E, and the literal rules); any
 * other pattern letter throws, rather than produce a key AWS would not.
 */

/** Values an evaluation needs. */
export interface PrefixContext {
  /** Approximate arrival time of the oldest record in the object. */
  readonly arrival: Date;
  /** `processing-failed`, `format-conversion-failed`, …; only for ErrorOutputPrefix. */
  readonly errorOutputType?: string;
  /** Partition keys of the object's records (dynamic partitioning). */
  readonly partitionKeys?: Readonly<Record<string, string>>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Longest evaluated prefix Firehose accepts. */
export const MAX_EVALUATED_PREFIX_CHARS = 512;

const EXPRESSION = /!\{([A-Za-z]+):([^}]*)\}/g;
const NAMESPACES = new Set(["timestamp", "firehose", "partitionKeyFromLambda", "partitionKeyFromQuery"]);
const RANDOM_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * Problems Firehose reports at CreateDeliveryStream for this pair of prefixes (empty when valid):
 * unknown namespaces, a stray `!{`, error-output-type in Prefix, an expression-bearing Prefix without
 * ErrorOutputPrefix (not for a backup prefix), an ErrorOutputPrefix without `!{firehose:error-output-type}`.
 */
export function prefixProblems(
  prefix: string | undefined,
  errorOutputPrefix: string | undefined,
  /** A source-record backup prefix: its ErrorOutputPrefix is ignored by Firehose. */
  backup = false,
): string[] {
  const problems: string[] = [];
  for (const [field, value] of [
    ["Prefix", prefix],
    ["ErrorOutputPrefix", errorOutputPrefix],
  ] as const) {
    if (value === undefined) continue;
    const stripped = value.replace(EXPRESSION, (whole, namespace: string, argument: string) => {
      if (!NAMESPACES.has(namespace)) problems.push(`${field}: unknown namespace in ${whole}`);
      else if (namespace === "firehose" && argument !== "error-output-type" && argument !== "random-string") {
        problems.push(`${field}: unknown firehose value in ${whole}`);
      }
      return "";
    });
    if (stripped.includes("!{")) problems.push(`${field}: the sequence !{ may only open a !{namespace:value} expression`);
  }
  if (prefix?.includes("!{firehose:error-output-type}"))
    problems.push("Prefix: !{firehose:error-output-type} is only allowed in ErrorOutputPrefix");
  if (!backup && prefix !== undefined && hasExpression(prefix) && errorOutputPrefix === undefined) {
    problems.push("ErrorOutputPrefix can't be null when Prefix contains expressions");
  }
  if (errorOutputPrefix !== undefined && hasExpression(errorOutputPrefix) && !errorOutputPrefix.includes("!{firehose:error-output-type}")) {
    problems.push("ErrorOutputPrefix must contain !{firehose:error-output-type} at least once");
  }
  return problems;
}

/** Evaluates `Prefix` (or, with `errorOutputType`, `ErrorOutputPrefix`) for one object. */
export function evaluatePrefix(expression: string, context: PrefixContext): string {
  const random = context.random ?? Math.random;
  const withDefault = hasTimeOrPartitionExpression(expression) ? expression : `${expression}!{timestamp:yyyy/MM/dd/HH/}`;
  const evaluated = withDefault.replace(EXPRESSION, (whole, namespace: string, argument: string) => {
    switch (namespace) {
      case "timestamp":
        return formatJavaDateTime(context.arrival, argument);
      case "firehose":
        if (argument === "random-string")
          return Array.from({ length: 11 }, () => RANDOM_ALPHABET[Math.floor(random() * RANDOM_ALPHABET.length)]).join("");
        if (argument === "error-output-type") {
          if (!context.errorOutputType) throw new Error(`${whole} is only allowed in ErrorOutputPrefix`);
          return context.errorOutputType;
        }
        throw new Error(`unknown firehose value in ${whole}`);
      case "partitionKeyFromLambda":
      case "partitionKeyFromQuery": {
        const value = context.partitionKeys?.[argument];
        if (value === undefined) throw new Error(`no partition key "${argument}" for ${whole}`);
        return value;
      }
      default:
        throw new Error(`unknown namespace in ${whole}`);
    }
  });
  if (evaluated.length > MAX_EVALUATED_PREFIX_CHARS) {
    throw new Error(`the evaluated prefix has ${evaluated.length} characters; Firehose allows ${MAX_EVALUATED_PREFIX_CHARS}`);
  }
  return evaluated;
}

/**
 * Firehose's object name after the prefix: `<stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>`,
 * the time being when the object is written.
 */
export function objectName(deliveryStream: string, written: Date, uuid: string, fileExtension = "", version = 1): string {
  return `${deliveryStream}-${version}-${formatJavaDateTime(written, "yyyy-MM-dd-HH-mm-ss")}-${uuid}${fileExtension}`;
}

function hasExpression(prefix: string): boolean {
  return /!\{[A-Za-z]+:[^}]*\}/.test(prefix);
}

function hasTimeOrPartitionExpression(prefix: string): boolean {
  return /!\{(timestamp|partitionKeyFromLambda|partitionKeyFromQuery):/.test(prefix);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** A Java DateTimeFormatter pattern (the common letters) applied to `instant` in UTC. */
export function formatJavaDateTime(instant: Date, pattern: string): string {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unterminated quote in the timestamp pattern ${JSON.stringify(pattern)}`);
      out += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let run = 1;
    while (pattern[i + run] === c) run++;
    out += field(instant, c, run, pattern);
    i += run;
  }
  return out;
}

function field(t: Date, letter: string, width: number, pattern: string): string {
  const pad = (n: number, w = width) => String(n).padStart(w, "0");
  switch (letter) {
    case "y":
    case "u":
      return width === 2 ? pad(t.getUTCFullYear() % 100, 2) : pad(t.getUTCFullYear());
    case "M":
    case "L":
      return width >= 4 ? longMonth(t) : width === 3 ? MONTHS[t.getUTCMonth()] : pad(t.getUTCMonth() + 1);
    case "d":
      return pad(t.getUTCDate());
    case "D":
      return pad(dayOfYear(t));
    case "H":
      return pad(t.getUTCHours());
    case "h":
      return pad(t.getUTCHours() % 12 === 0 ? 12 : t.getUTCHours() % 12);
    case "a":
      return t.getUTCHours() < 12 ? "AM" : "PM";
    case "m":
      return pad(t.getUTCMinutes());
    case "s":
      return pad(t.getUTCSeconds());
    case "S":
      return pad(t.getUTCMilliseconds(), 3).padEnd(width, "0").slice(0, width);
    case "E":
      return DAYS[t.getUTCDay()];
    default:
      throw new Error(
        `the timestamp pattern letter ${JSON.stringify(letter)} in ${JSON.stringify(pattern)} is not supported by the rehearsal`,
      );
  }
}

function longMonth(t: Date): string {
  return new Intl.DateTimeFormat("en", { month: "long", timeZone: "UTC" }).format(t);
}

function dayOfYear(t: Date): number {
  return Math.floor((Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

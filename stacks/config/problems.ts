/** Configuration problems: their shape, their one-line format, and the list the rules add them to. */
import { rangeProblem, type RangeOptions } from "./field-rules";

/** One configuration problem. */
export interface ConfigProblem {
  readonly environment: string;
  readonly field: string;
  readonly received: unknown;
  readonly allowed: string;
  readonly fix: string;
}

/** Thrown when the configuration is invalid; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `The pipeline configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
  }
}

/** `[dev] stream.retentionHours: received 12; allowed: …. Fix: …` */
export function formatProblem(p: ConfigProblem): string {
  return `[${p.environment}] ${p.field}: received ${show(p.received)}; allowed: ${p.allowed}. Fix: ${p.fix}`;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing (unset)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A physical name's limit: its pattern and longest length. */
export interface NameRule {
  readonly pattern: RegExp;
  readonly maxLength: number;
}

/** How a physical name is described in its problem. */
export interface NameCheck {
  /** What the name is, e.g. "Kinesis stream name". */
  readonly what: string;
  /** Whether the name was derived from `namePrefix` (the fix then says how to shorten it). */
  readonly derived: boolean;
}

/** Collects the problems of one environment; every method adds at most one problem per field. */
export class ProblemList {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly environment: string) {}

  add(field: string, received: unknown, allowed: string, fix: string): void {
    this.problems.push({ environment: this.environment, field, received, allowed, fix });
  }

  /** Whether `field` already has a problem. */
  has(field: string): boolean {
    return this.problems.some((p) => p.field === field);
  }

  /** A number within a range; returns whether it is. The fix defaults to "set <field> between <min> and <max>". */
  range(field: string, value: number, options: RangeOptions & { readonly fix?: string }): boolean {
    const allowed = rangeProblem(value, options);
    if (allowed) this.add(field, value, allowed, options.fix ?? `set ${field} between ${options.min} and ${options.max}`);
    return allowed === undefined;
  }

  /** A string matching a pattern; `received` is what the problem shows (the value by default). */
  pattern(field: string, value: string, rule: { pattern: RegExp; allowed: string; fix: string; received?: unknown }): void {
    if (!rule.pattern.test(value)) this.add(field, rule.received ?? value, rule.allowed, rule.fix);
  }

  /** A physical name: pattern and length, naming the override field and where a derived name came from. */
  name(field: string, value: string, rule: NameRule, check: NameCheck): void {
    const origin = check.derived ? ` (derived from namePrefix; shorten namePrefix or set ${field})` : "";
    const what = check.what;
    if (value.length < 1 || value.length > rule.maxLength) {
      const article = /^[AEIOU]/.test(what) ? "an" : "a";
      const allowed = `${article} ${what} of 1–${rule.maxLength} characters (it has ${value.length})`;
      this.add(field, value, allowed, `use a name of at most ${rule.maxLength} characters${origin}`);
    } else if (!rule.pattern.test(value)) {
      this.add(field, value, `a ${what} matching ${rule.pattern}`, `use only the characters ${rule.pattern}${origin}`);
    }
  }
}

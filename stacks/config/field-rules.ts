/**
 * Per-field rules for the zod schema: each adds one issue carrying the problem's `received`, `allowed`
 * and `fix`, so a broken rule reads like every other configuration problem. Rules that need another
 * field live in ./rules instead.
 */
import { z } from "zod";

/** What a numeric range allows. */
export interface RangeOptions {
  readonly min: number;
  readonly max: number;
  /** Shown in brackets after the range, e.g. `hours`. */
  readonly unit?: string;
  /** Whole numbers only. @default true */
  readonly integer?: boolean;
}

/** The `allowed` text when `value` is outside the range, or undefined when it fits. */
export function rangeProblem(value: number, options: RangeOptions): string | undefined {
  const integer = options.integer ?? true;
  const fits = Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= options.min && value <= options.max;
  if (fits) return undefined;
  const unit = options.unit ? ` (${options.unit})` : "";
  return `${integer ? "an integer" : "a number"} from ${options.min} to ${options.max}${unit}`;
}

/** The parameters of a rule's zod issue, read back by the loader. */
export interface RuleIssueParams {
  readonly received: unknown;
  readonly allowed: string;
  readonly fix: string;
}

function addRuleIssue(ctx: z.RefinementCtx, params: RuleIssueParams): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: params.allowed, params: { ...params } });
}

/** A number within a range. */
export function inRange(options: RangeOptions & { readonly fix: string }) {
  return (value: number, ctx: z.RefinementCtx): void => {
    const allowed = rangeProblem(value, options);
    if (allowed) addRuleIssue(ctx, { received: value, allowed, fix: options.fix });
  };
}

/** A string matching a pattern. */
export function matching(pattern: RegExp, allowed: string, fix: string) {
  return (value: string, ctx: z.RefinementCtx): void => {
    if (!pattern.test(value)) addRuleIssue(ctx, { received: value, allowed, fix });
  };
}

/** A value from a fixed list. */
export function oneOf(values: readonly number[], fix: string) {
  return (value: number, ctx: z.RefinementCtx): void => {
    if (!values.includes(value)) addRuleIssue(ctx, { received: value, allowed: `one of ${values.join(", ")}`, fix });
  };
}

/** Any check that returns the `allowed` text when the value breaks it. */
export function satisfying<T>(check: (value: T) => string | undefined, fix: string) {
  return (value: T, ctx: z.RefinementCtx): void => {
    const allowed = check(value);
    if (allowed) addRuleIssue(ctx, { received: value, allowed, fix });
  };
}

/** The rule parameters of an issue raised by one of the helpers above, if it was. */
export function ruleIssueParams(issue: z.ZodIssue): RuleIssueParams | undefined {
  if (issue.code !== z.ZodIssueCode.custom || !issue.params) return undefined;
  const { received, allowed, fix } = issue.params;
  if (typeof allowed !== "string" || typeof fix !== "string") return undefined;
  return { received, allowed, fix };
}

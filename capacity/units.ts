/**
 * Units and number formatting shared by the planner's arithmetic text. AWS bills these services' "GB"
 * and "TB" as 2^30 and 2^40 bytes; a month is 30 days (720 hours), as in the AWS pricing examples.
 */

/** Bytes in a KiB. */
export const KiB = 1024;
/** Bytes in a MiB. */
export const MiB = 1024 ** 2;
/** Bytes in a GiB: AWS's billing "GB" for these services. */
export const GiB = 1024 ** 3;
/** Bytes in a TiB: Athena's billing "TB". */
export const TiB = 1024 ** 4;

/** Days in the billing month. */
export const DAYS_PER_MONTH = 30;
/** Hours in the billing month: 720. */
export const HOURS_PER_MONTH = DAYS_PER_MONTH * 24;
/** Seconds in the billing month: 2,592,000. */
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/** `ceil` that ignores floating-point noise just above an integer (3.0000000000004 → 3). */
export function ceilSafe(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 1e-9 ? rounded : Math.ceil(value);
}

/** Rounds `bytes` up to a whole number of `step`-byte units. */
export function roundUpTo(bytes: number, step: number): number {
  return ceilSafe(bytes / step) * step;
}

/** `$10.80`; amounts under a cent keep two significant digits (`$0.0036`, `$0.000030`) so they do not read as free. */
export function usd(amount: number): string {
  const abs = Math.abs(amount);
  const digits = abs !== 0 && abs < 0.01 ? Math.min(8, Math.max(4, Math.ceil(-Math.log10(abs)) + 1)) : 2;
  return `${amount < 0 ? "-" : ""}$${abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** A unit price as written in the arithmetic: `$0.20`, `$0.0000133334` (every significant digit kept). */
export function rate(amount: number): string {
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 10 })}`;
}

/** `259,200,000`; fractions keep up to `digits` decimals. */
export function num(value: number, digits = 2): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** A byte count in the largest binary unit that keeps it ≥ 1: `29.3 MiB`, `1,024 B`. */
export function bytes(value: number, digits = 1): string {
  const units: [number, string][] = [
    [TiB, "TiB"],
    [GiB, "GiB"],
    [MiB, "MiB"],
    [KiB, "KiB"],
  ];
  for (const [size, name] of units) {
    if (value >= size) return `${num(value / size, digits)} ${name}`;
  }
  return `${num(value, 0)} B`;
}

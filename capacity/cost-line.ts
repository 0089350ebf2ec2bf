/**
 * One billed item of the cost model and the helpers every service's cost function writes it with.
 * Pure.
 */
import type { FreeTier, Price } from "./prices";
import { GiB, num, usd } from "./units";

/** Services in the order the table lists them. */
export const SERVICES = [
  "Kinesis Data Streams",
  "Data Firehose",
  "Lambda",
  "S3",
  "Glue",
  "Athena",
  "Step Functions",
  "EventBridge Scheduler",
  "CloudWatch",
  "SNS",
  "KMS",
  "QuickSight",
] as const;

/** One of {@link SERVICES}. */
export type Service = (typeof SERVICES)[number];

/** One billed item. */
export interface CostLine {
  readonly service: Service;
  readonly item: string;
  readonly monthlyUsd: number;
  /** The computation, e.g. `1 shard × 720 h × $0.015 = $10.80`. */
  readonly arithmetic: string;
  /** True when a price it uses is UNCONFIRMED (see the price table). */
  readonly unconfirmed: boolean;
}

/** A cost line; `arithmetic` gets ` = <monthlyUsd>` appended. */
export const line = (service: Service, item: string, monthlyUsd: number, arithmetic: string, ...prices: Price[]): CostLine => ({
  service,
  item,
  monthlyUsd,
  arithmetic: `${arithmetic} = ${usd(monthlyUsd)}`,
  unconfirmed: prices.some((p) => p.status === "unconfirmed"),
});

/** Applies a free tier: the billable amount and the text of the subtraction. */
export function billable(amount: number, free: FreeTier, apply: boolean, digits = 0): { amount: number; text: string } {
  if (!apply) return { amount, text: num(amount, digits) };
  const left = Math.max(0, amount - free.amount);
  return { amount: left, text: `(${num(amount, digits)} − ${num(free.amount)} free) = ${num(left, digits)}` };
}

/** Bytes → GiB. */
export const gib = (b: number) => b / GiB;

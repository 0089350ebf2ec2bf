/**
 * The batch workflow's timing math: how long each waiting part may take, how many polls a budget
 * allows, the task timeouts, the least run timeout that leaves room for all of it, and how fast the push
 * goes. Pure (no cdktf, no stacks, no SDK): the workflow builder and the configuration checks both read
 * it from here.
 */
import { rateShare, SHARD_WRITE_LIMITS, streamWriteCapacity } from "../contract/stream-capacity";
import type { StreamCapacityInput, StreamWriteCapacity, WriteRate } from "../contract/stream-capacity";

/**
 * The cap on the push concurrency (the Distributed Map's MaxConcurrency: ranges, each pushing one chunk
 * at a time): 40, the most an inline Map runs at once ("In this mode, the Map state supports up to 40
 * concurrent iterations", https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html),
 * kept when the push moved to a Distributed Map (up to 10,000 children): beyond 40 shards each chunk's
 * share grows instead, so the pacing of the push function does not change.
 */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

/** How the push Map uses the stream: its write capacity, the chunks pushed at once, and each chunk's share. */
export interface PushPlan {
  readonly capacity: StreamWriteCapacity;
  /** The push Map's MaxConcurrency. */
  readonly concurrency: number;
  /** The rate one chunk is paced to: capacity ÷ concurrency. */
  readonly share: WriteRate;
}

/**
 * The push's rate for a stream: one chunk at a time per shard's worth of write capacity (a PROVISIONED
 * stream's shards; ON_DEMAND's initial four), capped at {@link INLINE_MAP_MAX_CONCURRENCY}, and each
 * chunk paced to capacity ÷ concurrency, so the chunks together push as fast as the stream takes writes
 * and no faster. Beyond 40 shards each chunk's share grows instead of the concurrency.
 */
export function pushPlan(stream: StreamCapacityInput): PushPlan {
  const capacity = streamWriteCapacity(stream);
  const shardsWorth = Math.floor(capacity.bytesPerSecond / SHARD_WRITE_LIMITS.bytesPerSecond);
  const concurrency = Math.max(1, Math.min(shardsWorth, INLINE_MAP_MAX_CONCURRENCY));
  return { capacity, concurrency, share: rateShare(capacity, concurrency) };
}

/** Wait between checks for delivered objects. */
export const DELIVERY_POLL_SECONDS = 60;
/** Wait between GetCrawler polls. */
export const CRAWLER_POLL_SECONDS = 30;
/** Longest wait for the crawler (including one already running when the batch arrives). */
export const CRAWLER_TIMEOUT_SECONDS = 1800;
/**
 * Re-submissions of a validation query that ended FAILED, per batch. Athena marks some failures as
 * worth re-submitting (AthenaError.Retryable; https://docs.aws.amazon.com/athena/latest/APIReference/API_AthenaError.html),
 * and a re-submission needs a new ClientRequestToken: the same token returns the same failed execution
 * (https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html). The .sync
 * integration does not expose that flag as a matchable error, so every failure is re-submitted, at most
 * this often: a query that is wrong fails the same way again, cheaply, and the run then fails loudly.
 */
export const VALIDATION_QUERY_RESUBMITS = 2;

/** Wait before re-running a validation query that found fewer records than pushed. */
export const VALIDATION_RETRY_WAIT_SECONDS = 120;
/** Time allowed for extracting and pushing a batch, on top of the waiting loops. */
export const EXTRACT_AND_PUSH_ALLOWANCE_SECONDS = 1800;

/** Task timeouts that are not taken from the props. */
export const TASK_TIMEOUTS = {
  /** Added to a function's timeout: cold start and invoke overhead must not turn into States.Timeout. */
  lambdaMarginSeconds: 60,
  /** athena:startQueryExecution.sync: the validation query scans one batch, so minutes at most. */
  athenaQuerySeconds: 900,
  /** A single request/response SDK call (Glue, Athena results, SNS). */
  sdkCallSeconds: 60,
} as const;

/** A Lambda task's TimeoutSeconds: the function's own timeout plus {@link TASK_TIMEOUTS.lambdaMarginSeconds}. */
export function lambdaTaskTimeoutSeconds(functionTimeoutSeconds: number): number {
  return functionTimeoutSeconds + TASK_TIMEOUTS.lambdaMarginSeconds;
}

/** How many polls `budgetSeconds` allows at one poll every `intervalSeconds` (rounded up). */
export function maxPolls(budgetSeconds: number, intervalSeconds: number): number {
  return Math.ceil(budgetSeconds / intervalSeconds);
}

/** Seconds added to the buffering intervals when budgeting for delivery (object write, listing lag, slow flushes). */
export const DELIVERY_MARGIN_SECONDS = 120;

/** The Firehose settings the delivery budget depends on. */
export interface DeliveryTiming {
  /** Firehose buffering interval (extended_s3 `buffering_interval`). */
  readonly bufferIntervalSeconds: number;
  /** Lambda processor buffering interval (processing_configuration `BufferIntervalInSeconds`). */
  readonly processorBufferIntervalSeconds: number;
  /** Whether the stream uses dynamic partitioning. */
  readonly dynamicPartitioning: boolean;
}

/**
 * How long to wait for Firehose to deliver a pushed batch: records first sit in the Lambda
 * processor's buffer, then in the delivery buffer. With dynamic partitioning Firehose buffers per
 * partition and AWS says end-to-end delivery can take about 1.5× the buffering interval, so the
 * delivery interval is scaled by 1.5. A {@link DELIVERY_MARGIN_SECONDS} margin covers the S3 write and
 * listing lag. Rounded up to whole seconds. E.g. 300 s buffer + 60 s processor → 480 s; with dynamic
 * partitioning 450 + 60 + 120 = 630 s.
 */
export function deliveryTimeoutSeconds(timing: DeliveryTiming): number {
  const problems = [
    nonNegative("bufferIntervalSeconds", timing.bufferIntervalSeconds),
    nonNegative("processorBufferIntervalSeconds", timing.processorBufferIntervalSeconds),
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new Error(`deliveryTimeoutSeconds: ${problems.join("; ")}`);
  const deliveryBuffer = timing.bufferIntervalSeconds * (timing.dynamicPartitioning ? 1.5 : 1);
  return Math.ceil(timing.processorBufferIntervalSeconds + deliveryBuffer + DELIVERY_MARGIN_SECONDS);
}

/** The budgets of the workflow's three waiting loops. */
export interface LoopTiming {
  /** Total budget for delivery checks. */
  readonly deliveryTimeoutSeconds: number;
  /** Total budget for crawler polls over the whole run. */
  readonly crawlerTimeoutSeconds: number;
  /** Validation query runs, 1–10. */
  readonly validationAttempts: number;
  /** Seconds between validation runs. */
  readonly validationRetryWaitSeconds: number;
  /** null under partition projection (no crawl); not given: counted as crawling. */
  readonly crawlerName?: string | null;
}

/**
 * The longest the workflow may spend in its three loops (delivery checks, crawler polls over every
 * crawl of the run, waits between validation runs). The execution timeout must be at least this, or the
 * loops' own bounds never matter. Without a crawler (`crawlerName: null`, partition projection) the
 * crawler budget is not spent; when `crawlerName` is not given it is counted (the safe side).
 */
export function loopBudgetSeconds(timing: LoopTiming): number {
  const crawling = timing.crawlerName === null ? 0 : timing.crawlerTimeoutSeconds;
  return timing.deliveryTimeoutSeconds + crawling + (timing.validationAttempts - 1) * timing.validationRetryWaitSeconds;
}

/** The workflow's waiting budgets for a delivery setup and a number of validation runs. */
export interface WorkflowTiming {
  readonly deliveryPollSeconds: number;
  readonly deliveryTimeoutSeconds: number;
  readonly crawlerPollSeconds: number;
  readonly crawlerTimeoutSeconds: number;
  readonly validationAttempts: number;
  readonly validationRetryWaitSeconds: number;
  /** The least run timeout: every loop budget (the crawler's counted) plus {@link EXTRACT_AND_PUSH_ALLOWANCE_SECONDS}. */
  readonly minimumRunSeconds: number;
}

/** The waiting budgets the workflow is built with, and the least run timeout they need. */
export function workflowTiming(delivery: DeliveryTiming, validationAttempts: number): WorkflowTiming {
  const timing = {
    deliveryPollSeconds: DELIVERY_POLL_SECONDS,
    deliveryTimeoutSeconds: deliveryTimeoutSeconds(delivery),
    crawlerPollSeconds: CRAWLER_POLL_SECONDS,
    crawlerTimeoutSeconds: CRAWLER_TIMEOUT_SECONDS,
    validationAttempts,
    validationRetryWaitSeconds: VALIDATION_RETRY_WAIT_SECONDS,
  };
  return { ...timing, minimumRunSeconds: loopBudgetSeconds(timing) + EXTRACT_AND_PUSH_ALLOWANCE_SECONDS };
}

function nonNegative(name: string, value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 ? undefined : `${name} must be a number ≥ 0, got ${value}`;
}

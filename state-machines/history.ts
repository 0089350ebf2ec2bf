/**
 * How many history events a batch run writes, as an upper bound computed from the definition itself:
 * every state counted at the most visits its loop allows, every task with every retry its retriers
 * allow. A standard execution holds at most 25,000 events
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), and the parent and each
 * child of the Distributed Map have their own history. Pure: no cdktf, no SDK.
 */
import type { ItemProcessor, MapState, State, StateMachineDefinition } from "./asl";
import { BATCH_STATES as S } from "./batch/names";
import { maxPolls, VALIDATION_QUERY_RESUBMITS } from "./timing";

/** Events one standard execution may hold (Step Functions quota, not adjustable). */
export const HISTORY_EVENT_QUOTA = 25_000;

/** The largest byte range PlanBatch plans (`RANGE_TARGET_BYTES` of the range planner): 64 MiB uncompressed. */
export const LARGEST_RANGE_BYTES = 64 * 1024 * 1024;

/** The smallest record the bound assumes, in bytes (a minimal event with id, type and time). */
export const SMALLEST_RECORD_BYTES = 50;

/**
 * The fewest records per staging chunk the configuration accepts: at fewer, the largest range of the
 * smallest records needs so many chunks that a child execution could exceed the 25,000-event history
 * quota with every retry taken (tested against {@link smallestRecordsPerChunkWithinQuota}).
 */
export const MIN_RECORDS_PER_CHUNK = 3_000;

/** Execution-level events: ExecutionStarted and ExecutionSucceeded or ExecutionFailed. */
const EXECUTION_EVENTS = 2;
/** A Pass, Choice, Wait, Succeed or Fail state: entered and exited. */
const STATE_EVENTS = 2;
/** A Task: entered, scheduled, started, (submitted, for .sync), succeeded or failed, exited. */
const TASK_EVENTS = 6;
/** Each retried attempt: scheduled, started, failed. */
const RETRY_EVENTS = 3;
/** A Distributed Map: entered, started, MapRunStarted, MapRunSucceeded or MapRunFailed, succeeded or failed, exited. */
const DISTRIBUTED_MAP_EVENTS = 6;
/** An inline Map: entered, started, succeeded or failed, exited; each iteration adds started and succeeded or failed. */
const INLINE_MAP_EVENTS = 4;
const ITERATION_EVENTS = 2;

/** How often the workflow's loops may run a state (from its props: `maxPolls` of each budget, the validation attempts). */
export interface LoopBounds {
  readonly deliveryChecks: number;
  readonly crawlerPolls: number;
  readonly validationAttempts: number;
}

/** The loop bounds the workflow is built with (the same `maxPolls` its Choice states compare against). */
export function loopBounds(props: {
  readonly deliveryPollSeconds: number;
  readonly deliveryTimeoutSeconds: number;
  readonly crawlerPollSeconds: number;
  readonly crawlerTimeoutSeconds: number;
  readonly validationAttempts: number;
}): LoopBounds {
  return {
    deliveryChecks: maxPolls(props.deliveryTimeoutSeconds, props.deliveryPollSeconds),
    crawlerPolls: maxPolls(props.crawlerTimeoutSeconds, props.crawlerPollSeconds),
    validationAttempts: props.validationAttempts,
  };
}

/** What a run reads: the planned ranges and the chunks of each. */
export interface HistoryWorkload {
  readonly ranges: number;
  readonly chunksPerRange: number;
}

/**
 * The parent execution's worst case: every top-level state at its loop's bound, with every retry.
 * The Distributed Map counts as one state whatever the ranges; an inline Map at the top level would
 * count each item (ranges × chunks), which is why the push runs in child executions.
 */
export function parentHistoryBound(definition: StateMachineDefinition, loops: LoopBounds, workload: HistoryWorkload): number {
  const items = () => workload.ranges * workload.chunksPerRange;
  return EXECUTION_EVENTS + statesEvents(definition.States, (name) => parentVisits(name, loops), items);
}

/** One child execution's worst case (one range of `chunksPerRange` chunks), with every retry of every chunk. */
export function childHistoryBound(definition: StateMachineDefinition, chunksPerRange: number): number {
  const processor = distributedProcessor(definition);
  return (
    EXECUTION_EVENTS +
    statesEvents(
      processor.States,
      () => 1,
      () => chunksPerRange,
    )
  );
}

/** Chunks in the largest range: its records at the smallest record size, `recordsPerChunk` to a chunk. */
export function largestRangeChunks(recordsPerChunk: number, recordBytes = SMALLEST_RECORD_BYTES): number {
  return Math.ceil(Math.floor(LARGEST_RANGE_BYTES / recordBytes) / recordsPerChunk);
}

/**
 * The fewest records per chunk for which a child's worst case stays within the quota with the largest
 * range of `recordBytes`-byte records (fewer records per chunk means more chunks per range).
 */
export function smallestRecordsPerChunkWithinQuota(definition: StateMachineDefinition, recordBytes = SMALLEST_RECORD_BYTES): number {
  const fits = (recordsPerChunk: number) =>
    childHistoryBound(definition, largestRangeChunks(recordsPerChunk, recordBytes)) <= HISTORY_EVENT_QUOTA;
  let [low, high] = [1, Math.floor(LARGEST_RANGE_BYTES / recordBytes)];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The ItemProcessor of the definition's Distributed Map. */
function distributedProcessor(definition: StateMachineDefinition): ItemProcessor {
  const map = Object.values(definition.States).find(
    (s): s is MapState => s.Type === "Map" && s.ItemProcessor.ProcessorConfig?.Mode === "DISTRIBUTED",
  );
  if (!map) throw new Error("childHistoryBound: the definition has no DISTRIBUTED Map");
  return map.ItemProcessor;
}

/** Events of `states`, each entered `visits(name)` times; an inline Map runs `items()` iterations. */
function statesEvents(states: Readonly<Record<string, State>>, visits: (name: string) => number, items: () => number): number {
  return Object.entries(states).reduce((sum, [name, state]) => sum + visits(name) * stateEvents(state, items), 0);
}

function stateEvents(state: State, items: () => number): number {
  switch (state.Type) {
    case "Task":
      return TASK_EVENTS + RETRY_EVENTS * retries(state.Retry);
    case "Map":
      if (state.ItemProcessor.ProcessorConfig?.Mode === "DISTRIBUTED") return DISTRIBUTED_MAP_EVENTS;
      return INLINE_MAP_EVENTS + items() * (ITERATION_EVENTS + statesEvents(state.ItemProcessor.States, () => 1, items));
    default:
      return STATE_EVENTS;
  }
}

/** Every retry the retriers allow (each retrier keeps its own count; 3 when MaxAttempts is absent). */
function retries(retriers: readonly { readonly MaxAttempts?: number }[] | undefined): number {
  return (retriers ?? []).reduce((sum, r) => sum + (r.MaxAttempts ?? 3), 0);
}

const DELIVERY_LOOP: readonly string[] = [S.waitForDelivery, S.checkDelivery, S.isDelivered, S.countDeliveryCheck, S.deliveryChecksLeft];
const CRAWLER_POLL_LOOP: readonly string[] = [
  S.waitForCrawler,
  S.getCrawlerState,
  S.isCrawlComplete,
  S.countCrawlerPoll,
  S.crawlerPollsLeft,
];
const VALIDATION_LOOP: readonly string[] = [
  S.prepareRecrawl,
  S.getLastCrawl,
  S.didCrawlSucceed,
  S.getValidationResults,
  S.countValidationRun,
  S.hasValidationRow,
  S.parseValidationRow,
  S.compareCounts,
  S.validationRunsLeft,
  S.waitBeforeRevalidation,
];

/** The most times the parent enters a state: its loop's bound, else once. */
function parentVisits(name: string, loops: LoopBounds): number {
  if (DELIVERY_LOOP.includes(name)) return loops.deliveryChecks;
  if (CRAWLER_POLL_LOOP.includes(name)) return loops.crawlerPolls;
  if (VALIDATION_LOOP.includes(name)) return loops.validationAttempts;
  // Each run's query, and each re-submission of a query that ended FAILED.
  if (name === S.runValidationQuery) return loops.validationAttempts + VALIDATION_QUERY_RESUBMITS;
  if (name === S.canResubmitValidationQuery || name === S.countValidationQueryResubmit) return VALIDATION_QUERY_RESUBMITS;
  // Started once per crawl, and again after each poll that finds someone else's crawl ended.
  if (name === S.startCrawler) return loops.validationAttempts + loops.crawlerPolls;
  return 1;
}

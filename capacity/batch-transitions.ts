/**
 * State transitions Step Functions bills for one successful batch run, counted along the happy path of
 * the workflow `buildBatchWorkflow` builds (each state entered is one transition, the states of the
 * Distributed Map's child executions and of their inline Map iterations included: Step Functions bills
 * a child's transitions like the parent's). The loops repeat a known sequence of states per poll, so
 * the count is a formula of the number of byte ranges, chunks, delivery checks, crawler polls and
 * validation runs. Pure.
 */
import { BATCH_STATES as S } from "../state-machines/batch-workflow";
import { num } from "./units";

/**
 * The happy path in segments; the tests walk them through the built definition so the count follows the
 * workflow when it changes.
 */
export const HAPPY_PATH = {
  /** Input checks and planning, up to entering the Distributed Map. */
  start: [S.checkInput, S.addInputDefaults, S.mergeInputDefaults, S.planBatch, S.isBatchSkipped, S.recordPushStart, S.extractAndPush],
  /** One child execution per byte range: its extract, then its inline Map over the range's chunks. */
  perRange: [S.extractRange, S.pushRangeChunks],
  /** One inline Map iteration per staged chunk. */
  perChunk: [S.pushChunk],
  /** After the map run: the batch's counts and validation query. */
  afterMap: [S.summarizeBatch],
  startDelivery: [S.startDeliveryChecks],
  /** A delivery check that finds nothing yet, then loops. */
  deliveryMiss: [S.waitForDelivery, S.checkDelivery, S.isDelivered, S.countDeliveryCheck, S.deliveryChecksLeft],
  /** The delivery check that finds the batch's objects. */
  deliveryHit: [S.waitForDelivery, S.checkDelivery, S.isDelivered],
  startCrawl: [S.prepareCrawl, S.startCrawler],
  /** A crawler poll while the crawl is still running. */
  crawlerBusy: [S.waitForCrawler, S.getCrawlerState, S.isCrawlComplete, S.countCrawlerPoll, S.crawlerPollsLeft],
  /** The poll that sees the crawl finished, and its outcome check. */
  crawlerDone: [S.waitForCrawler, S.getCrawlerState, S.isCrawlComplete, S.getLastCrawl, S.didCrawlSucceed],
  startValidation: [S.startValidation],
  /** One validation query run. */
  validationRun: [
    S.runValidationQuery,
    S.getValidationResults,
    S.countValidationRun,
    S.hasValidationRow,
    S.parseValidationRow,
    S.compareCounts,
  ],
  /** Between a short count and the next run: a wait, then a new crawl (assumed to finish at its first poll). */
  validationRetry: [
    S.validationRunsLeft,
    S.waitBeforeRevalidation,
    S.prepareRecrawl,
    S.startCrawler,
    S.waitForCrawler,
    S.getCrawlerState,
    S.isCrawlComplete,
    S.getLastCrawl,
    S.didCrawlSucceed,
  ],
  finish: [S.finalizeBatch, S.summariseBatch, S.batchLoaded],
} as const;

/** How many times each loop runs in one batch run. */
export interface BatchRunShape {
  /** Byte ranges read, one child execution each. @default 1 */
  readonly ranges?: number;
  readonly chunks: number;
  /** Delivery checks including the one that finds the objects (≥ 1). */
  readonly deliveryChecks: number;
  /** Crawler polls including the one that sees it finished (≥ 1). */
  readonly crawlerPolls: number;
  /** Validation query runs (≥ 1). */
  readonly validationRuns: number;
}

/** Transitions of one successful run, and the sum written out. */
export function batchRunTransitions(shape: BatchRunShape): { readonly transitions: number; readonly arithmetic: string } {
  const p = HAPPY_PATH;
  const ranges = shape.ranges ?? 1;
  const parts: [string, number][] = [
    ["start", p.start.length],
    [`${ranges} ranges × ${p.perRange.length}`, ranges * p.perRange.length],
    [`${shape.chunks} chunks × ${p.perChunk.length}`, shape.chunks * p.perChunk.length],
    ["summarize", p.afterMap.length],
    [
      `delivery ${p.startDelivery.length} + ${shape.deliveryChecks - 1} misses × ${p.deliveryMiss.length} + ${p.deliveryHit.length}`,
      p.startDelivery.length + (shape.deliveryChecks - 1) * p.deliveryMiss.length + p.deliveryHit.length,
    ],
    [
      `crawl ${p.startCrawl.length} + ${shape.crawlerPolls - 1} busy polls × ${p.crawlerBusy.length} + ${p.crawlerDone.length}`,
      p.startCrawl.length + (shape.crawlerPolls - 1) * p.crawlerBusy.length + p.crawlerDone.length,
    ],
    [
      `validation ${p.startValidation.length} + ${shape.validationRuns} × ${p.validationRun.length} + ${shape.validationRuns - 1} × ${p.validationRetry.length}`,
      p.startValidation.length + shape.validationRuns * p.validationRun.length + (shape.validationRuns - 1) * p.validationRetry.length,
    ],
    ["finish", p.finish.length],
  ];
  const transitions = parts.reduce((sum, [, n]) => sum + n, 0);
  return {
    transitions,
    arithmetic: `${parts.map(([label, n]) => `${label} = ${num(n)}`).join("; ")}; total ${num(transitions)} per run`,
  };
}

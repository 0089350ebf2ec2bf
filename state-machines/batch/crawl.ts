/**
 * Crawl (absent under partition projection): StartCrawler and bounded GetCrawler polling until our
 * crawl ends, then its outcome. One poll budget covers every crawl of the run: a re-crawl before a
 * re-validation enters at PrepareRecrawl and keeps the poll count.
 */
import type { State } from "../asl";
import { maxPolls, TASK_TIMEOUTS } from "../timing";
import { BATCH_STATES as S, BATCH_WORKFLOW_ERRORS as E } from "./names";
import { catchAll, failure, getCrawlerTask, glueRetrier, type Phase, taskFailed } from "./tasks";

/** The crawler, its polling interval and budget, and where a successful crawl goes. */
export interface CrawlPhaseInput {
  readonly crawlerName: string;
  /** Seconds between GetCrawler polls. */
  readonly pollSeconds: number;
  /** Total budget for crawler polls over the whole run, in seconds. */
  readonly timeoutSeconds: number;
  /** Where a successful crawl goes (the validation query). */
  readonly next: string;
}

/** The crawl phase, which a re-validation enters again at {@link CrawlPhase.recrawl}. */
export interface CrawlPhase extends Phase {
  /** Where a re-crawl starts: the poll count of earlier crawls is kept. */
  readonly recrawl: string;
}

/** PrepareCrawl → StartCrawler → polling → GetLastCrawl → `next`, or CrawlerTimedOut / CrawlerFailed. */
export function crawlPhase(o: CrawlPhaseInput): CrawlPhase {
  return {
    entry: S.prepareCrawl,
    recrawl: S.prepareRecrawl,
    states: { ...crawlStart(o), ...crawlPolling(o), ...crawlOutcome(o) },
    recorders: {
      [S.startCrawlerFailed]: taskFailed(S.startCrawler, "$.extract.batchId"),
      [S.getCrawlerStateFailed]: taskFailed(S.getCrawlerState, "$.extract.batchId"),
      [S.getLastCrawlFailed]: taskFailed(S.getLastCrawl, "$.extract.batchId"),
    },
  };
}

/** PrepareCrawl and PrepareRecrawl → StartCrawler (a crawler already running is waited for). */
function crawlStart(o: CrawlPhaseInput): Record<string, State> {
  return {
    [S.prepareCrawl]: { Type: "Pass", Result: { polls: 0, start: { started: false } }, ResultPath: "$.crawler", Next: S.startCrawler },
    [S.prepareRecrawl]: {
      Type: "Pass",
      Comment:
        "A shortfall may be a partition that landed after the crawl: crawl again before re-running the query. The poll count is kept: one crawler budget covers every crawl of the run",
      Result: { started: false },
      ResultPath: "$.crawler.start",
      Next: S.startCrawler,
    },
    [S.startCrawler]: {
      Type: "Task",
      Comment:
        "If another crawl is running it may have listed S3 before this batch landed: poll until it ends, then start again (CrawlerPollsLeft), so the crawl we wait for is ours",
      Resource: "arn:aws:states:::aws-sdk:glue:startCrawler",
      Parameters: { Name: o.crawlerName },
      ResultSelector: { started: true },
      ResultPath: "$.crawler.start",
      TimeoutSeconds: TASK_TIMEOUTS.sdkCallSeconds,
      Retry: [glueRetrier()],
      Catch: [
        { ErrorEquals: ["Glue.CrawlerRunningException"], ResultPath: "$.crawler.busy", Next: S.waitForCrawler },
        ...catchAll(S.startCrawlerFailed),
      ],
      Next: S.waitForCrawler,
    },
  };
}

/** WaitForCrawler → GetCrawlerState → IsCrawlComplete, bounded by CountCrawlerPoll and CrawlerPollsLeft. */
function crawlPolling(o: CrawlPhaseInput): Record<string, State> {
  const maxCrawlerPolls = maxPolls(o.timeoutSeconds, o.pollSeconds);
  return {
    [S.waitForCrawler]: { Type: "Wait", Seconds: o.pollSeconds, Next: S.getCrawlerState },
    // The GetCrawler response is large, and LastCrawl is absent before a crawler's first crawl: keep State only.
    [S.getCrawlerState]: getCrawlerTask(
      o.crawlerName,
      { "State.$": "$.Crawler.State" },
      "$.crawler.status",
      S.getCrawlerStateFailed,
      S.isCrawlComplete,
    ),
    [S.isCrawlComplete]: {
      Type: "Choice",
      Comment:
        "READY after our own StartCrawler succeeded means our crawl has finished: a successful StartCrawler moves the crawler out of READY before it returns (a second start then fails with CrawlerRunningException), and the first poll comes crawlerPollSeconds later. Should a crawl still be missed, the validation re-runs catch the shortfall",
      Choices: [
        {
          And: [
            { Variable: "$.crawler.status.State", StringEquals: "READY" },
            { Variable: "$.crawler.start.started", BooleanEquals: true },
          ],
          Next: S.getLastCrawl,
        },
      ],
      Default: S.countCrawlerPoll,
    },
    [S.countCrawlerPoll]: {
      Type: "Pass",
      Parameters: {
        "polls.$": "States.MathAdd($.crawler.polls, 1)",
        "start.$": "$.crawler.start",
        "status.$": "$.crawler.status",
      },
      ResultPath: "$.crawler",
      Next: S.crawlerPollsLeft,
    },
    [S.crawlerPollsLeft]: {
      Type: "Choice",
      Comment: `At most ${maxCrawlerPolls} polls: ${o.timeoutSeconds} s budget / ${o.pollSeconds} s interval. READY here means someone else's crawl ended: start ours`,
      Choices: [
        { Variable: "$.crawler.polls", NumericGreaterThanEquals: maxCrawlerPolls, Next: S.crawlerTimedOut },
        { Variable: "$.crawler.status.State", StringEquals: "READY", Next: S.startCrawler },
      ],
      Default: S.waitForCrawler,
    },
    [S.crawlerTimedOut]: failure(S.getCrawlerState, "$.extract.batchId", E.crawlerTimedOut, {
      "Cause.$": `States.Format('the crawler was still {} after {} polls (budget ${o.timeoutSeconds} seconds)', $.crawler.status.State, $.crawler.polls)`,
    }),
  };
}

/** GetLastCrawl → DidCrawlSucceed → `next`, or a CrawlerFailed failure. */
function crawlOutcome(o: CrawlPhaseInput): Record<string, State> {
  return {
    [S.getLastCrawl]: getCrawlerTask(
      o.crawlerName,
      { "LastCrawl.$": "$.Crawler.LastCrawl" },
      "$.crawler.outcome",
      S.getLastCrawlFailed,
      S.didCrawlSucceed,
    ),
    [S.didCrawlSucceed]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.crawler.outcome.LastCrawl.Status", StringEquals: "SUCCEEDED", Next: o.next },
        { Variable: "$.crawler.outcome.LastCrawl.ErrorMessage", IsPresent: true, Next: S.crawlerFailed },
      ],
      Default: S.crawlNotSucceeded,
    },
    [S.crawlerFailed]: failure(S.getLastCrawl, "$.extract.batchId", E.crawlerFailed, {
      "Cause.$":
        "States.Format('the crawl ended with status {}: {}', $.crawler.outcome.LastCrawl.Status, $.crawler.outcome.LastCrawl.ErrorMessage)",
    }),
    [S.crawlNotSucceeded]: failure(S.getLastCrawl, "$.extract.batchId", E.crawlerFailed, {
      "Cause.$": "States.Format('the crawl ended with status {}', $.crawler.outcome.LastCrawl.Status)",
    }),
  };
}

/** The batch workflow's state names and the error names it raises itself. */

/** State names, for tests, the operator CLI and the local rehearsal. */
export const BATCH_STATES = {
  checkInput: "CheckInput",
  invalidInput: "InvalidInput",
  addInputDefaults: "AddInputDefaults",
  mergeInputDefaults: "MergeInputDefaults",
  planBatch: "PlanBatch",
  isBatchSkipped: "IsBatchSkipped",
  batchSkipped: "BatchSkipped",
  recordPushStart: "RecordPushStart",
  /** The Distributed Map: one child execution per planned byte range. */
  extractAndPush: "ExtractAndPush",
  /** A child's first task: reads, validates and stages one byte range. */
  extractRange: "ExtractRange",
  /** A child's inline Map over the range's staged chunks. */
  pushRangeChunks: "PushRangeChunks",
  /** The inline Map's task; local overrides are keyed by this name too. */
  pushChunk: "PushChunk",
  summarizeBatch: "SummarizeBatch",
  startDeliveryChecks: "StartDeliveryChecks",
  waitForDelivery: "WaitForDelivery",
  checkDelivery: "CheckDelivery",
  isDelivered: "IsDelivered",
  countDeliveryCheck: "CountDeliveryCheck",
  deliveryChecksLeft: "DeliveryChecksLeft",
  deliveryTimedOut: "DeliveryTimedOut",
  prepareCrawl: "PrepareCrawl",
  /** Before a re-validation: crawl again (not under projection), so partitions that landed late are registered. */
  prepareRecrawl: "PrepareRecrawl",
  startCrawler: "StartCrawler",
  waitForCrawler: "WaitForCrawler",
  getCrawlerState: "GetCrawlerState",
  isCrawlComplete: "IsCrawlComplete",
  countCrawlerPoll: "CountCrawlerPoll",
  crawlerPollsLeft: "CrawlerPollsLeft",
  crawlerTimedOut: "CrawlerTimedOut",
  getLastCrawl: "GetLastCrawl",
  didCrawlSucceed: "DidCrawlSucceed",
  crawlerFailed: "CrawlerFailed",
  crawlNotSucceeded: "CrawlNotSucceeded",
  startValidation: "StartValidation",
  runValidationQuery: "RunValidationQuery",
  /** After a validation query ended FAILED: re-submit it (a new token) while re-submits are left. */
  canResubmitValidationQuery: "CanResubmitValidationQuery",
  countValidationQueryResubmit: "CountValidationQueryResubmit",
  getValidationResults: "GetValidationResults",
  countValidationRun: "CountValidationRun",
  hasValidationRow: "HasValidationRow",
  noValidationRows: "NoValidationRows",
  parseValidationRow: "ParseValidationRow",
  compareCounts: "CompareCounts",
  requiredColumnsMissing: "RequiredColumnsMissing",
  unexpectedRecords: "UnexpectedRecords",
  validationRunsLeft: "ValidationRunsLeft",
  waitBeforeRevalidation: "WaitBeforeRevalidation",
  countMismatch: "CountMismatch",
  finalizeBatch: "FinalizeBatch",
  summariseBatch: "SummariseBatch",
  batchLoaded: "BatchLoaded",
  planBatchFailed: "PlanBatchFailed",
  extractAndPushFailed: "ExtractAndPushFailed",
  summarizeBatchFailed: "SummarizeBatchFailed",
  checkDeliveryFailed: "CheckDeliveryFailed",
  startCrawlerFailed: "StartCrawlerFailed",
  getCrawlerStateFailed: "GetCrawlerStateFailed",
  getLastCrawlFailed: "GetLastCrawlFailed",
  runValidationQueryFailed: "RunValidationQueryFailed",
  getValidationResultsFailed: "GetValidationResultsFailed",
  finalizeBatchFailed: "FinalizeBatchFailed",
  collectTaskError: "CollectTaskError",
  describeFailure: "DescribeFailure",
  notifyFailure: "NotifyFailure",
  batchFailed: "BatchFailed",
} as const;

/** Error names the workflow itself raises (the execution's `error` when it ends in BatchFailed). */
export const BATCH_WORKFLOW_ERRORS = {
  invalidInput: "InvalidInput",
  deliveryTimedOut: "DeliveryTimedOut",
  crawlerTimedOut: "CrawlerTimedOut",
  crawlerFailed: "CrawlerFailed",
  noValidationRows: "NoValidationRows",
  countMismatch: "CountMismatch",
  requiredColumnsMissing: "RequiredColumnsMissing",
  unexpectedRecords: "UnexpectedRecords",
} as const;

/** The batch id a failure reports when it happened before the batch was extracted. */
export const NO_BATCH_ID = "(none: the batch was not extracted)";

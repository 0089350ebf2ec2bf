/**
 * The batch workflow as an Amazon States Language object (JSONPath, STANDARD type). Pure: no cdktf,
 * no SDK; `BatchStage` serialises the result into `aws_sfn_state_machine.definition`, tests run it in
 * aws-local-stepfunctions, and the operator CLI refers to states through {@link BATCH_STATES}.
 *
 * State data, by path (every payload stays small; records live in S3):
 * - `$.extract`  the ExtractOutput (the execution input is dropped once it is known; it stays in `$$.Execution.Input`)
 * - `$.push`     `{ chunks }` once every chunk is pushed (per-chunk outputs are discarded)
 * - `$.delivery` `{ checks, pushFinishedAt, last? }` while waiting for Firehose
 * - `$.check`    `{ runs, found?, missingRequired? }` from delivery on (initialised before the first crawl)
 * - `$.crawler`  `{ polls, start: { started }, status?: { State }, outcome?: { LastCrawl } }` (not under partition projection)
 * - `$.error`    the caught `{ Error, Cause }`; `$.failure` `{ failedState, batchId, error, message }` on the failure path
 */
import type { BatchExecutionInput } from "../contract/batch";
import type { Catcher, PayloadTemplate, Retrier, State, StateMachineDefinition, TaskState } from "./asl";
import { BATCH_ERRORS } from "../contract/errors";

/** The execution input (from the contract): `{ scheduledTime, force?, replay? }`. */
export type { BatchExecutionInput };

/** What the workflow needs to know: the functions it invokes, the resources it drives, and its time budgets. */
export interface BatchWorkflowProps {
  /** ExtractBatch function: claims the batch, stages chunks, returns an ExtractOutput. */
  readonly extractFunctionArn: string;
  /** Push function: one staged chunk into Kinesis per Map iteration; throws RecordsUndelivered. */
  readonly pushFunctionArn: string;
  /** Delivery check function: reports whether Firehose wrote data objects since the push. */
  readonly deliveryCheckFunctionArn: string;
  /** Finalize function: moves the landing files (or replayed error objects) to processed/ and closes the claim marker. */
  readonly finalizeFunctionArn: string;
  /** Each function's configured timeout, in seconds (the Task timeout adds {@link TASK_TIMEOUTS.lambdaMarginSeconds}). */
  readonly lambdaTimeoutSeconds: { readonly extract: number; readonly push: number; readonly deliveryCheck: number; readonly finalize: number };
  /**
   * Glue crawler that registers the new partitions, or null under partition projection: Athena then
   * computes the partitions from table properties and ignores those registered in Glue, so the workflow
   * never crawls (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html).
   */
  readonly crawlerName: string | null;
  /** Athena workgroup the validation query runs in: the batch's own, with its own scan cutoff. */
  readonly workgroup: string;
  /** SNS topic that receives one message per failed execution. */
  readonly notificationTopicArn: string;
  /** Chunks pushed at once (inline Map MaxConcurrency), 1–{@link INLINE_MAP_MAX_CONCURRENCY}. */
  readonly pushConcurrency: number;
  /** Seconds between delivery checks. */
  readonly deliveryPollSeconds: number;
  /** Total budget for delivery checks; see {@link deliveryTimeoutSeconds}. */
  readonly deliveryTimeoutSeconds: number;
  /** Seconds between GetCrawler polls. */
  readonly crawlerPollSeconds: number;
  /** Total budget for crawler polls over the whole run (the first crawl and every re-crawl share it). */
  readonly crawlerTimeoutSeconds: number;
  /** Validation query runs before a shortfall becomes CountMismatch, 1–10. */
  readonly validationAttempts: number;
  /** Seconds to wait before re-running the validation query after a shortfall. */
  readonly validationRetryWaitSeconds: number;
  /** Top-level TimeoutSeconds; at least {@link loopBudgetSeconds}. */
  readonly executionTimeoutSeconds: number;
}

/** State names, for tests, the operator CLI and the local rehearsal. */
export const BATCH_STATES = {
  checkInput: "CheckInput",
  invalidInput: "InvalidInput",
  addInputDefaults: "AddInputDefaults",
  mergeInputDefaults: "MergeInputDefaults",
  extractBatch: "ExtractBatch",
  isBatchSkipped: "IsBatchSkipped",
  batchSkipped: "BatchSkipped",
  pushToKinesis: "PushToKinesis",
  /** The Map's inner task; local overrides are keyed by this name too. */
  pushChunk: "PushChunk",
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
  extractBatchFailed: "ExtractBatchFailed",
  pushToKinesisFailed: "PushToKinesisFailed",
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

/** Output of an execution that ends in BatchLoaded. (BatchSkipped outputs the ExtractOutput.) */
export interface BatchLoadedOutput {
  readonly batchId: string;
  /** Records pushed (the ExtractOutput's recordCount). */
  readonly pushed: number;
  /** Distinct records of the batch Athena found. */
  readonly found: number;
  /** Lines the extract rejected. */
  readonly rejected: number;
  readonly chunks: number;
  readonly validationRuns: number;
  /** Objects finalize moved to processed/: the landing files, or for a replay of errors/ the error objects. */
  readonly landingFilesMoved: number;
}

/**
 * The most concurrent iterations an inline Map runs: "In this mode, the Map state supports up to 40
 * concurrent iterations" (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html).
 * The push concurrency is capped here: a larger MaxConcurrency would not push faster, and the
 * distributed mode needed beyond it runs child executions this workflow does not use.
 */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

/**
 * Function errors that can succeed when the task runs again: throttling and server-side failures of the
 * AWS services the batch functions call, as the AWS SDK for JavaScript v3 names them (the error's
 * `name`, which Lambda reports as the errorType and Step Functions matches in ErrorEquals). Everything
 * else a function throws is either one of the permanent {@link BATCH_ERRORS} or unknown: not retried.
 */
export const TRANSIENT_FUNCTION_ERRORS = [
  "SlowDown",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "ThrottlingException",
  "TimeoutError",
] as const;

/** Errors AWS recommends retrying on every Lambda task (bp-lambda-serviceexception). */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
] as const;

/** Task timeouts that are not taken from the props. */
export const TASK_TIMEOUTS = {
  /** Added to a function's timeout: cold start and invoke overhead must not turn into States.Timeout. */
  lambdaMarginSeconds: 60,
  /** athena:startQueryExecution.sync: the validation query scans one batch, so minutes at most. */
  athenaQuerySeconds: 900,
  /** A single request/response SDK call (Glue, Athena results, SNS). */
  sdkCallSeconds: 60,
} as const;

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

/**
 * The longest the workflow may spend in its three loops (delivery checks, crawler polls over every
 * crawl of the run, waits between validation runs). The execution timeout must be at least this, or the
 * loops' own bounds never matter. Without a crawler (`crawlerName: null`, partition projection) the
 * crawler budget is not spent; when `crawlerName` is not given it is counted (the safe side).
 */
export function loopBudgetSeconds(
  props: Pick<BatchWorkflowProps, "deliveryTimeoutSeconds" | "crawlerTimeoutSeconds" | "validationAttempts" | "validationRetryWaitSeconds"> &
    Partial<Pick<BatchWorkflowProps, "crawlerName">>,
): number {
  const crawling = props.crawlerName === null ? 0 : props.crawlerTimeoutSeconds;
  return props.deliveryTimeoutSeconds + crawling + (props.validationAttempts - 1) * props.validationRetryWaitSeconds;
}

const S = BATCH_STATES;
const E = BATCH_WORKFLOW_ERRORS;
const NO_BATCH_ID = "(none: the batch was not extracted)";

/**
 * Builds the batch workflow: check input → ExtractBatch → (skipped? BatchSkipped) → PushToKinesis
 * (Map over chunks) → bounded delivery polling until every expected partition has a new object →
 * StartCrawler and bounded crawler polling (skipped under partition projection) → Athena validation
 * with bounded re-runs, each re-run after a fresh crawl → FinalizeBatch → BatchLoaded. Every task
 * retries transient errors, never retries the permanent {@link BATCH_ERRORS}, and catches the rest
 * into one NotifyFailure → BatchFailed path; invalid input takes the same path. Throws one aggregated
 * error naming every invalid prop.
 */
export function buildBatchWorkflow(props: BatchWorkflowProps): StateMachineDefinition {
  validate(props);
  const maxDeliveryChecks = Math.ceil(props.deliveryTimeoutSeconds / props.deliveryPollSeconds);
  const maxCrawlerPolls = Math.ceil(props.crawlerTimeoutSeconds / props.crawlerPollSeconds);
  const lambdaTimeout = (seconds: number) => seconds + TASK_TIMEOUTS.lambdaMarginSeconds;
  const crawlerName = props.crawlerName;
  /** Where validation starts, and where a re-validation goes after its wait: crawl first unless projection makes crawling pointless. */
  const beforeQuery = crawlerName === null ? S.runValidationQuery : S.prepareCrawl;
  const beforeRequery = crawlerName === null ? S.runValidationQuery : S.prepareRecrawl;

  /** The crawl and its bounded polling, for a workflow that crawls. */
  const crawlStates = (name: string): Record<string, State> => ({
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
      Parameters: { Name: name },
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
    [S.waitForCrawler]: { Type: "Wait", Seconds: props.crawlerPollSeconds, Next: S.getCrawlerState },
    // The GetCrawler response is large, and LastCrawl is absent before a crawler's first crawl: keep State only.
    [S.getCrawlerState]: getCrawlerTask(name, { "State.$": "$.Crawler.State" }, "$.crawler.status", S.getCrawlerStateFailed, S.isCrawlComplete),
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
      Comment: `At most ${maxCrawlerPolls} polls: ${props.crawlerTimeoutSeconds} s budget / ${props.crawlerPollSeconds} s interval. READY here means someone else's crawl ended: start ours`,
      Choices: [
        { Variable: "$.crawler.polls", NumericGreaterThanEquals: maxCrawlerPolls, Next: S.crawlerTimedOut },
        { Variable: "$.crawler.status.State", StringEquals: "READY", Next: S.startCrawler },
      ],
      Default: S.waitForCrawler,
    },
    [S.crawlerTimedOut]: failure(S.getCrawlerState, "$.extract.batchId", E.crawlerTimedOut, {
      "Cause.$": `States.Format('the crawler was still {} after {} polls (budget ${props.crawlerTimeoutSeconds} seconds)', $.crawler.status.State, $.crawler.polls)`,
    }),
    [S.getLastCrawl]: getCrawlerTask(name, { "LastCrawl.$": "$.Crawler.LastCrawl" }, "$.crawler.outcome", S.getLastCrawlFailed, S.didCrawlSucceed),
    [S.didCrawlSucceed]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.crawler.outcome.LastCrawl.Status", StringEquals: "SUCCEEDED", Next: S.runValidationQuery },
        { Variable: "$.crawler.outcome.LastCrawl.ErrorMessage", IsPresent: true, Next: S.crawlerFailed },
      ],
      Default: S.crawlNotSucceeded,
    },
    [S.crawlerFailed]: failure(S.getLastCrawl, "$.extract.batchId", E.crawlerFailed, {
      "Cause.$": "States.Format('the crawl ended with status {}: {}', $.crawler.outcome.LastCrawl.Status, $.crawler.outcome.LastCrawl.ErrorMessage)",
    }),
    [S.crawlNotSucceeded]: failure(S.getLastCrawl, "$.extract.batchId", E.crawlerFailed, {
      "Cause.$": "States.Format('the crawl ended with status {}', $.crawler.outcome.LastCrawl.Status)",
    }),
  });

  const states: Record<string, State> = {
    // ── input ────────────────────────────────────────────────────────────────────────────────
    [S.checkInput]: {
      Type: "Choice",
      Comment:
        "scheduledTime must be a string, force, when given, a boolean, and replay, when given and not null, an object with string from, since and until (and errorType); anything else fails with a notification. ExtractBatch checks the values",
      Choices: [
        {
          And: [
            { Variable: "$.scheduledTime", IsPresent: true },
            { Variable: "$.scheduledTime", IsString: true },
            { Or: [{ Not: { Variable: "$.force", IsPresent: true } }, { Variable: "$.force", IsBoolean: true }] },
            {
              Or: [
                { Not: { Variable: "$.replay", IsPresent: true } },
                { Variable: "$.replay", IsNull: true },
                {
                  And: [
                    { Variable: "$.replay.from", IsPresent: true },
                    { Variable: "$.replay.from", IsString: true },
                    { Variable: "$.replay.since", IsPresent: true },
                    { Variable: "$.replay.since", IsString: true },
                    { Variable: "$.replay.until", IsPresent: true },
                    { Variable: "$.replay.until", IsString: true },
                    { Or: [{ Not: { Variable: "$.replay.errorType", IsPresent: true } }, { Variable: "$.replay.errorType", IsString: true }] },
                  ],
                },
              ],
            },
          ],
          Next: S.addInputDefaults,
        },
      ],
      Default: S.invalidInput,
    },
    [S.invalidInput]: {
      Type: "Pass",
      Comment:
        "No ResultPath: the result replaces the state. The input may be a string, an array or null, into which a ResultPath cannot merge (States.ResultPathMatchFailure, which a Pass state cannot catch)",
      Parameters: {
        failure: {
          failedState: S.checkInput,
          batchId: NO_BATCH_ID,
          error: {
            Error: E.invalidInput,
            Cause:
              "the execution input must be a JSON object with scheduledTime (an ISO-8601 string) and, optionally, a boolean force and a replay { from, errorType?, since, until } of strings",
          },
        },
      },
      Next: S.describeFailure,
    },
    [S.addInputDefaults]: { Type: "Pass", Result: { force: false, replay: null }, ResultPath: "$.inputDefaults", Next: S.mergeInputDefaults },
    [S.mergeInputDefaults]: {
      Type: "Pass",
      Comment: "JsonMerge lets a missing force default to false and a missing replay to null (a landing batch)",
      Parameters: { "input.$": "States.JsonMerge($.inputDefaults, $$.Execution.Input, false)" },
      OutputPath: "$.input",
      Next: S.extractBatch,
    },

    // ── extract ──────────────────────────────────────────────────────────────────────────────
    [S.extractBatch]: lambdaTask({
      functionArn: props.extractFunctionArn,
      payload: { "scheduledTime.$": "$.scheduledTime", "force.$": "$.force", "replay.$": "$.replay", "executionId.$": "$$.Execution.Id" },
      timeoutSeconds: lambdaTimeout(props.lambdaTimeoutSeconds.extract),
      resultSelector: { "extract.$": "$.Payload" },
      // No ResultPath (the default "$"): the state becomes { extract }, everything later reads the
      // ExtractOutput only. (An explicit "$" would mean the same in AWS, but aws-local-stepfunctions
      // mishandles it.)
      next: S.isBatchSkipped,
      failedState: S.extractBatchFailed,
    }),
    [S.isBatchSkipped]: {
      Type: "Choice",
      Choices: [{ Variable: "$.extract.skipped", BooleanEquals: true, Next: S.batchSkipped }],
      Default: S.pushToKinesis,
    },
    [S.batchSkipped]: {
      Type: "Succeed",
      Comment: "Empty batch or already claimed by another run: nothing to push, and that is a success",
      OutputPath: "$.extract",
    },

    // ── push ─────────────────────────────────────────────────────────────────────────────────
    [S.pushToKinesis]: {
      Type: "Map",
      Comment: "One iteration per staged chunk. Iterations return only { pushed } and the Map keeps only the chunk count, so ~2000 chunks stay far below 256 KiB",
      ItemsPath: "$.extract.chunkKeys",
      ItemSelector: { "batchId.$": "$.extract.batchId", "chunkKey.$": "$$.Map.Item.Value" },
      MaxConcurrency: props.pushConcurrency,
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: S.pushChunk,
        States: {
          // No Catch here: a failed iteration fails the Map, whose Catch records it. RecordsUndelivered
          // is deliberately absent from the retriers: the function already retried PutRecords.
          [S.pushChunk]: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: props.pushFunctionArn, "Payload.$": "$" },
            ResultSelector: { "pushed.$": "$.Payload.pushed" },
            TimeoutSeconds: lambdaTimeout(props.lambdaTimeoutSeconds.push),
            Retry: lambdaRetriers(),
            End: true,
          },
        },
      },
      ResultSelector: { "chunks.$": "States.ArrayLength($)" },
      ResultPath: "$.push",
      Catch: lambdaCatchers(S.pushToKinesisFailed),
      Next: S.startDeliveryChecks,
    },

    // ── wait for delivery (bounded) ──────────────────────────────────────────────────────────
    [S.startDeliveryChecks]: {
      Type: "Pass",
      Comment: "Entered when the last chunk is pushed: every record of the batch reached Kinesis by then, so its arrival hours end at this time",
      Parameters: { checks: 0, "pushFinishedAt.$": "$$.State.EnteredTime" },
      ResultPath: "$.delivery",
      Next: S.waitForDelivery,
    },
    [S.waitForDelivery]: { Type: "Wait", Seconds: props.deliveryPollSeconds, Next: S.checkDelivery },
    [S.checkDelivery]: lambdaTask({
      functionArn: props.deliveryCheckFunctionArn,
      payload: { "since.$": "$.extract.pushStartedAt", "until.$": "$.delivery.pushFinishedAt", "eventHours.$": "$.extract.eventHours" },
      timeoutSeconds: lambdaTimeout(props.lambdaTimeoutSeconds.deliveryCheck),
      resultSelector: { "delivered.$": "$.Payload.delivered", "objects.$": "$.Payload.objects", "missing.$": "States.JsonToString($.Payload.missing)" },
      resultPath: "$.delivery.last",
      next: S.isDelivered,
      failedState: S.checkDeliveryFailed,
    }),
    [S.isDelivered]: {
      Type: "Choice",
      Choices: [{ Variable: "$.delivery.last.delivered", BooleanEquals: true, Next: S.startValidation }],
      Default: S.countDeliveryCheck,
    },
    [S.countDeliveryCheck]: {
      Type: "Pass",
      Parameters: { "checks.$": "States.MathAdd($.delivery.checks, 1)", "pushFinishedAt.$": "$.delivery.pushFinishedAt", "last.$": "$.delivery.last" },
      ResultPath: "$.delivery",
      Next: S.deliveryChecksLeft,
    },
    [S.deliveryChecksLeft]: {
      Type: "Choice",
      Comment: `At most ${maxDeliveryChecks} checks: ${props.deliveryTimeoutSeconds} s budget / ${props.deliveryPollSeconds} s interval`,
      Choices: [{ Variable: "$.delivery.checks", NumericGreaterThanEquals: maxDeliveryChecks, Next: S.deliveryTimedOut }],
      Default: S.waitForDelivery,
    },
    [S.deliveryTimedOut]: failure(S.checkDelivery, "$.extract.batchId", E.deliveryTimedOut, {
      "Cause.$": `States.Format('expected partitions still had no data object written since {} after {} delivery checks (budget ${props.deliveryTimeoutSeconds} seconds): {}', $.extract.pushStartedAt, $.delivery.checks, $.delivery.last.missing)`,
    }),

    // ── validation counter, then crawl (bounded; skipped under partition projection) ─────────
    [S.startValidation]: {
      Type: "Pass",
      Comment: "Initialised once, before the first crawl: re-validations re-crawl and must keep counting",
      Result: { runs: 0 },
      ResultPath: "$.check",
      Next: beforeQuery,
    },

    ...(crawlerName === null ? {} : crawlStates(crawlerName)),

    // ── validate (bounded re-runs) ───────────────────────────────────────────────────────────
    [S.runValidationQuery]: {
      Type: "Task",
      Resource: "arn:aws:states:::athena:startQueryExecution.sync",
      Parameters: {
        "QueryString.$": "$.extract.validation.query",
        WorkGroup: props.workgroup,
        // Same token for retries of one run (no duplicate query), a new one for each re-run.
        "ClientRequestToken.$": "States.Hash(States.Format('{}/validation/{}', $$.Execution.Id, $.check.runs), 'SHA-256')",
      },
      ResultSelector: { "QueryExecutionId.$": "$.QueryExecution.QueryExecutionId" },
      ResultPath: "$.check.query",
      TimeoutSeconds: TASK_TIMEOUTS.athenaQuerySeconds,
      Retry: [athenaRetrier()],
      Catch: catchAll(S.runValidationQueryFailed),
      Next: S.getValidationResults,
    },
    [S.getValidationResults]: {
      Type: "Task",
      Resource: "arn:aws:states:::athena:getQueryResults",
      Parameters: { "QueryExecutionId.$": "$.check.query.QueryExecutionId", MaxResults: 2 },
      ResultSelector: { "Rows.$": "$.ResultSet.Rows" },
      ResultPath: "$.check.results",
      TimeoutSeconds: TASK_TIMEOUTS.sdkCallSeconds,
      Retry: [athenaRetrier()],
      Catch: catchAll(S.getValidationResultsFailed),
      Next: S.countValidationRun,
    },
    [S.countValidationRun]: {
      Type: "Pass",
      Parameters: { "runs.$": "States.MathAdd($.check.runs, 1)", "rows.$": "$.check.results.Rows" },
      ResultPath: "$.check",
      Next: S.hasValidationRow,
    },
    [S.hasValidationRow]: {
      Type: "Choice",
      Comment: "Rows[0] is the header. A query that returns no data row (or NULL counts) fails: it must never pass as zero",
      Choices: [
        {
          And: [
            { Variable: "$.check.rows[1].Data[0].VarCharValue", IsPresent: true },
            { Variable: "$.check.rows[1].Data[1].VarCharValue", IsPresent: true },
          ],
          Next: S.parseValidationRow,
        },
      ],
      Default: S.noValidationRows,
    },
    [S.noValidationRows]: failure(S.getValidationResults, "$.extract.batchId", E.noValidationRows, {
      Cause: "validation query returned no rows (expected one row: found, missing_required)",
    }),
    [S.parseValidationRow]: {
      Type: "Pass",
      Parameters: {
        "runs.$": "$.check.runs",
        "found.$": "States.StringToJson($.check.rows[1].Data[0].VarCharValue)",
        "missingRequired.$": "States.StringToJson($.check.rows[1].Data[1].VarCharValue)",
      },
      ResultPath: "$.check",
      Next: S.compareCounts,
    },
    [S.compareCounts]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.check.missingRequired", NumericGreaterThan: 0, Next: S.requiredColumnsMissing },
        { Variable: "$.check.found", NumericEqualsPath: "$.extract.validation.expectedCount", Next: S.finalizeBatch },
        { Variable: "$.check.found", NumericGreaterThanPath: "$.extract.validation.expectedCount", Next: S.unexpectedRecords },
      ],
      Default: S.validationRunsLeft,
    },
    [S.requiredColumnsMissing]: failure(S.getValidationResults, "$.extract.batchId", E.requiredColumnsMissing, {
      "Cause.$": "States.Format('{} rows of the batch have a NULL required column (missing_required = {})', $.check.missingRequired, $.check.missingRequired)",
    }),
    [S.unexpectedRecords]: failure(S.getValidationResults, "$.extract.batchId", E.unexpectedRecords, {
      "Cause.$":
        "States.Format('validation expected {} records but found {}: more distinct ids carry this batch id than were pushed', $.extract.validation.expectedCount, $.check.found)",
    }),
    [S.validationRunsLeft]: {
      Type: "Choice",
      Comment: `At most ${props.validationAttempts} validation runs, ${props.validationRetryWaitSeconds} s apart: late Firehose objects get a chance to land`,
      Choices: [{ Variable: "$.check.runs", NumericGreaterThanEquals: props.validationAttempts, Next: S.countMismatch }],
      Default: S.waitBeforeRevalidation,
    },
    [S.waitBeforeRevalidation]: { Type: "Wait", Seconds: props.validationRetryWaitSeconds, Next: beforeRequery },
    [S.countMismatch]: failure(S.getValidationResults, "$.extract.batchId", E.countMismatch, {
      "Cause.$": "States.Format('validation expected {} records but found {} after {} validation runs', $.extract.validation.expectedCount, $.check.found, $.check.runs)",
    }),

    // ── finalize ─────────────────────────────────────────────────────────────────────────────
    [S.finalizeBatch]: lambdaTask({
      functionArn: props.finalizeFunctionArn,
      payload: { "batchId.$": "$.extract.batchId", "manifestKey.$": "$.extract.manifestKey", "executionId.$": "$$.Execution.Id" },
      timeoutSeconds: lambdaTimeout(props.lambdaTimeoutSeconds.finalize),
      resultSelector: { "moved.$": "$.Payload.moved" },
      resultPath: "$.finalize",
      next: S.summariseBatch,
      failedState: S.finalizeBatchFailed,
    }),
    [S.summariseBatch]: {
      Type: "Pass",
      Parameters: {
        "batchId.$": "$.extract.batchId",
        "pushed.$": "$.extract.recordCount",
        "found.$": "$.check.found",
        "rejected.$": "$.extract.rejectedCount",
        "chunks.$": "$.push.chunks",
        "validationRuns.$": "$.check.runs",
        "landingFilesMoved.$": "$.finalize.moved",
      },
      Next: S.batchLoaded,
    },
    [S.batchLoaded]: { Type: "Succeed" },

    // ── failure path: per-task recorder → CollectTaskError → DescribeFailure → NotifyFailure → BatchFailed
    [S.extractBatchFailed]: taskFailed(S.extractBatch, NO_BATCH_ID),
    [S.pushToKinesisFailed]: taskFailed(S.pushToKinesis, "$.extract.batchId"),
    [S.checkDeliveryFailed]: taskFailed(S.checkDelivery, "$.extract.batchId"),
    ...(crawlerName === null
      ? {}
      : {
          [S.startCrawlerFailed]: taskFailed(S.startCrawler, "$.extract.batchId"),
          [S.getCrawlerStateFailed]: taskFailed(S.getCrawlerState, "$.extract.batchId"),
          [S.getLastCrawlFailed]: taskFailed(S.getLastCrawl, "$.extract.batchId"),
        }),
    [S.runValidationQueryFailed]: taskFailed(S.runValidationQuery, "$.extract.batchId"),
    [S.getValidationResultsFailed]: taskFailed(S.getValidationResults, "$.extract.batchId"),
    [S.finalizeBatchFailed]: taskFailed(S.finalizeBatch, "$.extract.batchId"),
    [S.collectTaskError]: {
      Type: "Pass",
      Comment: "A Catch output always has Error but Cause is optional: merge it over a default so later paths exist",
      Parameters: {
        "failedState.$": "$.failure.failedState",
        "batchId.$": "$.failure.batchId",
        "error.$": "States.JsonMerge($.failure.errorDefaults, $.error, false)",
      },
      ResultPath: "$.failure",
      Next: S.describeFailure,
    },
    [S.describeFailure]: {
      Type: "Pass",
      Parameters: {
        "failedState.$": "$.failure.failedState",
        "batchId.$": "$.failure.batchId",
        "error.$": "$.failure.error",
        "message.$":
          "States.Format('Batch workflow failed in state {}. Batch: {}. Error: {}. Cause: {}. Execution: {}. Input: {}', $.failure.failedState, $.failure.batchId, $.failure.error.Error, $.failure.error.Cause, $$.Execution.Id, States.JsonToString($$.Execution.Input))",
      },
      ResultPath: "$.failure",
      Next: S.notifyFailure,
    },
    [S.notifyFailure]: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: { TopicArn: props.notificationTopicArn, Subject: "Batch load failed", "Message.$": "$.failure.message" },
      ResultPath: null,
      TimeoutSeconds: TASK_TIMEOUTS.sdkCallSeconds,
      Retry: [
        { ErrorEquals: ["SNS.ThrottledException", "SNS.KMSThrottlingException", "SNS.InternalErrorException"], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, JitterStrategy: "FULL" },
        { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 },
      ],
      // Straight to the Fail state: a failing notification must not loop back into the failure path.
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.notifyError", Next: S.batchFailed }],
      Next: S.batchFailed,
    },
    [S.batchFailed]: {
      Type: "Fail",
      Comment: "The execution's error is the original error name; its cause is the notification text",
      ErrorPath: "$.failure.error.Error",
      CausePath: "$.failure.message",
    },
  };

  return {
    Comment: [
      "Batch load: validates the input, extracts and claims the batch (skipping empty or already-claimed batches),",
      "pushes its staged chunks into Kinesis, waits (bounded) until Firehose wrote to every partition the batch expects,",
      crawlerName === null
        ? "then (partition projection: no crawl) proves with Athena that every pushed record is queryable (bounded re-runs)"
        : "runs the Glue crawler and polls it (bounded), then proves with Athena that every pushed record is queryable (bounded re-runs, each after a new crawl)",
      "before finalizing. Every task retries transient errors; anything else is recorded, published to SNS and",
      "ends the execution in BatchFailed with the original error name.",
    ].join(" "),
    StartAt: S.checkInput,
    TimeoutSeconds: props.executionTimeoutSeconds,
    States: states,
  };
}

interface LambdaTaskOptions {
  readonly functionArn: string;
  readonly payload: PayloadTemplate;
  readonly timeoutSeconds: number;
  readonly resultSelector: PayloadTemplate;
  /** Omitted: the result replaces the state input. */
  readonly resultPath?: string;
  readonly next: string;
  readonly failedState: string;
}

function lambdaTask(o: LambdaTaskOptions): TaskState {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: o.functionArn, Payload: o.payload },
    ResultSelector: o.resultSelector,
    ...(o.resultPath === undefined ? {} : { ResultPath: o.resultPath }),
    TimeoutSeconds: o.timeoutSeconds,
    Retry: lambdaRetriers(),
    Catch: lambdaCatchers(o.failedState),
    Next: o.next,
  };
}

/** A GetCrawler call (AWS SDK integration) keeping only `resultSelector` of the large response. */
function getCrawlerTask(crawlerName: string, resultSelector: PayloadTemplate, resultPath: string, failedState: string, next: string): TaskState {
  return {
    Type: "Task",
    Resource: "arn:aws:states:::aws-sdk:glue:getCrawler",
    Parameters: { Name: crawlerName },
    ResultSelector: resultSelector,
    ResultPath: resultPath,
    TimeoutSeconds: TASK_TIMEOUTS.sdkCallSeconds,
    Retry: [glueRetrier()],
    Catch: catchAll(failedState),
    Next: next,
  };
}

/**
 * Lambda service errors, Lambda throttling, and the functions' own transient errors are retried; the
 * permanent {@link BATCH_ERRORS} never match a retrier (they are caught at once by {@link lambdaCatchers}).
 */
function lambdaRetriers(): Retrier[] {
  return [
    { ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL" },
    { ErrorEquals: ["Lambda.TooManyRequestsException"], IntervalSeconds: 5, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: "FULL" },
    { ErrorEquals: [...TRANSIENT_FUNCTION_ERRORS], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: "FULL" },
  ];
}

/** Errors the batch functions throw that no retry can fix (bad input, a batch too large, records Kinesis kept refusing). */
export const PERMANENT_FUNCTION_ERRORS: readonly string[] = Object.values(BATCH_ERRORS);

/** A Lambda task's Catch: the permanent errors by name (never retried), then everything else. Both record the failure and notify. */
function lambdaCatchers(failedState: string): Catcher[] {
  return [{ ErrorEquals: [...PERMANENT_FUNCTION_ERRORS], ResultPath: "$.error", Next: failedState }, ...catchAll(failedState)];
}

function glueRetrier(): Retrier {
  return {
    ErrorEquals: ["Glue.ThrottlingException", "Glue.OperationTimeoutException", "Glue.InternalServiceException"],
    IntervalSeconds: 5,
    MaxAttempts: 5,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  };
}

function athenaRetrier(): Retrier {
  return { ErrorEquals: ["Athena.TooManyRequestsException"], IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: "FULL" };
}

function catchAll(next: string): Catcher[] {
  return [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];
}

/** `batchId` is a literal, or a JSONPath when it starts with `$`. */
function batchIdField(batchId: string): PayloadTemplate {
  return batchId.startsWith("$") ? { "batchId.$": batchId } : { batchId };
}

/** Per-task recorder: names the failed task, keeps the batch id, and brings a default Cause. */
function taskFailed(failedState: string, batchId: string): State {
  return {
    Type: "Pass",
    Parameters: { failedState, ...batchIdField(batchId), errorDefaults: { Cause: "no cause was reported" } },
    ResultPath: "$.failure",
    Next: S.collectTaskError,
  };
}

/** A failure the workflow detects itself (timeouts, bad counts): records it like a caught task error. */
function failure(failedState: string, batchId: string, error: string, cause: PayloadTemplate): State {
  return {
    Type: "Pass",
    Parameters: { failedState, ...batchIdField(batchId), error: { Error: error, ...cause } },
    ResultPath: "$.failure",
    Next: S.describeFailure,
  };
}

function nonNegative(name: string, value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 ? undefined : `${name} must be a number ≥ 0, got ${value}`;
}

function validate(props: BatchWorkflowProps): void {
  const problems: string[] = [];
  const int = (name: string, value: number, min: number, max: number, why = "") => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer ${min}..${max}${why}, got ${value}`);
    }
  };
  for (const key of ["extractFunctionArn", "pushFunctionArn", "deliveryCheckFunctionArn", "finalizeFunctionArn", "workgroup", "notificationTopicArn"] as const) {
    if (typeof props[key] !== "string" || props[key].trim() === "") problems.push(`${key} must be a non-empty string, got ${JSON.stringify(props[key])}`);
  }
  if (props.crawlerName !== null && (typeof props.crawlerName !== "string" || props.crawlerName.trim() === "")) {
    problems.push(`crawlerName must be a non-empty string, or null under partition projection, got ${JSON.stringify(props.crawlerName)}`);
  }
  for (const key of ["extract", "push", "deliveryCheck", "finalize"] as const) {
    int(`lambdaTimeoutSeconds.${key}`, props.lambdaTimeoutSeconds[key], 1, 900, " (Lambda's limit)");
  }
  int("pushConcurrency", props.pushConcurrency, 1, INLINE_MAP_MAX_CONCURRENCY, ` (an inline Map runs at most ${INLINE_MAP_MAX_CONCURRENCY} iterations at once)`);
  int("deliveryPollSeconds", props.deliveryPollSeconds, 1, 3600);
  int("deliveryTimeoutSeconds", props.deliveryTimeoutSeconds, props.deliveryPollSeconds, 86_400, " (at least one poll interval)");
  int("crawlerPollSeconds", props.crawlerPollSeconds, 1, 3600);
  int("crawlerTimeoutSeconds", props.crawlerTimeoutSeconds, props.crawlerPollSeconds, 86_400, " (at least one poll interval)");
  int("validationAttempts", props.validationAttempts, 1, 10);
  int("validationRetryWaitSeconds", props.validationRetryWaitSeconds, 1, 3600);
  if (problems.length === 0) {
    int("executionTimeoutSeconds", props.executionTimeoutSeconds, loopBudgetSeconds(props), 31_536_000, " (at least the loop budget: delivery + crawler timeouts + waits between validation runs)");
  }
  if (problems.length > 0) throw new Error(`buildBatchWorkflow: ${problems.join("; ")}`);
}

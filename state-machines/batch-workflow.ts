/**
 * The batch workflow as an Amazon States Language object (JSONPath, STANDARD type). Pure: no cdktf,
 * no SDK; `BatchStage` serialises the result into `aws_sfn_state_machine.definition`, tests run it in
 * aws-local-stepfunctions, and the operator CLI refers to states through {@link BATCH_STATES}.
 *
 * State data, by path (every payload stays small; records live in S3):
 * - `$.plan`     the PlanOutput (the execution input is dropped once it is known; it stays in `$$.Execution.Input`)
 * - `$.push`     `{ startedAt }`: when the distributed extract and push began
 * - `$.mapRun`   `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }` once every range is pushed (the
 *                children's outputs are in S3, never in this execution's state or history)
 * - `$.extract`  the ExtractOutput fields SummarizeBatch returns (counts, event hours, validation query)
 * - `$.delivery` `{ checks, pushFinishedAt, last? }` while waiting for Firehose
 * - `$.check`    `{ runs, found?, missingRequired? }` from delivery on (initialised before the first crawl)
 * - `$.crawler`  `{ polls, start: { started }, status?: { State }, outcome?: { LastCrawl } }` (not under partition projection)
 * - `$.error`    the caught `{ Error, Cause }`; `$.failure` `{ failedState, batchId, error, message }` on the failure path
 */
import type { BatchExecutionInput } from "../contract/batch";
import type { State, StateMachineDefinition } from "./asl";
import { crawlPhase } from "./batch/crawl";
import { deliveryPhase } from "./batch/delivery";
import { extractAndPushPhase } from "./batch/extract-and-push";
import { failureNotificationPhase } from "./batch/failure-notification";
import { finalizePhase } from "./batch/finalize";
import { inputCheckPhase } from "./batch/input-check";
import { BATCH_STATES as S } from "./batch/names";
import { planPhase } from "./batch/plan";
import { summarizePhase } from "./batch/summarize";
import type { Phase } from "./batch/tasks";
import { validationPhase } from "./batch/validation";
import { INLINE_MAP_MAX_CONCURRENCY, loopBudgetSeconds } from "./timing";

/** The execution input (from the contract): `{ scheduledTime, force?, replay? }`. */
export type { BatchExecutionInput };

export { BATCH_STATES, BATCH_WORKFLOW_ERRORS } from "./batch/names";
export { LAMBDA_SERVICE_ERRORS, PERMANENT_FUNCTION_ERRORS, TRANSIENT_FUNCTION_ERRORS } from "./batch/tasks";
export {
  DELIVERY_MARGIN_SECONDS,
  type DeliveryTiming,
  deliveryTimeoutSeconds,
  INLINE_MAP_MAX_CONCURRENCY,
  loopBudgetSeconds,
  TASK_TIMEOUTS,
} from "./timing";

/** What the workflow needs to know: the functions it invokes, the resources it drives, and its time budgets. */
export interface BatchWorkflowProps {
  /** Extract function: PlanBatch (claims, plans byte ranges), ExtractRange (one range per child execution) and SummarizeBatch. */
  readonly extractFunctionArn: string;
  /** Push function: one staged chunk into Kinesis per inline Map iteration; throws RecordsUndelivered. */
  readonly pushFunctionArn: string;
  /** The lake bucket: the Distributed Map reads the planned ranges from it and writes its results to it. */
  readonly lakeBucketName: string;
  /** Delivery check function: reports whether Firehose wrote data objects since the push. */
  readonly deliveryCheckFunctionArn: string;
  /** Finalize function: moves the landing files (or replayed error objects) to processed/ and closes the claim marker. */
  readonly finalizeFunctionArn: string;
  /** Each function's configured timeout, in seconds (the Task timeout adds `TASK_TIMEOUTS.lambdaMarginSeconds`). */
  readonly lambdaTimeoutSeconds: {
    readonly extract: number;
    readonly push: number;
    readonly deliveryCheck: number;
    readonly finalize: number;
  };
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
  /** Ranges extracted and pushed at once (the Distributed Map's MaxConcurrency; each pushes one chunk at a time), 1–{@link INLINE_MAP_MAX_CONCURRENCY}. */
  readonly pushConcurrency: number;
  /** Seconds between delivery checks. */
  readonly deliveryPollSeconds: number;
  /** Total budget for delivery checks; see `deliveryTimeoutSeconds` in `./timing`. */
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

/** Output of an execution that ends in BatchLoaded. (BatchSkipped outputs the ExtractOutput.) */
export interface BatchLoadedOutput {
  readonly batchId: string;
  /** Records pushed (the ExtractOutput's recordCount). */
  readonly pushed: number;
  /** Distinct records of the batch Athena found. */
  readonly found: number;
  /** Lines the extract rejected. */
  readonly rejected: number;
  /** Byte ranges read, one child execution each. */
  readonly ranges: number;
  readonly validationRuns: number;
  /** Objects finalize moved to processed/: the landing files, or for a replay of errors/ the error objects. */
  readonly landingFilesMoved: number;
}

/**
 * Builds the batch workflow: check input → PlanBatch → (skipped? BatchSkipped) → ExtractAndPush
 * (Distributed Map: one child execution per byte range, ExtractRange then an inline Map of PushChunk)
 * → SummarizeBatch (AllRecordsRejected when no record was accepted) → bounded delivery polling until every expected partition has a new object →
 * StartCrawler and bounded crawler polling (skipped under partition projection) → Athena validation
 * with bounded re-runs, each re-run after a fresh crawl → FinalizeBatch → BatchLoaded. Every task
 * retries transient errors, never retries the permanent `BATCH_ERRORS`, and catches the rest
 * into one NotifyFailure → BatchFailed path; invalid input takes the same path. Throws one aggregated
 * error naming every invalid prop.
 */
export function buildBatchWorkflow(props: BatchWorkflowProps): StateMachineDefinition {
  validate(props);
  const t = props.lambdaTimeoutSeconds;
  const crawl =
    props.crawlerName === null
      ? null
      : crawlPhase({
          crawlerName: props.crawlerName,
          pollSeconds: props.crawlerPollSeconds,
          timeoutSeconds: props.crawlerTimeoutSeconds,
          next: S.runValidationQuery,
        });
  const finalize = finalizePhase({ functionArn: props.finalizeFunctionArn, functionTimeoutSeconds: t.finalize });
  const validation = validationPhase({
    workgroup: props.workgroup,
    attempts: props.validationAttempts,
    retryWaitSeconds: props.validationRetryWaitSeconds,
    crawl,
    next: finalize.entry,
  });
  const delivery = deliveryPhase({
    functionArn: props.deliveryCheckFunctionArn,
    functionTimeoutSeconds: t.deliveryCheck,
    pollSeconds: props.deliveryPollSeconds,
    timeoutSeconds: props.deliveryTimeoutSeconds,
    next: validation.entry,
  });
  const summarize = summarizePhase({ functionArn: props.extractFunctionArn, functionTimeoutSeconds: t.extract, next: delivery.entry });
  const extractAndPush = extractAndPushPhase({
    extractFunctionArn: props.extractFunctionArn,
    extractTimeoutSeconds: t.extract,
    pushFunctionArn: props.pushFunctionArn,
    pushTimeoutSeconds: t.push,
    lakeBucketName: props.lakeBucketName,
    concurrency: props.pushConcurrency,
    next: summarize.entry,
  });
  const plan = planPhase({ functionArn: props.extractFunctionArn, functionTimeoutSeconds: t.extract, next: extractAndPush.entry });
  const input = inputCheckPhase({ next: plan.entry });
  const notification = failureNotificationPhase({ topicArn: props.notificationTopicArn });
  const phases: readonly Phase[] = [input, plan, extractAndPush, summarize, delivery, validation, finalize];
  return {
    Comment: workflowComment(crawl !== null),
    StartAt: input.entry,
    TimeoutSeconds: props.executionTimeoutSeconds,
    States: composeStates(phases, notification),
  };
}

/** Every phase's states in order, then their failure recorders, then the notification path. */
function composeStates(phases: readonly Phase[], notification: Phase): Record<string, State> {
  return Object.assign({}, ...phases.map((p) => p.states), ...phases.map((p) => p.recorders), notification.states);
}

/** The definition's top-level Comment. */
function workflowComment(crawls: boolean): string {
  return [
    "Batch load: validates the input, claims the batch and plans byte ranges of its sources (skipping empty or already-claimed batches),",
    "extracts and pushes each range into Kinesis in its own child execution (Distributed Map), sums the ranges (failing when every record was rejected),",
    "waits (bounded) until Firehose wrote to every partition the batch expects,",
    crawls
      ? "runs the Glue crawler and polls it (bounded), then proves with Athena that every pushed record is queryable (bounded re-runs, each after a new crawl)"
      : "then (partition projection: no crawl) proves with Athena that every pushed record is queryable (bounded re-runs)",
    "before finalizing. Every task retries transient errors; anything else is recorded, published to SNS and",
    "ends the execution in BatchFailed with the original error name.",
  ].join(" ");
}

/** Throws one aggregated error naming every invalid prop. */
function validate(props: BatchWorkflowProps): void {
  const problems: string[] = [];
  const int = (name: string, value: number, min: number, max: number, why = "") => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer ${min}..${max}${why}, got ${value}`);
    }
  };
  for (const key of [
    "extractFunctionArn",
    "pushFunctionArn",
    "deliveryCheckFunctionArn",
    "finalizeFunctionArn",
    "lakeBucketName",
    "workgroup",
    "notificationTopicArn",
  ] as const) {
    if (typeof props[key] !== "string" || props[key].trim() === "")
      problems.push(`${key} must be a non-empty string, got ${JSON.stringify(props[key])}`);
  }
  if (props.crawlerName !== null && (typeof props.crawlerName !== "string" || props.crawlerName.trim() === "")) {
    problems.push(`crawlerName must be a non-empty string, or null under partition projection, got ${JSON.stringify(props.crawlerName)}`);
  }
  for (const key of ["extract", "push", "deliveryCheck", "finalize"] as const) {
    int(`lambdaTimeoutSeconds.${key}`, props.lambdaTimeoutSeconds[key], 1, 900, " (Lambda's limit)");
  }
  int(
    "pushConcurrency",
    props.pushConcurrency,
    1,
    INLINE_MAP_MAX_CONCURRENCY,
    ` (the stream's push concurrency, capped at ${INLINE_MAP_MAX_CONCURRENCY})`,
  );
  int("deliveryPollSeconds", props.deliveryPollSeconds, 1, 3600);
  int("deliveryTimeoutSeconds", props.deliveryTimeoutSeconds, props.deliveryPollSeconds, 86_400, " (at least one poll interval)");
  int("crawlerPollSeconds", props.crawlerPollSeconds, 1, 3600);
  int("crawlerTimeoutSeconds", props.crawlerTimeoutSeconds, props.crawlerPollSeconds, 86_400, " (at least one poll interval)");
  int("validationAttempts", props.validationAttempts, 1, 10);
  int("validationRetryWaitSeconds", props.validationRetryWaitSeconds, 1, 3600);
  if (problems.length === 0) {
    int(
      "executionTimeoutSeconds",
      props.executionTimeoutSeconds,
      loopBudgetSeconds(props),
      31_536_000,
      " (at least the loop budget: delivery + crawler timeouts + waits between validation runs)",
    );
  }
  if (problems.length > 0) throw new Error(`buildBatchWorkflow: ${problems.join("; ")}`);
}

/**
 * Validation with re-crawl: an Athena query proves every pushed record is queryable, with bounded
 * re-runs after a shortfall. Each re-run crawls again first (unless partition projection leaves
 * nothing to crawl), so partitions that landed late are registered.
 */
import type { State } from "../asl";
import { TASK_TIMEOUTS, VALIDATION_QUERY_RESUBMITS } from "../timing";
import type { CrawlPhase } from "./crawl";
import { BATCH_STATES as S, BATCH_WORKFLOW_ERRORS as E } from "./names";
import { athenaRetrier, catchAll, failure, type Phase, taskFailed } from "./tasks";

/** The workgroup, the re-run bounds, the crawl (null under projection) and where a validated batch goes. */
export interface ValidationPhaseInput {
  /** Athena workgroup the query runs in. */
  readonly workgroup: string;
  /** Validation query runs before a shortfall becomes CountMismatch. */
  readonly attempts: number;
  /** Seconds to wait before re-running the query after a shortfall. */
  readonly retryWaitSeconds: number;
  /** The crawl before the first query and before each re-run (it must lead to {@link S.runValidationQuery}); null: no crawl. */
  readonly crawl: CrawlPhase | null;
  /** Where a batch whose counts match goes. */
  readonly next: string;
}

/** StartValidation → crawl? → RunValidationQuery → … → `next`, or a validation failure. Its states embed the crawl's. */
export function validationPhase(o: ValidationPhaseInput): Phase {
  const start: Record<string, State> = {
    [S.startValidation]: {
      Type: "Pass",
      Comment: "Initialised once, before the first crawl: re-validations re-crawl and must keep counting",
      Result: { runs: 0, resubmits: 0 },
      ResultPath: "$.check",
      Next: o.crawl?.entry ?? S.runValidationQuery,
    },
  };
  return {
    entry: S.startValidation,
    states: { ...start, ...o.crawl?.states, ...validationQuery(o.workgroup), ...queryResubmission(), ...validationChecks(o) },
    recorders: {
      ...o.crawl?.recorders,
      [S.runValidationQueryFailed]: taskFailed(S.runValidationQuery, "$.extract.batchId"),
      [S.getValidationResultsFailed]: taskFailed(S.getValidationResults, "$.extract.batchId"),
    },
  };
}

/** RunValidationQuery → GetValidationResults → CountValidationRun → ParseValidationRow, or NoValidationRows. */
function validationQuery(workgroup: string): Record<string, State> {
  return {
    [S.runValidationQuery]: {
      Type: "Task",
      Resource: "arn:aws:states:::athena:startQueryExecution.sync",
      Parameters: {
        "QueryString.$": "$.extract.validation.query",
        WorkGroup: workgroup,
        // Same token for retries of one submission (no duplicate query); a new one for each re-run and re-submission.
        "ClientRequestToken.$":
          "States.Hash(States.Format('{}/validation/{}/{}', $$.Execution.Id, $.check.runs, $.check.resubmits), 'SHA-256')",
      },
      ResultSelector: { "QueryExecutionId.$": "$.QueryExecution.QueryExecutionId" },
      ResultPath: "$.check.query",
      TimeoutSeconds: TASK_TIMEOUTS.athenaQuerySeconds,
      Retry: [athenaRetrier()],
      // A query that ended FAILED (.sync: States.TaskFailed, which as a Catch matches every error but States.Timeout:
      // https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html) is re-submitted; a timeout is not.
      Catch: [
        { ErrorEquals: ["States.Timeout"], ResultPath: "$.error", Next: S.runValidationQueryFailed },
        { ErrorEquals: ["States.TaskFailed"], ResultPath: "$.error", Next: S.canResubmitValidationQuery },
        ...catchAll(S.runValidationQueryFailed),
      ],
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
      Parameters: { "runs.$": "States.MathAdd($.check.runs, 1)", "resubmits.$": "$.check.resubmits", "rows.$": "$.check.results.Rows" },
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
        "resubmits.$": "$.check.resubmits",
        "found.$": "States.StringToJson($.check.rows[1].Data[0].VarCharValue)",
        "missingRequired.$": "States.StringToJson($.check.rows[1].Data[1].VarCharValue)",
      },
      ResultPath: "$.check",
      Next: S.compareCounts,
    },
  };
}

/** A validation query that ended FAILED runs again under a new token, at most VALIDATION_QUERY_RESUBMITS times per batch. */
function queryResubmission(): Record<string, State> {
  return {
    [S.canResubmitValidationQuery]: {
      Type: "Choice",
      Comment: `Athena failures can be transient (AthenaError.Retryable): re-submit, at most ${VALIDATION_QUERY_RESUBMITS} times per batch, then fail loudly`,
      Choices: [{ Variable: "$.check.resubmits", NumericGreaterThanEquals: VALIDATION_QUERY_RESUBMITS, Next: S.runValidationQueryFailed }],
      Default: S.countValidationQueryResubmit,
    },
    [S.countValidationQueryResubmit]: {
      Type: "Pass",
      Parameters: { "runs.$": "$.check.runs", "resubmits.$": "States.MathAdd($.check.resubmits, 1)" },
      ResultPath: "$.check",
      Next: S.runValidationQuery,
    },
  };
}

/** CompareCounts → `next`, a count failure, or a wait (and re-crawl) before the next run. */
function validationChecks(o: ValidationPhaseInput): Record<string, State> {
  return {
    [S.compareCounts]: {
      Type: "Choice",
      Choices: [
        { Variable: "$.check.missingRequired", NumericGreaterThan: 0, Next: S.requiredColumnsMissing },
        { Variable: "$.check.found", NumericEqualsPath: "$.extract.validation.expectedCount", Next: o.next },
        { Variable: "$.check.found", NumericGreaterThanPath: "$.extract.validation.expectedCount", Next: S.unexpectedRecords },
      ],
      Default: S.validationRunsLeft,
    },
    [S.requiredColumnsMissing]: failure(S.getValidationResults, "$.extract.batchId", E.requiredColumnsMissing, {
      "Cause.$":
        "States.Format('{} rows of the batch have a NULL required column (missing_required = {})', $.check.missingRequired, $.check.missingRequired)",
    }),
    [S.unexpectedRecords]: failure(S.getValidationResults, "$.extract.batchId", E.unexpectedRecords, {
      "Cause.$":
        "States.Format('validation expected {} records but found {}: more distinct ids carry this batch id than were pushed', $.extract.validation.expectedCount, $.check.found)",
    }),
    [S.validationRunsLeft]: {
      Type: "Choice",
      Comment: `At most ${o.attempts} validation runs, ${o.retryWaitSeconds} s apart: late Firehose objects get a chance to land`,
      Choices: [{ Variable: "$.check.runs", NumericGreaterThanEquals: o.attempts, Next: S.countMismatch }],
      Default: S.waitBeforeRevalidation,
    },
    [S.waitBeforeRevalidation]: { Type: "Wait", Seconds: o.retryWaitSeconds, Next: o.crawl?.recrawl ?? S.runValidationQuery },
    [S.countMismatch]: failure(S.getValidationResults, "$.extract.batchId", E.countMismatch, {
      "Cause.$":
        "States.Format('validation expected {} records but found {} after {} validation runs', $.extract.validation.expectedCount, $.check.found, $.check.runs)",
    }),
  };
}

/**
 * Building blocks the phases share: the phase shape, Lambda and Glue tasks with their retriers and
 * catchers, and the two ways a failure is recorded before the notification path.
 */
import { BATCH_ERRORS } from "../../contract/errors";
import type { Catcher, PayloadTemplate, Retrier, State, TaskState } from "../asl";
import { TASK_TIMEOUTS } from "../timing";
import { BATCH_STATES as S } from "./names";

/** What a phase contributes to the definition. */
export interface Phase {
  /** The state the phase starts at. */
  readonly entry: string;
  /** Its states, in definition order. */
  readonly states: Readonly<Record<string, State>>;
  /** Its tasks' failure recorders ({@link taskFailed}), in definition order; they go after every phase's states. */
  readonly recorders: Readonly<Record<string, State>>;
}

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

/** Errors the batch functions throw that no retry can fix (bad input, a batch too large, records Kinesis kept refusing). */
export const PERMANENT_FUNCTION_ERRORS: readonly string[] = Object.values(BATCH_ERRORS);

/** A `lambda:invoke` task with the standard retriers and catchers. */
export interface LambdaTaskOptions {
  readonly functionArn: string;
  readonly payload: PayloadTemplate;
  readonly timeoutSeconds: number;
  readonly resultSelector: PayloadTemplate;
  /** Omitted: the result replaces the state input. */
  readonly resultPath?: string;
  readonly next: string;
  readonly failedState: string;
}

/** A `lambda:invoke` Task: {@link lambdaRetriers}, then {@link lambdaCatchers} into `failedState`. */
export function lambdaTask(o: LambdaTaskOptions): TaskState {
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
export function getCrawlerTask(
  crawlerName: string,
  resultSelector: PayloadTemplate,
  resultPath: string,
  failedState: string,
  next: string,
): TaskState {
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
export function lambdaRetriers(): Retrier[] {
  return [
    { ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL" },
    {
      ErrorEquals: ["Lambda.TooManyRequestsException"],
      IntervalSeconds: 5,
      MaxAttempts: 6,
      BackoffRate: 2,
      MaxDelaySeconds: 120,
      JitterStrategy: "FULL",
    },
    {
      ErrorEquals: [...TRANSIENT_FUNCTION_ERRORS],
      IntervalSeconds: 5,
      MaxAttempts: 3,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: "FULL",
    },
  ];
}

/** A Lambda task's Catch: the permanent errors by name (never retried), then everything else. Both record the failure and notify. */
export function lambdaCatchers(failedState: string): Catcher[] {
  return [{ ErrorEquals: [...PERMANENT_FUNCTION_ERRORS], ResultPath: "$.error", Next: failedState }, ...catchAll(failedState)];
}

/** Glue throttling and server-side errors. */
export function glueRetrier(): Retrier {
  return {
    ErrorEquals: ["Glue.ThrottlingException", "Glue.OperationTimeoutException", "Glue.InternalServiceException"],
    IntervalSeconds: 5,
    MaxAttempts: 5,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  };
}

/** Athena throttling. */
export function athenaRetrier(): Retrier {
  return {
    ErrorEquals: ["Athena.TooManyRequestsException"],
    IntervalSeconds: 5,
    MaxAttempts: 5,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: "FULL",
  };
}

/** Every error into `next`, kept at `$.error`. */
export function catchAll(next: string): Catcher[] {
  return [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];
}

/** `batchId` is a literal, or a JSONPath when it starts with `$`. */
function batchIdField(batchId: string): PayloadTemplate {
  return batchId.startsWith("$") ? { "batchId.$": batchId } : { batchId };
}

/** Per-task recorder: names the failed task, keeps the batch id, and brings a default Cause. */
export function taskFailed(failedState: string, batchId: string): State {
  return {
    Type: "Pass",
    Parameters: { failedState, ...batchIdField(batchId), errorDefaults: { Cause: "no cause was reported" } },
    ResultPath: "$.failure",
    Next: S.collectTaskError,
  };
}

/** A failure the workflow detects itself (timeouts, bad counts): records it like a caught task error. */
export function failure(failedState: string, batchId: string, error: string, cause: PayloadTemplate): State {
  return {
    Type: "Pass",
    Parameters: { failedState, ...batchIdField(batchId), error: { Error: error, ...cause } },
    ResultPath: "$.failure",
    Next: S.describeFailure,
  };
}

/**
 * Failure notification: every failure, recorded by a task's recorder or detected by the workflow,
 * is described, published once to SNS, and ends the execution in BatchFailed with the original error name.
 */
import type { State } from "../asl";
import { TASK_TIMEOUTS } from "../timing";
import { BATCH_STATES as S } from "./names";
import type { Phase } from "./tasks";

/** The topic that receives one message per failed execution. */
export interface FailureNotificationPhaseInput {
  readonly topicArn: string;
}

/** CollectTaskError → DescribeFailure → NotifyFailure → BatchFailed. Recorders enter at CollectTaskError, detected failures at DescribeFailure. */
export function failureNotificationPhase(o: FailureNotificationPhaseInput): Phase {
  const states: Record<string, State> = {
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
      Parameters: { TopicArn: o.topicArn, Subject: "Batch load failed", "Message.$": "$.failure.message" },
      ResultPath: null,
      TimeoutSeconds: TASK_TIMEOUTS.sdkCallSeconds,
      Retry: [
        {
          ErrorEquals: ["SNS.ThrottledException", "SNS.KMSThrottlingException", "SNS.InternalErrorException"],
          IntervalSeconds: 2,
          MaxAttempts: 5,
          BackoffRate: 2,
          JitterStrategy: "FULL",
        },
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
  return { entry: S.collectTaskError, states, recorders: {} };
}

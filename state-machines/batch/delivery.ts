/** Delivery: bounded polling until Firehose wrote a new object to every partition the batch expects. */
import type { State } from "../asl";
import { lambdaTaskTimeoutSeconds, maxPolls } from "../timing";
import { BATCH_STATES as S, BATCH_WORKFLOW_ERRORS as E } from "./names";
import { failure, lambdaTask, type Phase, taskFailed } from "./tasks";

/** The delivery check function, the polling interval and budget, and where a delivered batch goes. */
export interface DeliveryPhaseInput {
  readonly functionArn: string;
  /** The function's own timeout, in seconds. */
  readonly functionTimeoutSeconds: number;
  /** Seconds between delivery checks. */
  readonly pollSeconds: number;
  /** Total budget for delivery checks, in seconds. */
  readonly timeoutSeconds: number;
  /** Where the batch goes once delivered. */
  readonly next: string;
}

/** StartDeliveryChecks → (WaitForDelivery → CheckDelivery → IsDelivered)* → `next`, or DeliveryTimedOut. */
export function deliveryPhase(o: DeliveryPhaseInput): Phase {
  const maxDeliveryChecks = maxPolls(o.timeoutSeconds, o.pollSeconds);
  const states: Record<string, State> = {
    [S.startDeliveryChecks]: {
      Type: "Pass",
      Comment:
        "Entered when the last chunk is pushed: every record of the batch reached Kinesis by then, so its arrival hours end at this time",
      Parameters: { checks: 0, "pushFinishedAt.$": "$$.State.EnteredTime" },
      ResultPath: "$.delivery",
      Next: S.waitForDelivery,
    },
    [S.waitForDelivery]: { Type: "Wait", Seconds: o.pollSeconds, Next: S.checkDelivery },
    [S.checkDelivery]: lambdaTask({
      functionArn: o.functionArn,
      payload: { "since.$": "$.extract.pushStartedAt", "until.$": "$.delivery.pushFinishedAt", "eventHours.$": "$.extract.eventHours" },
      timeoutSeconds: lambdaTaskTimeoutSeconds(o.functionTimeoutSeconds),
      resultSelector: {
        "delivered.$": "$.Payload.delivered",
        "objects.$": "$.Payload.objects",
        "missing.$": "States.JsonToString($.Payload.missing)",
      },
      resultPath: "$.delivery.last",
      next: S.isDelivered,
      failedState: S.checkDeliveryFailed,
    }),
    [S.isDelivered]: {
      Type: "Choice",
      Choices: [{ Variable: "$.delivery.last.delivered", BooleanEquals: true, Next: o.next }],
      Default: S.countDeliveryCheck,
    },
    [S.countDeliveryCheck]: {
      Type: "Pass",
      Parameters: {
        "checks.$": "States.MathAdd($.delivery.checks, 1)",
        "pushFinishedAt.$": "$.delivery.pushFinishedAt",
        "last.$": "$.delivery.last",
      },
      ResultPath: "$.delivery",
      Next: S.deliveryChecksLeft,
    },
    [S.deliveryChecksLeft]: {
      Type: "Choice",
      Comment: `At most ${maxDeliveryChecks} checks: ${o.timeoutSeconds} s budget / ${o.pollSeconds} s interval`,
      Choices: [{ Variable: "$.delivery.checks", NumericGreaterThanEquals: maxDeliveryChecks, Next: S.deliveryTimedOut }],
      Default: S.waitForDelivery,
    },
    [S.deliveryTimedOut]: failure(S.checkDelivery, "$.extract.batchId", E.deliveryTimedOut, {
      "Cause.$": `States.Format('expected partitions still had no data object written since {} after {} delivery checks (budget ${o.timeoutSeconds} seconds): {}', $.extract.pushStartedAt, $.delivery.checks, $.delivery.last.missing)`,
    }),
  };
  return { entry: S.startDeliveryChecks, states, recorders: { [S.checkDeliveryFailed]: taskFailed(S.checkDelivery, "$.extract.batchId") } };
}

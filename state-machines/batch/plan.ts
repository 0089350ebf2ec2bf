/**
 * Plan: PlanBatch claims the batch, lists its sources, writes the byte ranges to read
 * (`staging/<batchId>/ranges.json`) and the manifest. A batch whose sources are truly empty, or one
 * already claimed by another run, ends in BatchSkipped.
 */
import type { State } from "../asl";
import { lambdaTaskTimeoutSeconds } from "../timing";
import { BATCH_STATES as S, NO_BATCH_ID } from "./names";
import { lambdaTask, type Phase, taskFailed } from "./tasks";

/** The extract function (its plan mode) and where a planned batch goes. */
export interface PlanPhaseInput {
  readonly functionArn: string;
  /** The function's own timeout, in seconds. */
  readonly functionTimeoutSeconds: number;
  /** Where a batch that is not skipped goes (the distributed extract and push). */
  readonly next: string;
}

/** PlanBatch → IsBatchSkipped → BatchSkipped or `next`. The state becomes `{ plan }` (a PlanOutput). */
export function planPhase(o: PlanPhaseInput): Phase {
  const states: Record<string, State> = {
    [S.planBatch]: lambdaTask({
      functionArn: o.functionArn,
      payload: {
        mode: "plan",
        "scheduledTime.$": "$.scheduledTime",
        "force.$": "$.force",
        "replay.$": "$.replay",
        "executionId.$": "$$.Execution.Id",
      },
      timeoutSeconds: lambdaTaskTimeoutSeconds(o.functionTimeoutSeconds),
      resultSelector: { "plan.$": "$.Payload" },
      // No ResultPath (the default "$"): the state becomes { plan }; the execution input stays in
      // $$.Execution.Input. (An explicit "$" would mean the same in AWS, but aws-local-stepfunctions
      // mishandles it.)
      next: S.isBatchSkipped,
      failedState: S.planBatchFailed,
    }),
    [S.isBatchSkipped]: {
      Type: "Choice",
      Choices: [{ Variable: "$.plan.skipped", BooleanEquals: true, Next: S.batchSkipped }],
      Default: o.next,
    },
    [S.batchSkipped]: {
      Type: "Succeed",
      Comment:
        "No source object at all, or the batch is already claimed by another run: nothing to push, and that is a success. A batch whose objects were all rejected is not skipped: it fails in SummarizeBatch",
      OutputPath: "$.plan",
    },
  };
  return { entry: S.planBatch, states, recorders: { [S.planBatchFailed]: taskFailed(S.planBatch, NO_BATCH_ID) } };
}

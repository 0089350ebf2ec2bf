/** Extract: ExtractBatch claims and stages the batch; an empty or already-claimed batch ends in BatchSkipped. */
import type { State } from "../asl";
import { lambdaTaskTimeoutSeconds } from "../timing";
import { BATCH_STATES as S, NO_BATCH_ID } from "./names";
import { lambdaTask, type Phase, taskFailed } from "./tasks";

/** The extract function and where a batch with records goes. */
export interface ExtractPhaseInput {
  readonly functionArn: string;
  /** The function's own timeout, in seconds. */
  readonly functionTimeoutSeconds: number;
  /** Where a batch that is not skipped goes (the push). */
  readonly next: string;
}

/** ExtractBatch → IsBatchSkipped → BatchSkipped or `next`. The state becomes `{ extract }`. */
export function extractPhase(o: ExtractPhaseInput): Phase {
  const states: Record<string, State> = {
    [S.extractBatch]: lambdaTask({
      functionArn: o.functionArn,
      payload: { "scheduledTime.$": "$.scheduledTime", "force.$": "$.force", "replay.$": "$.replay", "executionId.$": "$$.Execution.Id" },
      timeoutSeconds: lambdaTaskTimeoutSeconds(o.functionTimeoutSeconds),
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
      Default: o.next,
    },
    [S.batchSkipped]: {
      Type: "Succeed",
      Comment: "Empty batch or already claimed by another run: nothing to push, and that is a success",
      OutputPath: "$.extract",
    },
  };
  return { entry: S.extractBatch, states, recorders: { [S.extractBatchFailed]: taskFailed(S.extractBatch, NO_BATCH_ID) } };
}

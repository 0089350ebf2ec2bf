/** Finalize: FinalizeBatch moves the batch's objects to processed/, then the run ends in BatchLoaded with a summary. */
import type { State } from "../asl";
import { lambdaTaskTimeoutSeconds } from "../timing";
import { BATCH_STATES as S } from "./names";
import { lambdaTask, type Phase, taskFailed } from "./tasks";

/** The finalize function. */
export interface FinalizePhaseInput {
  readonly functionArn: string;
  /** The function's own timeout, in seconds. */
  readonly functionTimeoutSeconds: number;
}

/** FinalizeBatch → SummariseBatch (the BatchLoadedOutput) → BatchLoaded. */
export function finalizePhase(o: FinalizePhaseInput): Phase {
  const states: Record<string, State> = {
    [S.finalizeBatch]: lambdaTask({
      functionArn: o.functionArn,
      payload: { "batchId.$": "$.extract.batchId", "manifestKey.$": "$.extract.manifestKey", "executionId.$": "$$.Execution.Id" },
      timeoutSeconds: lambdaTaskTimeoutSeconds(o.functionTimeoutSeconds),
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
        "ranges.$": "$.plan.rangeCount",
        "validationRuns.$": "$.check.runs",
        "landingFilesMoved.$": "$.finalize.moved",
      },
      Next: S.batchLoaded,
    },
    [S.batchLoaded]: { Type: "Succeed" },
  };
  return { entry: S.finalizeBatch, states, recorders: { [S.finalizeBatchFailed]: taskFailed(S.finalizeBatch, "$.extract.batchId") } };
}

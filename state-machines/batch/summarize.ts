/**
 * Summarize: SummarizeBatch reads the map run's ResultWriter manifest, sums the ranges' counts, counts
 * the distinct event ids across ranges and builds the validation query. A batch that read objects but
 * accepted no record fails with AllRecordsRejected (permanent: caught at once, notified, never retried).
 */
import type { State } from "../asl";
import { lambdaTaskTimeoutSeconds } from "../timing";
import { BATCH_STATES as S } from "./names";
import { lambdaTask, type Phase, taskFailed } from "./tasks";

/** The extract function (its summarize mode) and where a summarized batch goes. */
export interface SummarizePhaseInput {
  readonly functionArn: string;
  /** The function's own timeout, in seconds. */
  readonly functionTimeoutSeconds: number;
  /** Where the summarized batch goes (the delivery checks). */
  readonly next: string;
}

/** The ExtractOutput fields the delivery, validation and finalize phases read (all always present). */
const EXTRACT_FIELDS = [
  "batchId",
  "fileCount",
  "recordCount",
  "rejectedCount",
  "manifestKey",
  "pushStartedAt",
  "eventHours",
  "validation",
] as const;

/** SummarizeBatch → `next`, with `$.extract` = the ExtractOutput (without chunk keys) every later phase reads. */
export function summarizePhase(o: SummarizePhaseInput): Phase {
  const states: Record<string, State> = {
    [S.summarizeBatch]: lambdaTask({
      functionArn: o.functionArn,
      payload: {
        mode: "summarize",
        "batchId.$": "$.plan.batchId",
        "manifestKey.$": "$.plan.manifestKey",
        "resultWriter.$": "$.mapRun.ResultWriterDetails",
        "pushStartedAt.$": "$.push.startedAt",
      },
      timeoutSeconds: lambdaTaskTimeoutSeconds(o.functionTimeoutSeconds),
      // The fields later phases read; the plan, the map run and the push start stay beside them.
      resultSelector: Object.fromEntries(EXTRACT_FIELDS.map((field) => [`${field}.$`, `$.Payload.${field}`])),
      resultPath: "$.extract",
      next: o.next,
      failedState: S.summarizeBatchFailed,
    }),
  };
  return {
    entry: S.summarizeBatch,
    states,
    recorders: { [S.summarizeBatchFailed]: taskFailed(S.summarizeBatch, "$.plan.batchId") },
  };
}

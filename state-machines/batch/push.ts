/** Push: an inline Map pushes every staged chunk into Kinesis, keeping only the chunk count. */
import type { State } from "../asl";
import { lambdaTaskTimeoutSeconds } from "../timing";
import { BATCH_STATES as S } from "./names";
import { lambdaCatchers, lambdaRetriers, type Phase, taskFailed } from "./tasks";

/** The push function, how many chunks go at once, and where the pushed batch goes. */
export interface PushPhaseInput {
  readonly functionArn: string;
  /** The function's own timeout, in seconds. */
  readonly functionTimeoutSeconds: number;
  /** The Map's MaxConcurrency. */
  readonly concurrency: number;
  /** Where the batch goes once every chunk is pushed. */
  readonly next: string;
}

/** PushToKinesis (Map of PushChunk) → `next`, with `$.push` = `{ chunks }`. */
export function pushPhase(o: PushPhaseInput): Phase {
  const states: Record<string, State> = {
    [S.pushToKinesis]: {
      Type: "Map",
      Comment:
        "One iteration per staged chunk. Iterations return only { pushed } and the Map keeps only the chunk count, so ~2000 chunks stay far below 256 KiB",
      ItemsPath: "$.extract.chunkKeys",
      ItemSelector: { "batchId.$": "$.extract.batchId", "chunkKey.$": "$$.Map.Item.Value" },
      MaxConcurrency: o.concurrency,
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: S.pushChunk,
        States: {
          // No Catch here: a failed iteration fails the Map, whose Catch records it. RecordsUndelivered
          // is deliberately absent from the retriers: the function already retried PutRecords.
          [S.pushChunk]: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Parameters: { FunctionName: o.functionArn, "Payload.$": "$" },
            ResultSelector: { "pushed.$": "$.Payload.pushed" },
            TimeoutSeconds: lambdaTaskTimeoutSeconds(o.functionTimeoutSeconds),
            Retry: lambdaRetriers(),
            End: true,
          },
        },
      },
      ResultSelector: { "chunks.$": "States.ArrayLength($)" },
      ResultPath: "$.push",
      Catch: lambdaCatchers(S.pushToKinesisFailed),
      Next: o.next,
    },
  };
  return { entry: S.pushToKinesis, states, recorders: { [S.pushToKinesisFailed]: taskFailed(S.pushToKinesis, "$.extract.batchId") } };
}

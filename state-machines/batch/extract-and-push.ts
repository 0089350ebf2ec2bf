/**
 * Extract and push: a DISTRIBUTED Map reads the planned byte ranges (ItemReader over
 * `staging/<batchId>/ranges.json`) and runs one STANDARD child execution per range: ExtractRange
 * stages the range's records, then an inline Map pushes its chunks one at a time. The children's
 * outputs go to S3 (ResultWriter), so the parent's history and payload do not grow with ranges,
 * chunks or records. STANDARD children: exactly-once execution, and no 5-minute cap on a range that
 * takes minutes to read and push (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
 */
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import type { ItemProcessor, State } from "../asl";
import { lambdaTaskTimeoutSeconds } from "../timing";
import { BATCH_STATES as S } from "./names";
import { catchAll, lambdaRetriers, type Phase, taskFailed } from "./tasks";

/** The functions, the lake bucket, the map's concurrency and where the pushed batch goes. */
export interface ExtractAndPushPhaseInput {
  /** The extract function (its range mode). */
  readonly extractFunctionArn: string;
  readonly extractTimeoutSeconds: number;
  /** The push function: one staged chunk per call. */
  readonly pushFunctionArn: string;
  readonly pushTimeoutSeconds: number;
  /** The lake bucket holding ranges.json and the map-results. */
  readonly lakeBucketName: string;
  /** Child executions at once (the Map's MaxConcurrency): the push concurrency of the stream. */
  readonly concurrency: number;
  /** Where the batch goes once every range is pushed (SummarizeBatch). */
  readonly next: string;
}

/** Where ResultWriter writes under the batch's staging prefix: `staging/<batchId>/map-results/<map run id>/manifest.json`. */
export const MAP_RESULTS_FOLDER = "map-results";

/** RecordPushStart → ExtractAndPush → `next`; `$.push` = `{ startedAt }`, `$.mapRun` = `{ MapRunArn, ResultWriterDetails }`. */
export function extractAndPushPhase(o: ExtractAndPushPhaseInput): Phase {
  const states: Record<string, State> = {
    [S.recordPushStart]: {
      Type: "Pass",
      Comment: "The push begins here: the delivery check counts objects Firehose wrote from this time on",
      Parameters: { "startedAt.$": "$$.State.EnteredTime" },
      ResultPath: "$.push",
      Next: S.extractAndPush,
    },
    [S.extractAndPush]: {
      Type: "Map",
      Comment:
        "One STANDARD child execution per planned byte range. The parent's history holds the map run's events only; each child's holds one range's chunks. Any failed child fails the run (ToleratedFailurePercentage 0)",
      Label: S.extractAndPush,
      ItemReader: {
        Resource: "arn:aws:states:::s3:getObject",
        ReaderConfig: { InputType: "JSON" },
        Parameters: { Bucket: o.lakeBucketName, "Key.$": "$.plan.rangesKey" },
      },
      ItemProcessor: rangeProcessor(o),
      MaxConcurrency: o.concurrency,
      ToleratedFailurePercentage: 0,
      ResultWriter: {
        Resource: "arn:aws:states:::s3:putObject",
        Parameters: {
          Bucket: o.lakeBucketName,
          "Prefix.$": `States.Format('${BATCH_PREFIXES.staging}{}/${MAP_RESULTS_FOLDER}', $.plan.batchId)`,
        },
      },
      ResultPath: "$.mapRun",
      Catch: [
        { ErrorEquals: ["States.ExceedToleratedFailureThreshold"], ResultPath: "$.error", Next: S.extractAndPushFailed },
        ...catchAll(S.extractAndPushFailed),
      ],
      Next: o.next,
    },
  };
  return {
    entry: S.recordPushStart,
    states,
    recorders: { [S.extractAndPushFailed]: taskFailed(S.extractAndPush, "$.plan.batchId") },
  };
}

/**
 * One child execution: its input is one item of ranges.json (`{ batchId, range, … }`). ExtractRange's
 * RangeOutput lands at `$.extract`; the child's output is that RangeOutput (counts and chunk keys of
 * one range: far below 256 KiB). No Catch: a failed task fails the child, which fails the map run.
 */
function rangeProcessor(o: ExtractAndPushPhaseInput): ItemProcessor {
  return {
    ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
    StartAt: S.extractRange,
    States: {
      [S.extractRange]: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: o.extractFunctionArn, Payload: { mode: "range", "item.$": "$" } },
        ResultSelector: { "range.$": "$.Payload" },
        ResultPath: "$.extract",
        TimeoutSeconds: lambdaTaskTimeoutSeconds(o.extractTimeoutSeconds),
        Retry: lambdaRetriers(),
        Next: S.pushRangeChunks,
      },
      [S.pushRangeChunks]: {
        Type: "Map",
        Comment:
          "The range's chunks one at a time: the parent map already runs as many ranges at once as the stream takes, each chunk paced to its share",
        ItemsPath: "$.extract.range.chunkKeys",
        ItemSelector: { "batchId.$": "$.batchId", "chunkKey.$": "$$.Map.Item.Value", "rangeCount.$": "$.rangeCount" },
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: S.pushChunk,
          States: {
            // RecordsUndelivered is deliberately absent from the retriers: the function already retried PutRecords.
            [S.pushChunk]: {
              Type: "Task",
              Resource: "arn:aws:states:::lambda:invoke",
              Parameters: { FunctionName: o.pushFunctionArn, "Payload.$": "$" },
              ResultSelector: { "pushed.$": "$.Payload.pushed" },
              TimeoutSeconds: lambdaTaskTimeoutSeconds(o.pushTimeoutSeconds),
              Retry: lambdaRetriers(),
              End: true,
            },
          },
        },
        ResultPath: null,
        OutputPath: "$.extract.range",
        End: true,
      },
    },
  };
}

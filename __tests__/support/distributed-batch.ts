/**
 * The batch workflow reshaped into the Distributed Map flow of the shared design (PlanBatch →
 * ExtractAndPush (DISTRIBUTED; each child ExtractRange → PushRangeChunks of PushChunk) → SummarizeBatch →
 * the existing delivery, crawl, validation and finalize phases), derived from today's definition, so the
 * rehearsal's wiring of the Distributed Map stand-in can be run end to end. A definition that already has
 * a DISTRIBUTED Map is returned as it is.
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import { hasDistributedMap } from "../../rehearsal/distributed-map";

type Loose = Record<string, any>;

/** Today's state names (literal: the Distributed Map workflow's names replace some of them). */
const S = {
  extractBatch: "ExtractBatch",
  isBatchSkipped: "IsBatchSkipped",
  batchSkipped: "BatchSkipped",
  pushToKinesis: "PushToKinesis",
  pushToKinesisFailed: "PushToKinesisFailed",
  pushChunk: "PushChunk",
} as const;

/** Today's definition with ExtractBatch and PushToKinesis replaced by the Distributed Map flow, over `bucket`. */
export function distributedBatchDefinition(definition: StateMachineDefinition, bucket: string, concurrency = 2): StateMachineDefinition {
  if (hasDistributedMap(definition)) return definition;
  const states = JSON.parse(JSON.stringify(definition.States)) as Record<string, Loose>;
  const extract = states[S.extractBatch];
  const push = states[S.pushToKinesis];
  const pushChunk = push.ItemProcessor.States[S.pushChunk];
  const lambda = (payload: Loose, next: Loose) => ({
    ...extract,
    Parameters: { ...extract.Parameters, Payload: payload },
    ResultSelector: undefined,
    ...next,
  });
  delete states[S.extractBatch];
  delete states[S.pushToKinesis];
  delete states[S.pushToKinesisFailed]; // failures of the map and of SummarizeBatch go where ExtractBatch's went
  for (const state of Object.values(states)) if (state.Next === S.extractBatch) state.Next = "PlanBatch";
  states[S.isBatchSkipped].Choices[0].Variable = "$.plan.skipped";
  states[S.batchSkipped].OutputPath = "$.plan";
  states.PlanBatch = lambda(
    { mode: "plan", ...extract.Parameters.Payload },
    { ResultSelector: { "plan.$": "$.Payload" }, Next: S.isBatchSkipped },
  );
  states[S.isBatchSkipped].Default = "ExtractAndPush";
  states.ExtractAndPush = {
    Type: "Map",
    Label: "ExtractAndPush",
    ItemReader: {
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSON" },
      Parameters: { Bucket: bucket, "Key.$": "$.plan.rangesKey" },
    },
    ItemProcessor: {
      ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
      StartAt: "ExtractRange",
      States: {
        ExtractRange: {
          ...lambda({ mode: "range", "item.$": "$" }, { ResultSelector: { "range.$": "$.Payload" }, ResultPath: "$.extract" }),
          Catch: undefined,
          Next: "PushRangeChunks",
        },
        PushRangeChunks: {
          Type: "Map",
          ItemsPath: "$.extract.range.chunkKeys",
          ItemSelector: { "batchId.$": "$.batchId", "chunkKey.$": "$$.Map.Item.Value" },
          MaxConcurrency: 1,
          ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: S.pushChunk, States: { [S.pushChunk]: pushChunk } },
          ResultPath: null,
          OutputPath: "$.extract.range",
          End: true,
        },
      },
    },
    MaxConcurrency: concurrency,
    ToleratedFailurePercentage: 0,
    ResultWriter: {
      Resource: "arn:aws:states:::s3:putObject",
      Parameters: { Bucket: bucket, "Prefix.$": "States.Format('staging/{}/map-results', $.plan.batchId)" },
    },
    ResultPath: "$.mapRun",
    Catch: extract.Catch,
    Next: "SummarizeBatch",
  };
  states.SummarizeBatch = lambda(
    {
      mode: "summarize",
      "batchId.$": "$.plan.batchId",
      "manifestKey.$": "$.plan.manifestKey",
      "resultWriter.$": "$.mapRun.ResultWriterDetails",
      "pushStartedAt.$": "$.plan.plannedAt",
    },
    // the phases after the push read $.push.chunks; this variant does not count the chunks
    { ResultSelector: { "extract.$": "$.Payload", push: { chunks: 0 } }, Next: push.Next },
  );
  return { ...definition, States: JSON.parse(JSON.stringify(states)) } as StateMachineDefinition;
}

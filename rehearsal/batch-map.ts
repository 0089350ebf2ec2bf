/**
 * The rehearsal's side of the Distributed Map batch workflow: the extract function's three tasks
 * (PlanBatch, ExtractRange, SummarizeBatch; the state names are the workflow's) run through the real
 * handler, and the local S3 as the stand-in's object store. `rehearse.ts` applies the stand-in
 * (`distributed-map.ts`) only when the definition has a DISTRIBUTED Map; a definition without one runs
 * as it is (ExtractBatch and an inline push Map).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ExtractOutput, PlanOutput, RangeOutput, SummarizeOutput } from "../contract/batch";
import type { MapObjectStore } from "./distributed-map";
import type { Progress } from "./report";
import { lambdaInvoke, type TaskAnswer } from "./workflow";

/** State names of the Distributed Map workflow that the rehearsal answers. */
export const MAP_WORKFLOW_STATES = { planBatch: "PlanBatch", extractRange: "ExtractRange", summarizeBatch: "SummarizeBatch" } as const;

/** What the rehearsal keeps of the extraction, whichever workflow ran: ExtractBatch's output or SummarizeBatch's. */
export type ExtractSummary = Pick<ExtractOutput, "batchId" | "skipped" | "skipReason" | "validation"> & {
  readonly chunkKeys?: readonly string[];
};

/** What the map tasks record while the workflow runs. */
export interface MapObserved {
  extractOutput?: ExtractSummary;
  rangesDone: number;
  rangeCount?: number;
  chunksStaged: number;
}

/**
 * The local S3 as the stand-in's store. The rehearsal has one lake bucket (its name may carry a suffix
 * when several rehearsals share a process), so every bucket the definition names maps to it.
 */
export function localLakeStore(s3: S3Client, bucket: string): MapObjectStore {
  return {
    async get(_bucket, key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await object.Body?.transformToString();
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async put(_bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }));
    },
  };
}

/** PlanBatch, ExtractRange and SummarizeBatch through the real extract handler, with progress lines. */
export function mapLambdaTasks(
  extract: (payload: unknown) => Promise<unknown>,
  progress: Progress,
  observed: MapObserved,
  timed: (name: string) => (ms: number) => void,
): Record<string, TaskAnswer> {
  const S = MAP_WORKFLOW_STATES;
  return {
    [S.planBatch]: lambdaInvoke(async (payload) => {
      progress.step("PlanBatch (real extract handler, mode plan): claiming the batch and planning byte ranges of landing/ …");
      const plan = (await extract(payload)) as PlanOutput;
      observed.rangeCount = plan.rangeCount;
      if (plan.skipped) {
        observed.extractOutput = {
          batchId: plan.batchId,
          skipped: true,
          skipReason: plan.skipReason,
          validation: { query: "", expectedCount: 0 },
        };
      }
      progress.detail(
        plan.skipped
          ? `batch ${plan.batchId} skipped: ${plan.skipReason}`
          : `batch ${plan.batchId}: ${plan.fileCount} object(s) in ${plan.rangeCount} range(s) (${plan.rangesKey}); ExtractAndPush runs one child per range (local Distributed Map stand-in)`,
      );
      return plan;
    }, timed(S.planBatch)),
    [S.extractRange]: lambdaInvoke(async (payload) => {
      const range = (await extract(payload)) as RangeOutput;
      observed.rangesDone++;
      observed.chunksStaged += range.chunkKeys.length;
      progress.detail(
        `range ${range.rangeId} (${observed.rangesDone}/${observed.rangeCount ?? "?"}) of ${range.key}: ${range.accepted.toLocaleString("en")} accepted in ${range.chunkKeys.length} chunk(s), ${range.rejected} rejected`,
      );
      return range;
    }, timed(S.extractRange)),
    [S.summarizeBatch]: lambdaInvoke(async (payload) => {
      progress.step("SummarizeBatch (real extract handler, mode summarize): ResultWriter output, distinct event ids (k-way merge)");
      const summary = (await extract(payload)) as SummarizeOutput;
      observed.extractOutput = summary;
      progress.detail(
        `${summary.recordCount.toLocaleString("en")} records, ${summary.rejectedCount} rejected, ${summary.validation.expectedCount.toLocaleString("en")} distinct event ids expected`,
      );
      return summary;
    }, timed(S.summarizeBatch)),
  };
}

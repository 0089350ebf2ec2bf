/**
 * The extract function: a thin adapter dispatching on `event.mode` — `plan` (PlanBatch), `range`
 * (ExtractRange, one Distributed Map child), `summarize` (SummarizeBatch); no mode is today's ExtractBatch.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type {
  ExtractInput,
  ExtractOutput,
  PlanInput,
  PlanOutput,
  RangeInput,
  RangeOutput,
  SummarizeInput,
  SummarizeOutput,
} from "../../contract/batch";
import { InvalidBatchInput } from "../../contract/errors";
import { preview } from "../../contract/json";
import { s3Client } from "../shared/aws-clients";
import type { BatchLog } from "../shared/object-store";
import { logger } from "../shared/powertools";
import { batchName, batchSettings } from "../shared/settings";
import { extractBatch, type ExtractDeps } from "./extract-batch";
import { extractRange } from "./extract-range";
import { planBatch } from "./plan-batch";
import { s3ExtractStore } from "./s3-store";
import { summarizeBatch } from "./summarize-batch";

type ExtractEvent = ExtractInput | PlanInput | RangeInput | SummarizeInput;

/** Builds the handler over an S3 client and a clock; tests pass a mocked client and a fixed clock. */
export function extractHandler(deps: { readonly s3: S3Client; readonly now: () => Date; readonly log: BatchLog }) {
  return async (event: ExtractEvent): Promise<ExtractOutput | PlanOutput | RangeOutput | SummarizeOutput> => {
    const run: ExtractDeps = { store: s3ExtractStore(deps.s3, batchName("bucket")), now: deps.now, log: deps.log };
    const mode = (event as { mode?: unknown })?.mode;
    if (mode === "plan") return planBatch(event as PlanInput, batchSettings(), run);
    if (mode === "range") return extractRange((event as RangeInput).item, batchSettings(), run);
    if (mode === "summarize") return summarizeBatch(event as SummarizeInput, batchSettings(), run);
    if (mode !== undefined && mode !== null) throw new InvalidBatchInput(`unknown mode ${preview(mode)}: plan, range or summarize`);
    return extractBatch(event as ExtractInput, batchSettings(), run);
  };
}

/** Plans, extracts a range or summarizes a batch (or, without a mode, extracts it whole). */
export const handler = extractHandler({ s3: s3Client(), now: () => new Date(), log: logger });

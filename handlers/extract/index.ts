/**
 * ExtractBatch Lambda: thin adapter over `extract-batch.ts`. Gives it the lake bucket as an
 * {@link ExtractStore}, the settings, the clock and the logger.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { ExtractInput, ExtractOutput } from "../../contract/batch";
import { s3Client } from "../shared/aws-clients";
import type { BatchLog } from "../shared/object-store";
import { logger } from "../shared/powertools";
import { batchName, batchSettings } from "../shared/settings";
import { extractBatch, type ExtractStore } from "./extract-batch";
import { s3ExtractStore } from "./s3-store";

/** Builds the handler over an S3 client and a clock; tests pass a mocked client and a fixed clock. */
export function extractHandler(deps: { readonly s3: S3Client; readonly now: () => Date; readonly log: BatchLog }) {
  return async (input: ExtractInput): Promise<ExtractOutput> => {
    const store: ExtractStore = s3ExtractStore(deps.s3, batchName("bucket"));
    return extractBatch(input, batchSettings(), { store, now: deps.now, log: deps.log });
  };
}

/** Claims the batch, stages its landing files and returns pointers and counts (never records). */
export const handler = extractHandler({ s3: s3Client(), now: () => new Date(), log: logger });

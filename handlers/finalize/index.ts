/**
 * FinalizeBatch Lambda: thin adapter over `logic.ts`. Gives it the lake bucket as a
 * {@link FinalizeStore}, the clock and the logger.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { FinalizeInput, FinalizeOutput } from "../../contract/batch";
import { s3Client } from "../shared/aws-clients";
import type { BatchLog } from "../shared/object-store";
import { logger } from "../shared/powertools";
import { batchName } from "../shared/settings";
import { finalizeBatch, type FinalizeStore } from "./logic";
import { s3FinalizeStore } from "./s3-store";

/** Builds the handler over an S3 client and a clock; tests pass a mocked client and a fixed clock. */
export function finalizeHandler(deps: { readonly s3: S3Client; readonly now: () => Date; readonly log: BatchLog }) {
  return async (input: FinalizeInput): Promise<FinalizeOutput> => {
    const store: FinalizeStore = s3FinalizeStore(deps.s3, batchName("bucket"));
    return finalizeBatch(input, { store, now: deps.now, log: deps.log });
  };
}

/** Moves the batch's landing files to processed/ and marks the run succeeded. */
export const handler = finalizeHandler({ s3: s3Client(), now: () => new Date(), log: logger });

/**
 * FinalizeBatch Lambda: thin adapter over `logic.ts`. Gives the logic the lake bucket as a
 * {@link FinalizeStore}, the clock and a logger.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import { BATCH_ENV, type FinalizeInput, type FinalizeOutput } from "../../contract/batch";
import { readEnv } from "../../contract/environment";
import { getObject, hasStatus, putObject } from "../shared/s3-objects";
import type { BatchLog } from "../extract/logic";
import { finalizeBatch, type FinalizeStore } from "./logic";

const s3 = new S3Client({});
const logger = new Logger();

/** Builds the handler over an S3 client and a clock; tests pass a mocked client and a fixed clock. */
export function finalizeHandler(deps: { readonly s3: S3Client; readonly now: () => Date; readonly log: BatchLog }) {
  return async (input: FinalizeInput): Promise<FinalizeOutput> => {
    const bucket = readEnv(process.env, BATCH_ENV.bucket, "BatchStage");
    return finalizeBatch(input, { store: s3FinalizeStore(deps.s3, bucket), now: deps.now, log: deps.log });
  };
}

/** Moves the batch's landing files to processed/ and marks the run succeeded. */
export const handler = finalizeHandler({ s3, now: () => new Date(), log: logger });

/** The lake bucket as a {@link FinalizeStore}. */
export function s3FinalizeStore(client: S3Client, bucket: string): FinalizeStore {
  return {
    get: (key) => getObject(client, bucket, key),
    put: (key, body, contentType) => putObject(client, bucket, key, body, contentType),
    async copy(source, destination, ifMatch) {
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: destination,
            CopySource: copySource(bucket, source),
            CopySourceIfMatch: ifMatch,
            // The default (COPY) carries a tagged source's tags over, which needs s3:GetObjectTagging on
            // landing/ and s3:PutObjectTagging on processed/; the archive copy needs no producer tags.
            TaggingDirective: "REPLACE",
          }),
        );
        return "copied";
      } catch (error) {
        if (hasStatus(error, 404, "NoSuchKey")) return "source-missing";
        if (hasStatus(error, 412, "PreconditionFailed")) return "source-changed";
        throw error;
      }
    },
    async exists(key) {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
      return listed.Contents?.[0]?.Key === key;
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** `bucket/key` with each key segment URL-encoded, as CopyObject's `CopySource` requires. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}


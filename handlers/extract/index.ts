/**
 * ExtractBatch Lambda: thin adapter over `logic.ts`. Reads the bucket and settings from the
 * environment, and gives the logic the lake bucket as an {@link ExtractStore}, the clock and a logger.
 */
import { paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import { BATCH_ENV, type ExtractInput, type ExtractOutput } from "../../contract/batch";
import { readEnv } from "../../contract/environment";
import { getObject, hasStatus, putObject } from "../shared/s3-objects";
import { extractBatch, parseBatchSettings, type BatchLog, type ExtractStore } from "./logic";

const s3 = new S3Client({});
const logger = new Logger();

/** Builds the handler over an S3 client and a clock; tests pass a mocked client and a fixed clock. */
export function extractHandler(deps: { readonly s3: S3Client; readonly now: () => Date; readonly log: BatchLog }) {
  return async (input: ExtractInput): Promise<ExtractOutput> => {
    const bucket = readEnv(process.env, BATCH_ENV.bucket, "BatchStage");
    const settings = parseBatchSettings(readEnv(process.env, BATCH_ENV.settings, "BatchStage"));
    return extractBatch(input, settings, { store: s3ExtractStore(deps.s3, bucket), now: deps.now, log: deps.log });
  };
}

/** Claims the batch, stages its landing files and returns pointers and counts (never records). */
export const handler = extractHandler({ s3, now: () => new Date(), log: logger });

/** The lake bucket as an {@link ExtractStore}. */
export function s3ExtractStore(client: S3Client, bucket: string): ExtractStore {
  return {
    async *list(prefix) {
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          if (object.Key) yield { key: object.Key, etag: object.ETag ?? "", size: object.Size ?? 0 };
        }
      }
    },
    get: (key) => getObject(client, bucket, key),
    put: (key, body, contentType) => putObject(client, bucket, key, body, contentType),
    async putIfAbsent(key, body, contentType) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: "*" }),
        );
        return true;
      } catch (error) {
        // 412: the object exists; 409: another conditional write to the key is in flight.
        if (hasStatus(error, 412, "PreconditionFailed") || hasStatus(error, 409, "ConditionalRequestConflict"))
          return false;
        throw error;
      }
    },
  };
}


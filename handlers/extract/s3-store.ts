/** The lake bucket as the {@link ExtractStore} of ExtractBatch. */
import { paginateListObjectsV2, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getObject, hasStatus, putObject } from "../shared/s3-objects";
import type { ExtractStore } from "./extract-batch";

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
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: "*" }));
        return true;
      } catch (error) {
        // 412: the object exists; 409: another conditional write to the key is in flight.
        if (hasStatus(error, 412, "PreconditionFailed") || hasStatus(error, 409, "ConditionalRequestConflict")) return false;
        throw error;
      }
    },
  };
}

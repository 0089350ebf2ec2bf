/** The lake bucket as the {@link FinalizeStore} of FinalizeBatch. */
import { CopyObjectCommand, DeleteObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { getObject, hasStatus, putObject } from "../shared/s3-objects";
import type { FinalizeStore } from "./logic";

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

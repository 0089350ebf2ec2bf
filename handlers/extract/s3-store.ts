/** The lake bucket as the {@link ExtractStore} of ExtractBatch. */
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { getObject, hasStatus, putObject } from "../shared/s3-objects";
import type { ExtractStore } from "./extract-batch";
import type { StreamedObject } from "./sources";
import { bytesOf } from "./stream/bytes";

/**
 * Streams `key` (or bytes `start` to `end`, exclusive, with an HTTP Range); undefined when it does not
 * exist. In Node the SDK's body is the HTTP response, a Readable: it is consumed as it arrives.
 */
export async function streamObject(
  client: S3Client,
  bucket: string,
  key: string,
  range?: { readonly start: number; readonly end: number },
): Promise<StreamedObject | undefined> {
  try {
    const Range = range ? `bytes=${range.start}-${range.end - 1}` : undefined;
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range }));
    if (!object.Body) return undefined;
    const body = object.Body as Partial<Readable>;
    // A body that is not a stream (e.g. a test double's) is read whole.
    const stream =
      typeof body[Symbol.asyncIterator] === "function" ? (body as Readable) : bytesOf(await object.Body.transformToByteArray());
    return { body: stream, etag: object.ETag ?? "", size: object.ContentLength ?? 0 };
  } catch (error) {
    if (hasStatus(error, 404, "NoSuchKey")) return undefined;
    throw error;
  }
}

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
    stream: (key) => streamObject(client, bucket, key),
    streamRange: (key, start, end) => streamObject(client, bucket, key, { start, end }),
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

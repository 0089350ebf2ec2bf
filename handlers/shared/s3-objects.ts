/**
 * The S3 calls the batch handlers share: reading and writing one lake object, and telling S3's
 * expected errors apart. Thin wrappers over AWS SDK v3 commands; no other logic.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StoredObject } from "./object-store";

/** True when `error` is S3's `name` error or carries HTTP `status`. */
export function hasStatus(error: unknown, status: number, name: string): boolean {
  const candidate = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  return candidate?.name === name || candidate?.$metadata?.httpStatusCode === status;
}

/** Reads `key`; undefined when it does not exist. */
export async function getObject(client: S3Client, bucket: string, key: string): Promise<StoredObject | undefined> {
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body ? { body: await object.Body.transformToByteArray(), etag: object.ETag ?? "" } : undefined;
  } catch (error) {
    if (hasStatus(error, 404, "NoSuchKey")) return undefined;
    throw error;
  }
}

/** Writes `key`. */
export async function putObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  contentType: string,
): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

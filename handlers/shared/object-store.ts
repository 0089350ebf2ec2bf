/**
 * What the batch handlers' logic reads and writes through, with no SDK: an object as stored, a listed
 * object, a logger, and reading a JSON record. The adapters implement these over S3 (`s3-objects.ts`).
 */
import { isJsonObject, tryParseJson } from "../../contract/json";

/** A listed object. */
export interface ObjectSummary {
  readonly key: string;
  /** Quoted, as S3 returns it. */
  readonly etag: string;
  readonly size: number;
}

/** An object's bytes and the ETag of exactly those bytes. */
export interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
}

/** Structured logging; Powertools' Logger fits. */
export interface BatchLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

/** The JSON object stored at `key`, or undefined when it is missing or not JSON. */
export async function readJson<T>(store: { get(key: string): Promise<StoredObject | undefined> }, key: string): Promise<T | undefined> {
  const object = await store.get(key);
  if (!object) return undefined;
  const value = tryParseJson(Buffer.from(object.body).toString("utf8"));
  return isJsonObject(value) ? (value as T) : undefined;
}

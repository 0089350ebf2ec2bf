/**
 * The lake folder: a plain copy of the local lake bucket (`<out>/lake/<key>`), so Parquet, error and
 * raw-backup objects can be opened with any tool, and DuckDB (the Athena stand-in) can read them.
 * s3rver keeps objects in its own on-disk layout; this mirrors them with ListObjectsV2 and GetObject,
 * the way a query engine reads S3. Files whose object is gone (e.g. landing files moved by finalize)
 * are removed.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";

export class LakeFolder {
  private readonly etags = new Map<string, string>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** Local folder the bucket is mirrored into. */
    readonly path: string,
  ) {
    mkdirSync(path, { recursive: true });
  }

  /** Local path of an object key. */
  fileOf(key: string): string {
    return join(this.path, ...key.split("/"));
  }

  /** Mirrors every object under `prefix` (all of them for ""); returns the keys present. */
  async sync(prefix = ""): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith("/")) continue;
        keys.push(object.Key);
        const file = this.fileOf(object.Key);
        if (this.etags.get(object.Key) === object.ETag && existsSync(file)) continue;
        const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, await got.Body!.transformToByteArray());
        this.etags.set(object.Key, object.ETag ?? "");
      }
    }
    const present = new Set(keys);
    for (const file of listFiles(join(this.path, ...prefix.split("/").filter(Boolean)))) {
      const key = relative(this.path, file).split(sep).join("/");
      if (!present.has(key)) {
        rmSync(file, { force: true });
        this.etags.delete(key);
      }
    }
    return keys;
  }
}

/** Every file under `folder`, recursively; empty when it does not exist. */
export function listFiles(folder: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
}

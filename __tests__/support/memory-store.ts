/**
 * An in-memory lake bucket for the batch handlers' logic: implements both ExtractStore and
 * FinalizeStore with S3's semantics (quoted MD5 ETags, key-ordered listing, If-None-Match and
 * copy-source-if-match conditions), records every successful write in `writes`, and can fail a chosen
 * operation once to simulate a crash part-way.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ExtractStore } from "../../handlers/extract/extract-batch";
import type { ObjectSummary, StoredObject } from "../../handlers/shared/object-store";
import type { CopyResult, FinalizeStore } from "../../handlers/finalize/logic";

/** One successful mutation of the store. */
export interface WriteRecord {
  readonly op: "put" | "copy" | "delete";
  readonly key: string;
}

type Operation = "put" | "copy" | "delete" | "get" | "list";

export class MemoryStore implements ExtractStore, FinalizeStore {
  readonly writes: WriteRecord[] = [];
  private readonly objects = new Map<string, StoredObject>();
  private readonly faults: { op: Operation; key: string; error: Error }[] = [];

  /** Stores an object without recording a write (test setup). */
  seed(key: string, body: string | Uint8Array): this {
    this.objects.set(key, stored(typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body)));
    return this;
  }

  /** Seeds every file of `directory` under `prefix` (e.g. "landing/"). */
  seedDirectory(directory: string, prefix: string, names = readdirSync(directory)): this {
    for (const name of names) this.seed(`${prefix}${name}`, readFileSync(join(directory, name)));
    return this;
  }

  /** The next `op` on `key` throws `error` (once). */
  failOnce(op: Operation, key: string, error = new Error(`simulated ${op} failure on ${key}`)): this {
    this.faults.push({ op, key, error });
    return this;
  }

  /** Sorted keys under `prefix`. */
  keys(prefix = ""): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  has(key: string): boolean {
    return this.objects.has(key);
  }

  text(key: string): string {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}; have ${this.keys().join(", ")}`);
    return Buffer.from(object.body).toString("utf8");
  }

  json<T = Record<string, unknown>>(key: string): T {
    return JSON.parse(this.text(key)) as T;
  }

  /** The JSON lines of an NDJSON object, or of every object under a prefix in key order. */
  ndjson<T = Record<string, unknown>>(keyOrPrefix: string): T[] {
    const keys = this.objects.has(keyOrPrefix) ? [keyOrPrefix] : this.keys(keyOrPrefix);
    return keys.flatMap((key) =>
      this.text(key)
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as T),
    );
  }

  etag(key: string): string | undefined {
    return this.objects.get(key)?.etag;
  }

  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    this.fault("list", prefix);
    for (const key of this.keys(prefix)) {
      const object = this.objects.get(key);
      if (object) yield { key, etag: object.etag, size: object.body.byteLength };
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.fault("get", key);
    return this.objects.get(key);
  }

  async put(key: string, body: string): Promise<void> {
    this.fault("put", key);
    this.objects.set(key, stored(Buffer.from(body, "utf8")));
    this.writes.push({ op: "put", key });
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    await this.put(key, body);
    return true;
  }

  async copy(source: string, destination: string, ifMatch: string): Promise<CopyResult> {
    this.fault("copy", source);
    const object = this.objects.get(source);
    if (!object) return "source-missing";
    if (object.etag !== ifMatch) return "source-changed";
    this.objects.set(destination, object);
    this.writes.push({ op: "copy", key: destination });
    return "copied";
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async delete(key: string): Promise<void> {
    this.fault("delete", key);
    this.objects.delete(key);
    this.writes.push({ op: "delete", key });
  }

  private fault(op: Operation, key: string): void {
    const index = this.faults.findIndex((fault) => fault.op === op && fault.key === key);
    if (index === -1) return;
    const [fault] = this.faults.splice(index, 1);
    throw fault.error;
  }
}

function stored(body: Buffer): StoredObject {
  return { body, etag: `"${createHash("md5").update(body).digest("hex")}"` };
}

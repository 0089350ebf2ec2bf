/**
 * Where a batch's records come from: the landing files under landing/, or for a replay the Firehose
 * error objects or raw backup objects of its hourly prefixes. Each source lists its objects, reads the
 * ones it can, and yields each as the items to add or the reason the object is rejected whole.
 */
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import type { ReplayPlan } from "../../contract/replay";
import type { ManifestFile } from "../shared/batch-records";
import type { BatchLog, ObjectSummary, StoredObject } from "../shared/object-store";
import { LANDING_FORMATS, landingFormat, type SourceItem } from "./landing-format";
import { MAX_REPLAY_OBJECT_BYTES } from "./object-text";
import { decodeReplayObject } from "./replay";
import { bytesOf, type ByteStream } from "./stream/bytes";
import { readLanding } from "./stream/read";

/** An object's body as a stream, with the ETag and size of exactly those bytes. */
export interface StreamedObject {
  readonly body: ByteStream;
  readonly etag: string;
  readonly size: number;
}

/** What a source reads from (the lake bucket). */
export interface SourceStore {
  /** Every object under `prefix`, in key order, across all pages. */
  list(prefix: string): AsyncIterable<ObjectSummary>;
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * The object's body as a stream (S3: the GetObject body), or undefined when there is none. Optional:
   * a store without it (an in-memory one) is read with {@link get} and streamed from memory.
   */
  stream?(key: string): Promise<StreamedObject | undefined>;
  /** Bytes `start` to `end` (exclusive) of the object as a stream (S3: a ranged GetObject). Optional, like {@link stream}. */
  streamRange?(key: string, start: number, end: number): Promise<StreamedObject | undefined>;
}

/** Opens `key` as a stream, through {@link SourceStore.stream} when the store has it. */
export async function openObject(store: SourceStore, key: string): Promise<StreamedObject | undefined> {
  if (store.stream) return store.stream(key);
  const object = await store.get(key);
  return object && { body: bytesOf(object.body), etag: object.etag, size: object.body.byteLength };
}

/**
 * Opens bytes `start` to `end` (exclusive) of `key` through {@link SourceStore.streamRange} (the store's
 * whole object sliced when it has none); an empty range is an empty body (S3 has no empty Range).
 */
export async function openRange(store: SourceStore, key: string, start: number, end: number): Promise<StreamedObject | undefined> {
  if (end <= start) return { body: bytesOf(new Uint8Array(0)), etag: "", size: 0 };
  if (store.streamRange) return store.streamRange(key, start, end);
  const object = await store.get(key);
  return object && { body: bytesOf(object.body.subarray(start, end)), etag: object.etag, size: end - start };
}

/** One object of a source: as listed or read, and its items or why it is rejected whole. */
export interface SourceObject {
  readonly file: ManifestFile;
  /** Finalize moves it to processed/ (replayed error objects only). */
  readonly move: boolean;
  readonly read: { readonly items: Iterable<SourceItem> | AsyncIterable<SourceItem> } | { readonly reason: string };
}

/**
 * The landing files under landing/, each streamed (any size); one that disappears between listing and
 * reading is left for its owner.
 */
export async function* landingObjects(store: SourceStore, log: BatchLog): AsyncGenerator<SourceObject> {
  for await (const listed of store.list(BATCH_PREFIXES.landing)) {
    if (listed.key.endsWith("/")) continue; // a console "folder" placeholder
    const summary = { key: listed.key, etag: listed.etag, size: listed.size };
    const format = landingFormat(listed.key);
    if (!format) {
      const reason = `unsupported file type; expected ${Object.keys(LANDING_FORMATS).join(", ")}, optionally gzipped (.gz)`;
      yield { file: summary, move: false, read: { reason } };
    } else {
      const object = await openObject(store, listed.key);
      if (!object) {
        log.warn("landing file disappeared between listing and reading; left for its owner", { key: listed.key });
        continue;
      }
      const read = { items: readLanding(format, object.body) };
      yield { file: { key: listed.key, etag: object.etag, size: object.size }, move: false, read };
    }
  }
}

/**
 * The objects of a replay's prefixes. Error objects the run read move to processed/ with it (unreadable
 * ones too: they are listed in rejected/); one too large to read stays. The raw backup never moves.
 */
export async function* replayObjects(store: SourceStore, log: BatchLog, replay: ReplayPlan): AsyncGenerator<SourceObject> {
  const move = replay.from === "errors";
  for (const prefix of replay.prefixes) {
    for await (const listed of store.list(prefix)) {
      if (listed.key.endsWith("/")) continue;
      if (listed.size > MAX_REPLAY_OBJECT_BYTES) {
        const reason = `object is ${listed.size} bytes; at most ${MAX_REPLAY_OBJECT_BYTES} are read`;
        yield { file: { key: listed.key, etag: listed.etag, size: listed.size }, move: false, read: { reason } };
        continue;
      }
      const object = await store.get(listed.key);
      if (!object) {
        log.warn("replay object disappeared between listing and reading; skipped", { key: listed.key });
        continue;
      }
      const file = { key: listed.key, etag: object.etag, size: object.body.byteLength };
      yield { file, move, read: { items: decodeReplayObject(replay.from, object.body) } };
    }
  }
}

/**
 * FinalizeBatch: after a successful validation, move exactly the landing files listed in the batch
 * manifest to processed/<batchId>/ and mark the run `succeeded`. Safe to re-run: a file already gone
 * from landing/ but present at its destination counts as moved. For a replay of errors/, the replayed
 * error objects move to processed/<batchId>/errors/…, so the next replay does not take them again; raw
 * backup objects are never moved. A replay that fails never gets here, and leaves its objects in place.
 *
 * No SDK and no `process.env`: the adapter injects a {@link FinalizeStore}, the clock and a logger.
 */
import type { FinalizeInput, FinalizeOutput } from "../../contract/batch";
import type { BatchManifest, ManifestFile, RunMarker } from "../shared/batch-records";
import { readJson, type BatchLog, type StoredObject } from "../shared/object-store";
import { BATCH_PREFIXES, REPLAY_SOURCE_PREFIXES } from "../../contract/lake-layout";

/** CopyObject copies at most 5 GiB in one request; larger files are left in landing/ with a reason. */
export const MAX_COPY_BYTES = 5 * 1024 ** 3;

/** Moves run this many at a time. */
export const MOVE_CONCURRENCY = 8;

/** At most this many files not moved are listed in the run marker (all are counted and logged). */
export const MAX_LISTED_NOT_MOVED = 100;

/** What a conditional copy did. */
export type CopyResult = "copied" | "source-missing" | "source-changed";

/** The object store FinalizeBatch moves files in (the lake bucket). */
export interface FinalizeStore {
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** Copies `source` to `destination` only while the source still has ETag `ifMatch` (S3 `x-amz-copy-source-if-match`). */
  copy(source: string, destination: string, ifMatch: string): Promise<CopyResult>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** What {@link finalizeBatch} runs against. */
export interface FinalizeDeps {
  readonly store: FinalizeStore;
  readonly now: () => Date;
  readonly log: BatchLog;
}

/** A manifest file that stays in landing/, and why. */
export interface NotMoved {
  readonly key: string;
  readonly reason: string;
}

/** Where a landing file of batch `batchId` goes: `processed/<batchId>/<key without landing/>`. */
export function processedKey(batchId: string, landingKey: string): string {
  if (!landingKey.startsWith(BATCH_PREFIXES.landing)) {
    throw new Error(`manifest key ${JSON.stringify(landingKey)} is not under ${BATCH_PREFIXES.landing}; refusing to move it`);
  }
  return `${BATCH_PREFIXES.processed}${batchId}/${landingKey.slice(BATCH_PREFIXES.landing.length)}`;
}

/**
 * Where a replayed error object of batch `batchId` goes: `processed/<batchId>/<key>`, e.g.
 * `processed/20261125T0200Z-replay/errors/processing-failed/year=…/…`. Only errors/ objects move: the raw
 * backup stays where it is, and anything else is refused.
 */
export function replayedProcessedKey(batchId: string, key: string): string {
  if (!key.startsWith(REPLAY_SOURCE_PREFIXES.errors)) {
    throw new Error(`replayed key ${JSON.stringify(key)} is not under ${REPLAY_SOURCE_PREFIXES.errors}; refusing to move it`);
  }
  return `${BATCH_PREFIXES.processed}${batchId}/${key}`;
}

/** Reads and checks the manifest of `input.batchId`; throws when it is missing, unreadable or of another batch. */
export function parseManifest(input: FinalizeInput, object: StoredObject | undefined): BatchManifest {
  if (!object) throw new Error(`manifest ${input.manifestKey} of batch ${input.batchId} does not exist`);
  let manifest: Partial<BatchManifest>;
  try {
    manifest = JSON.parse(Buffer.from(object.body).toString("utf8")) as Partial<BatchManifest>;
  } catch (error) {
    throw new Error(`manifest ${input.manifestKey} is not valid JSON: ${(error as Error).message}`);
  }
  if (manifest.batchId !== input.batchId || !Array.isArray(manifest.files)) {
    throw new Error(
      `manifest ${input.manifestKey} is not the manifest of batch ${input.batchId} (batchId ${JSON.stringify(manifest.batchId)})`,
    );
  }
  for (const file of manifest.files) processedKey(input.batchId, file.key);
  if (manifest.replayed !== undefined && !Array.isArray(manifest.replayed)) {
    throw new Error(`manifest ${input.manifestKey} has a replayed field that is not a list`);
  }
  for (const object of manifest.replayed ?? []) if (object.move) replayedProcessedKey(input.batchId, object.key);
  return manifest as BatchManifest;
}

/**
 * Moves one landing file: a copy conditional on the manifest's ETag, then a delete. Returns undefined
 * when the file is (now, or already) at its destination, or why it stays in landing/: it changed
 * since extraction (its new content belongs to a later batch), it is gone from both places, or it is
 * too large to copy in one request.
 */
export async function moveFile(store: FinalizeStore, batchId: string, file: ManifestFile): Promise<NotMoved | undefined> {
  return moveObject(store, file, processedKey(batchId, file.key), "landing/", "left for the next batch");
}

/**
 * Moves one object of the manifest to `destination`: a copy conditional on the manifest's ETag, then a
 * delete. Returns undefined when the object is (now, or already) at its destination, or why it stays
 * where it is (`folder`, for the messages).
 */
export async function moveObject(
  store: FinalizeStore,
  file: ManifestFile,
  destination: string,
  folder: string,
  whenChanged: string,
): Promise<NotMoved | undefined> {
  if (file.size > MAX_COPY_BYTES) {
    return {
      key: file.key,
      reason: `${file.size} bytes is over CopyObject's ${MAX_COPY_BYTES}-byte limit; move it by hand to ${destination}`,
    };
  }
  // Existence is checked by listing, not by a failed copy: without an unconditioned s3:ListBucket, S3
  // answers a missing key with 403 instead of 404, and this role may only list landing/, errors/ and processed/.
  if (!(await store.exists(file.key))) {
    return (await store.exists(destination)) ? undefined : { key: file.key, reason: `gone from ${folder} and not at ${destination}` };
  }
  const copied = await store.copy(file.key, destination, file.etag);
  if (copied === "source-changed") {
    return {
      key: file.key,
      reason: `changed since extraction (ETag is no longer ${file.etag}); ${whenChanged}`,
    };
  }
  if (copied === "source-missing") {
    return (await store.exists(destination)) ? undefined : { key: file.key, reason: `gone from ${folder} and not at ${destination}` };
  }
  await store.delete(file.key);
  return undefined;
}

/** Runs every move, at most MOVE_CONCURRENCY at once; every move settles before the first error is thrown. */
async function runMoves(
  moves: ReadonlyArray<() => Promise<NotMoved | undefined>>,
  batchId: string,
  log: FinalizeDeps["log"],
): Promise<NotMoved[]> {
  const notMoved: NotMoved[] = [];
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < moves.length) {
      try {
        const outcome = await moves[next++]!();
        if (outcome) notMoved.push(outcome);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  // Every move settles before an error propagates, so nothing is still in flight when the function returns.
  await Promise.all(Array.from({ length: Math.min(MOVE_CONCURRENCY, moves.length) }, worker));
  if (errors.length > 0) {
    log.warn("moves failed; re-running FinalizeBatch completes them", { batchId, failed: errors.length });
    throw errors[0];
  }
  return notMoved;
}

/** The run marker this execution claimed, or undefined when it cannot be read (it only adds claimedAt and forced). */
async function previousMarker(store: FinalizeDeps["store"], markerKey: string, input: FinalizeInput, log: FinalizeDeps["log"]) {
  // The marker only contributes claimedAt and forced: an unreadable one must not fail a loaded batch.
  const previous = await readJson<RunMarker>(store, markerKey).catch((error: unknown) => {
    log.warn("cannot read the run marker; rewriting it from the manifest", { batchId: input.batchId, error: String(error) });
    return undefined;
  });
  if (previous && previous.executionId !== input.executionId) {
    log.warn("the run marker names another execution (a forced re-run?); finalizing anyway", {
      batchId: input.batchId,
      markerExecutionId: previous.executionId,
      executionId: input.executionId,
    });
  }
  return previous;
}

/** Runs FinalizeBatch: moves the manifest's files, then writes the `succeeded` run marker with counts. */
export async function finalizeBatch(input: FinalizeInput, deps: FinalizeDeps): Promise<FinalizeOutput> {
  const { store, now, log } = deps;
  const manifest = parseManifest(input, await store.get(input.manifestKey));

  const replayedToMove = (manifest.replayed ?? []).filter((object) => object.move);
  const moves: Array<() => Promise<NotMoved | undefined>> = [
    ...manifest.files.map((file) => () => moveFile(store, input.batchId, file)),
    ...replayedToMove.map(
      (object) => () =>
        moveObject(store, object, replayedProcessedKey(input.batchId, object.key), REPLAY_SOURCE_PREFIXES.errors, "left in errors/"),
    ),
  ];
  const notMoved = await runMoves(moves, input.batchId, log);
  const moved = moves.length - notMoved.length;
  const replayedKeys = new Set(replayedToMove.map((object) => object.key));
  const replayedObjectsMoved = replayedToMove.length - notMoved.filter((entry) => replayedKeys.has(entry.key)).length;
  if (notMoved.length > 0) log.warn("objects not moved to processed/", { batchId: input.batchId, notMoved });

  const markerKey = `${BATCH_PREFIXES.runs}${input.batchId}.json`;
  const previous = await previousMarker(store, markerKey, input, log);
  const marker: RunMarker = {
    batchId: input.batchId,
    status: "succeeded",
    executionId: input.executionId,
    scheduledTime: manifest.scheduledTime,
    claimedAt: previous?.claimedAt ?? manifest.extractedAt,
    ...(previous?.forced ? { forced: true } : {}),
    ...(manifest.replay
      ? {
          replay: {
            from: manifest.replay.from,
            errorTypes: manifest.replay.errorTypes,
            since: manifest.replay.since,
            until: manifest.replay.until,
          },
        }
      : {}),
    finishedAt: now().toISOString(),
    counts: {
      ...manifest.counts,
      moved,
      notMoved: notMoved.length,
      ...(manifest.replayed ? { replayedObjects: manifest.replayed.length, replayedObjectsMoved } : {}),
    },
    ...(notMoved.length > 0 ? { notMoved: notMoved.slice(0, MAX_LISTED_NOT_MOVED) } : {}),
  };
  await store.put(markerKey, JSON.stringify(marker), "application/json");
  log.info("batch finalized", { batchId: input.batchId, moved, notMoved: notMoved.length });
  return manifest.replayed ? { moved, replayedObjectsMoved } : { moved };
}

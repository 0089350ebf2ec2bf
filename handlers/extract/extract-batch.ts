/**
 * ExtractBatch: claim the batch window, read every object of the batch's source (landing files, or for a
 * replay (`input.replay`) the Firehose error objects or raw backup objects of a time window), validate
 * and stamp each record in the {@link BatchBuilder}, and stage the accepted records as NDJSON chunks for
 * the push Map; rejected lines go to rejected/ with reasons. Returns pointers and counts, never records.
 *
 * No SDK and no `process.env`: the adapter injects an {@link ExtractStore} (S3 in Lambda, an in-memory
 * fake in tests), the clock and a logger. This module only sequences the pure pieces with the store's I/O.
 *
 * Memory: landing files are streamed (`stream/`: body → gunzip → parser → builder), so a file of any
 * size takes the record being read plus the staging chunk being filled; chunks are written as soon as
 * they are full, so neither a file nor the batch ever sits in memory. Replay objects are read whole (at
 * most `MAX_REPLAY_OBJECT_BYTES`).
 */
import { REPLAY_BATCH_SUFFIX, type ExtractInput, type ExtractOutput, type ReplaySpec } from "../../contract/batch";
import { BatchTooLarge, InvalidBatchInput } from "../../contract/errors";
import { preview } from "../../contract/json";
import { planReplay, type ReplayPlan } from "../../contract/replay";
import type { BatchSettings } from "../../contract/settings";
import type { BatchManifest, ReplayedObject, ReplayRecord, RunMarker } from "../shared/batch-records";
import { readJson, type BatchLog } from "../shared/object-store";
import { BatchBuilder } from "./batch-builder";
import { batchIdFor, batchKeys } from "./batch-id";
import { landingObjects, replayObjects, type SourceObject, type SourceStore } from "./sources";
import { buildValidation, validationWindow } from "./validation-sql";

/** The object store ExtractBatch reads and writes (the lake bucket). */
export interface ExtractStore extends SourceStore {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** Writes only if no object has the key (S3 `If-None-Match: *`); false when one exists (412 or 409). */
  putIfAbsent(key: string, body: string, contentType: string): Promise<boolean>;
}

/** What {@link extractBatch} runs against. */
export interface ExtractDeps {
  readonly store: ExtractStore;
  /** The wall clock: claim and finish times and the arrival-time window; never the batch id. */
  readonly now: () => Date;
  readonly log: BatchLog;
}

/** One claimed batch, as {@link stageBatch} stages it. */
interface StageOptions {
  readonly input: ExtractInput;
  readonly settings: BatchSettings;
  readonly deps: ExtractDeps;
  readonly batchId: string;
  /** The claim marker as written; the run's end state is written over it. */
  readonly marker: RunMarker;
  /** The replay plan; undefined for a landing batch. */
  readonly replay: ReplayPlan | undefined;
}

export const JSON_TYPE = "application/json";
export const NDJSON_TYPE = "application/x-ndjson";

/**
 * Runs ExtractBatch: claims `_runs/<batchId>.json` (with `force`, overwrites it), stages the landing
 * files and returns pointers and counts only. A claim held by another execution returns
 * `skipped: "already-claimed"` after no write at all; a retry of the execution that holds the claim
 * (same `executionId`, e.g. a Step Functions Retry after a timeout) proceeds and rewrites the same keys.
 * Skipped outputs carry an empty validation query: the workflow branches on `skipped` first.
 */
export async function extractBatch(input: ExtractInput, settings: BatchSettings, deps: ExtractDeps): Promise<ExtractOutput> {
  const { batchId, replay, marker } = runClaimOf(input, settings, deps.now());
  const keys = batchKeys(batchId);
  if (!(await claim(marker, input.force === true, deps))) {
    return alreadyClaimed(batchId, keys.manifest, marker.claimedAt);
  }
  try {
    return await stageBatch({ input, settings, deps, batchId, marker, replay });
  } catch (error) {
    if (error instanceof BatchTooLarge) {
      const failed: RunMarker = {
        ...marker,
        status: "failed",
        finishedAt: deps.now().toISOString(),
        error: `${error.name}: ${error.message}`,
      };
      await deps.store.put(keys.marker, JSON.stringify(failed), JSON_TYPE);
    }
    throw error;
  }
}

/** Writes the claim marker; false when another execution holds the claim (a retry of the holder proceeds). */
export async function claim(marker: RunMarker, force: boolean, { store, log }: ExtractDeps): Promise<boolean> {
  const { batchId } = marker;
  const key = batchKeys(batchId).marker;
  if (force) {
    await store.put(key, JSON.stringify(marker), JSON_TYPE);
    return true;
  }
  if (await store.putIfAbsent(key, JSON.stringify(marker), JSON_TYPE)) return true;
  // Unreadable (e.g. no s3:GetObject on _runs/): treat as held by another execution, the safe side.
  const holder = await readJson<RunMarker>(store, key).catch((error: unknown) => {
    log.warn("cannot read the claim marker; treating the batch as claimed by another execution", {
      batchId,
      error: String(error),
    });
    return undefined;
  });
  if (holder?.executionId !== marker.executionId) {
    log.info("batch already claimed; skipping", { batchId, claimedBy: holder?.executionId, status: holder?.status });
    return false;
  }
  log.info("resuming the claim held by this execution (a retry)", { batchId });
  return true;
}

/**
 * The run a batch execution claims: its batch id (replays carry their suffix), its replay plan, and the
 * marker to write under `_runs/`. Throws InvalidBatchInput when the execution ARN is missing.
 */
export function runClaimOf(
  input: ExtractInput,
  settings: Pick<BatchSettings, "dayKey">,
  now: Date,
): { readonly batchId: string; readonly replay: ReplayPlan | undefined; readonly marker: RunMarker } {
  const replay = replayPlanOf(input, settings);
  const batchId = batchIdFor(input?.scheduledTime) + (replay ? REPLAY_BATCH_SUFFIX : "");
  if (typeof input.executionId !== "string" || input.executionId === "") {
    throw new InvalidBatchInput(`executionId must be the execution ARN, got ${preview(input.executionId)}`);
  }
  const marker: RunMarker = {
    batchId,
    status: "running",
    executionId: input.executionId,
    scheduledTime: input.scheduledTime,
    claimedAt: now.toISOString(),
    ...(input.force ? { forced: true } : {}),
    ...(replay ? { replay: replayRecord(replay) } : {}),
  };
  return { batchId, replay, marker };
}

/**
 * The replay plan of the input, or undefined for a landing batch (`replay` absent or null, as the state
 * machine passes it). Throws {@link InvalidBatchInput} naming every problem of a bad replay.
 */
export function replayPlanOf(input: Pick<ExtractInput, "replay">, settings: Pick<BatchSettings, "dayKey">): ReplayPlan | undefined {
  if (input?.replay === undefined || input.replay === null) return undefined;
  const planned = planReplay(input.replay, settings.dayKey);
  if ("problems" in planned) throw new InvalidBatchInput(`invalid replay: ${planned.problems.join("; ")}`);
  return planned.plan;
}

export function replayRecord(plan: ReplayPlan): ReplayRecord {
  return { from: plan.from, errorTypes: plan.errorTypes, since: plan.since, until: plan.until };
}

/** Reads the batch's source into staging chunks, writes the manifest and returns the output. */
async function stageBatch(options: StageOptions): Promise<ExtractOutput> {
  const { deps, batchId, replay } = options;
  const builder = new BatchBuilder(batchId, options.settings);
  const source = replay ? replayObjects(deps.store, deps.log, replay) : landingObjects(deps.store, deps.log);
  const objects = await stageObjects(builder, source, deps.store);
  const finishedAt = deps.now();
  const manifest = manifestOf(options, builder, objects, finishedAt);
  await deps.store.put(batchKeys(batchId).manifest, JSON.stringify(manifest), JSON_TYPE);
  logExtracted(deps.log, manifest, builder);
  return outputOf(options, builder, manifest, finishedAt);
}

/** Adds every object of `source` to the builder, writing each full object it hands out; returns what was read. */
async function stageObjects(
  builder: BatchBuilder,
  source: AsyncIterable<SourceObject>,
  store: Pick<ExtractStore, "put">,
): Promise<ReplayedObject[]> {
  const flush = async (final: boolean) => {
    for (let object = builder.takeChunk(final); object; object = builder.takeChunk(final)) {
      await store.put(object.key, object.body, NDJSON_TYPE);
    }
    for (let object = builder.takeRejected(final); object; object = builder.takeRejected(final)) {
      await store.put(object.key, object.body, NDJSON_TYPE);
    }
  };
  const read: ReplayedObject[] = [];
  for await (const { file, move, read: content } of source) {
    const before = builder.batchCounts(0);
    if ("reason" in content) builder.rejectFile(file.key, content.reason);
    else {
      for await (const item of content.items) {
        if (!builder.add(file.key, item)) break;
        if (builder.hasFullObject()) await flush(false);
      }
    }
    const after = builder.batchCounts(0);
    read.push({ ...file, move, records: after.records - before.records, rejected: after.rejected - before.rejected });
    if (builder.hasFullObject()) await flush(false);
  }
  await flush(true);
  return read;
}

/** The manifest: landing files, or for a replay the window and every object read. */
function manifestOf(options: StageOptions, builder: BatchBuilder, objects: readonly ReplayedObject[], finishedAt: Date): BatchManifest {
  const { input, batchId, replay } = options;
  const source: "landing" | ReplaySpec["from"] = replay ? replay.from : "landing";
  return {
    batchId,
    executionId: input.executionId,
    scheduledTime: input.scheduledTime,
    extractedAt: finishedAt.toISOString(),
    files: replay ? [] : objects.map(({ key, etag, size }) => ({ key, etag, size })),
    chunkKeys: builder.chunkKeys(),
    rejectedKeys: builder.rejectedKeys(),
    counts: builder.batchCounts(objects.length),
    source,
    ...(replay ? { replay: { ...replayRecord(replay), prefixes: replay.prefixes }, replayed: objects } : {}),
  };
}

function logExtracted(log: BatchLog, manifest: BatchManifest, builder: BatchBuilder): void {
  const { batchId, source, counts } = manifest;
  const unknown = builder.unknownFields();
  log.info("batch extracted", {
    batchId,
    source,
    ...counts,
    chunks: manifest.chunkKeys.length,
    unknownFields: unknown.count,
    unknownKeys: unknown.keys,
  });
  if (counts.duplicateEventIds > 0) {
    log.warn("records repeat an event id within the batch; the validation expects distinct ids", {
      batchId,
      duplicateEventIds: counts.duplicateEventIds,
    });
  }
}

/** The output; an empty batch marks its run `empty` and is skipped. */
async function outputOf(options: StageOptions, builder: BatchBuilder, manifest: BatchManifest, finishedAt: Date): Promise<ExtractOutput> {
  const { batchId, deps, settings } = options;
  const { counts } = manifest;
  const keys = batchKeys(batchId);
  const base = {
    batchId,
    source: manifest.source,
    fileCount: counts.files,
    rejectedCount: counts.rejected,
    manifestKey: keys.manifest,
    pushStartedAt: finishedAt.toISOString(),
    eventHours: builder.eventHours() ?? null,
  };
  if (counts.records === 0) {
    const empty: RunMarker = { ...options.marker, status: "empty", finishedAt: finishedAt.toISOString(), counts: { ...counts } };
    await deps.store.put(keys.marker, JSON.stringify(empty), JSON_TYPE);
    return { ...base, skipped: true, skipReason: "empty", recordCount: 0, chunkKeys: [], validation: { query: "", expectedCount: 0 } };
  }
  const window = validationWindow(settings, finishedAt, builder.eventHours());
  if (!window) {
    deps.log.warn("no event hours to bound the validation query; it reads no partition and will find nothing", {
      batchId,
      eventHours: builder.eventHours(),
    });
  }
  return {
    ...base,
    skipped: false,
    recordCount: counts.records,
    chunkKeys: manifest.chunkKeys,
    validation: buildValidation(settings, batchId, builder.distinctEventIds(), window),
  };
}

function alreadyClaimed(batchId: string, manifestKey: string, at: string): ExtractOutput {
  return {
    batchId,
    skipped: true,
    skipReason: "already-claimed",
    fileCount: 0,
    recordCount: 0,
    rejectedCount: 0,
    chunkKeys: [],
    manifestKey,
    pushStartedAt: at,
    eventHours: null,
    validation: { query: "", expectedCount: 0 },
  };
}

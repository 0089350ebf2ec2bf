/**
 * PlanBatch (the extract function's `plan` mode): claims the batch as ExtractBatch does, lists its source
 * (landing files, or for a replay the errors/ or raw/ objects of the window), plans byte ranges of about
 * `rangeTargetBytes` (contract/batch.ts: at most 64 MiB, enough ranges for the push concurrency) at record boundaries (`stream/ranges.ts`; a gzip object is one range, a
 * replayed object is one range), and writes `staging/<batchId>/ranges.json` (the Distributed Map's items)
 * and the batch manifest (the objects finalize moves). Returns pointers and counts only.
 *
 * `skipped: "empty"` only when the source holds no object at all: a batch whose objects hold no
 * acceptable record is planned, and SummarizeBatch fails it with AllRecordsRejected.
 *
 * Memory: each object is scanned as a stream; the items (a few hundred bytes each) are held until written.
 */
import { rangeTargetBytes, type PlanInput, type PlanOutput, type RangeItem, type ReplaySpec } from "../../contract/batch";
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import type { ReplayPlan } from "../../contract/replay";
import type { BatchSettings } from "../../contract/settings";
import type { BatchManifest, ManifestFile, ReplayedObject, RunMarker } from "../shared/batch-records";
import { batchKeys } from "./batch-id";
import { claim, JSON_TYPE, replayRecord, runClaimOf, type ExtractDeps } from "./extract-batch";
import { LANDING_FORMATS, landingFormat } from "./landing-format";
import { MAX_REPLAY_OBJECT_BYTES } from "./object-text";
import { openObject, type SourceStore } from "./sources";
import { planRanges } from "./stream/ranges";

/** `staging/<batchId>/ranges.json`: the Distributed Map's items. */
export function rangesKey(batchId: string): string {
  return `${BATCH_PREFIXES.staging}${batchId}/ranges.json`;
}

/** `r00042`: the range id of the item at `ordinal` in ranges.json. */
export function rangeIdOf(ordinal: number): string {
  return `r${String(ordinal).padStart(5, "0")}`;
}

/** Options of {@link planBatch}; tests plan with small ranges. */
export interface PlanOptions {
  /** @default rangeTargetBytes(total bytes listed, settings.pushConcurrency) */
  readonly targetBytes?: number;
}

/** What the listing found: the items and the objects for the manifest. */
interface Planned {
  readonly items: RangeItem[];
  readonly files: ManifestFile[];
  readonly replayed: ReplayedObject[];
}

/** Runs PlanBatch. A claim held by another execution returns `already-claimed` after no write at all. */
export async function planBatch(
  input: PlanInput,
  settings: BatchSettings,
  deps: ExtractDeps,
  options: PlanOptions = {},
): Promise<PlanOutput> {
  const { batchId, replay, marker } = runClaimOf(input, settings, deps.now());
  const keys = batchKeys(batchId);
  const source: PlanOutput["source"] = replay ? replay.from : "landing";
  const base = { batchId, source, rangesKey: rangesKey(batchId), manifestKey: keys.manifest };
  if (!(await claim(marker, input.force === true, deps))) {
    return { ...base, skipped: true, skipReason: "already-claimed", fileCount: 0, rangeCount: 0, plannedAt: marker.claimedAt };
  }
  const planned = replay
    ? await planReplay(deps.store, batchId, replay)
    : await planLanding(deps, batchId, (totalBytes) => options.targetBytes ?? rangeTargetBytes(totalBytes, settings.pushConcurrency ?? 1));
  const plannedAt = deps.now().toISOString();
  const fileCount = replay ? planned.replayed.length : planned.files.length;
  if (fileCount === 0) {
    const empty: RunMarker = { ...marker, status: "empty", finishedAt: plannedAt, counts: { files: 0, records: 0, rejected: 0 } };
    await deps.store.put(keys.marker, JSON.stringify(empty), JSON_TYPE);
    deps.log.info("no source objects; the batch is skipped", { batchId, source });
    return { ...base, skipped: true, skipReason: "empty", fileCount: 0, rangeCount: 0, plannedAt };
  }
  const items = planned.items.map((item) => ({ ...item, rangeCount: planned.items.length }));
  await deps.store.put(base.rangesKey, JSON.stringify(items), JSON_TYPE);
  await deps.store.put(keys.manifest, JSON.stringify(manifestOf(input, batchId, source, replay, planned, plannedAt)), JSON_TYPE);
  deps.log.info("batch planned", { batchId, source, files: fileCount, ranges: planned.items.length });
  return { ...base, skipped: false, fileCount, rangeCount: planned.items.length, plannedAt };
}

/** Every landing file: supported ones scanned into ranges, others one rejecting item each. */
async function planLanding({ store, log }: ExtractDeps, batchId: string, targetFor: (totalBytes: number) => number): Promise<Planned> {
  const planned: Planned = { items: [], files: [], replayed: [] };
  const add = (item: Omit<RangeItem, "batchId" | "rangeId">) =>
    planned.items.push({ batchId, rangeId: rangeIdOf(planned.items.length), ...item });
  const listing = [];
  // A console "folder" placeholder is no file.
  for await (const listed of store.list(BATCH_PREFIXES.landing)) if (!listed.key.endsWith("/")) listing.push(listed);
  const targetBytes = targetFor(listing.reduce((total, listed) => total + listed.size, 0));
  for (const listed of listing) {
    const format = landingFormat(listed.key);
    const whole = {
      key: listed.key,
      format: format ?? "ndjson",
      compression: "none",
      start: 0,
      end: listed.size,
      firstLine: 1,
      index: 0,
    } as const;
    if (!format) {
      planned.files.push({ key: listed.key, etag: listed.etag, size: listed.size });
      add({ range: whole, reject: `unsupported file type; expected ${Object.keys(LANDING_FORMATS).join(", ")}, optionally gzipped (.gz)` });
      continue;
    }
    const object = await openObject(store, listed.key);
    if (!object) {
      log.warn("landing file disappeared between listing and planning; left for its owner", { key: listed.key });
      continue;
    }
    planned.files.push({ key: listed.key, etag: object.etag, size: object.size });
    try {
      for (const range of await planRanges({ key: listed.key, size: object.size, format }, object.body, targetBytes)) add({ range });
    } finally {
      // A gzip object is planned from its first bytes: release the rest of the response (and its socket).
      (object.body as { destroy?: () => void }).destroy?.();
    }
  }
  return planned;
}

/** Every object of the replay's prefixes: one range each (read whole), too large ones rejected. */
async function planReplay(store: SourceStore, batchId: string, replay: ReplayPlan): Promise<Planned> {
  const planned: Planned = { items: [], files: [], replayed: [] };
  const move = replay.from === "errors";
  for (const prefix of replay.prefixes) {
    for await (const listed of store.list(prefix)) {
      if (listed.key.endsWith("/")) continue;
      const tooLarge = listed.size > MAX_REPLAY_OBJECT_BYTES;
      planned.replayed.push({ key: listed.key, etag: listed.etag, size: listed.size, move: move && !tooLarge, records: 0, rejected: 0 });
      planned.items.push({
        batchId,
        rangeId: rangeIdOf(planned.items.length),
        range: { key: listed.key, format: "ndjson", compression: "none", start: 0, end: listed.size, firstLine: 1, index: 0 },
        replay: replay.from,
        ...(tooLarge ? { reject: `object is ${listed.size} bytes; at most ${MAX_REPLAY_OBJECT_BYTES} are read` } : {}),
      });
    }
  }
  return planned;
}

/** The manifest as planned; SummarizeBatch fills in the counts and keys once every range is staged. */
function manifestOf(
  input: PlanInput,
  batchId: string,
  source: "landing" | ReplaySpec["from"],
  replay: ReplayPlan | undefined,
  planned: Planned,
  plannedAt: string,
): BatchManifest {
  const files = replay ? planned.replayed.length : planned.files.length;
  return {
    batchId,
    executionId: input.executionId,
    scheduledTime: input.scheduledTime,
    extractedAt: plannedAt,
    plannedAt,
    rangesKey: rangesKey(batchId),
    rangeCount: planned.items.length,
    files: planned.files,
    chunkKeys: [],
    rejectedKeys: [],
    counts: { files, records: 0, rejected: 0, rejectedLines: 0, rejectedFiles: 0, duplicateEventIds: 0, generatedEventIds: 0 },
    source,
    ...(replay ? { replay: { ...replayRecord(replay), prefixes: replay.prefixes }, replayed: planned.replayed } : {}),
  };
}

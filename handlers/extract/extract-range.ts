/**
 * ExtractRange (the extract function's `range` mode, one Distributed Map child): streams one planned byte
 * range (`readRange`: a ranged GET → UTF-8 check → the format's parser; a gzip object or a replayed object
 * whole), validates and stamps each record in a {@link BatchBuilder}, writes staging chunks under
 * `staging/<batchId>/<rangeId>/`, rejected lines (with the line numbers of a whole-object read) under
 * `rejected/<batchId>/<rangeId>/`, and the range's accepted event ids, sorted and distinct, to
 * `staging/<batchId>/ids/<rangeId>.txt` (one JSON string a line) for SummarizeBatch's distinct count.
 *
 * Deterministic: the keys depend only on the item, and the items (line numbers, element ordinals, hence
 * generated event ids) on the range's `firstLine`/`firstElement`, so a retried child rewrites the same
 * objects with the same contents. Memory: one staging chunk plus the range's distinct ids (a range is at
 * most about RANGE_TARGET_BYTES, so the ids are bounded by it).
 */
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import type { RangeItem, RangeOutput } from "../../contract/batch";
import { InvalidBatchInput } from "../../contract/errors";
import { preview } from "../../contract/json";
import type { BatchSettings } from "../../contract/settings";
import { BatchBuilder, type BuilderKeys } from "./batch-builder";
import { NDJSON_TYPE, type ExtractDeps } from "./extract-batch";
import type { SourceItem } from "./landing-format";
import { decodeReplayObject } from "./replay";
import { openObject, openRange } from "./sources";
import { readRange } from "./stream/read";

const TEXT_TYPE = "text/plain; charset=utf-8";

/** The keys one range writes. */
export function rangeKeys(batchId: string, rangeId: string): BuilderKeys & { readonly ids: string } {
  const staging = `${BATCH_PREFIXES.staging}${batchId}/`;
  return {
    chunk: (index) => `${staging}${rangeId}/${String(index).padStart(5, "0")}.ndjson`,
    rejected: (index) => `${BATCH_PREFIXES.rejected}${batchId}/${rangeId}/rejected-${String(index).padStart(5, "0")}.ndjson`,
    ids: `${staging}ids/${rangeId}.txt`,
  };
}

/** Runs ExtractRange on one item of ranges.json. */
export async function extractRange(item: RangeItem, settings: BatchSettings, deps: ExtractDeps): Promise<RangeOutput> {
  checkItem(item);
  const { batchId, rangeId, range } = item;
  const keys = rangeKeys(batchId, rangeId);
  const ids = new Set<string>();
  const builder = new BatchBuilder(batchId, settings, { keys, onEventId: (id) => ids.add(JSON.stringify(id)) });
  const flush = async (final: boolean) => {
    for (let object = builder.takeChunk(final); object; object = builder.takeChunk(final)) {
      await deps.store.put(object.key, object.body, NDJSON_TYPE);
    }
    for (let object = builder.takeRejected(final); object; object = builder.takeRejected(final)) {
      await deps.store.put(object.key, object.body, NDJSON_TYPE);
    }
  };
  if (item.reject !== undefined) builder.rejectFile(range.key, item.reject);
  else {
    const items = await itemsOf(item, deps);
    if (!items) deps.log.warn("object disappeared between planning and extraction; nothing read", { key: range.key, rangeId });
    for await (const sourceItem of items ?? []) {
      if (!builder.add(range.key, sourceItem)) break;
      if (builder.hasFullObject()) await flush(false);
    }
  }
  await flush(true);
  const sorted = [...ids].sort();
  ids.clear();
  const idList = sorted.length > 0 ? `${sorted.join("\n")}\n` : "";
  await deps.store.put(keys.ids, idList, TEXT_TYPE);
  const counts = builder.batchCounts(1);
  const hours = builder.eventHours();
  deps.log.info("range extracted", { batchId, rangeId, key: range.key, start: range.start, end: range.end, ...counts });
  return {
    batchId,
    rangeId,
    key: range.key,
    accepted: counts.records,
    rejected: counts.rejected,
    rejectedLines: counts.rejectedLines,
    rejectedFiles: counts.rejectedFiles,
    generatedEventIds: counts.generatedEventIds,
    chunkKeys: builder.chunkKeys(),
    rejectedKeys: builder.rejectedKeys(),
    idsKey: keys.ids,
    idsBytes: Buffer.byteLength(idList, "utf8"),
    ...(hours ? { firstHour: hours.first, lastHour: hours.last, ...(hours.hours ? { hours: hours.hours } : {}) } : {}),
  };
}

/** The items of the range: a replayed object read whole and decoded, or the landing range streamed. */
async function itemsOf(item: RangeItem, { store }: ExtractDeps): Promise<AsyncIterable<SourceItem> | Iterable<SourceItem> | undefined> {
  const { range } = item;
  if (item.replay) {
    const object = await store.get(range.key);
    return object && decodeReplayObject(item.replay, object.body);
  }
  // A gzip object is one range, read whole; any other range is a ranged read of exactly its bytes.
  const object =
    range.compression === "gzip" ? await openObject(store, range.key) : await openRange(store, range.key, range.start, range.end);
  return object && readRange(range, object.body);
}

/** The item as ranges.json holds it; anything else is a wrong input that fails again. */
function checkItem(item: RangeItem | undefined): void {
  const range = item?.range;
  const valid =
    typeof item?.batchId === "string" &&
    /^r\d{5,}$/.test(String(item.rangeId)) &&
    typeof range?.key === "string" &&
    Number.isInteger(range.start) &&
    Number.isInteger(range.end) &&
    Number.isInteger(range.firstLine);
  if (!valid) throw new InvalidBatchInput(`the range item must be an element of ranges.json, got ${preview(item)}`);
}

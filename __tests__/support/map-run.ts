/**
 * Runs the Distributed Map part of a batch on a {@link MemoryStore} without a state machine: ExtractRange
 * for every item of ranges.json, then the ResultWriter files written by the rehearsal's stand-in
 * (`writeResults`), so SummarizeBatch reads exactly what the stand-in (and AWS) writes.
 */
import type { RangeItem, RangeOutput, ResultWriterDetails } from "../../contract/batch";
import type { BatchSettings } from "../../contract/settings";
import type { ExtractDeps } from "../../handlers/extract/extract-batch";
import { extractRange } from "../../handlers/extract/extract-range";
import { writeResults, type ChildRecord, type MapObjectStore } from "../../rehearsal/distributed-map";
import type { MemoryStore } from "./memory-store";

/** The MemoryStore as the stand-in's object store (one bucket, "lake"). */
export function mapStoreOf(store: MemoryStore): MapObjectStore {
  return {
    get: async (_bucket, key) => (store.has(key) ? store.text(key) : undefined),
    put: (_bucket, key, body) => store.put(key, body),
  };
}

/** Extracts every range of `rangesKey` and writes the map run's results; returns their details and the outputs. */
export async function runRanges(
  store: MemoryStore,
  rangesKey: string,
  settings: BatchSettings,
  deps: ExtractDeps,
): Promise<{ resultWriter: ResultWriterDetails; outputs: RangeOutput[] }> {
  const items = store.json<RangeItem[]>(rangesKey);
  const children: ChildRecord[] = [];
  const outputs: RangeOutput[] = [];
  for (const [index, item] of items.entries()) {
    const output = await extractRange(item, settings, deps);
    outputs.push(output);
    const at = new Date(0).toISOString();
    children.push({ index, input: item, run: { status: "SUCCEEDED", output, path: [] }, startDate: at, stopDate: at });
  }
  const batchId = items[0]?.batchId ?? "none";
  const arn = "arn:aws:states:eu-west-1:123456789012:mapRun:batch/ExtractAndPush:run-1";
  const resultWriter = await writeResults(
    mapStoreOf(store),
    { Bucket: "lake", Prefix: `staging/${batchId}/map-results` },
    "run-1",
    arn,
    children,
  );
  return { resultWriter, outputs };
}

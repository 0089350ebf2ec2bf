/**
 * SummarizeBatch (the extract function's `summarize` mode), after the Distributed Map: reads the children's
 * outputs where the Map's ResultWriter exported them, sums the counts, counts the distinct event ids of the
 * whole batch with a k-way merge of the ranges' sorted id lists (`id-merge.ts`), unions the event hours,
 * completes the manifest, and returns today's ExtractOutput without chunk keys, with the validation query
 * built as ExtractBatch builds it. A batch whose objects yielded no accepted record fails with
 * {@link AllRecordsRejected} (its run marker says so), never a success.
 *
 * ResultWriter's layout (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
 * the Map's output is `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`, `Key` being
 * `<Prefix>/<map run id>/manifest.json`; the manifest is `{ DestinationBucket, MapRunArn, ResultFiles:
 * { FAILED: [{ Key, Size }], PENDING: [...], SUCCEEDED: [...] } }`, and each result file is a JSON array of
 * child executions with `ExecutionArn`, `Name`, `Status`, `Input` and `Output` (JSON strings), `StartDate`,
 * `StopDate` … (Transformation NONE, the default when exporting to S3). Here every child must have
 * succeeded (the Map tolerates no failure), and there must be one output per planned range.
 */
import { MAX_LISTED_EVENT_HOURS, type EventHours, type RangeOutput, type SummarizeInput, type SummarizeOutput } from "../../contract/batch";
import { AllRecordsRejected, InvalidBatchInput } from "../../contract/errors";
import { isJsonObject, preview, tryParseJson } from "../../contract/json";
import type { BatchSettings } from "../../contract/settings";
import type { BatchCounts, BatchManifest, RunMarker } from "../shared/batch-records";
import { readJson } from "../shared/object-store";
import { batchKeys } from "./batch-id";
import { JSON_TYPE, type ExtractDeps } from "./extract-batch";
import { countDistinctSorted, pieceBytes, readInPieces } from "./id-merge";
import { openRange } from "./sources";
import { buildValidation, validationWindow } from "./validation-sql";

/** The ResultWriter manifest, as documented. */
export interface ResultWriterManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: {
    readonly FAILED?: readonly { readonly Key: string; readonly Size: number }[];
    readonly PENDING?: readonly { readonly Key: string; readonly Size: number }[];
    readonly SUCCEEDED?: readonly { readonly Key: string; readonly Size: number }[];
  };
}

/** Runs SummarizeBatch. */
export async function summarizeBatch(input: SummarizeInput, settings: BatchSettings, deps: ExtractDeps): Promise<SummarizeOutput> {
  const { batchId, manifestKey } = checkInput(input);
  const manifest = await readJson<BatchManifest>(deps.store, manifestKey);
  if (manifest?.batchId !== batchId) throw new InvalidBatchInput(`${manifestKey} is not the manifest of batch ${batchId}`);
  const outputs = await rangeOutputs(input, deps);
  if (manifest.rangeCount !== undefined && outputs.length !== manifest.rangeCount) {
    throw new Error(`the Map run reported ${outputs.length} range outputs; batch ${batchId} planned ${manifest.rangeCount}`);
  }
  const distinct = await countDistinctIds(outputs, deps);
  const counts = countsOf(manifest.counts.files, outputs, distinct);
  const eventHours = unionHours(outputs);
  const summarizedAt = deps.now().toISOString();
  await deps.store.put(manifestKey, JSON.stringify(completed(manifest, outputs, counts, summarizedAt)), JSON_TYPE);
  deps.log.info("batch summarized", { batchId, ranges: outputs.length, ...counts, distinctEventIds: distinct });
  if (counts.files > 0 && counts.records === 0) await allRejected(batchId, counts, summarizedAt, deps);
  const pushStartedAt = input.pushStartedAt || manifest.plannedAt || manifest.extractedAt;
  const window = validationWindow(settings, new Date(pushStartedAt), eventHours);
  return {
    batchId,
    skipped: false,
    source: manifest.source ?? "landing",
    fileCount: counts.files,
    recordCount: counts.records,
    rejectedCount: counts.rejected,
    manifestKey,
    pushStartedAt,
    eventHours: eventHours ?? null,
    validation: buildValidation(settings, batchId, distinct, window),
  };
}

function checkInput(input: SummarizeInput): SummarizeInput {
  const ok = typeof input?.batchId === "string" && typeof input.manifestKey === "string" && typeof input.resultWriter?.Key === "string";
  if (!ok) throw new InvalidBatchInput(`summarize needs batchId, manifestKey and resultWriter { Bucket, Key }, got ${preview(input)}`);
  return input;
}

/** Every child's RangeOutput, from the ResultWriter's SUCCEEDED files; a failed or pending child is an error. */
async function rangeOutputs(input: SummarizeInput, { store }: ExtractDeps): Promise<RangeOutput[]> {
  const manifest = await readJson<ResultWriterManifest>(store, input.resultWriter.Key);
  if (!manifest || !isJsonObject(manifest.ResultFiles)) throw new Error(`no ResultWriter manifest at ${input.resultWriter.Key}`);
  const unfinished = [...(manifest.ResultFiles.FAILED ?? []), ...(manifest.ResultFiles.PENDING ?? [])];
  if (unfinished.length > 0) {
    throw new Error(`the Map run ${manifest.MapRunArn} has failed or pending children (${unfinished.map((f) => f.Key).join(", ")})`);
  }
  const outputs: RangeOutput[] = [];
  for (const file of manifest.ResultFiles.SUCCEEDED ?? []) {
    const object = await store.get(file.Key);
    const executions = object && tryParseJson(Buffer.from(object.body).toString("utf8"));
    if (!Array.isArray(executions)) throw new Error(`ResultWriter file ${file.Key} is not a JSON array`);
    for (const execution of executions as { Output?: unknown }[]) outputs.push(rangeOutputOf(execution.Output, file.Key));
  }
  return outputs.sort((a, b) => (a.rangeId < b.rangeId ? -1 : a.rangeId > b.rangeId ? 1 : 0));
}

/** A child's `Output` string: the RangeOutput (or an object holding it under `extract`). */
function rangeOutputOf(output: unknown, fileKey: string): RangeOutput {
  const value = typeof output === "string" ? tryParseJson(output) : undefined;
  const candidate = isJsonObject(value) && isJsonObject(value.extract) ? value.extract : value;
  if (!isJsonObject(candidate) || typeof candidate.rangeId !== "string" || typeof candidate.accepted !== "number") {
    throw new Error(`a child in ${fileKey} has no RangeOutput as its output: ${preview(output)}`);
  }
  return candidate as unknown as RangeOutput;
}

/** The distinct event ids across every range's id list. */
async function countDistinctIds(outputs: readonly RangeOutput[], { store }: ExtractDeps): Promise<number> {
  const lists = outputs.filter((output) => output.idsBytes > 0);
  const piece = pieceBytes(lists.length);
  return countDistinctSorted(
    lists.map(
      (output) => async () =>
        readInPieces(output.idsBytes, piece, async (start, end) => {
          const object = await openRange(store, output.idsKey, start, end);
          if (!object) throw new Error(`the id list ${output.idsKey} is missing`);
          return object.body;
        }),
    ),
  );
}

function countsOf(files: number, outputs: readonly RangeOutput[], distinct: number): BatchCounts {
  const sum = (field: "accepted" | "rejectedLines" | "rejectedFiles" | "generatedEventIds") =>
    outputs.reduce((total, output) => total + output[field], 0);
  const records = sum("accepted");
  const rejectedLines = sum("rejectedLines");
  const rejectedFiles = sum("rejectedFiles");
  return {
    files,
    records,
    rejected: rejectedLines + rejectedFiles,
    rejectedLines,
    rejectedFiles,
    duplicateEventIds: records - distinct,
    generatedEventIds: sum("generatedEventIds"),
  };
}

/** The union of the ranges' event hours; the list of hours only while every range lists its own and they are few. */
export function unionHours(outputs: readonly Pick<RangeOutput, "firstHour" | "lastHour" | "hours">[]): EventHours | undefined {
  const withHours = outputs.filter((output) => output.firstHour !== undefined && output.lastHour !== undefined);
  if (withHours.length === 0) return undefined;
  const first = withHours.map((output) => output.firstHour!).reduce((a, b) => (b < a ? b : a));
  const last = withHours.map((output) => output.lastHour!).reduce((a, b) => (b > a ? b : a));
  let hours: Set<string> | undefined = new Set();
  for (const output of withHours) {
    if (!output.hours || !hours) {
      hours = undefined;
      break;
    }
    for (const hour of output.hours) hours.add(hour);
    if (hours.size > MAX_LISTED_EVENT_HOURS) hours = undefined;
  }
  return { first, last, ...(hours ? { hours: [...hours].sort() } : {}) };
}

/** The manifest with the batch's counts and keys, and each replayed object's own counts. */
function completed(manifest: BatchManifest, outputs: readonly RangeOutput[], counts: BatchCounts, summarizedAt: string): BatchManifest {
  const byKey = new Map<string, { records: number; rejected: number }>();
  for (const output of outputs) {
    const tally = byKey.get(output.key) ?? { records: 0, rejected: 0 };
    byKey.set(output.key, { records: tally.records + output.accepted, rejected: tally.rejected + output.rejected });
  }
  return {
    ...manifest,
    summarizedAt,
    chunkKeys: outputs.flatMap((output) => output.chunkKeys),
    rejectedKeys: outputs.flatMap((output) => output.rejectedKeys),
    counts,
    ...(manifest.replayed ? { replayed: manifest.replayed.map((object) => ({ ...object, ...byKey.get(object.key) })) } : {}),
  };
}

/** Marks the run failed and throws {@link AllRecordsRejected}. */
async function allRejected(batchId: string, counts: BatchCounts, finishedAt: string, deps: ExtractDeps): Promise<never> {
  const key = batchKeys(batchId).marker;
  const marker = await readJson<RunMarker>(deps.store, key).catch(() => undefined);
  const error = new AllRecordsRejected(
    `batch ${batchId} read ${counts.files} object(s) and accepted no record (${counts.rejectedLines} line(s) and ${counts.rejectedFiles} whole object(s) rejected; see rejected/${batchId}/)`,
  );
  if (marker) {
    const failed: RunMarker = { ...marker, status: "failed", finishedAt, counts: { ...counts }, error: `${error.name}: ${error.message}` };
    await deps.store.put(key, JSON.stringify(failed), JSON_TYPE);
  }
  throw error;
}

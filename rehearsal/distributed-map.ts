/**
 * A local stand-in for the Step Functions Distributed Map, which aws-local-stepfunctions 3.0.0 does not
 * run (it has no ItemReader, ItemBatcher or ResultWriter). {@link withDistributedMaps} rewrites a
 * definition for a local run: every Map whose `ItemProcessor.ProcessorConfig.Mode` is `DISTRIBUTED`
 * becomes a Task answered here, which gives those fields their documented semantics against the local S3:
 *
 * 1. ItemReader (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html):
 *    `arn:aws:states:::s3:getObject` with `ReaderConfig.InputType: "JSON"`: GetObject of `Bucket`/`Key`
 *    (paths and intrinsics in `Parameters` resolved by the engine against the state's input, after
 *    InputPath), the body a JSON array whose elements are the items. Without an ItemReader, the items are
 *    at `ItemsPath` (default `$`).
 * 2. ItemSelector, when present: each key ending in `.$` takes `$$.Map.Item.Value[.path]`,
 *    `$$.Map.Item.Index`, `$$.Execution.Id` or a `$.path` of the state input; otherwise a child's input
 *    is the item itself.
 * 3. ItemProcessor: run as its own definition through `executeLocally` (rehearsal/workflow.ts) for every
 *    item, with the same task answers, at most `MaxConcurrency` at once (0 or absent: 10 at once here).
 *    A DISTRIBUTED Map inside the processor is rewritten the same way.
 * 4. Tolerated failures: `ToleratedFailurePercentage` and `ToleratedFailureCount` (default 0 each). Once
 *    the failed children exceed either, no further child starts and the state fails with
 *    `States.ExceedToleratedFailureThreshold` (matched by the state's Catch/Retry like any error).
 * 5. ResultWriter (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
 *    `arn:aws:states:::s3:putObject` with `Bucket`/`Prefix`: writes `<Prefix>/<map run id>/manifest.json`
 *    (`{ DestinationBucket, MapRunArn, ResultFiles: { FAILED, PENDING, SUCCEEDED: [{ Key, Size }] } }`)
 *    and `SUCCEEDED_0.json` / `FAILED_0.json`, each a JSON array of child executions with `ExecutionArn`,
 *    `Name`, `Input` and `Output` (JSON strings; `Error`/`Cause` for a failure), `InputDetails`,
 *    `OutputDetails`, `RedriveCount`, `RedriveStatus`, `StartDate`, `StopDate`, `StateMachineArn`,
 *    `Status` (WriterConfig absent: Transformation NONE). The state's result is then
 *    `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`; without a ResultWriter, the array of outputs.
 * 6. InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Next/End are kept on the Task, so the
 *    engine applies them to that result as it would to the Map's.
 *
 * Not modelled: child execution names and ARNs as AWS forms them (here `<map run id>:<index>`), the
 * child execution type's limits (EXPRESS 5-minute cap, STANDARD history quota), the 10,000 parallel
 * children cap and per-account start rate, ItemBatcher (rejected when present), ItemReader input types
 * other than a JSON array (CSV, JSONL, S3 object listings, manifests, Parquet), ReaderConfig.MaxItems,
 * ResultWriter's WriterConfig (COMPACT/FLATTEN, JSONL) and splitting result files at 5 GB, map-run redrive,
 * stopping children that are already running when the threshold is crossed (they run to the end here),
 * intrinsic functions inside ItemSelector, and the Map Run's own events and CloudWatch metrics.
 */
import { randomUUID } from "node:crypto";
import type { StateMachineDefinition } from "../state-machines/asl";
import { collectStates, executeLocally, named, type TaskAnswer, type WorkflowRun } from "./workflow";

/** The objects the stand-in reads and writes (the local lake bucket). */
export interface MapObjectStore {
  /** The object's text, or undefined when there is none. */
  get(bucket: string, key: string): Promise<string | undefined>;
  put(bucket: string, key: string, body: string): Promise<void>;
}

/** Options of {@link withDistributedMaps}. */
export interface DistributedMapOptions {
  readonly store: MapObjectStore;
  /** The task answers of the whole definition; children use the same. */
  readonly tasks: Readonly<Record<string, TaskAnswer>>;
  /** Map run ids; @default random UUIDs */
  readonly newMapRunId?: () => string;
  /** Called as a map run starts and ends. */
  readonly onMapRun?: (event: MapRunEvent) => void;
}

/** What a map run reports to {@link DistributedMapOptions.onMapRun}. */
export type MapRunEvent =
  | { readonly type: "started"; readonly state: string; readonly items: number; readonly maxConcurrency: number }
  | { readonly type: "ended"; readonly state: string; readonly succeeded: number; readonly failed: number; readonly pending: number };

/** The Distributed Map fields this stand-in reads (typed loosely: the project's ASL types may lag). */
interface DistributedMapState {
  readonly Type: "Map";
  readonly Label?: string;
  readonly ItemReader?: {
    readonly Resource: string;
    readonly ReaderConfig?: { readonly InputType?: string };
    readonly Parameters?: unknown;
  };
  readonly ItemsPath?: string;
  readonly ItemSelector?: Readonly<Record<string, unknown>>;
  readonly ItemBatcher?: unknown;
  readonly ItemProcessor: {
    readonly ProcessorConfig?: { readonly Mode?: string };
    readonly StartAt: string;
    readonly States: Record<string, unknown>;
  };
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
  readonly ResultWriter?: { readonly Resource: string; readonly Parameters?: unknown };
  readonly [field: string]: unknown;
}

/** Children run at once locally when MaxConcurrency is 0 or absent (AWS: up to 10,000). */
export const LOCAL_UNBOUNDED_CONCURRENCY = 10;

/** The Task resource the rewritten states carry (answered by a local handler, never called). */
export const LOCAL_MAP_RESOURCE = "arn:aws:states:::local:distributedMap";

/** Fields a Map shares with a Task, kept as they are. */
/**
 * TimeoutSeconds of the Task standing for a Map, as a Map run has no timeout of its own: about 23 days, below
 * the engine's timer limit (setTimeout takes at most 2^31 - 1 ms, about 24.8 days; a longer one fires at once).
 */
export const MAP_TASK_TIMEOUT_SECONDS = 2_000_000;

const KEPT_FIELDS = ["Comment", "InputPath", "OutputPath", "ResultPath", "ResultSelector", "Retry", "Catch", "Next", "End"] as const;

function isDistributed(state: unknown): state is DistributedMapState {
  const map = state as Partial<DistributedMapState> | undefined;
  return map?.Type === "Map" && map.ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED";
}

/** True when the definition (or any processor in it) has a DISTRIBUTED Map. */
export function hasDistributedMap(definition: StateMachineDefinition): boolean {
  return collectStates(definition.States).some(([, state]) => isDistributed(state));
}

/**
 * The definition with each DISTRIBUTED Map replaced by a Task, and the task answers with one more per
 * such Map (keyed by its state name). Throws when a processor has a Task without an answer or uses
 * ItemBatcher, before anything runs.
 */
export function withDistributedMaps(
  definition: StateMachineDefinition,
  options: DistributedMapOptions,
): { definition: StateMachineDefinition; tasks: Record<string, TaskAnswer> } {
  const tasks: Record<string, TaskAnswer> = { ...options.tasks };
  const rewrite = (states: Readonly<Record<string, unknown>>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(states).map(([name, state]) => {
        if (!isDistributed(state)) return [name, state];
        if (state.ItemBatcher !== undefined) throw new Error(`${name}: ItemBatcher is not modelled by the local Distributed Map`);
        const processor = {
          StartAt: state.ItemProcessor.StartAt,
          States: rewrite(state.ItemProcessor.States),
        } as unknown as StateMachineDefinition;
        const unanswered = collectStates(processor.States).filter(
          ([child, s]) => s.Type === "Task" && !tasks[child] && !options.tasks[child],
        );
        if (unanswered.length > 0) throw new Error(`${name}: no task answer for ${unanswered.map(([child]) => child).join(", ")}`);
        tasks[name] = mapRunAnswer(name, state, processor, tasks, options);
        return [name, taskOf(state)];
      }),
    );
  return { definition: { ...definition, States: rewrite(definition.States) } as StateMachineDefinition, tasks };
}

/** The Task that stands for `map`: the engine resolves the reader's and writer's Parameters on the state input. */
function taskOf(map: DistributedMapState): Record<string, unknown> {
  const kept = Object.fromEntries(KEPT_FIELDS.filter((field) => map[field] !== undefined).map((field) => [field, map[field]]));
  const parameters: Record<string, unknown> = { "input.$": "$", "executionId.$": "$$.Execution.Id" };
  if (map.ItemReader?.Parameters) parameters.reader = map.ItemReader.Parameters;
  if (map.ResultWriter?.Parameters) parameters.writer = map.ResultWriter.Parameters;
  // A Map state has no timeout, but the local engine times a Task out after 60 s unless it says otherwise:
  // a Map run pushing at the paced rate takes minutes.
  return { Type: "Task", Resource: LOCAL_MAP_RESOURCE, Parameters: parameters, TimeoutSeconds: MAP_TASK_TIMEOUT_SECONDS, ...kept };
}

/** What the rewritten Task receives. */
interface MapTaskInput {
  readonly input: unknown;
  readonly executionId: string;
  readonly reader?: { readonly Bucket: string; readonly Key: string };
  readonly writer?: { readonly Bucket: string; readonly Prefix?: string };
}

/** One child execution as ResultWriter records it. */
export interface ChildRecord {
  readonly index: number;
  readonly input: unknown;
  readonly run: WorkflowRun | undefined;
  readonly startDate: string;
  readonly stopDate: string;
}

function mapRunAnswer(
  name: string,
  map: DistributedMapState,
  processor: StateMachineDefinition,
  tasks: Readonly<Record<string, TaskAnswer>>,
  options: DistributedMapOptions,
): TaskAnswer {
  return async (raw) => {
    const task = raw as unknown as MapTaskInput;
    const items = await readItems(name, map, task, options.store);
    const mapRunId = options.newMapRunId?.() ?? randomUUID();
    const mapRunArn = mapRunArnOf(task.executionId, map.Label ?? name, mapRunId);
    const concurrency = map.MaxConcurrency ? map.MaxConcurrency : LOCAL_UNBOUNDED_CONCURRENCY;
    options.onMapRun?.({ type: "started", state: name, items: items.length, maxConcurrency: concurrency });
    const children = await runChildren(items, map, task, processor, tasks, { mapRunArn, concurrency });
    const failed = children.filter((child) => child.run?.status === "FAILED");
    const succeeded = children.filter((child) => child.run?.status === "SUCCEEDED");
    options.onMapRun?.({
      type: "ended",
      state: name,
      succeeded: succeeded.length,
      failed: failed.length,
      pending: items.length - children.length,
    });
    const details = task.writer ? await writeResults(options.store, task.writer, mapRunId, mapRunArn, children) : undefined;
    if (exceedsTolerance(map, failed.length, items.length)) {
      const first = failed[0]?.run;
      throw named(
        "States.ExceedToleratedFailureThreshold",
        `${failed.length} of ${items.length} child executions of ${mapRunArn} failed, beyond the tolerated failures; first: ${first?.error}: ${first?.cause}`,
      );
    }
    if (details) return { MapRunArn: mapRunArn, ResultWriterDetails: details };
    return children.map((child) => child.run?.output ?? null);
  };
}

/** The items: the ItemReader's JSON array, or the array at ItemsPath. */
async function readItems(name: string, map: DistributedMapState, task: MapTaskInput, store: MapObjectStore): Promise<unknown[]> {
  if (!map.ItemReader) {
    const items = valueAt(task.input, map.ItemsPath ?? "$");
    if (!Array.isArray(items)) throw named("States.Runtime", `${name}: ItemsPath ${map.ItemsPath ?? "$"} is not an array`);
    return items;
  }
  const inputType = map.ItemReader.ReaderConfig?.InputType;
  if (map.ItemReader.Resource !== "arn:aws:states:::s3:getObject" || (inputType !== undefined && inputType !== "JSON")) {
    throw new Error(`${name}: only an ItemReader of a JSON array (s3:getObject, InputType JSON) is modelled`);
  }
  const { Bucket, Key } = task.reader ?? { Bucket: "", Key: "" };
  const text = await store.get(Bucket, Key);
  if (text === undefined) throw named("States.ItemReaderFailed", `${name}: no object s3://${Bucket}/${Key}`);
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw named("States.ItemReaderFailed", `${name}: s3://${Bucket}/${Key} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) throw named("States.ItemReaderFailed", `${name}: s3://${Bucket}/${Key} is not a JSON array`);
  return items;
}

/** Runs a child per item, `concurrency` at once, starting none once the failures exceed the tolerance. */
async function runChildren(
  items: readonly unknown[],
  map: DistributedMapState,
  task: MapTaskInput,
  processor: StateMachineDefinition,
  tasks: Readonly<Record<string, TaskAnswer>>,
  run: { readonly mapRunArn: string; readonly concurrency: number },
): Promise<ChildRecord[]> {
  const records: ChildRecord[] = [];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < items.length && !exceedsTolerance(map, failed, items.length)) {
      const index = next++;
      const input = childInput(map, task, items[index], index);
      const startDate = new Date().toISOString();
      const childId = `${run.mapRunArn.replace(":mapRun:", ":execution:")}:${index}`;
      const result = await executeLocally(processor, input, tasks, { executionId: childId, executionName: String(index) });
      if (result.status === "FAILED") failed++;
      records.push({ index, input, run: result, startDate, stopDate: new Date().toISOString() });
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.concurrency, Math.max(1, items.length)) }, worker));
  return records.sort((a, b) => a.index - b.index);
}

function exceedsTolerance(map: DistributedMapState, failed: number, total: number): boolean {
  if (failed === 0) return false;
  const count = map.ToleratedFailureCount ?? 0;
  const percentage = map.ToleratedFailurePercentage ?? 0;
  return failed > count && (failed / total) * 100 > percentage;
}

/** A child's input: the item, or the ItemSelector resolved for it. */
function childInput(map: DistributedMapState, task: MapTaskInput, item: unknown, index: number): unknown {
  if (!map.ItemSelector) return item;
  const resolve = (template: unknown): unknown => {
    if (Array.isArray(template)) return template.map(resolve);
    if (template === null || typeof template !== "object") return template;
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => {
        if (!key.endsWith(".$")) return [key, resolve(value)];
        const path = String(value);
        const name = key.slice(0, -2);
        if (path === "$$.Map.Item.Index") return [name, index];
        if (path.startsWith("$$.Map.Item.Value")) return [name, valueAt(item, `$${path.slice("$$.Map.Item.Value".length)}`)];
        if (path === "$$.Execution.Id") return [name, task.executionId];
        if (path.startsWith("$")) return [name, valueAt(task.input, path)];
        throw new Error(`ItemSelector ${key}: ${path} is not modelled by the local Distributed Map`);
      }),
    );
  };
  return resolve(map.ItemSelector);
}

/** A simple JSONPath (`$`, `$.a.b`, `$.a[0]`) of `value`. */
function valueAt(value: unknown, path: string): unknown {
  if (path === "$") return value;
  let current: any = value;
  for (const part of path
    .replace(/^\$\.?/, "")
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== "")) {
    current = current?.[/^\d+$/.test(part) && Array.isArray(current) ? Number(part) : part];
  }
  return current;
}

/** `arn:<p>:states:<r>:<a>:mapRun:<state machine>/<label>:<id>` from the parent's execution ARN. */
export function mapRunArnOf(executionId: string, label: string, mapRunId: string): string {
  const [arn, partition, service, region, account, , stateMachine] = executionId.split(":");
  return [arn, partition, service, region, account, "mapRun", `${stateMachine ?? "local"}/${label}`, mapRunId].join(":");
}

/**
 * Writes the map run's results as ResultWriter does (Transformation NONE, one file per status) and
 * returns the `ResultWriterDetails`. Children that never started (the threshold was crossed) are in no
 * file. Exported for tests of code that reads the results.
 */
export async function writeResults(
  store: MapObjectStore,
  writer: { readonly Bucket: string; readonly Prefix?: string },
  mapRunId: string,
  mapRunArn: string,
  children: readonly ChildRecord[],
): Promise<{ Bucket: string; Key: string }> {
  const prefix = writer.Prefix ? `${writer.Prefix.replace(/\/+$/, "")}/${mapRunId}/` : `${mapRunId}/`;
  const stateMachineArn = mapRunArn.replace(":mapRun:", ":stateMachine:").replace(/\/[^/:]*:[^:]*$/, "");
  const entry = (child: ChildRecord) => ({
    ExecutionArn: `${mapRunArn.replace(":mapRun:", ":execution:")}:${child.index}`,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: String(child.index),
    ...(child.run?.status === "SUCCEEDED"
      ? { Output: JSON.stringify(child.run.output ?? null), OutputDetails: { Included: true } }
      : { Error: child.run?.error ?? "States.Runtime", Cause: child.run?.cause ?? "" }),
    RedriveCount: 0,
    RedriveStatus: "NOT_REDRIVABLE",
    RedriveStatusReason: "Execution is SUCCEEDED and cannot be redriven",
    StartDate: child.startDate,
    StateMachineArn: stateMachineArn,
    Status: child.run?.status ?? "PENDING",
    StopDate: child.stopDate,
  });
  const files: Record<"FAILED" | "PENDING" | "SUCCEEDED", { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ["SUCCEEDED", "FAILED"] as const) {
    const entries = children.filter((child) => child.run?.status === status).map(entry);
    if (entries.length === 0) continue;
    const body = JSON.stringify(entries);
    const key = `${prefix}${status}_0.json`;
    await store.put(writer.Bucket, key, body);
    files[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifest = { DestinationBucket: writer.Bucket, MapRunArn: mapRunArn, ResultFiles: files };
  const key = `${prefix}manifest.json`;
  await store.put(writer.Bucket, key, JSON.stringify(manifest));
  return { Bucket: writer.Bucket, Key: key };
}

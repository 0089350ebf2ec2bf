/**
 * A test double for the batch workflow's Distributed Map, so the parent's flow (plan, map run,
 * summarize, catches, notification) runs in aws-local-stepfunctions, which runs no Distributed Map
 * (ItemReader, ResultWriter, child executions). Each DISTRIBUTED Map becomes a Task of the same name,
 * ResultPath, Catch and Next; its answer reads the items the scenario put under the ItemReader's key,
 * runs the ItemProcessor as its own definition for each item (one child execution each, one at a
 * time) with the scenario's child task handlers, fails with States.ExceedToleratedFailureThreshold when
 * more children failed than ToleratedFailurePercentage allows, and returns what AWS returns at
 * ResultPath: `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`, Key naming the run's manifest.json
 * under the ResultWriter prefix. Not modelled: writing the result files themselves, MaxConcurrency,
 * child execution names, map-run redrive. The rehearsal's stand-in (rehearsal/distributed-map.ts)
 * models the S3 side; this double proves the parent's wiring.
 */
import type { ItemProcessor, MapState, State, StateMachineDefinition, TaskState } from "../../state-machines/asl";
import { named } from "../../rehearsal/workflow";
import { LOCAL_EXECUTION, LocalHandler, LocalRun, runLocally, RunOptions, TaskCall, TaskInput } from "../support/local-sfn";

/** One child execution the double ran. */
export interface ChildRun {
  readonly item: unknown;
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: unknown;
  readonly error?: string;
}

/** A local run of a definition with Distributed Maps, its children's task calls merged in call order. */
export interface MapRunLocalRun extends LocalRun {
  readonly children: readonly ChildRun[];
}

const MAP_RUN_ID = "0f1e2d3c-map-run";
const rewritten = new WeakMap<StateMachineDefinition, StateMachineDefinition>();

/** The definition with each DISTRIBUTED Map turned into a Task the double answers (cached per definition). */
export function mapsAsTasks(definition: StateMachineDefinition): StateMachineDefinition {
  let copy = rewritten.get(definition);
  if (!copy) {
    const states = Object.fromEntries(
      Object.entries(definition.States).map(([name, state]): [string, State] => [name, isDistributed(state) ? asTask(state) : state]),
    );
    copy = { ...definition, States: states };
    rewritten.set(definition, copy);
  }
  return copy;
}

/**
 * Runs `definition` with its Distributed Maps answered by the double. `objects` are the lake's JSON
 * objects by key (what the ItemReader reads); `handlers` answer the parent's and the children's Tasks.
 */
export async function runWithMapRuns(
  definition: StateMachineDefinition,
  input: unknown,
  handlers: Record<string, LocalHandler>,
  objects: Readonly<Record<string, unknown[]>>,
  options: RunOptions = {},
): Promise<MapRunLocalRun> {
  const calls: TaskCall[] = [];
  const children: ChildRun[] = [];
  const record =
    (state: string, handler: LocalHandler): LocalHandler =>
    (taskInput) => {
      calls.push({ state, input: taskInput });
      return handler(taskInput);
    };
  const maps = Object.entries(definition.States).filter((e): e is [string, MapState] => isDistributed(e[1]));
  const childNames = new Set(maps.flatMap(([, map]) => taskNames(map.ItemProcessor.States)));
  const parentHandlers: Record<string, LocalHandler> = {};
  const childHandlers: Record<string, LocalHandler> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    (childNames.has(name) ? childHandlers : parentHandlers)[name] = record(name, handler);
  }
  for (const [name, map] of maps) {
    parentHandlers[name] = record(name, async (taskInput) => {
      const items = objects[String(taskInput.ItemReader.Key)];
      if (!items) throw named("S3.NoSuchKey", `no object ${taskInput.ItemReader.Key} for the ItemReader`);
      for (const item of items) children.push(await runChild(map.ItemProcessor, item, childHandlers, options));
      const failed = children.filter((c) => c.status === "FAILED").length;
      if (failed > (items.length * (map.ToleratedFailurePercentage ?? 0)) / 100) {
        throw named("States.ExceedToleratedFailureThreshold", `${failed} of ${items.length} child executions failed`);
      }
      const mapRunArn = `${LOCAL_EXECUTION.Id.replace(":execution:", ":mapRun:").replace(/:[^:]+$/, "")}/${map.Label ?? name}:${MAP_RUN_ID}`;
      const { Bucket, Prefix } = taskInput.ResultWriter;
      return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key: `${Prefix}/${MAP_RUN_ID}/manifest.json` } };
    });
  }
  const run = await runLocally(mapsAsTasks(definition), input, parentHandlers, options);
  return { ...run, calls, children, inputsOf: (state) => calls.filter((c) => c.state === state).map((c) => c.input) };
}

async function runChild(
  processor: ItemProcessor,
  item: unknown,
  handlers: Record<string, LocalHandler>,
  options: RunOptions,
): Promise<ChildRun> {
  const child: StateMachineDefinition = { StartAt: processor.StartAt, States: processor.States };
  const used = taskNames(processor.States);
  const own = Object.fromEntries(Object.entries(handlers).filter(([name]) => used.includes(name)));
  const run = await runLocally(child, item, own, options);
  return { item, status: run.status, output: run.output, error: run.error };
}

function isDistributed(state: State): state is MapState {
  return state.Type === "Map" && state.ItemProcessor.ProcessorConfig?.Mode === "DISTRIBUTED";
}

/** A Task with the Map's ResultPath, Catch and Next, whose Parameters are the ItemReader's and the ResultWriter's. */
function asTask(map: MapState): TaskState {
  return {
    Type: "Task",
    Comment: "The Distributed Map, answered by the test double",
    Resource: "arn:aws:lambda:eu-west-1:123456789012:function:distributed-map-double",
    Parameters: { ItemReader: map.ItemReader?.Parameters ?? {}, ResultWriter: map.ResultWriter?.Parameters ?? {} },
    ...(map.ResultPath === undefined ? {} : { ResultPath: map.ResultPath }),
    ...(map.Catch ? { Catch: map.Catch } : {}),
    ...(map.Next ? { Next: map.Next } : { End: true }),
  };
}

/** Names of every Task in `states`, inline Maps included. */
function taskNames(states: Readonly<Record<string, State>>): string[] {
  return Object.entries(states).flatMap(([name, state]) => {
    if (state.Type === "Task") return [name];
    if (state.Type === "Map") return taskNames(state.ItemProcessor.States);
    return [];
  });
}

export type { TaskInput };

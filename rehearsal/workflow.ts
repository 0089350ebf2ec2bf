/**
 * Runs the REAL batch state machine definition (`buildBatchWorkflow(...)`, as `BatchStage` builds it)
 * in aws-local-stepfunctions. The rehearsal answers every Task by state name:
 *
 * - `lambda:invoke` Tasks (ExtractBatch, PushChunk, CheckDelivery, FinalizeBatch) run the real handler
 *   modules in this process; payloads go through a JSON round trip both ways, the result is wrapped as
 *   the integration does (`{ StatusCode, ExecutedVersion, Payload }`), a thrown error becomes
 *   `Error = errorType, Cause = { errorType, errorMessage, trace }`, and a result over Step Functions'
 *   256 KiB limit fails with `States.DataLimitExceeded`.
 * - AWS service Tasks are answered by the stand-ins (Glue crawler, Athena, SNS).
 *
 * Every Wait lasts 0 s and every retry interval 0 s: the loops run at once (the delivery stand-in has
 * drained the stream before the first delivery check). A Task of the definition without an answer here
 * stops the run before it starts, so nothing ever falls through to the engine's real AWS calls.
 * Engine notes (aws-local-stepfunctions 3.0.0): it needs `Promise.withResolvers` (polyfilled here on
 * Node 20), ignores JSONata silently (the definition is JSONPath), and matches `ErrorEquals` against
 * the thrown error's `name`. Not modelled: execution and task timeouts, the 25,000-event history limit.
 */
import { StateMachine } from "aws-local-stepfunctions";
import type { State, StateMachineDefinition } from "../state-machines/asl";

installPromiseWithResolvers();

/** Step Functions' payload limit per state, 256 KiB. */
export const STATE_PAYLOAD_LIMIT = 262_144;

/** Answers one Task: its raw result (before ResultSelector), or a thrown error named like the AWS error. */
export type TaskAnswer = (input: Record<string, any>) => unknown;

/** How a local execution ended. */
export interface WorkflowRun {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Top-level states entered, in order. */
  readonly path: readonly string[];
}

export interface WorkflowRunOptions {
  readonly executionId: string;
  readonly executionName: string;
  /** `$$.State.EnteredTime`, the same in every state. @default the clock when a state reads it */
  readonly stateEnteredTime?: string;
  /** Called when a top-level state is entered. */
  readonly onState?: (state: string, type: string) => void;
}

/** Executes `definition` on `input`, answering Tasks with `tasks`; a Task without an answer stops the run before it starts. */
export async function runWorkflow(
  definition: StateMachineDefinition,
  input: unknown,
  tasks: Readonly<Record<string, TaskAnswer>>,
  options: WorkflowRunOptions,
): Promise<WorkflowRun> {
  const unanswered = collectStates(definition.States)
    .filter(([name, state]) => state.Type === "Task" && !tasks[name])
    .map(([name]) => name);
  if (unanswered.length > 0) {
    throw new Error(
      `the state machine has Task state(s) the rehearsal does not stand in for: ${unanswered.join(", ")}; add an answer in rehearsal/rehearse.ts`,
    );
  }
  return executeLocally(definition, input, tasks, options);
}

/** One engine per definition object: the engine validates and copies a definition when it is created. */
const machines = new WeakMap<StateMachineDefinition, StateMachine>();

/**
 * The run/collect loop the rehearsal and the tests share: executes `definition` on `input` in the
 * engine with `tasks` answering Tasks by state name (the caller makes sure every Task has one: the
 * engine would call AWS for the rest), every Wait and retry interval at 0, and returns how it ended
 * with the top-level states entered.
 */
export async function executeLocally(
  definition: StateMachineDefinition,
  input: unknown,
  tasks: Readonly<Record<string, TaskAnswer>>,
  options: WorkflowRunOptions,
): Promise<WorkflowRun> {
  const all = collectStates(definition.States);
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(tasks).map(([name, answer]) => [
      name,
      async (taskInput: unknown) => (await answer(taskInput as Record<string, any>)) as any,
    ]),
  );
  const waitTimeOverrides = Object.fromEntries(all.filter(([, s]) => s.Type === "Wait").map(([name]) => [name, 0]));
  const retryIntervalOverrides = Object.fromEntries(all.filter(([, s]) => "Retry" in s && s.Retry).map(([name]) => [name, 0]));
  const execution = machineFor(definition).run(input as any, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: { Execution: { Id: options.executionId, Name: options.executionName }, State: stateContext(options.stateEnteredTime) } as any,
  });
  const path: string[] = [];
  const following = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === "StateEntered" && event.index === undefined) {
        path.push(event.state.name);
        options.onState?.(event.state.name, event.state.type);
      }
    }
  })();
  let outcome: Omit<WorkflowRun, "path">;
  try {
    outcome = { status: "SUCCEEDED", output: await execution.result };
  } catch (thrown) {
    const reason = (thrown as Error & { cause?: Error }).cause;
    if (!reason) throw thrown;
    outcome = { status: "FAILED", error: reason.name, cause: reason.message };
  }
  await following;
  return { ...outcome, path };
}

function machineFor(definition: StateMachineDefinition): StateMachine {
  let machine = machines.get(definition);
  if (!machine) {
    // A JSON copy: the engine's asl-validator writes QueryLanguage defaults into the object it validates.
    // (Not structuredClone: under jest it returns objects of another realm, which the engine's
    // plain-object checks reject.)
    machine = new StateMachine(JSON.parse(JSON.stringify(definition)));
    machines.set(definition, machine);
  }
  return machine;
}

/** The engine does not fill `$$.State`: a fixed EnteredTime, or the clock when a state's Parameters ask for it. */
function stateContext(enteredTime: string | undefined): { readonly EnteredTime: string } {
  if (enteredTime !== undefined) return { EnteredTime: enteredTime };
  return {
    get EnteredTime() {
      return new Date().toISOString();
    },
  };
}

/**
 * A `lambda:invoke` answer running `handler` in this process: JSON in and out, the integration's
 * envelope, Lambda's error shape, and the state payload limit.
 */
export function lambdaInvoke(handler: (payload: any) => Promise<unknown>, onDone?: (ms: number) => void): TaskAnswer {
  return async (input) => {
    const payload = JSON.parse(JSON.stringify(input.Payload ?? {}));
    const started = Date.now();
    let result: unknown;
    try {
      result = await handler(payload);
    } catch (error) {
      const failure = error as Error;
      const errorType = failure.name || "Error";
      throw named(
        errorType,
        JSON.stringify({ errorType, errorMessage: failure.message, trace: (failure.stack ?? "").split("\n").slice(1, 6) }),
      );
    } finally {
      onDone?.(Date.now() - started);
    }
    const text = JSON.stringify(result ?? null);
    if (Buffer.byteLength(text) > STATE_PAYLOAD_LIMIT) {
      throw named(
        "States.DataLimitExceeded",
        `the function returned ${Buffer.byteLength(text)} bytes; a state's payload is at most ${STATE_PAYLOAD_LIMIT}`,
      );
    }
    return { StatusCode: 200, ExecutedVersion: "$LATEST", Payload: JSON.parse(text) };
  };
}

/** An error whose `name` is what `ErrorEquals` matches. */
export function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Every state, Map item processors included, as [name, state] pairs. */
export function collectStates(states: Readonly<Record<string, State>>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]): Array<[string, State]> => [
    [name, state],
    ...(state.Type === "Map" ? collectStates(state.ItemProcessor.States) : []),
  ]);
}

/** `Promise.withResolvers` (ES2024) for Node 20, which aws-local-stepfunctions 3 calls in every Task. */
export function installPromiseWithResolvers(): void {
  const promise = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof promise.withResolvers === "function") return;
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const created = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    },
  });
}

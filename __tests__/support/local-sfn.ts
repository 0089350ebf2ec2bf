/**
 * Runs a real state machine definition in aws-local-stepfunctions 3.0.0 through the rehearsal's
 * run/collect loop (`executeLocally` in rehearsal/workflow.ts: every Wait and every retry interval at
 * 0 ms), with every Task answered by a local handler and the task calls recorded for assertions.
 *
 * Loading: the package ships CommonJS (`build/main.node.cjs`, picked by its `exports.require`), so
 * jest requires it directly; no bundling is needed (unlike dt-sql-parser in trino-syntax.ts).
 * Node 20: the engine calls `Promise.withResolvers` (Node ≥ 22), so this file installs a polyfill
 * on the test context's `Promise` before the engine runs.
 * Engine facts this helper relies on: overrides are keyed by state name (a Map's inner task by its own
 * name); `ErrorEquals` matches a thrown error's `name`; a Task without an override would call AWS
 * Lambda, so every Task name gets a handler here (an unexpected call fails the test afterwards);
 * JSONata is ignored silently, so definitions must be JSONPath.
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import type { BatchWorkflowProps } from "../../state-machines/batch-workflow";
import { collectStates, executeLocally, named } from "../../rehearsal/workflow";

/** The `$$.Execution` the runs see. */
export const LOCAL_EXECUTION = {
  Id: "arn:aws:states:eu-west-1:123456789012:execution:acme-test-batch:run-1",
  Name: "run-1",
} as const;

/**
 * `$$.State.EnteredTime` in every state of a local run: the engine (3.0.0) does not fill the context's
 * State, so runs pass one fixed time (the push Map ends then; see {@link RunOptions.stateEnteredTime}).
 */
export const LOCAL_STATE_ENTERED_TIME = "2026-11-25T06:03:00.000Z";

/** Workflow props with literal ARNs, shared by the structure and scenario tests. */
export const TEST_WORKFLOW_PROPS: BatchWorkflowProps = {
  extractFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:acme-test-batch-extract",
  pushFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:acme-test-batch-push",
  deliveryCheckFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:acme-test-batch-delivery-check",
  finalizeFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:acme-test-batch-finalize",
  lakeBucketName: "acme-test-lake",
  lambdaTimeoutSeconds: { extract: 900, push: 300, deliveryCheck: 60, finalize: 300 },
  crawlerName: "acme-test-crawler",
  workgroup: "acme-test-wg",
  notificationTopicArn: "arn:aws:sns:eu-west-1:123456789012:acme-test-batch-alerts",
  pushConcurrency: 4,
  deliveryPollSeconds: 60,
  deliveryTimeoutSeconds: 480,
  crawlerPollSeconds: 30,
  crawlerTimeoutSeconds: 1800,
  validationAttempts: 3,
  validationRetryWaitSeconds: 120,
  executionTimeoutSeconds: 7200,
};

/** The resolved Parameters of a Task, as the engine passes them to a handler. */
export type TaskInput = Record<string, any>;

/** Answers one Task: returns its raw result (before ResultSelector) or throws a named error. */
export type LocalHandler = (input: TaskInput) => unknown;

/** One Task invocation, in call order. */
export interface TaskCall {
  readonly state: string;
  readonly input: TaskInput;
}

/** What a local execution did. */
export interface LocalRun {
  readonly status: "SUCCEEDED" | "FAILED";
  /** Execution output when SUCCEEDED. */
  readonly output?: any;
  /** Execution error name and cause when FAILED. */
  readonly error?: string;
  readonly cause?: string;
  /** Every Task call, Map iterations included, in order. */
  readonly calls: readonly TaskCall[];
  /** Top-level states entered, in order (Map iterations' states are left out). */
  readonly path: readonly string[];
  /** The inputs of every call to one Task state. */
  inputsOf(state: string): TaskInput[];
}

/** Options of {@link runLocally}. */
export interface RunOptions {
  /**
   * `$$.Execution.Id`. The engine's States.Hash is wrong for inputs of 56 bytes or more (and collides
   * beyond ~100), so a test about hashed values passes a short id. @default LOCAL_EXECUTION.Id
   */
  readonly executionId?: string;
  /** `$$.State.EnteredTime`, the same for every state. @default LOCAL_STATE_ENTERED_TIME */
  readonly stateEnteredTime?: string;
}

/**
 * Executes `definition` on `input`. `handlers` answers Tasks by state name; a Task called without a
 * handler, or a handler naming no Task, makes this throw so scenarios cannot silently go astray.
 */
export async function runLocally(
  definition: StateMachineDefinition,
  input: unknown,
  handlers: Record<string, LocalHandler>,
  options: RunOptions = {},
): Promise<LocalRun> {
  const all = collectStates(definition.States);
  const taskNames = all.filter(([, s]) => s.Type === "Task").map(([name]) => name);
  const unknown = Object.keys(handlers).filter((name) => !taskNames.includes(name));
  if (unknown.length > 0) throw new Error(`runLocally: no Task state named ${unknown.join(", ")}`);

  const calls: TaskCall[] = [];
  const missing = new Set<string>();
  const taskResourceLocalHandlers = Object.fromEntries(
    taskNames.map((name) => [
      name,
      (taskInput: TaskInput) => {
        calls.push({ state: name, input: taskInput });
        const handler = handlers[name];
        if (!handler) {
          missing.add(name);
          throw named("LocalHandlerMissing", `no local handler for ${name}`);
        }
        return handler(taskInput);
      },
    ]),
  );
  const run = await executeLocally(definition, input, taskResourceLocalHandlers, {
    executionId: options.executionId ?? LOCAL_EXECUTION.Id,
    executionName: LOCAL_EXECUTION.Name,
    stateEnteredTime: options.stateEnteredTime ?? LOCAL_STATE_ENTERED_TIME,
  });
  if (missing.size > 0) throw new Error(`runLocally: the run called ${[...missing].join(", ")} but the scenario gave no handler`);
  return { ...run, calls, inputsOf: (state) => calls.filter((c) => c.state === state).map((c) => c.input) };
}

/**
 * A `lambda:invoke` handler: calls `fn` with the Payload and wraps its return value the way the
 * integration does (`{ StatusCode, Payload }`). `fn` throws {@link lambdaError} for function errors.
 */
export function lambda(fn: (payload: any) => unknown): LocalHandler {
  return async (input) => ({ StatusCode: 200, ExecutedVersion: "$LATEST", Payload: await fn(input.Payload) });
}

/**
 * Answers successive calls with successive results, repeating the last one. An `Error` result is
 * thrown instead of returned.
 */
export function sequence(...results: unknown[]): (input: any) => unknown {
  let call = 0;
  return () => {
    const result = results[Math.min(call++, results.length - 1)];
    if (result instanceof Error) throw result;
    return result;
  };
}

/** An AWS service error as Step Functions names it, e.g. `Glue.CrawlerRunningException`. */
export function awsError(name: string, message: string): Error {
  return named(name, message);
}

/**
 * A Lambda function error as `lambda:invoke` reports it: Error is the function's errorType and
 * Cause the JSON of `{ errorType, errorMessage, trace }`.
 */
export function lambdaError(errorType: string, errorMessage: string): Error {
  return named(errorType, JSON.stringify({ errorType, errorMessage, trace: [] }));
}

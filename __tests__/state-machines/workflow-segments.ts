/**
 * Runs a few states of the built batch workflow in aws-local-stepfunctions 3.0.0, from one state, so a
 * test can check what a Choice routes to, what a Pass or Task writes and what the failure path
 * publishes, in milliseconds and without the rest of the workflow. Every state the segment can go to
 * but does not include becomes a stop: a Pass ending the run with `{ reached: <its name>, data: <its input> }`.
 *
 * The engine's own definition check (asl-validator, ~0.1–0.2 s per machine) is skipped: a segment is
 * a part of the definition `batch-workflow.test.ts` validates whole. Every Wait and retry interval
 * lasts 0 ms; a Task without a handler fails the run with `LocalHandlerMissing` (never a call to AWS).
 */
import { StateMachine } from "aws-local-stepfunctions";
import type { State, StateMachineDefinition } from "../../state-machines/asl";
import { installPromiseWithResolvers, named } from "../../rehearsal/workflow";
import { LOCAL_EXECUTION, LOCAL_STATE_ENTERED_TIME } from "../support/local-sfn";

installPromiseWithResolvers();

/** The states a state can go to next, Catch targets included. */
export function successors(state: State): string[] {
  const next: string[] = [];
  if ("Next" in state && state.Next) next.push(state.Next);
  if (state.Type === "Choice") next.push(...state.Choices.map((c) => c.Next), ...(state.Default ? [state.Default] : []));
  if ((state.Type === "Task" || state.Type === "Map") && state.Catch) next.push(...state.Catch.map((c) => c.Next));
  return next;
}

/** Answers one Task: its raw result (before ResultSelector), or a thrown error named like the AWS error. */
export type SegmentHandler = (input: any) => unknown;

/** How a segment run ended. */
export interface SegmentRun {
  readonly status: "SUCCEEDED" | "FAILED";
  /** The stop reached, when SUCCEEDED. */
  readonly reached?: string;
  /** The data the stop received, when SUCCEEDED. */
  readonly data?: any;
  /** The run's whole output, when SUCCEEDED (a Succeed state of the segment outputs its own data). */
  readonly output?: any;
  /** The execution's error and cause, when FAILED. */
  readonly error?: string;
  readonly cause?: string;
  /** Each Task call, in order: its state and its resolved Parameters. */
  readonly calls: ReadonlyArray<{ readonly state: string; readonly input: any }>;
}

/**
 * Runs the states `through` of `definition` (the first one is the start) on `input`; `handlers` answer
 * the segment's Tasks by state name.
 */
export async function runSegment(
  definition: StateMachineDefinition,
  through: readonly string[],
  input: unknown,
  handlers: Readonly<Record<string, SegmentHandler>> = {},
): Promise<SegmentRun> {
  const states: Record<string, State> = {};
  for (const name of through) {
    const state = definition.States[name];
    if (!state) throw new Error(`runSegment: no state named ${name}`);
    states[name] = state;
  }
  for (const name of through) {
    for (const next of successors(states[name]!)) {
      if (!(next in states)) states[next] = { Type: "Pass", Parameters: { reached: next, "data.$": "$" }, End: true } as State;
    }
  }
  const tasks = Object.entries(states)
    .filter(([, s]) => s.Type === "Task")
    .map(([name]) => name);
  const calls: Array<{ state: string; input: any }> = [];
  const taskResourceLocalHandlers = Object.fromEntries(
    tasks.map((name) => [
      name,
      async (taskInput: any) => {
        calls.push({ state: name, input: taskInput });
        const handler = handlers[name];
        if (!handler) throw named("LocalHandlerMissing", `no handler for ${name}`);
        return (await handler(taskInput)) as any;
      },
    ]),
  );
  const zeroFor = (keep: (s: State) => boolean) =>
    Object.fromEntries(
      Object.entries(states)
        .filter(([, s]) => keep(s))
        .map(([name]) => [name, 0]),
    );
  // A JSON copy: the engine writes defaults into the definition it is given.
  const machine = new StateMachine(JSON.parse(JSON.stringify({ StartAt: through[0], States: states })), {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run(input as any, {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: zeroFor((s) => s.Type === "Wait"),
      retryIntervalOverrides: zeroFor((s) => "Retry" in s),
    },
    context: { Execution: { Id: LOCAL_EXECUTION.Id, Name: LOCAL_EXECUTION.Name }, State: { EnteredTime: LOCAL_STATE_ENTERED_TIME } } as any,
  });
  try {
    const output = (await execution.result) as { reached?: string; data?: unknown };
    return { status: "SUCCEEDED", reached: output.reached, data: output.data, output, calls };
  } catch (thrown) {
    const reason = (thrown as Error & { cause?: Error }).cause;
    if (!reason) throw thrown;
    return { status: "FAILED", error: reason.name, cause: reason.message, calls };
  }
}

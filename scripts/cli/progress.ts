/**
 * Progress of a running execution, rendered from its history events. Pure: events and the current
 * time in, text to write out. On a terminal each state gets one compact, live-updating line
 * (ANSI); otherwise each state entered or exited is one plain line: `[+12s] entered PushToKinesis`.
 *
 * State names come from the history, never from a list of expected states. Inside a Map only the
 * first entry and exit of each inner state are shown; the Map's exit line counts the iterations.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { briefCause, formatDuration } from "./summary";

/** What one history event means to the operator; bookkeeping events map to undefined. */
export type Step =
  | { readonly kind: "execution-started" }
  | { readonly kind: "entered" | "exited"; readonly state: string; readonly stateType: string }
  | { readonly kind: "failed"; readonly what: "failed" | "timed out"; readonly error?: string; readonly cause?: string }
  | { readonly kind: "map-started"; readonly iterations?: number }
  | { readonly kind: "iteration"; readonly map?: string; readonly index?: number; readonly outcome: IterationOutcome }
  | { readonly kind: "finished"; readonly status: FinalStatus; readonly error?: string; readonly cause?: string }
  | { readonly kind: "redriven" };

type IterationOutcome = "started" | "succeeded" | "failed" | "aborted";
type FinalStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

const FINAL_EVENTS: Readonly<Record<string, FinalStatus>> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

const FAILURE_EVENTS = new Set([
  "TaskFailed",
  "TaskTimedOut",
  "TaskStartFailed",
  "TaskSubmitFailed",
  "LambdaFunctionFailed",
  "LambdaFunctionTimedOut",
  "LambdaFunctionStartFailed",
  "LambdaFunctionScheduleFailed",
  "ActivityFailed",
  "ActivityTimedOut",
  "ActivityScheduleFailed",
  "EvaluationFailed",
  "MapRunFailed",
]);

const ITERATION_EVENTS: Readonly<Record<string, IterationOutcome>> = {
  MapIterationStarted: "started",
  MapIterationSucceeded: "succeeded",
  MapIterationFailed: "failed",
  MapIterationAborted: "aborted",
};

/** True when the event ends the execution (the newest event of a finished history). */
export function isFinalEvent(event: HistoryEvent): boolean {
  return event.type !== undefined && event.type in FINAL_EVENTS;
}

/** Classifies one history event. */
export function classifyEvent(event: HistoryEvent): Step | undefined {
  const type = event.type ?? "";
  const stateChange = /^(\w+)State(Entered|Exited)$/.exec(type);
  if (stateChange) {
    const details = stateChange[2] === "Entered" ? event.stateEnteredEventDetails : event.stateExitedEventDetails;
    const kind = stateChange[2] === "Entered" ? "entered" : "exited";
    return { kind, state: details?.name ?? "(unnamed state)", stateType: stateChange[1]! };
  }
  if (type === "ExecutionStarted") return { kind: "execution-started" };
  if (type === "ExecutionRedriven") return { kind: "redriven" };
  if (type === "MapStateStarted") return { kind: "map-started", iterations: event.mapStateStartedEventDetails?.length };
  const final = FINAL_EVENTS[type];
  if (final) return { kind: "finished", status: final, ...errorOf(event, type) };
  const outcome = ITERATION_EVENTS[type];
  if (outcome) {
    const details = event[`mapIteration${type.slice("MapIteration".length)}EventDetails` as "mapIterationStartedEventDetails"];
    return { kind: "iteration", outcome, map: details?.name, index: details?.index };
  }
  if (FAILURE_EVENTS.has(type)) {
    return { kind: "failed", what: type.endsWith("TimedOut") ? "timed out" : "failed", ...errorOf(event, type) };
  }
  return undefined;
}

/** The error and cause of a failure event, read from its `<type>EventDetails`. */
function errorOf(event: HistoryEvent, type: string): { error?: string; cause?: string } {
  const key = `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
  const details = (event as unknown as Record<string, unknown>)[key] as { error?: string; cause?: string } | undefined;
  return { error: details?.error, cause: details?.cause };
}

interface MapProgress {
  readonly name: string;
  readonly since: Date;
  total?: number;
  succeeded: number;
  failed: number;
}

interface Indexed {
  readonly previous?: number;
  /** Set on *StateEntered events. */
  readonly enteredState?: string;
}

const ANSI = {
  clearLine: "\r\x1b[2K",
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
};
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/** How far back a failure is traced to the state it happened in. */
const MAX_TRACE_STEPS = 50;

/**
 * Turns batches of new history events (oldest first) into text. Keep one instance per followed
 * execution: it remembers open states, Map progress and, on a terminal, the live line on screen.
 */
export class ProgressView {
  private startedAt: Date | undefined;
  private readonly enteredAt = new Map<string, Date>();
  private readonly events = new Map<number, Indexed>();
  private readonly maps: MapProgress[] = [];
  private readonly shownInMap = new Set<string>();
  private current: { readonly state: string; readonly since: Date } | undefined;
  private liveOnScreen = false;
  private frame = 0;

  constructor(
    /** Live ANSI lines (a terminal) or plain lines (a pipe or a file). */
    private readonly tty: boolean,
    /** When the execution started; otherwise taken from its ExecutionStarted event. */
    startedAt?: Date,
  ) {
    this.startedAt = startedAt;
  }

  /** Text for new events, oldest first; on a terminal it ends with the redrawn live line. */
  render(events: readonly HistoryEvent[], now: Date): string {
    let text = "";
    for (const event of events) text += this.renderEvent(event);
    return text + this.tick(now);
  }

  /** On a terminal, the live line redrawn with the time elapsed so far; empty otherwise. */
  tick(now: Date): string {
    if (!this.tty) return "";
    const live = this.liveText(now);
    if (live === undefined) return this.close();
    this.liveOnScreen = true;
    this.frame = (this.frame + 1) % SPINNER.length;
    return `${ANSI.clearLine}${ANSI.cyan(SPINNER[this.frame]!)} ${live}`;
  }

  /** Removes the live line, if any, so that other output starts on a clean line. */
  close(): string {
    if (!this.liveOnScreen) return "";
    this.liveOnScreen = false;
    return ANSI.clearLine;
  }

  private renderEvent(event: HistoryEvent): string {
    const at = event.timestamp ?? this.startedAt ?? new Date(0);
    this.startedAt ??= at;
    const step = classifyEvent(event);
    if (event.id !== undefined) {
      this.events.set(event.id, {
        previous: event.previousEventId,
        enteredState: step?.kind === "entered" ? step.state : undefined,
      });
    }
    if (step === undefined) return "";
    switch (step.kind) {
      case "execution-started":
        return this.tty ? "" : this.line(at, "execution started");
      case "entered":
        return this.entered(step.state, step.stateType, at);
      case "exited":
        return this.exited(step.state, step.stateType, at);
      case "failed": {
        const state = this.stateOf(event) ?? "a task";
        return this.failure(at, `${state} ${step.what}: ${errorText(step.error, step.cause)}`);
      }
      case "map-started":
        if (this.maps.length > 0) this.maps[this.maps.length - 1]!.total = step.iterations;
        return "";
      case "iteration":
        return this.iteration(step.outcome, step.map, step.index, at);
      case "finished":
        return this.finished(step.status, step.error, step.cause, at);
      case "redriven":
        return this.line(at, "execution redriven");
    }
  }

  private entered(state: string, stateType: string, at: Date): string {
    this.enteredAt.set(state, at);
    const hidden = this.repeatInsideMap(`entered:${state}`);
    if (stateType === "Map") this.maps.push({ name: state, since: at, succeeded: 0, failed: 0 });
    if (this.tty) {
      if (!hidden || this.current === undefined) this.current = { state, since: at };
      return "";
    }
    return hidden ? "" : this.line(at, `entered ${state}`);
  }

  private exited(state: string, stateType: string, at: Date): string {
    const since = this.enteredAt.get(state);
    const took = since ? formatDuration(at.getTime() - since.getTime()) : "";
    let iterations = "";
    if (stateType === "Map") {
      const index = this.maps.map((m) => m.name).lastIndexOf(state);
      const [map] = index >= 0 ? this.maps.splice(index, 1) : [];
      if (map) iterations = `${map.succeeded + map.failed} iterations${map.failed > 0 ? `, ${map.failed} failed` : ""}`;
      if (this.maps.length === 0) this.shownInMap.clear();
    }
    if (this.current?.state === state) this.current = undefined;
    if (this.repeatInsideMap(`exited:${state}`)) return "";
    const details = [took, iterations].filter(Boolean).join(", ");
    if (this.tty) return this.permanent(`${ANSI.green("✓")} ${state}${details ? `  ${ANSI.dim(details)}` : ""}`);
    return this.line(at, `exited ${state}${details ? ` (${details})` : ""}`);
  }

  private iteration(outcome: IterationOutcome, mapName: string | undefined, index: number | undefined, at: Date): string {
    const map = [...this.maps].reverse().find((m) => mapName === undefined || m.name === mapName);
    if (!map) return "";
    if (outcome === "succeeded") map.succeeded++;
    if (outcome === "failed" || outcome === "aborted") {
      map.failed++;
      return this.failure(at, `${map.name} iteration ${index ?? "?"} ${outcome}`);
    }
    return "";
  }

  private finished(status: FinalStatus, error: string | undefined, cause: string | undefined, at: Date): string {
    this.current = undefined;
    this.maps.length = 0;
    const took = this.startedAt ? ` in ${formatDuration(at.getTime() - this.startedAt.getTime())}` : "";
    const word = status.toLowerCase().replace("_", " ");
    if (status === "SUCCEEDED") {
      return this.tty
        ? this.permanent(`${ANSI.green("✓")} ${ANSI.bold(`execution succeeded${took}`)}`)
        : this.line(at, "execution succeeded");
    }
    const reason = error || cause ? `: ${errorText(error, cause)}` : "";
    return this.tty
      ? this.permanent(`${ANSI.red("✗")} ${ANSI.bold(`execution ${word}${took}`)}${reason}`)
      : this.line(at, `execution ${word}${reason}`);
  }

  /** True when the key was already shown inside the current Map (so repeats of iterations stay quiet). */
  private repeatInsideMap(key: string): boolean {
    if (this.maps.length === 0) return false;
    if (this.shownInMap.has(key)) return true;
    this.shownInMap.add(key);
    return false;
  }

  /** The state a failure event belongs to, found by following previousEventId back to its *StateEntered. */
  private stateOf(event: HistoryEvent): string | undefined {
    let id = event.previousEventId;
    for (let steps = 0; id !== undefined && steps < MAX_TRACE_STEPS; steps++) {
      const indexed = this.events.get(id);
      if (!indexed) break;
      if (indexed.enteredState !== undefined) return indexed.enteredState;
      id = indexed.previous;
    }
    return this.current?.state;
  }

  private liveText(now: Date): string | undefined {
    const elapsed = (since: Date) => ANSI.dim(formatDuration(now.getTime() - since.getTime()));
    const map = this.maps[this.maps.length - 1];
    if (map) {
      const failed = map.failed > 0 ? `, ${ANSI.red(`${map.failed} failed`)}` : "";
      return `${map.name}  ${map.succeeded + map.failed}/${map.total ?? "?"} iterations${failed}  ${elapsed(map.since)}`;
    }
    return this.current ? `${this.current.state}  ${elapsed(this.current.since)}` : undefined;
  }

  private failure(at: Date, text: string): string {
    return this.tty ? this.permanent(`${ANSI.red("✗")} ${text}`) : this.line(at, text);
  }

  private permanent(text: string): string {
    const prefix = this.liveOnScreen ? ANSI.clearLine : "";
    this.liveOnScreen = false;
    return `${prefix}${text}\n`;
  }

  private line(at: Date, text: string): string {
    const seconds = this.startedAt ? Math.max(0, Math.floor((at.getTime() - this.startedAt.getTime()) / 1000)) : 0;
    return `[+${seconds}s] ${text}\n`;
  }
}

function errorText(error: string | undefined, cause: string | undefined): string {
  const brief = briefCause(cause);
  return [error ?? "(no error name)", brief].filter(Boolean).join(" — ");
}

/**
 * The batch workflow's data flow, checked on the built definition without running it: every field
 * ending in `.$` and every path field holds a path or an intrinsic function, and every path a
 * top-level state reads names a field some state writes (a ResultPath, a ResultSelector, Parameters
 * or a Result), or a field of the execution input.
 *
 * Step Functions takes the value of a key ending in `.$` as a path (or an intrinsic function), never as
 * a literal: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
 * (reference paths: https://states-language.net/spec.html#ref-paths).
 */
import type { State, StateMachineDefinition } from "../../state-machines/asl";
import { buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";

/** A reference path: `$` or `$$` followed by `.field` or `[index]` steps. */
const REFERENCE_PATH = /^\$\$?((\.[A-Za-z_][\w]*)|(\[\d+\]))*$/;
/** An intrinsic function call. */
const INTRINSIC = /^States\.[A-Za-z]+\(.*\)$/s;
/** Fields whose value is a path (null allowed where the language allows it). */
const PATH_FIELDS = ["InputPath", "OutputPath", "ResultPath", "ItemsPath", "ErrorPath", "CausePath", "Variable"];
/** The fields of the execution input (after its defaults are merged). */
const EXECUTION_INPUT = ["scheduledTime", "force", "replay"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** [owner key, value] of every entry, recursively. */
function entries(value: Json, key = ""): Array<[string, Json]> {
  if (Array.isArray(value)) return value.flatMap((item) => entries(item, key));
  if (value === null || typeof value !== "object") return [[key, value]];
  return Object.entries(value).flatMap(([k, v]) => [[k, v] as [string, Json], ...entries(v, k)]);
}

/** Every state, a Map's item processor included. */
function allStates(states: Readonly<Record<string, State>>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]): Array<[string, State]> => [
    [name, state],
    ...(state.Type === "Map" ? allStates(state.ItemProcessor.States) : []),
  ]);
}

/** `[root, field]` of each `$.root(.field)?` a string reads (context paths `$$.` excluded). */
function reads(text: string): Array<[string, string | undefined]> {
  return [...text.matchAll(/(?<![$\w])\$\.([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?/g)].map((m) => [m[1], m[2]]);
}

const keysOf = (template: unknown): string[] =>
  template && typeof template === "object" && !Array.isArray(template) ? Object.keys(template).map((key) => key.replace(/\.\$$/, "")) : [];

/** root → the fields written under it (`"*"`: any). */
function written(definition: StateMachineDefinition): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>(EXECUTION_INPUT.map((root) => [root, new Set(["*"])]));
  const add = (root: string, more: string[]) => {
    const set = fields.get(root) ?? new Set<string>();
    for (const field of more.length > 0 ? more : ["*"]) set.add(field);
    fields.set(root, set);
  };
  for (const state of Object.values(definition.States)) {
    const s = state as State & { ResultPath?: string | null; ResultSelector?: unknown; Parameters?: unknown; Result?: unknown };
    const result = s.ResultSelector ?? (s.Type === "Pass" ? (s.Parameters ?? s.Result) : undefined);
    if (s.ResultPath) {
      const [root, field] = s.ResultPath.slice(2).split(".");
      add(root, field ? [field] : keysOf(result));
    } else if (s.ResultPath === undefined && result) {
      for (const [root, value] of Object.entries(result as Record<string, unknown>)) add(root.replace(/\.\$$/, ""), keysOf(value));
    }
    for (const catcher of "Catch" in s && s.Catch ? s.Catch : []) if (catcher.ResultPath) add(catcher.ResultPath.slice(2), []);
  }
  return fields;
}

let definition: StateMachineDefinition;
let projected: StateMachineDefinition;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
  projected = buildBatchWorkflow({ ...TEST_WORKFLOW_PROPS, crawlerName: null });
});

describe("batch workflow data flow", () => {
  it("holds a path or an intrinsic function in every key ending in .$ and every path field", () => {
    for (const def of [definition, projected]) {
      const bad = allStates(def.States).flatMap(([name, state]) =>
        entries(state as unknown as Json)
          .filter(([key, value]) => key.endsWith(".$") || (PATH_FIELDS.includes(key) && value !== null))
          .filter(([, value]) => typeof value !== "string" || !(REFERENCE_PATH.test(value) || INTRINSIC.test(value)))
          .map(([key, value]) => `${name}.${key}: ${JSON.stringify(value)}`),
      );

      expect(bad).toEqual([]);
    }
  });

  it("reads, in every top-level state, only fields that a state writes or the execution input holds", () => {
    for (const def of [definition, projected]) {
      const fields = written(def);
      const unknown = Object.entries(def.States).flatMap(([name, state]) => {
        // A Map's item processor reads its items, not this state's input; a ResultSelector reads the task's result.
        const {
          ResultSelector: _result,
          ItemProcessor: _items,
          ...read
        } = state as State & { ResultSelector?: unknown; ItemProcessor?: unknown };
        return entries(read as unknown as Json)
          .filter(([key, value]) => typeof value === "string" && (key.endsWith(".$") || PATH_FIELDS.includes(key)) && key !== "ResultPath")
          .flatMap(([, value]) => reads(value as string))
          .filter(([root, field]) => {
            const known = fields.get(root);
            return !known || (field !== undefined && !known.has("*") && !known.has(field));
          })
          .map(([root, field]) => `${name} reads $.${root}${field ? `.${field}` : ""}`);
      });

      expect(unknown).toEqual([]);
    }
  });
});

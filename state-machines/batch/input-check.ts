/**
 * Input check: the execution input must be an object with a string scheduledTime, an optional boolean
 * force and an optional replay of strings; anything else fails with a notification. Missing force and
 * replay get their defaults.
 */
import type { ChoiceCondition, State } from "../asl";
import { BATCH_STATES as S, BATCH_WORKFLOW_ERRORS as E, NO_BATCH_ID } from "./names";
import type { Phase } from "./tasks";

/** Where the input check leads. */
export interface InputCheckPhaseInput {
  /** The state a valid input (with its defaults merged) goes to. */
  readonly next: string;
}

/** `replay`, when given and not null, is an object with string from, since and until (and errorType). */
const REPLAY_IS_VALID: ChoiceCondition = {
  Or: [
    { Not: { Variable: "$.replay", IsPresent: true } },
    { Variable: "$.replay", IsNull: true },
    {
      And: [
        { Variable: "$.replay.from", IsPresent: true },
        { Variable: "$.replay.from", IsString: true },
        { Variable: "$.replay.since", IsPresent: true },
        { Variable: "$.replay.since", IsString: true },
        { Variable: "$.replay.until", IsPresent: true },
        { Variable: "$.replay.until", IsString: true },
        { Or: [{ Not: { Variable: "$.replay.errorType", IsPresent: true } }, { Variable: "$.replay.errorType", IsString: true }] },
      ],
    },
  ],
};

/** CheckInput → (InvalidInput → DescribeFailure) or AddInputDefaults → MergeInputDefaults → `next`. */
export function inputCheckPhase(o: InputCheckPhaseInput): Phase {
  const states: Record<string, State> = {
    [S.checkInput]: {
      Type: "Choice",
      Comment:
        "scheduledTime must be a string, force, when given, a boolean, and replay, when given and not null, an object with string from, since and until (and errorType); anything else fails with a notification. ExtractBatch checks the values",
      Choices: [
        {
          And: [
            { Variable: "$.scheduledTime", IsPresent: true },
            { Variable: "$.scheduledTime", IsString: true },
            { Or: [{ Not: { Variable: "$.force", IsPresent: true } }, { Variable: "$.force", IsBoolean: true }] },
            REPLAY_IS_VALID,
          ],
          Next: S.addInputDefaults,
        },
      ],
      Default: S.invalidInput,
    },
    [S.invalidInput]: {
      Type: "Pass",
      Comment:
        "No ResultPath: the result replaces the state. The input may be a string, an array or null, into which a ResultPath cannot merge (States.ResultPathMatchFailure, which a Pass state cannot catch)",
      Parameters: {
        failure: {
          failedState: S.checkInput,
          batchId: NO_BATCH_ID,
          error: {
            Error: E.invalidInput,
            Cause:
              "the execution input must be a JSON object with scheduledTime (an ISO-8601 string) and, optionally, a boolean force and a replay { from, errorType?, since, until } of strings",
          },
        },
      },
      Next: S.describeFailure,
    },
    [S.addInputDefaults]: {
      Type: "Pass",
      Result: { force: false, replay: null },
      ResultPath: "$.inputDefaults",
      Next: S.mergeInputDefaults,
    },
    [S.mergeInputDefaults]: {
      Type: "Pass",
      Comment: "JsonMerge lets a missing force default to false and a missing replay to null (a landing batch)",
      Parameters: { "input.$": "States.JsonMerge($.inputDefaults, $$.Execution.Input, false)" },
      OutputPath: "$.input",
      Next: o.next,
    },
  };
  return { entry: S.checkInput, states, recorders: {} };
}

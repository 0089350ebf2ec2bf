/**
 * The subset of the Amazon States Language (JSONPath flavour) that this project's state machines
 * use, typed so builders are checked by `tsc`. JSONata fields (`QueryLanguage`, `Arguments`,
 * `Output`, `Assign`) are deliberately absent: the local engine used in tests ignores JSONata.
 * Reference: https://states-language.net/spec.html
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A Parameters / ItemSelector / ResultSelector template; keys ending in `.$` hold paths or intrinsics. */
export type PayloadTemplate = { [key: string]: JsonValue };

/** How a Task or Map state retries errors named in `ErrorEquals`. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

/** Where a Task or Map state goes when an error in `ErrorEquals` is not retried (any more). */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

interface Transition {
  readonly Next?: string;
  readonly End?: true;
}

interface Common {
  readonly Comment?: string;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

/** A `Task` state: calls a service integration or a Lambda function. */
export interface TaskState extends Common, Transition {
  readonly Type: "Task";
  readonly Resource: string;
  readonly Parameters?: PayloadTemplate;
  readonly ResultSelector?: PayloadTemplate;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** A `Pass` state: reshapes its input with `Parameters` or injects a `Result`. */
export interface PassState extends Common, Transition {
  readonly Type: "Pass";
  readonly Parameters?: PayloadTemplate;
  readonly Result?: JsonValue;
  readonly ResultPath?: string | null;
}

/** A `Wait` state. */
export interface WaitState extends Common, Transition {
  readonly Type: "Wait";
  readonly Seconds?: number;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

/** One comparison, or a boolean combination of comparisons, in a `Choice` state. */
export interface ChoiceCondition {
  readonly Variable?: string;
  readonly And?: readonly ChoiceCondition[];
  readonly Or?: readonly ChoiceCondition[];
  readonly Not?: ChoiceCondition;
  readonly StringEquals?: string;
  readonly BooleanEquals?: boolean;
  readonly NumericEquals?: number;
  readonly NumericEqualsPath?: string;
  readonly NumericGreaterThan?: number;
  readonly NumericGreaterThanPath?: string;
  readonly NumericGreaterThanEquals?: number;
  readonly NumericLessThan?: number;
  readonly IsPresent?: boolean;
  readonly IsNull?: boolean;
  readonly IsString?: boolean;
  readonly IsBoolean?: boolean;
}

/** A top-level `Choice` rule: a condition and the state to go to when it holds. */
export interface ChoiceRule extends ChoiceCondition {
  readonly Next: string;
}

/** A `Choice` state. */
export interface ChoiceState extends Common {
  readonly Type: "Choice";
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

/**
 * How a Map runs its items: INLINE (iterations in this execution's history, at most 40 at once) or
 * DISTRIBUTED (each item a child workflow execution of `ExecutionType`, with its own history).
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */
export type ProcessorConfig =
  { readonly Mode: "INLINE" } | { readonly Mode: "DISTRIBUTED"; readonly ExecutionType: "STANDARD" | "EXPRESS" };

/** The states a `Map` runs for each item. */
export interface ItemProcessor {
  readonly ProcessorConfig?: ProcessorConfig;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

/**
 * A Distributed Map's item source: an S3 API call (`arn:aws:states:::s3:getObject` or `s3:listObjectsV2`)
 * and how its result becomes items. https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 */
export interface ItemReader {
  readonly Resource: string;
  readonly ReaderConfig?: {
    readonly InputType?: "JSON" | "JSONL" | "CSV" | "MANIFEST";
    readonly CSVHeaderLocation?: "FIRST_ROW" | "GIVEN";
    readonly MaxItems?: number;
  };
  readonly Parameters?: PayloadTemplate;
}

/** Groups items into one child input `{ Items: [...] }` (Distributed Map only). */
export interface ItemBatcher {
  readonly MaxItemsPerBatch?: number;
  readonly MaxInputBytesPerBatch?: number;
  readonly BatchInput?: PayloadTemplate;
}

/**
 * Where a Distributed Map exports its children's results (`arn:aws:states:::s3:putObject`): the Map's
 * result is then `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`, Key naming the run's manifest.json.
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 */
export interface ResultWriter {
  readonly Resource: string;
  readonly Parameters: PayloadTemplate;
}

/** A `Map` state, inline or distributed (the Distributed-only fields are ItemReader, ItemBatcher, ResultWriter, tolerances and Label). */
export interface MapState extends Common, Transition {
  readonly Type: "Map";
  readonly ItemsPath?: string;
  readonly ItemReader?: ItemReader;
  readonly ItemSelector?: PayloadTemplate;
  readonly ItemBatcher?: ItemBatcher;
  readonly ItemProcessor: ItemProcessor;
  readonly MaxConcurrency?: number;
  /** Percentage of failed children the run tolerates before it fails with States.ExceedToleratedFailureThreshold. */
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
  /** Names the map run and its child executions (at most 40 characters). */
  readonly Label?: string;
  readonly ResultWriter?: ResultWriter;
  readonly ResultSelector?: PayloadTemplate;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** A `Succeed` state. */
export interface SucceedState extends Common {
  readonly Type: "Succeed";
}

/** A `Fail` state; `ErrorPath`/`CausePath` take the error and cause from the state input. */
export interface FailState {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

/** Any state this project's machines use. */
export type State = TaskState | PassState | WaitState | ChoiceState | MapState | SucceedState | FailState;

/** A complete state machine definition, serialised with `JSON.stringify` into `aws_sfn_state_machine.definition`. */
export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Readonly<Record<string, State>>;
}

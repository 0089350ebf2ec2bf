import {
  DescribeExecutionCommand,
  DescribeExecutionOutput,
  ExecutionDoesNotExist,
  ExecutionStatus,
  GetExecutionHistoryCommand,
  GetExecutionHistoryCommandInput,
  HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CliDeps, main } from "../../scripts/batch-cli";
import { parseArgs, parseScheduledTime } from "../../scripts/cli/args";
import { ProgressView } from "../../scripts/cli/progress";
import { causeFields, describeOutcome, formatDuration } from "../../scripts/cli/summary";
import { PipelineConfigFile } from "../../stacks/config";

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

// ------------------------------------------------------------------------------------ factories

const CONFIG: PipelineConfigFile = {
  defaults: { namePrefix: "acme", region: "eu-west-1" },
  environments: { dev: {}, prod: { region: "us-east-1" } },
};
const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:acme-dev-batch";
const EXECUTION_ARN = "arn:aws:states:eu-west-1:123456789012:execution:acme-dev-batch:manual-20250131T0200-aaaa";
const STARTED_AT = new Date("2025-01-31T02:00:05Z");
const NOW = new Date("2025-01-31T09:41:37.123Z");
// eslint-disable-next-line no-control-regex -- matching the terminal escape character is the point
const ANSI_ESCAPE = /\x1b\[/;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly sleep: jest.Mock;
}

/** Runs the CLI against the mocked client with captured output and a fixed clock. */
async function runCli(argv: string[], overrides: Partial<CliDeps> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const sleep = jest.fn().mockResolvedValue(undefined);
  const code = await main(argv, {
    client: new SFNClient({ region: "eu-west-1" }),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    isTTY: false,
    now: () => NOW,
    sleep,
    random: () => 0,
    configFile: CONFIG,
    env: {},
    ...overrides,
  });
  return { code, stdout, stderr, sleep };
}

/** One history event, `seconds` after the execution started, linked to the event before it. */
function historyEvent(id: number, type: string, seconds: number, details: Partial<HistoryEvent> = {}): HistoryEvent {
  return {
    id,
    previousEventId: id - 1,
    type: type as HistoryEvent["type"],
    timestamp: new Date(STARTED_AT.getTime() + seconds * 1000),
    ...details,
  };
}
const enteredEvent = (id: number, kind: string, name: string, seconds: number) =>
  historyEvent(id, `${kind}StateEntered`, seconds, { stateEnteredEventDetails: { name } });
const exitedEvent = (id: number, kind: string, name: string, seconds: number) =>
  historyEvent(id, `${kind}StateExited`, seconds, { stateExitedEventDetails: { name } });

/**
 * Emulates GetExecutionHistory over a growing history: each poll (a call without nextToken) makes
 * the next batch of events visible; pages hold `pageSize` events, newest first when reverseOrder.
 */
function growingHistory(polls: HistoryEvent[][], pageSize = 2) {
  const visible: HistoryEvent[] = [];
  let nextPoll = 0;
  return (input: GetExecutionHistoryCommandInput) => {
    if (input.nextToken === undefined && nextPoll < polls.length) visible.push(...polls[nextPoll++]!);
    const ordered = input.reverseOrder ? [...visible].reverse() : visible;
    const offset = Number(input.nextToken ?? 0);
    const end = offset + pageSize;
    return { events: ordered.slice(offset, end), nextToken: end < ordered.length ? String(end) : undefined };
  };
}

/** A successful run: extract, a two-iteration Map pushing chunks, a wait, success. */
function successfulRunPolls(): HistoryEvent[][] {
  return [
    [
      historyEvent(1, "ExecutionStarted", 0),
      enteredEvent(2, "Task", "ExtractBatch", 0),
      historyEvent(3, "TaskScheduled", 0),
      historyEvent(4, "TaskStarted", 1),
    ],
    [
      historyEvent(5, "TaskSucceeded", 4),
      exitedEvent(6, "Task", "ExtractBatch", 4),
      enteredEvent(7, "Choice", "IsBatchEmpty", 4),
      exitedEvent(8, "Choice", "IsBatchEmpty", 4),
      enteredEvent(9, "Map", "PushChunks", 4),
      historyEvent(10, "MapStateStarted", 4, { mapStateStartedEventDetails: { length: 2 } }),
      historyEvent(11, "MapIterationStarted", 5, { mapIterationStartedEventDetails: { name: "PushChunks", index: 0 } }),
      enteredEvent(12, "Task", "PushToKinesis", 5),
      exitedEvent(13, "Task", "PushToKinesis", 9),
      historyEvent(14, "MapIterationSucceeded", 9, { mapIterationSucceededEventDetails: { name: "PushChunks", index: 0 } }),
      historyEvent(15, "MapIterationStarted", 9, { mapIterationStartedEventDetails: { name: "PushChunks", index: 1 } }),
      enteredEvent(16, "Task", "PushToKinesis", 9),
      exitedEvent(17, "Task", "PushToKinesis", 12),
      historyEvent(18, "MapIterationSucceeded", 12, { mapIterationSucceededEventDetails: { name: "PushChunks", index: 1 } }),
      historyEvent(19, "MapStateSucceeded", 12),
      exitedEvent(20, "Map", "PushChunks", 12),
    ],
    [
      enteredEvent(21, "Wait", "WaitForDelivery", 12),
      exitedEvent(22, "Wait", "WaitForDelivery", 72),
      enteredEvent(23, "Succeed", "Done", 72),
      exitedEvent(24, "Succeed", "Done", 72),
      historyEvent(25, "ExecutionSucceeded", 72),
    ],
  ];
}

const LAMBDA_CAUSE = JSON.stringify({
  errorType: "RecordsUndelivered",
  errorMessage: "3 records still failing after 8 attempts",
  trace: ["RecordsUndelivered: 3 records still failing", "    at push (/var/task/index.js:1:2)"],
});

/** A run whose push fails for good. */
function failedRunPolls(): HistoryEvent[][] {
  return [
    [
      historyEvent(1, "ExecutionStarted", 0),
      enteredEvent(2, "Task", "PushToKinesis", 1),
      historyEvent(3, "TaskScheduled", 1),
      historyEvent(4, "TaskStarted", 1),
    ],
    [
      historyEvent(5, "TaskFailed", 30, {
        taskFailedEventDetails: { resourceType: "lambda", resource: "invoke", error: "RecordsUndelivered", cause: LAMBDA_CAUSE },
      }),
      historyEvent(6, "ExecutionFailed", 30, { executionFailedEventDetails: { error: "RecordsUndelivered", cause: LAMBDA_CAUSE } }),
    ],
  ];
}

function givenStateMachine(): void {
  sfn.on(ListStateMachinesCommand).resolves({
    stateMachines: [{ name: "acme-dev-batch", stateMachineArn: STATE_MACHINE_ARN, type: "STANDARD", creationDate: STARTED_AT }],
  });
}

function givenStartedExecution(): void {
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: STARTED_AT });
}

function givenFinishedExecution(overrides: Partial<DescribeExecutionOutput>): void {
  sfn.on(DescribeExecutionCommand).resolves({
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: "manual-20250131T0200-aaaa",
    status: "SUCCEEDED",
    startDate: STARTED_AT,
    stopDate: new Date(STARTED_AT.getTime() + 72_000),
    input: JSON.stringify({ scheduledTime: "2025-01-31T02:00:00Z", force: false }),
    ...overrides,
  });
}

const SUCCESS_OUTPUT = JSON.stringify({ batchId: "20250131T0200", pushed: 1200, found: 1200, rejected: 3 });

// ------------------------------------------------------------------------------------ start

describe("batch start", () => {
  it("starts a run with the scheduled time and force flag and follows it to its outcome", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(successfulRunPolls()));
    givenFinishedExecution({ output: SUCCESS_OUTPUT });

    // Act
    const run = await runCli(["start", "--wait", "--force", "--scheduled-time", "2025-01-31T02:00:00Z"]);

    // Assess
    expect(run.code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(start.name).toBe("manual-20250131T0200-aaaa");
    expect(JSON.parse(start.input!)).toEqual({ scheduledTime: "2025-01-31T02:00:00Z", force: true });
    expect(run.stdout).toContain(EXECUTION_ARN);
    expect(run.stdout).toContain(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`,
    );
    for (const state of ["ExtractBatch", "IsBatchEmpty", "PushChunks", "PushToKinesis", "WaitForDelivery", "Done"]) {
      expect(run.stdout).toContain(`entered ${state}`);
    }
    expect(run.stdout).toContain("[+4s] exited ExtractBatch (4s)");
    expect(run.stdout).toContain("exited PushChunks (8s, 2 iterations)");
    expect(run.stdout).toMatch(/batch id\s+20250131T0200/);
    expect(run.stdout).toMatch(/pushed\s+1200/);
    expect(run.stdout).toMatch(/found\s+1200/);
    expect(run.stdout).toMatch(/rejected\s+3/);
    expect(run.stderr).toBe("");
  });

  it("reads the history in pages, shows each event once and waits between polls", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(successfulRunPolls()));
    givenFinishedExecution({ output: SUCCESS_OUTPUT });

    // Act
    const run = await runCli(["start", "--wait"]);

    // Assess
    const historyCalls = sfn.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input);
    expect(historyCalls.filter((input) => input.nextToken === undefined)).toHaveLength(3);
    expect(historyCalls.some((input) => input.nextToken !== undefined)).toBe(true);
    expect(historyCalls.every((input) => input.executionArn === EXECUTION_ARN)).toBe(true);
    expect(run.sleep).toHaveBeenCalledTimes(2);
    expect(run.sleep).toHaveBeenCalledWith(2000);
    expect(run.stdout.match(/entered ExtractBatch/g)).toHaveLength(1);
    // The second Map iteration repeats PushToKinesis; only its first entry is shown.
    expect(run.stdout.match(/entered PushToKinesis/g)).toHaveLength(1);
    expect(run.stdout).toContain("[+72s] execution succeeded");
  });

  it("defaults the scheduled time to now, truncated to the minute, without force", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();

    // Act
    const run = await runCli(["start"]);

    // Assess
    expect(run.code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(JSON.parse(start.input!)).toEqual({ scheduledTime: "2025-01-31T09:41:00Z", force: false });
    expect(start.name).toBe("manual-20250131T0941-aaaa");
    expect(sfn).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
  });

  it("finds the state machine on a later page of ListStateMachines", async () => {
    // Prepare
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [{ name: "other", stateMachineArn: "arn:other", type: "STANDARD", creationDate: NOW }],
        nextToken: "p2",
      })
      .resolvesOnce({
        stateMachines: [{ name: "acme-dev-batch", stateMachineArn: STATE_MACHINE_ARN, type: "STANDARD", creationDate: NOW }],
      });
    givenStartedExecution();

    // Act
    const run = await runCli(["start"]);

    // Assess
    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(ListStateMachinesCommand, { nextToken: "p2" });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN });
  });

  it("exits 1 and prints the error and the cause's key fields when the run fails", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(failedRunPolls()));
    givenFinishedExecution({ status: "FAILED", output: undefined, error: "RecordsUndelivered", cause: LAMBDA_CAUSE });

    // Act
    const run = await runCli(["start", "--wait"]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("[+30s] PushToKinesis failed: RecordsUndelivered — 3 records still failing after 8 attempts");
    expect(run.stdout).toContain("[+30s] execution failed: RecordsUndelivered");
    expect(run.stdout).toContain("Execution FAILED");
    expect(run.stdout).toMatch(/error\s+RecordsUndelivered/);
    expect(run.stdout).toMatch(/errorMessage\s+3 records still failing after 8 attempts/);
    expect(run.stdout).not.toContain("/var/task/index.js");
  });

  it.each([
    ["TIMED_OUT", "ExecutionTimedOut", "executionTimedOutEventDetails"],
    ["ABORTED", "ExecutionAborted", "executionAbortedEventDetails"],
  ])("exits 1 when the followed run ends %s", async (status, eventType, detailsKey) => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn
      .on(GetExecutionHistoryCommand)
      .callsFake(
        growingHistory([
          [
            historyEvent(1, "ExecutionStarted", 0),
            historyEvent(2, eventType, 40, { [detailsKey]: { error: "States.Timeout", cause: "run timeout" } }),
          ],
        ]),
      );
    givenFinishedExecution({ status: status as ExecutionStatus, output: undefined, error: "States.Timeout", cause: "run timeout" });

    // Act
    const run = await runCli(["start", "--wait"]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Execution ${status}`);
  });

  it("reports a skipped run as skipped", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn
      .on(GetExecutionHistoryCommand)
      .callsFake(growingHistory([[historyEvent(1, "ExecutionStarted", 0), historyEvent(2, "ExecutionSucceeded", 2)]]));
    givenFinishedExecution({ output: JSON.stringify({ batchId: "20250131T0200", skipped: true, skipReason: "already-claimed" }) });

    // Act
    const run = await runCli(["start", "--wait"]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Outcome: skipped: already claimed by another run (pass --force to re-run it) (batch 20250131T0200)");
  });

  it("uses --state-machine-arn without looking the state machine up, in the ARN's region", async () => {
    // Prepare
    const arn = "arn:aws:states:us-east-2:123456789012:stateMachine:custom";
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${arn.replace("stateMachine", "execution")}:x`, startDate: NOW });

    // Act
    const run = await runCli(["start", "--state-machine-arn", arn]);

    // Assess
    expect(run.code).toBe(0);
    expect(sfn).not.toHaveReceivedCommand(ListStateMachinesCommand);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: arn });
    expect(run.stdout).toContain("https://us-east-2.console.aws.amazon.com/states/home?region=us-east-2#");
  });

  it("writes plain lines without ANSI escapes when stdout is not a terminal", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(successfulRunPolls()));
    givenFinishedExecution({ output: SUCCESS_OUTPUT });

    // Act
    const run = await runCli(["start", "--wait"], { isTTY: false });

    // Assess
    expect(run.stdout).not.toMatch(ANSI_ESCAPE);
    expect(run.stdout).toContain("[+0s] entered ExtractBatch");
  });

  it("draws one live line per state on a terminal", async () => {
    // Prepare
    givenStateMachine();
    givenStartedExecution();
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(successfulRunPolls()));
    givenFinishedExecution({ output: SUCCESS_OUTPUT });

    // Act
    const run = await runCli(["start", "--wait"], { isTTY: true });

    // Assess
    expect(run.stdout).toMatch(ANSI_ESCAPE);
    expect(run.stdout).toContain("\r\x1b[2K");
    expect(run.stdout).toMatch(/✓.* ExtractBatch .*4s/);
    expect(run.stdout).toMatch(/✓.* PushChunks .*2 iterations/);
    expect(run.stdout).toMatch(/pushed\s+1200/);
  });
});

// ------------------------------------------------------------------------------------ errors

describe("batch errors", () => {
  it("explains missing credentials and exits 2 without a stack trace", async () => {
    // Prepare
    const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    sfn.on(ListStateMachinesCommand).rejects(noCredentials);

    // Act
    const run = await runCli(["start"]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "No AWS credentials found. Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the role needs states:StartExecution, " +
        "states:DescribeExecution, states:GetExecutionHistory, states:ListExecutions, states:ListStateMachines).",
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 when no state machine has the configured name", async () => {
    // Prepare
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });

    // Act
    const run = await runCli(["start", "--env", "prod"]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "State machine acme-prod-batch not found in us-east-1; deploy the stack first (npm run deploy) or pass --state-machine-arn",
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("lists the environments when an unknown one is asked for", async () => {
    const run = await runCli(["list", "--env", "qa"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown environment "qa"; pipeline.config.ts defines: dev, prod');
    expect(sfn.calls()).toHaveLength(0);
  });

  it("uses the first environment when there is no dev", async () => {
    // Prepare
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });

    // Act
    const run = await runCli(["list"], { configFile: { ...CONFIG, environments: { staging: {}, prod: {} } } });

    // Assess
    expect(run.stderr).toContain("State machine acme-staging-batch not found in eu-west-1");
  });

  it.each([
    [["start", "--bogus"], "unknown flag --bogus for start"],
    [["start", "--env"], "--env needs a value"],
    [["list", "--limit", "-3"], '--limit must be a whole number from 1 to 1000, got "-3"'],
    [["list", "--limit", "abc"], '--limit must be a whole number from 1 to 1000, got "abc"'],
    [["start", "--scheduled-time", "yesterday"], '--scheduled-time must be an ISO-8601 time such as 2025-01-31T02:00:00Z, got "yesterday"'],
    [["start", "--wait=yes"], '--wait takes no value, got "yes"'],
    [["status"], "status needs an execution ARN"],
    [["stop"], 'unknown command "stop"'],
    [[], "missing command"],
  ])("rejects %j with a message and the usage, exit 2", async (argv, message) => {
    const run = await runCli(argv);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stderr).toContain("Usage: npm run batch -- <command> [options]");
    expect(sfn.calls()).toHaveLength(0);
  });

  it("prints the usage and exits 0 for --help", async () => {
    const run = await runCli(["start", "--help"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("status <executionArn>");
    expect(run.stderr).toBe("");
  });
});

// ------------------------------------------------------------------------------------ status, list

describe("batch status", () => {
  it("shows a failed execution's status, input and error, exit 1", async () => {
    // Prepare
    givenFinishedExecution({ status: "FAILED", error: "States.Timeout", cause: "The validation query did not finish" });

    // Act
    const run = await runCli(["status", EXECUTION_ARN]);

    // Assess
    expect(run.code).toBe(1);
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION_ARN });
    expect(run.stdout).toMatch(/status\s+FAILED/);
    expect(run.stdout).toMatch(/started\s+2025-01-31T02:00:05Z/);
    expect(run.stdout).toMatch(/stopped\s+2025-01-31T02:01:17Z \(1m 12s\)/);
    expect(run.stdout).toContain('{"scheduledTime":"2025-01-31T02:00:00Z","force":false}');
    expect(run.stdout).toMatch(/error\s+States.Timeout/);
    expect(run.stdout).toMatch(/cause\s+The validation query did not finish/);
  });

  // DescribeExecution's status is RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | PENDING_REDRIVE:
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
  it.each(["TIMED_OUT", "ABORTED"])("exits 1 for a %s execution and prints its error", async (status) => {
    givenFinishedExecution({ status: status as ExecutionStatus, error: "States.Timeout", cause: "stopped" });

    const run = await runCli(["status", EXECUTION_ARN]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Execution ${status}`);
    expect(run.stdout).toMatch(/error\s+States.Timeout/);
  });

  it("exits 0 only for SUCCEEDED and a run still going, for every status of the SDK's ExecutionStatus enum", async () => {
    const codes: Record<string, number> = {};
    for (const status of Object.values(ExecutionStatus)) {
      sfn.reset();
      givenFinishedExecution({ status, output: status === "SUCCEEDED" ? SUCCESS_OUTPUT : undefined });
      codes[status] = (await runCli(["status", EXECUTION_ARN])).code;
    }

    expect(Object.keys(codes).sort()).toEqual(["ABORTED", "FAILED", "PENDING_REDRIVE", "RUNNING", "SUCCEEDED", "TIMED_OUT"]);
    expect(codes).toEqual({ RUNNING: 0, PENDING_REDRIVE: 0, SUCCEEDED: 0, FAILED: 1, TIMED_OUT: 1, ABORTED: 1 });
  });

  it("exits 1 for a status it does not know", async () => {
    givenFinishedExecution({ status: "PAUSED" as ExecutionStatus });

    const run = await runCli(["status", EXECUTION_ARN]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Execution is PAUSED");
  });

  it("shows a succeeded execution's outcome, exit 0", async () => {
    givenFinishedExecution({ output: SUCCESS_OUTPUT });

    const run = await runCli(["status", EXECUTION_ARN]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/pushed\s+1200/);
  });

  it("follows a running execution with --wait", async () => {
    // Prepare
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn: EXECUTION_ARN, stateMachineArn: STATE_MACHINE_ARN, status: "RUNNING", startDate: STARTED_AT })
      .resolves({
        executionArn: EXECUTION_ARN,
        stateMachineArn: STATE_MACHINE_ARN,
        status: "SUCCEEDED",
        startDate: STARTED_AT,
        output: SUCCESS_OUTPUT,
      });
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(successfulRunPolls()));

    // Act
    const run = await runCli(["status", EXECUTION_ARN, "--wait"]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("entered WaitForDelivery");
    expect(run.stdout).toMatch(/found\s+1200/);
  });

  it("explains an execution that does not exist, exit 2", async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: "Execution Does Not Exist", $metadata: {} }));

    const run = await runCli(["status", EXECUTION_ARN]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Execution ${EXECUTION_ARN} does not exist in eu-west-1`);
  });
});

describe("batch list", () => {
  it("prints name, status, start time and duration of recent executions", async () => {
    // Prepare
    givenStateMachine();
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: `${EXECUTION_ARN}-2`,
          stateMachineArn: STATE_MACHINE_ARN,
          name: "manual-20250131T0941-aaaa",
          status: "RUNNING",
          startDate: new Date(NOW.getTime() - 30_000),
        },
        {
          executionArn: EXECUTION_ARN,
          stateMachineArn: STATE_MACHINE_ARN,
          name: "nightly-20250131",
          status: "SUCCEEDED",
          startDate: STARTED_AT,
          stopDate: new Date(STARTED_AT.getTime() + 185_000),
        },
      ],
    });

    // Act
    const run = await runCli(["list", "--limit", "5"]);

    // Assess
    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN, maxResults: 5 });
    const lines = run.stdout.trim().split("\n");
    expect(lines[1]).toMatch(/^NAME\s+STATUS\s+STARTED\s+DURATION$/);
    expect(lines[2]).toMatch(/^manual-20250131T0941-aaaa\s+RUNNING\s+2025-01-31T09:41:07Z\s+30s \(running\)$/);
    expect(lines[3]).toMatch(/^nightly-20250131\s+SUCCEEDED\s+2025-01-31T02:00:05Z\s+3m 05s$/);
  });

  it("asks for 10 executions by default", async () => {
    givenStateMachine();
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });

    const run = await runCli(["list"]);

    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { maxResults: 10 });
    expect(run.stdout).toContain("No executions of acme-dev-batch in eu-west-1 yet.");
  });
});

// ------------------------------------------------------------------------------------ pure parts

describe("batch CLI parts", () => {
  it.each([
    ["2025-01-31", "2025-01-31T00:00:00Z"],
    ["2025-01-31T02:00", "2025-01-31T02:00:00Z"],
    ["2025-01-31T03:00:00+01:00", "2025-01-31T02:00:00Z"],
    ["2025-01-31T02:00:07.900Z", "2025-01-31T02:00:07Z"],
  ])("normalizes --scheduled-time %s to %s", (text, expected) => {
    expect(parseScheduledTime(text)).toBe(expected);
  });

  it.each(["2025-02-30", "2025-13-01T00:00Z", "31/01/2025", "now"])("rejects --scheduled-time %s", (text) => {
    expect(() => parseScheduledTime(text)).toThrow(/--scheduled-time must be an ISO-8601 time/);
  });

  it("accepts flags written as --flag=value", () => {
    expect(parseArgs(["list", "--limit=25", "--env=prod"])).toEqual({ kind: "list", env: "prod", limit: 25, stateMachineArn: undefined });
  });

  it("shows n/a for outcome fields the output lacks", () => {
    expect(describeOutcome(JSON.stringify({ batchId: "b1", pushed: 5 }))).toEqual([
      "Outcome: succeeded",
      "  batch id  b1",
      "  pushed    5",
      "  found     n/a",
      "  rejected  n/a",
    ]);
  });

  it("picks errorType and errorMessage out of a JSON cause", () => {
    expect(causeFields(LAMBDA_CAUSE)).toEqual([
      ["errorType", "RecordsUndelivered"],
      ["errorMessage", "3 records still failing after 8 attempts"],
    ]);
    expect(causeFields("plain text")).toBeUndefined();
  });

  it("shows a Map's iteration count on the live line while it runs", () => {
    // Prepare
    const view = new ProgressView(true, STARTED_AT);
    const [, pushing] = successfulRunPolls();

    // Act
    const text = view.render(pushing!.slice(2, 12), new Date(STARTED_AT.getTime() + 10_000));

    // Assess
    const lastLine = text.slice(text.lastIndexOf("\r"));
    expect(lastLine).toMatch(/PushChunks {2}1\/2 iterations {2}.*6s/);
    expect(view.close()).toBe("\r\x1b[2K");
  });

  it("formats durations compactly", () => {
    expect([formatDuration(4_400), formatDuration(125_000), formatDuration(3_725_000)]).toEqual(["4s", "2m 05s", "1h 02m"]);
  });
});

// ------------------------------------------------------------------------------------ runner

describe("scripts/run-cli.mjs", () => {
  const runner = (args: string[]) =>
    spawnSync(process.execPath, [join(__dirname, "../../scripts/run-cli.mjs"), "batch", ...args], {
      cwd: join(__dirname, "../.."),
      encoding: "utf8",
      env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_PROFILE: "" },
    });

  it("bundles the CLI, runs it with the arguments and keeps its exit code", () => {
    const help = runner(["--help"]);
    const bad = runner(["list", "--limit", "abc"]);

    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: npm run batch -- <command> [options]");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--limit must be a whole number from 1 to 1000, got "abc"');
  });

  it("runs the rehearsal entry too, ending the process with its exit code", () => {
    const bad = spawnSync(process.execPath, [join(__dirname, "../../scripts/run-cli.mjs"), "rehearse", "--records", "-5"], {
      cwd: join(__dirname, "../.."),
      encoding: "utf8",
      timeout: 30_000,
    });

    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--records needs a whole number from 1 to 5000000, got -5");
  });
});

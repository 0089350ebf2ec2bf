/**
 * Operator CLI for the batch workflow: start a run, follow it state by state, show an execution's
 * status, list recent executions, replay failed records or a raw backup window (or dry-run that).
 * Run it with `npm run batch -- --help`.
 *
 * This file does the I/O (Step Functions and S3 calls, writing, polling); parsing and every piece of
 * text live in `scripts/cli/`, and the dry run decodes objects with the extract's own pure decoders
 * (`handlers/extract/replay.ts`). Everything with a side effect comes in through {@link CliDeps}.
 */
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { decodeReplayObject, eventHourReader, ReplayTally } from "../handlers/extract/replay";
import { type BatchExecutionInput, type ReplaySpec } from "../contract/batch";
import { pipelineConfig } from "../pipeline.config";
import { loadConfig, PipelineConfigFile } from "../stacks/config";
import { Command, parseArgs, toSchedulerTime, USAGE } from "./cli/args";
import { CliError, ErrorContext, EXIT, explainError, UsageError } from "./cli/errors";
import { isFinalEvent, ProgressView } from "./cli/progress";
import { confirmReplayLines, describeReplay, formatDryRun } from "./cli/replay-report";
import { describeExecution, describeFailure, describeOutcome, FAILED_STATUSES, formatExecutionTable } from "./cli/summary";
import {
  chooseEnvironment,
  chooseLakeBucket,
  consoleUrl,
  executionName,
  nameOfArn,
  regionOfArn,
  stateMachineNotFoundMessage,
} from "./cli/target";
import { REPLAY_SOURCE_PREFIXES } from "../contract/lake-layout";
import { errorTypeOfKey, planReplay, type ReplayPlan } from "../contract/replay";

/** Somewhere to write text. */
export interface Output {
  write(text: string): unknown;
}

/** Everything the CLI touches outside itself; tests replace any of it. */
export interface CliDeps {
  /** Step Functions client. @default one SFNClient per region, created on first use */
  readonly client?: SFNClient;
  /** S3 client for `replay --dry-run`. @default an S3Client in the environment's region */
  readonly s3?: S3Client;
  /** @default process.stdout */
  readonly stdout: Output;
  /** @default process.stderr */
  readonly stderr: Output;
  /** Live ANSI progress when true, plain lines when false. @default process.stdout.isTTY */
  readonly isTTY: boolean;
  /** @default () => new Date() */
  readonly now: () => Date;
  /** @default setTimeout-based */
  readonly sleep: (ms: number) => Promise<void>;
  /** Source of the execution name's random suffix. @default Math.random */
  readonly random: () => number;
  /** @default the pipelineConfig of pipeline.config.ts */
  readonly configFile: PipelineConfigFile;
  /** Environment variables for configuration loading. @default process.env */
  readonly env: NodeJS.ProcessEnv;
  /** Pause between GetExecutionHistory polls while following. @default 2000 */
  readonly pollIntervalMs: number;
}

const HISTORY_PAGE_SIZE = 200;
const clients = new Map<string, SFNClient>();

/** The default client of a region, created once. */
function defaultClient(region: string): SFNClient {
  let client = clients.get(region);
  if (!client) {
    client = new SFNClient({ region });
    clients.set(region, client);
  }
  return client;
}

function defaultDeps(): CliDeps {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    configFile: pipelineConfig,
    env: process.env,
    pollIntervalMs: 2000,
  };
}

/** Runs one command line (without node and the script) and resolves to the process exit code. */
export async function main(argv: readonly string[], overrides: Partial<CliDeps> = {}): Promise<number> {
  const deps: CliDeps = { ...defaultDeps(), ...overrides };
  const context: ErrorContext = {};
  try {
    const command = parseArgs(argv);
    return await run(command, deps, context);
  } catch (error) {
    const explained = explainError(error, context);
    deps.stderr.write(`error: ${explained.message}\n`);
    if (explained.showUsage) deps.stderr.write(`\n${USAGE}\n`);
    if (explained.stack) deps.stderr.write(`${explained.stack}\n`);
    return explained.exitCode;
  }
}

async function run(command: Command, deps: CliDeps, context: ErrorContext): Promise<number> {
  const print = (...lines: string[]) => deps.stdout.write(lines.map((line) => `${line}\n`).join(""));
  switch (command.kind) {
    case "help":
      print(USAGE);
      return EXIT.ok;

    case "start": {
      const target = await resolveStateMachine(command, deps, context);
      const input: BatchExecutionInput = {
        scheduledTime: command.scheduledTime ?? toSchedulerTime(truncateToMinute(deps.now())),
        force: command.force,
      };
      const name = executionName(input.scheduledTime, deps.random);
      const started = await target.client.send(
        new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      const executionArn = started.executionArn!;
      context.executionArn = executionArn;
      print(
        `Started ${name} on ${nameOfArn(target.stateMachineArn)}`,
        `  execution  ${executionArn}`,
        `  console    ${consoleUrl(target.region, executionArn)}`,
        `  input      ${JSON.stringify(input)}`,
      );
      if (!command.wait) return EXIT.ok;
      return follow(target.client, executionArn, deps, started.startDate);
    }

    case "status": {
      context.executionArn = command.executionArn;
      const region = regionOfArn(command.executionArn)!;
      context.region = region;
      const client = deps.client ?? defaultClient(region);
      const execution = await client.send(new DescribeExecutionCommand({ executionArn: command.executionArn }));
      print(...describeExecution(execution, consoleUrl(region, command.executionArn), deps.now()));
      if (command.wait && isRunning(execution.status)) {
        print("", "Following the execution:");
        return follow(client, command.executionArn, deps, execution.startDate);
      }
      return report(execution, print);
    }

    case "replay": {
      const environment = chooseEnvironment(Object.keys(deps.configFile.environments ?? {}), command.env);
      const config = loadConfig(deps.configFile, environment, deps.env);
      context.region = config.region;
      const planned = planReplay(command.replay, config.partitioning.dayKey);
      if ("problems" in planned) throw new UsageError(planned.problems.join("; "));
      if (command.dryRun) {
        const s3 = deps.s3 ?? new S3Client({ region: config.region });
        const bucket =
          command.bucket ?? chooseLakeBucket(await bucketNames(s3, config.resolvedNames.lakeBucket), config.resolvedNames.lakeBucket);
        // With event-time partitions every distinct event hour is an active Firehose partition.
        const eventHour = config.partitioning.partitionTime === "event" ? eventHourReader(config.schema) : undefined;
        const tally = await tallyReplay(s3, bucket, planned.plan, new ReplayTally(eventHour));
        const unread = planned.plan.from === "errors" ? await unreadErrorFolders(s3, bucket) : [];
        print(...formatDryRun(planned.plan, bucket, tally.report(), replayCommand(command.replay, environment), unread));
        return EXIT.ok;
      }
      const target = await resolveStateMachine(command, deps, context);
      const input: BatchExecutionInput = {
        scheduledTime: toSchedulerTime(truncateToMinute(deps.now())),
        force: false,
        replay: command.replay,
      };
      const name = executionName(input.scheduledTime, deps.random, "replay");
      const started = await target.client.send(
        new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      const executionArn = started.executionArn!;
      context.executionArn = executionArn;
      print(
        `Started ${name} on ${nameOfArn(target.stateMachineArn)}: replay of ${describeReplay(command.replay)}`,
        `  execution  ${executionArn}`,
        `  console    ${consoleUrl(target.region, executionArn)}`,
        `  input      ${JSON.stringify(input)}`,
      );
      if (!command.wait) return EXIT.ok;
      const database = config.resolvedNames.database;
      const table = config.resolvedNames.table;
      return follow(target.client, executionArn, deps, started.startDate, (batchId) => confirmReplayLines(database, table, batchId));
    }

    case "list": {
      const target = await resolveStateMachine(command, deps, context);
      const page = await target.client.send(
        new ListExecutionsCommand({ stateMachineArn: target.stateMachineArn, maxResults: command.limit }),
      );
      const executions = page.executions ?? [];
      if (executions.length === 0) {
        print(`No executions of ${nameOfArn(target.stateMachineArn)} in ${target.region} yet.`);
        return EXIT.ok;
      }
      print(`Executions of ${nameOfArn(target.stateMachineArn)} in ${target.region}, newest first:`);
      print(...formatExecutionTable(executions, deps.now()));
      return EXIT.ok;
    }
  }
}

interface Target {
  readonly client: SFNClient;
  readonly region: string;
  readonly stateMachineArn: string;
}

/** The state machine from --state-machine-arn, or looked up by its configured name in its region. */
async function resolveStateMachine(
  command: { readonly env?: string; readonly stateMachineArn?: string },
  deps: CliDeps,
  context: ErrorContext,
): Promise<Target> {
  if (command.stateMachineArn) {
    const region = regionOfArn(command.stateMachineArn)!;
    Object.assign(context, { region, stateMachineArn: command.stateMachineArn });
    return { client: deps.client ?? defaultClient(region), region, stateMachineArn: command.stateMachineArn };
  }
  const environment = chooseEnvironment(Object.keys(deps.configFile.environments ?? {}), command.env);
  const config = loadConfig(deps.configFile, environment, deps.env);
  const name = config.resolvedNames.stateMachine;
  context.region = config.region;
  const client = deps.client ?? defaultClient(config.region);
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((machine) => machine.name === name);
    if (found?.stateMachineArn) {
      context.stateMachineArn = found.stateMachineArn;
      return { client, region: config.region, stateMachineArn: found.stateMachineArn };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  throw new CliError(stateMachineNotFoundMessage(name, config.region, environment, config.batch.enabled));
}

/**
 * Prints the execution's progress until it ends, then its outcome; resolves to the exit code.
 * `afterSuccess` adds lines after the outcome of a run that loaded a batch (given its batch id).
 */
async function follow(
  client: SFNClient,
  executionArn: string,
  deps: CliDeps,
  startedAt: Date | undefined,
  afterSuccess?: (batchId: string) => string[],
): Promise<number> {
  const view = new ProgressView(deps.isTTY, startedAt);
  let lastEventId = 0;
  try {
    for (;;) {
      const events = await newEvents(client, executionArn, lastEventId);
      if (events.length > 0) lastEventId = events[events.length - 1]!.id ?? lastEventId;
      deps.stdout.write(view.render(events, deps.now()));
      if (events.length > 0 && isFinalEvent(events[events.length - 1]!)) break;
      await deps.sleep(deps.pollIntervalMs);
    }
  } finally {
    deps.stdout.write(view.close());
  }
  const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
  deps.stdout.write("\n");
  const print = (...lines: string[]) => deps.stdout.write(lines.map((line) => `${line}\n`).join(""));
  const code = report(execution, print);
  const batchId = loadedBatchId(execution);
  if (code === EXIT.ok && afterSuccess && batchId) print("", ...afterSuccess(batchId));
  return code;
}

/** The batch id of a run that ended in BatchLoaded (not skipped), from its output. */
function loadedBatchId(execution: DescribeExecutionOutput): string | undefined {
  if (execution.status !== "SUCCEEDED" || execution.output === undefined) return undefined;
  try {
    const output = JSON.parse(execution.output) as { batchId?: unknown; skipped?: unknown };
    return typeof output.batchId === "string" && output.skipped !== true ? output.batchId : undefined;
  } catch {
    return undefined;
  }
}

/** Names of the buckets that may be the lake bucket: none needed for an exact name, else ListBuckets by the prefix. */
async function bucketNames(s3: S3Client, configured: { readonly name: string } | { readonly prefix: string }): Promise<string[]> {
  if ("name" in configured) return [configured.name];
  const names: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(new ListBucketsCommand({ Prefix: configured.prefix, ContinuationToken: continuationToken }));
    for (const bucket of page.Buckets ?? []) if (bucket.Name) names.push(bucket.Name);
    continuationToken = page.ContinuationToken;
  } while (continuationToken);
  return names;
}

/** Lists every object of the plan's prefixes, reads each and tallies it with the extract's decoders. */
async function tallyReplay(s3: S3Client, bucket: string, plan: ReplayPlan, tally: ReplayTally): Promise<ReplayTally> {
  for (const prefix of plan.prefixes) {
    let continuationToken: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }));
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith("/")) continue;
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const body = got.Body ? await got.Body.transformToByteArray() : new Uint8Array();
        tally.add(object.Key, decodeReplayObject(plan.from, body));
      }
      continuationToken = page.NextContinuationToken;
    } while (continuationToken);
  }
  return tally;
}

/**
 * Folders under errors/ named after no error type a replay reads (`errors/<type>/`): a Firehose error
 * output type this project does not know yet, whose records would otherwise sit there unnoticed.
 */
async function unreadErrorFolders(s3: S3Client, bucket: string): Promise<string[]> {
  const folders: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: REPLAY_SOURCE_PREFIXES.errors,
        Delimiter: "/",
        ContinuationToken: continuationToken,
      }),
    );
    for (const common of page.CommonPrefixes ?? []) if (common.Prefix) folders.push(common.Prefix);
    continuationToken = page.NextContinuationToken;
  } while (continuationToken);
  return folders.filter((folder) => errorTypeOfKey(folder) === undefined).sort();
}

/** The command line that starts the replay a dry run described. */
function replayCommand(replay: ReplaySpec, environment: string): string {
  const type = replay.errorType ? ` --type ${replay.errorType}` : "";
  return `npm run batch -- replay --from ${replay.from}${type} --since ${replay.since} --until ${replay.until} --env ${environment} --wait`;
}

/**
 * Events newer than `lastEventId`, oldest first. Reads the history newest first and stops at the
 * first event already seen, so each poll costs one call however long the history grows.
 */
async function newEvents(client: SFNClient, executionArn: string, lastEventId: number): Promise<HistoryEvent[]> {
  const newestFirst: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        includeExecutionData: false,
        maxResults: HISTORY_PAGE_SIZE,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= lastEventId) return newestFirst.reverse();
      newestFirst.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return newestFirst.reverse();
}

/**
 * Prints the outcome of an execution and returns the exit code: 0 for SUCCEEDED and for a run still
 * going (RUNNING, PENDING_REDRIVE); 1 for FAILED, TIMED_OUT, ABORTED and any status this CLI does not
 * know, so a script never mistakes a run that did not succeed for one that did.
 */
function report(execution: DescribeExecutionOutput, print: (...lines: string[]) => unknown): number {
  const status = execution.status ?? "UNKNOWN";
  if (status === "SUCCEEDED") {
    print(...describeOutcome(execution.output));
    return EXIT.ok;
  }
  if (isRunning(status)) {
    print(`Execution is ${status}; follow it with --wait.`);
    return EXIT.ok;
  }
  if (FAILED_STATUSES.has(status)) {
    print(...describeFailure(status, execution.error, execution.cause));
    return EXIT.failed;
  }
  print(`Execution is ${status}, which this CLI does not know; treating it as not succeeded. Open it in the console.`);
  return EXIT.failed;
}

function isRunning(status: string | undefined): boolean {
  return status === "RUNNING" || status === "PENDING_REDRIVE";
}

function truncateToMinute(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

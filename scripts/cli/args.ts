/**
 * Argument parsing for the batch CLI: argv in, a typed command out. Pure; every mistake becomes a
 * {@link UsageError} whose message names the flag and the value received.
 */
import { FIREHOSE_ERROR_TYPES, type FirehoseErrorType, type ReplaySpec } from "../../contract/batch";
import { UsageError } from "./errors";
import { type FlagKind, readFlags, type ReadFlags } from "./flags";
import { planReplay } from "../../contract/replay";

/** Largest page ListExecutions returns. */
export const MAX_LIST_LIMIT = 1000;

/** Executions `list` shows unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 10;

/** Printed by `--help` and after every usage error. */
export const USAGE = `Usage: npm run batch -- <command> [options]

Commands:
  start                     Start a batch run of the workflow.
    --env <name>              Environment in pipeline.config.ts (default: dev, else the first one)
    --wait                    Follow the run state by state, then print its outcome
    --force                   Re-run a batch that was already claimed
    --scheduled-time <ISO>    Batch time, e.g. 2025-01-31T02:00:00Z (default: now, to the minute;
                              a time without a zone is UTC)
    --state-machine-arn <arn> Use this state machine instead of looking it up by name
  status <executionArn>     Show an execution's status, input and outcome or error.
    --wait                    Follow it until it finishes if it is still running
  list                      List recent executions, newest first.
    --env <name>              Environment (as for start)
    --limit <n>               How many, 1-${MAX_LIST_LIMIT} (default: ${DEFAULT_LIST_LIMIT})
    --state-machine-arn <arn> As for start
  replay                    Re-ingest Firehose error objects or a raw backup window as a batch run.
    --from errors|backup      errors/ (failed records) or raw/ (every source record)
    --type <error type>       With --from errors: processing-failed, format-conversion-failed or
                              activePartitionExceeded (event-time partitions; default: all three)
    --since <ISO>             Start of the window, e.g. 2025-01-31T10:00:00Z (no zone means UTC)
    --until <ISO>             End of the window (exclusive), at most 7 days after --since
    --dry-run                 List the objects, records and error messages a replay would read;
                              start nothing
    --bucket <name>           Lake bucket for --dry-run (default: the one bucket named
                              <namePrefix>-<env>-lake-…, or names.lakeBucket)
    --env, --wait, --state-machine-arn  As for start
  --help, -h                Show this help.

Exit codes: 0 success or started; 1 the execution failed, timed out or was aborted (or an
unexpected AWS error); 2 usage, configuration, credentials or not-found errors.
AWS credentials come from the usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO).`;

/** A parsed command line. */
export type Command =
  | { readonly kind: "help" }
  | {
      readonly kind: "start";
      readonly env?: string;
      readonly wait: boolean;
      readonly force: boolean;
      /** Normalized ISO-8601 UTC time; unset means "now, truncated to the minute". */
      readonly scheduledTime?: string;
      readonly stateMachineArn?: string;
    }
  | { readonly kind: "status"; readonly executionArn: string; readonly wait: boolean }
  | { readonly kind: "list"; readonly env?: string; readonly limit: number; readonly stateMachineArn?: string }
  | {
      readonly kind: "replay";
      /** What to replay, as the execution input carries it: since and until normalised to UTC. */
      readonly replay: ReplaySpec;
      readonly env?: string;
      readonly wait: boolean;
      readonly dryRun: boolean;
      readonly bucket?: string;
      readonly stateMachineArn?: string;
    };

const FLAGS = {
  start: { "--env": "value", "--wait": "switch", "--force": "switch", "--scheduled-time": "value", "--state-machine-arn": "value" },
  status: { "--wait": "switch" },
  list: { "--env": "value", "--limit": "value", "--state-machine-arn": "value" },
  replay: {
    "--from": "value",
    "--type": "value",
    "--since": "value",
    "--until": "value",
    "--env": "value",
    "--wait": "switch",
    "--dry-run": "switch",
    "--bucket": "value",
    "--state-machine-arn": "value",
  },
} as const satisfies Record<string, Record<string, FlagKind>>;

type CommandName = keyof typeof FLAGS;

const STATE_MACHINE_ARN = /^arn:[\w-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[^:\s]+$/;
const EXECUTION_ARN = /^arn:[\w-]+:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;

/** Parses `argv` (without node and script); throws {@link UsageError} on any mistake. */
export function parseArgs(argv: readonly string[]): Command {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help" };
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError("missing command: start, status, list or replay");
  if (!isCommandName(name)) {
    throw new UsageError(
      name.startsWith("-")
        ? `expected a command (start, status, list or replay) before ${name}`
        : `unknown command "${name}"; expected start, status, list or replay`,
    );
  }
  const { flags, positionals } = splitFlags(name, rest);
  switch (name) {
    case "start":
      noPositionals(name, positionals);
      return {
        kind: "start",
        env: flags.get("--env"),
        wait: flags.has("--wait"),
        force: flags.has("--force"),
        scheduledTime: optional(flags.get("--scheduled-time"), parseScheduledTime),
        stateMachineArn: optional(flags.get("--state-machine-arn"), parseStateMachineArn),
      };
    case "status":
      if (positionals.length !== 1) {
        throw new UsageError(
          positionals.length === 0
            ? "status needs an execution ARN, e.g. npm run batch -- status arn:aws:states:…:execution:…"
            : `status takes one execution ARN, got ${positionals.length} arguments`,
        );
      }
      return { kind: "status", executionArn: parseExecutionArn(positionals[0]!), wait: flags.has("--wait") };
    case "list":
      noPositionals(name, positionals);
      return {
        kind: "list",
        env: flags.get("--env"),
        limit: optional(flags.get("--limit"), parseLimit) ?? DEFAULT_LIST_LIMIT,
        stateMachineArn: optional(flags.get("--state-machine-arn"), parseStateMachineArn),
      };
    case "replay":
      noPositionals(name, positionals);
      return parseReplay(flags);
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function parseReplay(flags: Map<string, string>): Command {
  const from = flags.get("--from");
  if (from === undefined) throw new UsageError("replay needs --from errors or --from backup");
  if (from !== "errors" && from !== "backup") throw new UsageError(`--from must be errors or backup, got "${from}"`);
  const type = flags.get("--type");
  if (type !== undefined) {
    if (from === "backup") throw new UsageError("--type applies to --from errors only; the raw backup has no error types");
    if (!(FIREHOSE_ERROR_TYPES as readonly string[]).includes(type)) {
      throw new UsageError(`--type must be ${FIREHOSE_ERROR_TYPES.join(" or ")}, got "${type}"`);
    }
  }
  const time = (flag: "--since" | "--until") => {
    const text = flags.get(flag);
    if (text === undefined) throw new UsageError(`replay needs ${flag} <time>, e.g. ${flag} 2025-01-31T10:00:00Z`);
    return parseTime(flag, text);
  };
  const replay: ReplaySpec = {
    from,
    ...(type !== undefined ? { errorType: type as FirehoseErrorType } : {}),
    since: time("--since"),
    until: time("--until"),
  };
  // The window rules are the extract's own (the day key does not matter for them).
  const planned = planReplay(replay, "day");
  if ("problems" in planned) {
    throw new UsageError(planned.problems.map((p) => p.replace(/replay\.(since|until)/g, "--$1").replace(/\.000Z/g, "Z")).join("; "));
  }
  const dryRun = flags.has("--dry-run");
  if (dryRun && flags.has("--wait")) throw new UsageError("--wait follows a started run; --dry-run starts nothing");
  const bucket = flags.get("--bucket");
  if (bucket !== undefined && !BUCKET_NAME.test(bucket)) throw new UsageError(`--bucket must be an S3 bucket name, got "${bucket}"`);
  if (bucket !== undefined && !dryRun)
    throw new UsageError("--bucket is only used by --dry-run (a replay run reads the bucket the stack configured)");
  return {
    kind: "replay",
    replay,
    env: flags.get("--env"),
    wait: flags.has("--wait"),
    dryRun,
    bucket,
    stateMachineArn: optional(flags.get("--state-machine-arn"), parseStateMachineArn),
  };
}

/**
 * Parses an ISO-8601 date or date-time (a missing zone means UTC) and returns it the way EventBridge
 * Scheduler writes `<aws.scheduler.scheduled-time>`: UTC, whole seconds, e.g. `2025-01-31T02:00:00Z`.
 */
export function parseScheduledTime(text: string): string {
  return parseTime("--scheduled-time", text);
}

/** Parses a time flag's value like {@link parseScheduledTime}; errors name `flag`. */
export function parseTime(flag: string, text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  const invalid = () => new UsageError(`${flag} must be an ISO-8601 time such as 2025-01-31T02:00:00Z, got "${text}"`);
  if (!match) throw invalid();
  const [, year, month, day, hour = "00", minute = "00", second = "00", fraction = "", zone = "Z"] = match;
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (
    Number(month) < 1 ||
    Number(month) > 12 ||
    Number(day) < 1 ||
    Number(day) > daysInMonth ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    throw invalid();
  }
  const zoneSuffix = zone.toUpperCase() === "Z" ? "Z" : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const time = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zoneSuffix}`);
  if (Number.isNaN(time)) throw invalid();
  return toSchedulerTime(new Date(time));
}

/** `2025-01-31T02:00:07.123Z` → `2025-01-31T02:00:07Z` (EventBridge Scheduler's format). */
export function toSchedulerTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(FLAGS, name);
}

function splitFlags(command: CommandName, tokens: readonly string[]): ReadFlags {
  const allowed: Readonly<Record<string, FlagKind>> = FLAGS[command];
  return readFlags(tokens, allowed, {
    unknown: (flag) => `unknown flag ${flag} for ${command}; ${command} accepts ${Object.keys(allowed).join(", ")}`,
  });
}

function noPositionals(command: CommandName, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command} takes no arguments, got "${positionals.join(" ")}"`);
}

function optional<T>(value: string | undefined, parse: (text: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function parseLimit(text: string): number {
  const limit = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got "${text}"`);
  }
  return limit;
}

function parseStateMachineArn(text: string): string {
  if (!STATE_MACHINE_ARN.test(text)) {
    throw new UsageError(
      `--state-machine-arn must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got "${text}"`,
    );
  }
  return text;
}

function parseExecutionArn(text: string): string {
  if (!EXECUTION_ARN.test(text)) {
    throw new UsageError(`expected an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>), got "${text}"`);
  }
  return text;
}

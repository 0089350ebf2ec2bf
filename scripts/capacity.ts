/**
 * Capacity and cost planner CLI: `npm run capacity -- --events-per-second 500 --record-bytes 1200`.
 * Reads the environment's configuration (and its declared workload), plans with the pure
 * `capacity/` module and prints the report or JSON. No AWS calls.
 */
import { pipelineConfig } from "../pipeline.config";
import { planCapacity, resolveWorkload } from "../capacity";
import { loadConfig, PipelineConfigFile, WorkloadSettings } from "../stacks/config";
import { CAPACITY_USAGE, CapacityCommand, checkWorkload, parseCapacityArgs } from "./cli/capacity-args";
import { formatPlanJson, formatPlanReport, WorkloadSource } from "./cli/capacity-report";
import { CliError, EXIT, explainError } from "./cli/errors";
import { chooseEnvironment } from "./cli/target";

/** Somewhere to write text. */
export interface Output {
  write(text: string): unknown;
}

/** Everything the CLI touches outside itself; tests replace any of it. */
export interface CapacityCliDeps {
  /** @default process.stdout */
  readonly stdout: Output;
  /** @default process.stderr */
  readonly stderr: Output;
  /** @default the pipelineConfig of pipeline.config.ts */
  readonly configFile: PipelineConfigFile;
  /** Environment variables for configuration loading. @default process.env */
  readonly env: NodeJS.ProcessEnv;
}

function defaultDeps(): CapacityCliDeps {
  return { stdout: process.stdout, stderr: process.stderr, configFile: pipelineConfig, env: process.env };
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[], overrides: Partial<CapacityCliDeps> = {}): Promise<number> {
  const deps: CapacityCliDeps = { ...defaultDeps(), ...overrides };
  try {
    const command = parseCapacityArgs(argv);
    if (command.kind === "help") {
      deps.stdout.write(`${CAPACITY_USAGE}\n`);
      return EXIT.ok;
    }
    deps.stdout.write(plan(command, deps));
    return EXIT.ok;
  } catch (error) {
    const explained = explainError(error);
    deps.stderr.write(`error: ${explained.message}\n`);
    if (explained.showUsage) deps.stderr.write(`\n${CAPACITY_USAGE}\n`);
    if (explained.stack) deps.stderr.write(`${explained.stack}\n`);
    return explained.exitCode;
  }
}

function plan(command: Extract<CapacityCommand, { kind: "plan" }>, deps: CapacityCliDeps): string {
  const environment = chooseEnvironment(Object.keys(deps.configFile.environments ?? {}), command.env);
  const config = loadConfig(deps.configFile, environment, deps.env);
  const declared = config.workload;
  const flags = command.workload;
  const given = Object.keys(flags).length > 0;
  if (!declared && (flags.eventsPerSecond === undefined || flags.averageRecordBytes === undefined)) {
    const missing = ["--events-per-second", "--record-bytes"].filter(
      (_, i) => (i === 0 ? flags.eventsPerSecond : flags.averageRecordBytes) === undefined,
    );
    throw new CliError(
      `environment "${environment}" declares no workload and the command line lacks ${missing.join(" and ")}. ` +
        `Pass them, e.g. npm run capacity -- --events-per-second 100 --record-bytes 1024, or declare one in pipeline.config.ts: ` +
        `environments.${environment}.workload = { eventsPerSecond: 100, averageRecordBytes: 1024 }`,
    );
  }
  const merged = { ...declared, ...flags } as WorkloadSettings;
  checkWorkload(merged, flags, environment);
  const source: WorkloadSource = declared ? (given ? "configuration and command line" : "configuration") : "command line";
  const result = planCapacity({
    settings: config,
    workload: resolveWorkload(merged, config),
    options: { applyFreeTiers: command.freeTier, quickSight: command.quickSight },
  });
  const context = { stackId: `${config.namePrefix}-${environment}`, environment, workloadSource: source };
  return command.json ? formatPlanJson(result, context) : formatPlanReport(result, context);
}

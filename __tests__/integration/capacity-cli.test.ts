/**
 * The capacity CLI: the human report and the JSON plan, the declared workload as the default, and
 * clear errors with exit code 2 for bad flags or a missing workload.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CapacityCliDeps, main } from "../../scripts/capacity";
import type { PipelineConfigFile } from "../../stacks/config";

const CONFIG: PipelineConfigFile = {
  defaults: { namePrefix: "acme", region: "us-east-1" },
  environments: {
    dev: { stream: { retentionHours: 24 } },
    prod: { workload: { eventsPerSecond: 2500, averageRecordBytes: 1200 } },
  },
};

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with captured output against {@link CONFIG}. */
async function runCli(argv: string[], overrides: Partial<CapacityCliDeps> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    configFile: CONFIG,
    env: {},
    ...overrides,
  });
  return { code, stdout, stderr };
}

const FLAGS = ["--events-per-second", "500", "--record-bytes", "1200"];

describe("npm run capacity: human output", () => {
  it("prints the shard recommendation with its arithmetic", async () => {
    // 500 events/s × 1,200 B = 600,000 B/s ÷ 1,048,576 = 0.57 → 1 shard
    const run = await runCli(FLAGS);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Shards: 1 needed at peak (bytes in binds); 1 configured: enough");
  });

  it("sizes for the peak factor", async () => {
    // 500 × 3 = 1,500 events/s: 1,800,000 B/s ÷ 1,048,576 = 1.72 → 2; 1,500 records/s → 2
    const run = await runCli([...FLAGS, "--peak-factor", "3"]);
    expect(run.stdout).toContain("Shards: 2 needed at peak");
    expect(run.stdout).toContain("too few: set stream.shardCount to 2");
  });

  it("prints the cost table with a subtotal per service and the total", async () => {
    const run = await runCli(FLAGS);
    expect(run.stdout).toMatch(/Monthly cost \(us-east-1 list prices taken \d{4}-\d{2}-\d{2}, 30-day month, no free tiers/);
    expect(run.stdout).toMatch(
      /\n {2}Data Firehose +\$[\d,.]+\n {4}ingestion \(5 KiB steps per record\) +\$[\d,.]+\n {6}1,296,000,000 records × 5,120 B/,
    );
    expect(run.stdout).toMatch(/\n {2}Total +\$[\d,.]+\n/);
  });

  it("lists the savings", async () => {
    const run = await runCli(FLAGS);
    expect(run.stdout).toContain("Savings\n  - Keep the stream PROVISIONED");
    expect(run.stdout).toContain("Pack 4 events per Kinesis record: saves $");
  });

  it("uses the environment's declared workload without flags", async () => {
    const run = await runCli(["--env", "prod"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("workload from the configuration");
    expect(run.stdout).toContain("2,500 events/s average");
  });

  it("lets flags override single fields of the declared workload", async () => {
    const run = await runCli(["--env", "prod", "--peak-factor", "2"]);
    expect(run.stdout).toContain("workload from the configuration and command line");
    expect(run.stdout).toContain("peak × 2");
  });
});

describe("npm run capacity -- --json", () => {
  it("prints the plan as JSON with the environment and the stack", async () => {
    const run = await runCli([...FLAGS, "--json"]);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({
      environment: "dev",
      stackId: "acme-dev",
      workloadSource: "command line",
      shards: { shards: 1, binding: "bytesIn" },
    });
  });

  it("itemises every cost line with its arithmetic, adding up to the total", async () => {
    const plan = JSON.parse((await runCli([...FLAGS, "--json"])).stdout);
    const sum = plan.costs.reduce((total: number, line: { monthlyUsd: number }) => total + line.monthlyUsd, 0);
    expect(plan.costs.every((line: { arithmetic: string }) => line.arithmetic.includes(" = $"))).toBe(true);
    expect(plan.totalUsd).toBeCloseTo(sum, 10);
  });

  it("prices QuickSight when asked on the command line", async () => {
    const plan = JSON.parse((await runCli([...FLAGS, "--json", "--quicksight-authors", "1", "--quicksight-readers", "5"])).stdout);
    expect(plan.costs.find((line: { service: string }) => line.service === "QuickSight").monthlyUsd).toBe(39);
  });
});

describe("npm run capacity: mistakes", () => {
  it.each([
    [
      "a negative value",
      ["--events-per-second", "-5", "--record-bytes", "1200"],
      /--events-per-second must be a number greater than 0 and at most 10,000,000 \(average events per second\), got -5/,
    ],
    ["a non-numeric value", ["--events-per-second", "lots", "--record-bytes", "1200"], /--events-per-second must be a number, got "lots"/],
    ["a missing value", ["--record-bytes", "1200", "--events-per-second"], /--events-per-second needs a value/],
    ["a value replaced by the next flag", ["--events-per-second", "--record-bytes", "1200"], /--events-per-second needs a value/],
    ["an unknown flag", [...FLAGS, "--shards", "3"], /unknown flag --shards; see --help/],
    [
      "a fractional record size",
      ["--events-per-second", "5", "--record-bytes", "10.5"],
      /--record-bytes must be an integer from 1 to 1,024,000 \(bytes per event\), got 10\.5/,
    ],
    ["a unit on a count", ["--events-per-second", "5KiB", "--record-bytes", "100"], /--events-per-second must be a number, got "5KiB"/],
  ])("rejects %s with a clear error and exit code 2", async (_what, argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("says how to declare a workload when there is none and no flags give one", async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'environment "dev" declares no workload and the command line lacks --events-per-second and --record-bytes',
    );
    expect(run.stderr).toContain("environments.dev.workload = { eventsPerSecond: 100, averageRecordBytes: 1024 }");
  });

  it("names the environments when the one asked for does not exist", async () => {
    const run = await runCli([...FLAGS, "--env", "staging"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown environment "staging"; pipeline.config.ts defines: dev, prod');
  });

  it("accepts byte units on byte flags", async () => {
    const plan = JSON.parse(
      (await runCli(["--events-per-second", "1", "--record-bytes", "1KiB", "--scan-bytes-per-query", "1GiB", "--json"])).stdout,
    );
    expect(plan.workload).toMatchObject({ averageRecordBytes: 1024, athenaBytesScannedPerQuery: 1024 ** 3 });
  });
});

describe("scripts/run-cli.mjs capacity", () => {
  const runner = (args: string[]) =>
    spawnSync(process.execPath, [join(__dirname, "../../scripts/run-cli.mjs"), "capacity", ...args], {
      cwd: join(__dirname, "../.."),
      encoding: "utf8",
    });

  it("bundles the CLI, runs it with the arguments and keeps its exit code", () => {
    const ok = runner(["--events-per-second", "100", "--record-bytes", "1024", "--json"]);
    const bad = runner(["--events-per-second", "-1", "--record-bytes", "1024"]);

    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).shards.shards).toBe(1);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--events-per-second must be a number greater than 0");
  });
});

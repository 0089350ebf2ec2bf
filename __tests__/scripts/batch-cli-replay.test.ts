/**
 * `npm run batch -- replay`: the dry run against a prepared set of objects (mocked S3, no
 * StartExecution), starting a replay run (mocked Step Functions), and usage errors.
 */
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, ListObjectsV2CommandInput, S3Client } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { CliDeps, main } from "../../scripts/batch-cli";
import { parseArgs } from "../../scripts/cli/args";
import type { PipelineConfigFile } from "../../stacks/config";
import { FIREHOSE_ERROR_TYPES } from "../../contract/batch";
import {
  click,
  conversionFailedEnvelope,
  errorObject,
  partitionExceededEnvelope,
  processingFailedEnvelope,
  rawBackupObject,
} from "../support/replay-objects";

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
beforeEach(() => {
  sfn.reset();
  s3.reset();
});

const CONFIG: PipelineConfigFile = { defaults: { namePrefix: "acme", region: "eu-west-1" }, environments: { dev: {}, prod: {} } };
const BUCKET = "acme-dev-lake-20261101120000000000000001";
const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:acme-dev-batch";
const EXECUTION_ARN = "arn:aws:states:eu-west-1:123456789012:execution:acme-dev-batch:replay-20261125T1441-aaaa";
const NOW = new Date("2026-11-25T14:41:37.123Z");
const PF = "errors/processing-failed/year=2026/month=11/day=25";
const FCF = "errors/format-conversion-failed/year=2026/month=11/day=25";

async function runCli(argv: string[], overrides: Partial<CliDeps> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    client: new SFNClient({ region: "eu-west-1" }),
    s3: new S3Client({ region: "eu-west-1" }),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    isTTY: false,
    now: () => NOW,
    sleep: jest.fn().mockResolvedValue(undefined),
    random: () => 0,
    configFile: CONFIG,
    env: {},
    ...overrides,
  });
  return { code, stdout, stderr };
}

/**
 * Serves `objects` through ListObjectsV2 (by prefix, one page of at most 2 keys; with a delimiter, the
 * folders one level below the prefix as CommonPrefixes) and GetObject.
 */
function givenObjects(objects: Record<string, Buffer>): void {
  s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    const prefix = input.Prefix ?? "";
    if (input.Delimiter) {
      const folders = new Set(
        Object.keys(objects)
          .filter((key) => key.startsWith(prefix))
          .map((key) => `${prefix}${key.slice(prefix.length).split(input.Delimiter!)[0]}${input.Delimiter}`),
      );
      return { CommonPrefixes: [...folders].sort().map((Prefix) => ({ Prefix })) };
    }
    const keys = Object.keys(objects)
      .filter((key) => key.startsWith(prefix))
      .sort();
    const offset = Number(input.ContinuationToken ?? 0);
    const page = keys.slice(offset, offset + 2);
    return {
      Contents: page.map((Key) => ({ Key, Size: objects[Key]!.length })),
      NextContinuationToken: offset + 2 < keys.length ? String(offset + 2) : undefined,
    };
  });
  // The CLI reads a body with transformToByteArray, as the SDK's stream mixin offers it.
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
    Body: { transformToByteArray: async () => new Uint8Array(objects[input.Key]!) },
  }));
}

const TIMEOUT = "Lambda.FunctionTimedOut: The Lambda function invocation timed out.";

/** Error objects in the 10:00 and 11:00 hours, plus one at 12:00 (outside a 10:00–12:00 window). */
function preparedErrors(): Record<string, Buffer> {
  return {
    [`${PF}/hour=10/a`]: errorObject([
      processingFailedEnvelope(click("1")),
      processingFailedEnvelope(click("2"), {
        errorCode: "Lambda.FunctionTimedOut",
        errorMessage: "The Lambda function invocation timed out.",
      }),
    ]),
    [`${PF}/hour=10/b.gz`]: errorObject(
      [
        processingFailedEnvelope(`${click("3")}${click("4")}`, {
          errorCode: "Lambda.FunctionTimedOut",
          errorMessage: "The Lambda function invocation timed out.",
        }),
      ],
      { gzip: true },
    ),
    [`${PF}/hour=11/c`]: errorObject([
      processingFailedEnvelope("", {
        rawData: "?!",
        errorCode: "Lambda.FunctionTimedOut",
        errorMessage: "The Lambda function invocation timed out.",
      }),
    ]),
    [`${PF}/hour=12/outside`]: errorObject([processingFailedEnvelope(click("x"))]),
    [`${FCF}/hour=11/d`]: errorObject([
      conversionFailedEnvelope(click("5")),
      conversionFailedEnvelope(click("6")),
      conversionFailedEnvelope(click("7")),
    ]),
  };
}

describe("batch replay --dry-run", () => {
  it("reports objects and records by error type and by error message, and starts nothing", async () => {
    // Prepare
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: BUCKET }] });
    givenObjects(preparedErrors());
    // Act
    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T12:00:00Z",
      "--dry-run",
    ]);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(sfn.calls()).toHaveLength(0);
    expect(s3).toHaveReceivedCommandWith(ListBucketsCommand, { Prefix: "acme-dev-lake-" });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 4);
    expect(s3).not.toHaveReceivedCommandWith(GetObjectCommand, { Key: `${PF}/hour=12/outside` });
    const lines = run.stdout.split("\n");
    expect(run.stdout).toContain(
      "Replay dry run: errors (all types: processing-failed, format-conversion-failed, activePartitionExceeded) from 2026-11-25T10:00:00Z until 2026-11-25T12:00:00Z",
    );
    expect(run.stdout).toMatch(new RegExp(`bucket\\s+${BUCKET}`));
    expect(run.stdout).toMatch(
      /prefixes\s+6 hourly prefixes, errors\/processing-failed\/year=2026\/month=11\/day=25\/hour=10\/ … errors\/activePartitionExceeded\/year=2026\/month=11\/day=25\/hour=11\//,
    );
    expect(run.stdout).not.toContain("Not read by any replay");
    expect(run.stdout).toMatch(/objects\s+4\n/);
    expect(run.stdout).toMatch(/records\s+7\n/);
    expect(run.stdout).toMatch(/unreadable\s+1 /);
    expect(lines).toContainEqual(expect.stringMatching(/^\s+processing-failed\s+3\s+4\s+1$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+format-conversion-failed\s+1\s+3\s+0$/));
    const messages = lines.slice(
      lines.findIndex((l) => l.startsWith("Error messages")) + 2,
      lines.findIndex((l) => l.startsWith("Error messages")) + 5,
    );
    expect(messages).toEqual([
      expect.stringMatching(new RegExp(`^\\s+4\\s+${TIMEOUT.replace(/\./g, "\\.")}$`)),
      expect.stringMatching(/^\s+3\s+DataFormatConversion\.MalformedData: The given JSON record/),
      expect.stringMatching(/^\s+1\s+Lambda\.FunctionError: /),
    ]);
    expect(run.stdout).toContain(
      "Nothing was started. To replay these 7 records: npm run batch -- replay --from errors --since 2026-11-25T10:00:00Z --until 2026-11-25T12:00:00Z --env dev --wait",
    );
  });

  // Event-time partitions: records beyond Firehose's active-partition limit land in the error prefix as
  // activePartitionExceeded (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html).
  it("counts activePartitionExceeded objects, and names error folders no replay reads", async () => {
    // Prepare
    givenObjects({
      ...preparedErrors(),
      "errors/activePartitionExceeded/year=2026/month=11/day=25/hour=11/e.gz": errorObject(
        [partitionExceededEnvelope(`${click("8")}\n`), partitionExceededEnvelope(`${click("9")}\n`)],
        { gzip: true },
      ),
      "errors/some-future-type/year=2026/month=11/day=25/hour=11/f": errorObject([processingFailedEnvelope(click("10"))]),
    });
    // Act
    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T12:00:00Z",
      "--dry-run",
      "--bucket",
      BUCKET,
    ]);
    // Assess
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^\s+activePartitionExceeded\s+1\s+2\s+0$/));
    expect(run.stdout).toMatch(/records\s+9\n/);
    expect(run.stdout).toContain("DynamicPartitioning.ActivePartitionsLimitExceeded: Number of active partitions exceeds the limit");
    expect(run.stdout).toContain("Not read by any replay: errors/ also holds errors/some-future-type/");
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: "errors/", Delimiter: "/" });
  });

  // Firehose keeps at most 500 active partitions per stream by default; with event-time partitions each
  // distinct event hour is one (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html).
  it("with event-time partitions, counts the distinct event hours and warns above 500", async () => {
    // Prepare
    const eventTimeConfig: PipelineConfigFile = {
      defaults: { namePrefix: "acme", region: "eu-west-1", partitioning: { dayKey: "day", partitionTime: "event" } },
      environments: { dev: {} },
    };
    const hourly = (count: number) =>
      errorObject(
        Array.from({ length: count }, (_, i) =>
          partitionExceededEnvelope(`${click(`b-${i}`, 0, { event_time: new Date(Date.UTC(2026, 0, 1, i)).toISOString() })}\n`),
        ),
        { gzip: true },
      );
    const key = "errors/activePartitionExceeded/year=2026/month=11/day=25/hour=10/a.gz";
    const argv = [
      "replay",
      "--from",
      "errors",
      "--type",
      "activePartitionExceeded",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T11:00:00Z",
      "--dry-run",
      "--bucket",
      BUCKET,
    ];
    // Act
    givenObjects({ [key]: hourly(500) });
    const within = await runCli(argv, { configFile: eventTimeConfig });
    s3.reset();
    givenObjects({ [key]: hourly(501) });
    const over = await runCli(argv, { configFile: eventTimeConfig });
    const arrival = await runCli(argv);
    // Assess
    expect(within.stdout).toMatch(/event hours\s+500 distinct/);
    expect(within.stdout).not.toContain("Warning:");
    expect(over.stdout).toMatch(/event hours\s+501 distinct/);
    expect(over.stdout).toContain("Warning: 501 event hours is over Firehose's default limit of 500 active partitions");
    expect(arrival.stdout).not.toContain("event hours");
  });

  it("reads one error type with --type and a given --bucket without listing buckets", async () => {
    givenObjects(preparedErrors());

    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--type",
      "format-conversion-failed",
      "--since",
      "2026-11-25T10:00",
      "--until",
      "2026-11-25T12:00",
      "--dry-run",
      "--bucket",
      "my-lake",
    ]);

    expect(run.code).toBe(0);
    expect(s3).not.toHaveReceivedCommand(ListBucketsCommand);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: "my-lake", Prefix: `${FCF}/hour=10/` });
    expect(run.stdout).toMatch(/objects\s+1\n/);
    expect(run.stdout).toMatch(/records\s+3\n/);
    expect(run.stdout).not.toContain("processing-failed  ");
  });

  it("counts objects and records of a raw backup window, without types or messages", async () => {
    givenObjects({
      "raw/year=2026/month=11/day=25/hour=10/x.gz": rawBackupObject([click("1"), click("2"), click(undefined, 3)]),
      "raw/year=2026/month=11/day=25/hour=10/y.gz": rawBackupObject([click("4")], "\n"),
    });

    const run = await runCli([
      "replay",
      "--from",
      "backup",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T11:00:00Z",
      "--dry-run",
      "--bucket",
      BUCKET,
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Replay dry run: raw backup from");
    expect(run.stdout).toMatch(/objects\s+2\n/);
    expect(run.stdout).toMatch(/records\s+4\n/);
    expect(run.stdout).not.toContain("By error type");
    expect(run.stdout).not.toContain("Error messages");
  });

  it("says so when the window holds nothing", async () => {
    s3.on(ListObjectsV2Command).resolves({});

    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T11:00:00Z",
      "--dry-run",
      "--bucket",
      BUCKET,
    ]);

    expect(run.stdout).toContain("Nothing to replay in this window. Nothing was started.");
  });

  it("asks for --bucket when several buckets carry the lake prefix, exit 2", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: BUCKET }, { Name: `${BUCKET}9` }] });

    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T11:00:00Z",
      "--dry-run",
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("2 buckets are named acme-dev-lake-…");
    expect(run.stderr).toContain("pass --bucket");
  });

  it("explains an S3 access denial with the permissions a dry run needs, exit 2", async () => {
    s3.on(ListBucketsCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: s3:ListAllMyBuckets"), { name: "AccessDenied", $metadata: {} }),
    );

    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T11:00:00Z",
      "--dry-run",
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("s3:ListAllMyBuckets, s3:ListBucket, s3:GetObject");
  });
});

describe("batch replay", () => {
  it("starts the workflow with the replay input and a replay- execution name, without reading S3", async () => {
    // Prepare
    sfn
      .on(ListStateMachinesCommand)
      .resolves({ stateMachines: [{ name: "acme-dev-batch", stateMachineArn: STATE_MACHINE_ARN, type: "STANDARD", creationDate: NOW }] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
    // Act
    const run = await runCli([
      "replay",
      "--from",
      "errors",
      "--type",
      "processing-failed",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T12:00:00+01:00",
    ]);
    // Assess
    expect(run.code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.name).toBe("replay-20261125T1441-aaaa");
    expect(JSON.parse(start.input!)).toEqual({
      scheduledTime: "2026-11-25T14:41:00Z",
      force: false,
      replay: { from: "errors", errorType: "processing-failed", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" },
    });
    expect(s3.calls()).toHaveLength(0);
    expect(run.stdout).toContain("replay of errors (processing-failed) from 2026-11-25T10:00:00Z until 2026-11-25T11:00:00Z");
  });

  it("follows the run with --wait and prints how to confirm it on the deduplicated view", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 1, type: "ExecutionSucceeded", timestamp: NOW, previousEventId: 0 }] });
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION_ARN,
      stateMachineArn: STATE_MACHINE_ARN,
      status: "SUCCEEDED",
      startDate: NOW,
      output: JSON.stringify({ batchId: "20261125T1441Z-replay", pushed: 7, found: 7, rejected: 1 }),
    });

    const run = await runCli([
      "replay",
      "--from",
      "backup",
      "--since",
      "2026-11-25T10:00:00Z",
      "--until",
      "2026-11-25T11:00:00Z",
      "--wait",
      "--state-machine-arn",
      STATE_MACHINE_ARN,
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/batch id\s+20261125T1441Z-replay/);
    expect(run.stdout).toContain(`SELECT count(*) AS "records" FROM "acme_dev"."events_latest" WHERE "batch_id" = '20261125T1441Z-replay'`);
  });
});

describe("batch replay: usage", () => {
  it.each([
    [["replay", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z"], "replay needs --from errors or --from backup"],
    [
      ["replay", "--from", "landing", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z"],
      '--from must be errors or backup, got "landing"',
    ],
    [
      ["replay", "--from", "backup", "--type", "processing-failed", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z"],
      "--type applies to --from errors only",
    ],
    [
      ["replay", "--from", "errors", "--type", "delivery-failed", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z"],
      "--type must be processing-failed or format-conversion-failed",
    ],
    [["replay", "--from", "errors", "--until", "2026-11-25T11:00:00Z"], "replay needs --since <time>"],
    [
      ["replay", "--from", "errors", "--since", "yesterday", "--until", "2026-11-25T11:00:00Z"],
      '--since must be an ISO-8601 time such as 2025-01-31T02:00:00Z, got "yesterday"',
    ],
    [
      ["replay", "--from", "errors", "--since", "2026-11-25T11:00:00Z", "--until", "2026-11-25T10:00:00Z"],
      "--since (2026-11-25T11:00:00Z) must be before --until (2026-11-25T10:00:00Z)",
    ],
    [["replay", "--from", "errors", "--since", "2026-11-01T00:00:00Z", "--until", "2026-11-25T00:00:00Z"], "at most 168 (7 days)"],
    [
      ["replay", "--from", "errors", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z", "--dry-run", "--wait"],
      "--dry-run starts nothing",
    ],
    [
      ["replay", "--from", "errors", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z", "--bucket", "my-lake"],
      "--bucket is only used by --dry-run",
    ],
    [
      [
        "replay",
        "--from",
        "errors",
        "--since",
        "2026-11-25T10:00:00Z",
        "--until",
        "2026-11-25T11:00:00Z",
        "--dry-run",
        "--bucket",
        "My_Lake",
      ],
      "--bucket must be an S3 bucket name",
    ],
    [
      ["replay", "--from", "errors", "--since", "2026-11-25T10:00:00Z", "--until", "2026-11-25T11:00:00Z", "--force"],
      "unknown flag --force for replay",
    ],
  ])("exits 2 with the usage for %j", async (argv, message) => {
    const run = await runCli(argv);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Usage: npm run batch -- <command> [options]");
    expect(sfn.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it("names every error type a replay reads in the help", async () => {
    const help = (await runCli(["--help"])).stdout;
    for (const type of FIREHOSE_ERROR_TYPES) expect(help).toContain(type);
    expect(
      parseArgs([
        "replay",
        "--from",
        "errors",
        "--type",
        "activePartitionExceeded",
        "--since",
        "2026-11-25T10:00:00Z",
        "--until",
        "2026-11-25T11:00:00Z",
      ]),
    ).toMatchObject({
      replay: { from: "errors", errorType: "activePartitionExceeded" },
    });
  });

  it("lists replay in the help and in the unknown-command message", async () => {
    expect((await runCli(["--help"])).stdout).toContain(
      "replay                    Re-ingest Firehose error objects or a raw backup window",
    );
    expect((await runCli(["stop"])).stderr).toContain('unknown command "stop"; expected start, status, list or replay');
  });

  it("parses --flag=value forms", () => {
    expect(parseArgs(["replay", "--from=backup", "--since=2026-11-25T10:00:00Z", "--until=2026-11-25T11:00:00Z", "--env=prod"])).toEqual({
      kind: "replay",
      replay: { from: "backup", since: "2026-11-25T10:00:00Z", until: "2026-11-25T11:00:00Z" },
      env: "prod",
      wait: false,
      dryRun: false,
      bucket: undefined,
      stateMachineArn: undefined,
    });
  });
});

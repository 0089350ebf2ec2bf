/**
 * The fault rehearsal (rehearsal/faults/): each fault alone, asserting whether the batch workflow
 * absorbs it (SUCCEEDED, nothing lost) or ends in a loud failure (FAILED through NotifyFailure, nothing
 * lost, errors/ replayable), then a small batch with every fault on. kinesalite behind the shard-limit
 * proxy, s3rver behind the S3 fault proxy, one set of servers for the file.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipelineConfig } from "../../pipeline.config";
import { loadConfig, type PipelineConfigFile } from "../../stacks/config";
import { listFiles } from "../../rehearsal/lake-folder";
import { FAULT_NAMES, FAULTS, parseFaultRate, parseFaults, type FaultName } from "../../rehearsal/faults/catalog";
import { startLocalServers, type LocalServers } from "../../rehearsal/local-servers";
import type { RehearsalReport } from "../../rehearsal/report";
import { rehearse } from "../../rehearsal/rehearse";

/** Small chunks and a small processor buffer: several transform invocations, so a failed one routes only part of the batch. */
const CONFIG_FILE: PipelineConfigFile = {
  ...pipelineConfig,
  environments: {
    ...pipelineConfig.environments,
    dev: {
      ...pipelineConfig.environments.dev,
      batch: { recordsPerChunk: 3000 },
      delivery: { processorBufferSizeMB: 0.2 },
    },
  },
};

/**
 * Which faults the batch run absorbs and which end it loudly. Firehose routes a transform invocation
 * that fails 1 + NumberOfRetries times to processing-failed
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html), so the
 * batch's validation comes up short. A FAILED Athena query is re-submitted under a new token
 * (https://docs.aws.amazon.com/athena/latest/APIReference/API_AthenaError.html, Retryable). Everything else is
 * retried, deduplicated or left for the next batch.
 */
const EXPECTED: Readonly<Record<FaultName, "absorbed" | "loud-failure">> = {
  "kinesis-throttle": "absorbed",
  "s3-errors": "absorbed",
  "transform-error": "loud-failure",
  "transform-timeout": "loud-failure",
  "duplicate-delivery": "absorbed",
  "crawler-running": "absorbed",
  "athena-query-fails": "absorbed",
  "landing-replaced": "absorbed",
};

describe("fault options", () => {
  it("parses all, a list, and refuses unknown names and rates out of range with the allowed values", () => {
    expect(parseFaults("all")).toEqual([...FAULT_NAMES]);
    expect(parseFaults("s3-errors, kinesis-throttle")).toEqual(["s3-errors", "kinesis-throttle"]);
    expect(parseFaults("s3-errors,disk-full")).toEqual({ error: expect.stringContaining('got "s3-errors,disk-full"') });
    expect(parseFaults("")).toEqual({ error: expect.stringContaining("kinesis-throttle, s3-errors") });
    expect(parseFaultRate("0.1")).toBe(0.1);
    expect(parseFaultRate("0")).toEqual({ error: "--fault-rate must be a number above 0 and at most 0.5, got 0" });
    expect(parseFaultRate("0.6")).toEqual({ error: "--fault-rate must be a number above 0 and at most 0.5, got 0.6" });
  });
});

describe("fault rehearsal", () => {
  let work: string;
  let servers: LocalServers;
  let output = "";
  const quiet = { write: (text: string) => (output += text) };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fault-rehearsal-"));
    servers = await startLocalServers({ engine: "kinesalite", workDir: work, region: "eu-west-1" });
  });

  afterAll(async () => {
    await servers?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const run = (faults: readonly FaultName[], records: number, name: string) =>
    rehearse({ servers, configFile: CONFIG_FILE, records, faults, faultRate: 0.1, outDir: join(work, name), output: quiet });

  /** Nothing lost: every landing record delivered, failed under errors/ or rejected with its line number, and every valid one delivered in the end. */
  function expectNothingLost(report: RehearsalReport): void {
    const faults = report.faults!;
    const { invariant } = faults;
    expect(invariant.lost).toBe(0);
    expect(invariant.delivered + invariant.failed + invariant.rejectedWithLine).toBe(report.counts.recordsInFiles);
    const deliveredInTheEnd = faults.replay?.deliveredAfter ?? invariant.delivered;
    expect(deliveredInTheEnd).toBe(invariant.staged);
    expect(faults.deduplicated.rows).toBe(invariant.staged);
    expect(faults.deduplicated.distinctIds).toBe(invariant.staged);
  }

  it.each(FAULT_NAMES)("%s alone: the run ends as its expected outcome says, and nothing is lost", async (fault) => {
    expect(FAULTS[fault].outcome).toBe(EXPECTED[fault]);
    const report = await run([fault], 400, fault);
    const faults = report.faults!;
    const line = faults.faults.find((f) => f.name === fault)!;
    expect(line.injected).toBeGreaterThan(0);
    expect(line.ok).toBe(true);
    if (EXPECTED[fault] === "absorbed") {
      expect(report.workflow.status).toBe("SUCCEEDED");
      expect(faults.run.notifications).toBe(0);
    } else {
      expect(report.workflow.status).toBe("FAILED");
      expect(FAULTS[fault].failsWith).toContain(report.workflow.error);
      expect(faults.run.notifications).toBe(1);
      expect(report.workflow.path).toContain("NotifyFailure");
    }
    expectNothingLost(report);
    expect(faults.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("a replaced landing file stays in landing/: finalize's conditional copy is refused (412)", async () => {
    const report = await run(["landing-replaced"], 300, "replaced-again");
    expect(report.workflow.path).toContain("FinalizeBatch");
    expect(report.faults!.s3.preconditionFailed).toBe(1);
    expect(report.faults!.faults.find((f) => f.name === "landing-replaced")!.pipeline).toContain("412 PreconditionFailed");
  });

  describe("every fault on, 2,500 records", () => {
    let report: RehearsalReport;

    beforeAll(async () => {
      output = "";
      report = await run(FAULT_NAMES, 2_500, "all");
    });

    it("injects every fault that the run reaches, handles each as expected, and loses nothing", () => {
      const faults = report.faults!;
      for (const line of faults.faults) {
        expect(line).toMatchObject({ on: true, ok: true });
        if (!line.pipeline.startsWith("not reached")) expect(line.injected).toBeGreaterThan(0);
      }
      expect(faults.faults.filter((f) => f.injected > 0).map((f) => f.name)).toEqual(
        expect.arrayContaining([
          "kinesis-throttle",
          "s3-errors",
          "transform-error",
          "transform-timeout",
          "duplicate-delivery",
          "landing-replaced",
        ]),
      );
      expect(faults.run).toMatchObject({ status: "FAILED", notifications: 1, ok: true });
      expectNothingLost(report);
      expect(faults.replay).toMatchObject({ status: "SUCCEEDED" });
      expect(faults.ok).toBe(true);
      expect(report.ok).toBe(true);
    });

    it("routes a failed transform invocation's records to processing-failed with Firehose's envelope, after 1 + NumberOfRetries attempts", () => {
      const faults = report.faults!;
      expect(report.counts.failed.processingFailed).toBeGreaterThan(0);
      expect(report.counts.failed.processingFailed).toBe(faults.invariant.failed);
      expect(report.processingFailedReasons.map((r) => r.reason).join("\n")).toMatch(/Lambda\.(FunctionError|FunctionTimedOut)/);
      // The envelope of the guide's "processing-failed" folder; the replay moved the objects under processed/.
      const files = listFiles(report.folders.lake).filter((file) => file.includes("/errors/processing-failed/"));
      expect(files.length).toBeGreaterThan(0);
      const envelope = JSON.parse(readFileSync(files[0], "utf8").split("\n")[0]) as Record<string, unknown>;
      expect(Object.keys(envelope).sort()).toEqual(
        ["attemptEndingTimestamp", "attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "lambdaArn", "rawData"].sort(),
      );
      expect(envelope.attemptsMade).toBe(loadConfig(CONFIG_FILE, "dev").delivery.processorRetries + 1);
      expect(envelope.errorCode).toMatch(/^Lambda\.(FunctionError|FunctionTimedOut)$/);
      expect(JSON.parse(Buffer.from(String(envelope.rawData), "base64").toString("utf8"))).toHaveProperty("event_id");
    });

    it("pushes through the shard-limit proxy and reports the rate per shard against 1,000 records/s", () => {
      const { push } = report.faults!;
      expect(push.limitPerShard).toBe(1_000);
      expect(push.throttledCalls).toBeGreaterThan(0);
      expect(Object.keys(push.perShard).length).toBe(push.shards);
      expect(report.counts.pushed).toBe(report.faults!.invariant.staged);
      expect(output).toContain("nothing lost; every fault handled as expected");
    });
  });
});

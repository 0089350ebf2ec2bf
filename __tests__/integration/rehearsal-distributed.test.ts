/**
 * The rehearsal running the batch workflow with a Distributed Map through the local stand-in
 * (rehearsal/distributed-map.ts): the definition is today's reshaped into the shared design's flow
 * (__tests__/support/distributed-batch.ts), the handlers are the real ones, the servers s3rver and
 * kinesalite.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listFiles } from "../../rehearsal/lake-folder";
import { startLocalServers, type LocalServers } from "../../rehearsal/local-servers";
import type { RehearsalReport } from "../../rehearsal/report";
import { rehearse } from "../../rehearsal/rehearse";
import { distributedBatchDefinition } from "../support/distributed-batch";

const quiet = { write: () => true };

describe("rehearsal with a Distributed Map (local stand-in)", () => {
  let work: string;
  let servers: LocalServers;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "rehearsal-dmap-"));
    servers = await startLocalServers({ engine: "kinesalite", workDir: work, region: "eu-west-1" });
  });

  afterAll(async () => {
    await servers?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const adapt = (bucket: () => string) => (definition: Parameters<typeof distributedBatchDefinition>[0]) =>
    distributedBatchDefinition(definition, bucket());

  it("runs the batch through PlanBatch, one child per range and SummarizeBatch, and every count adds up", async () => {
    const report: RehearsalReport = await rehearse({
      servers,
      records: 3000,
      outDir: join(work, "good"),
      output: quiet,
      adaptDefinition: adapt(() => "lake"),
    });

    expect(report.workflow.path).toEqual(
      expect.arrayContaining(["PlanBatch", "ExtractAndPush", "SummarizeBatch", "FinalizeBatch", "BatchLoaded"]),
    );
    expect(report.workflow.path).not.toContain("ExtractBatch");
    expect(report.counts.problems).toEqual([]);
    expect(report.validation).toEqual(expect.objectContaining({ passed: true, expected: report.validation.found }));
    expect(report.ok).toBe(true);
    const results = listFiles(join(report.folders.lake, "staging", report.batchId!, "map-results"));
    expect(results.map((file) => file.split("/").pop()).sort()).toEqual(["SUCCEEDED_0.json", "manifest.json"]);
  });

  it("fails and notifies when every record of the batch is rejected", async () => {
    const input = join(work, "bad-input");
    mkdirSync(input, { recursive: true });
    writeFileSync(join(input, "bad.ndjson"), "{not json\n[1, 2]\n");
    const report = await rehearse({
      servers,
      input,
      outDir: join(work, "bad"),
      output: quiet,
      scheduledTime: "2026-11-25T03:00:00Z",
      adaptDefinition: adapt(() => "lake"),
    });

    expect(report.workflow.status).toBe("FAILED");
    expect(report.workflow.path).toEqual(expect.arrayContaining(["SummarizeBatch", "NotifyFailure", "BatchFailed"]));
    expect(report.workflow.path).not.toContain("BatchSkipped");
    expect(JSON.stringify(report.workflow)).toContain("AllRecordsRejected");
  });
});

/**
 * FinalizeBatch's logic on hand-made manifests: the manifest checks, each reason a file stays where it
 * is, the move concurrency, the run marker it writes (previous claim, forced flag, not-moved list and
 * its cap) and what it logs for the operator.
 */
import type { BatchManifest, ManifestFile, ReplayedObject, RunMarker } from "../../handlers/shared/batch-records";
import {
  finalizeBatch,
  MAX_COPY_BYTES,
  MAX_LISTED_NOT_MOVED,
  MOVE_CONCURRENCY,
  type FinalizeDeps,
  type FinalizeStore,
} from "../../handlers/finalize/logic";
import type { FinalizeInput } from "../../contract/batch";
import { MemoryStore } from "../support/memory-store";

const BATCH_ID = "20261125T0200Z";
const EXECUTION_ID = "arn:aws:states:eu-west-1:123456789012:execution:batch:run-1";
const MANIFEST_KEY = `staging/${BATCH_ID}/manifest.json`;
const MARKER_KEY = `_runs/${BATCH_ID}.json`;
const INPUT: FinalizeInput = { batchId: BATCH_ID, manifestKey: MANIFEST_KEY, executionId: EXECUTION_ID };

function deps(store: FinalizeStore) {
  const log = { info: jest.fn(), warn: jest.fn() };
  return { store, now: () => new Date("2026-11-25T02:30:00Z"), log } satisfies FinalizeDeps;
}

/** A store holding `landing` files and a manifest listing `files` (by default, every landing file as stored). */
function seeded(landing: Record<string, string>, manifest: Partial<BatchManifest> = {}, files?: ManifestFile[]): MemoryStore {
  const store = new MemoryStore();
  for (const [key, body] of Object.entries(landing)) store.seed(key, body);
  const listed = files ?? Object.keys(landing).map((key) => ({ key, etag: store.etag(key)!, size: landing[key].length }));
  const full: BatchManifest = {
    batchId: BATCH_ID,
    executionId: EXECUTION_ID,
    scheduledTime: "2026-11-25T02:00:00Z",
    extractedAt: "2026-11-25T02:03:00.000Z",
    files: listed,
    chunkKeys: [],
    rejectedKeys: [],
    counts: {
      files: listed.length,
      records: 1,
      rejected: 0,
      rejectedLines: 0,
      rejectedFiles: 0,
      duplicateEventIds: 0,
    } as BatchManifest["counts"],
    ...manifest,
  };
  return store.seed(MANIFEST_KEY, JSON.stringify(full));
}

const landingFiles = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`landing/f${i}.ndjson`, `{"i":${i}}\n`]));

describe("finalizeBatch: the manifest", () => {
  it("fails when the manifest does not exist, naming it and the batch", async () => {
    await expect(finalizeBatch(INPUT, deps(new MemoryStore()))).rejects.toThrow(
      `manifest ${MANIFEST_KEY} of batch ${BATCH_ID} does not exist`,
    );
  });

  it("fails when the manifest is not JSON, naming it", async () => {
    const store = new MemoryStore().seed(MANIFEST_KEY, "{not json");

    await expect(finalizeBatch(INPUT, deps(store))).rejects.toThrow(new RegExp(`^manifest ${MANIFEST_KEY} is not valid JSON: .+`));
  });

  it("fails when the manifest's replayed field is not a list, before moving anything", async () => {
    const store = seeded(landingFiles(1), { replayed: "errors/x" as unknown as ReplayedObject[] });

    await expect(finalizeBatch(INPUT, deps(store))).rejects.toThrow(`manifest ${MANIFEST_KEY} has a replayed field that is not a list`);
    expect(store.writes).toEqual([]);
  });

  it("refuses a replayed object to move from outside errors/ before moving anything", async () => {
    const replayed = [{ key: "raw/2026/11/25/01/obj", etag: '"e"', size: 1, move: true, records: 1, rejected: 0 }];
    const store = seeded(landingFiles(1), { replayed });

    await expect(finalizeBatch(INPUT, deps(store))).rejects.toThrow(/replayed key "raw\/2026\/11\/25\/01\/obj" is not under errors\//);
    expect(store.writes).toEqual([]);
  });
});

describe("finalizeBatch: files that stay where they are", () => {
  // CopyObject copies at most 5 GB in one request: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
  it("moves a file of exactly 5 GiB and leaves one a byte larger in landing/, naming its size, the limit and the destination", async () => {
    // Prepare
    const store = seeded({ "landing/a.ndjson": "{}\n", "landing/b.ndjson": "{}\n" });
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    const [a, b] = manifest.files;
    store.seed(
      MANIFEST_KEY,
      JSON.stringify({
        ...manifest,
        files: [
          { ...a, size: MAX_COPY_BYTES },
          { ...b, size: MAX_COPY_BYTES + 1 },
        ],
      }),
    );
    // Act
    const output = await finalizeBatch(INPUT, deps(store));
    // Assess
    expect(output).toEqual({ moved: 1 });
    expect(store.keys("landing/")).toEqual(["landing/b.ndjson"]);
    expect(store.json<RunMarker>(MARKER_KEY).notMoved).toEqual([
      {
        key: "landing/b.ndjson",
        reason: `${MAX_COPY_BYTES + 1} bytes is over CopyObject's 5368709120-byte limit; move it by hand to processed/${BATCH_ID}/b.ndjson`,
      },
    ]);
  });

  it("reports a file gone from landing/ and not at its destination", async () => {
    // Prepare
    const store = seeded({}, {}, [{ key: "landing/lost.ndjson", etag: '"e"', size: 3 }]);
    // Act
    const output = await finalizeBatch(INPUT, deps(store));
    // Assess
    expect(output).toEqual({ moved: 0 });
    expect(store.json<RunMarker>(MARKER_KEY).notMoved).toEqual([
      { key: "landing/lost.ndjson", reason: `gone from landing/ and not at processed/${BATCH_ID}/lost.ndjson` },
    ]);
  });

  it("reports a file that vanished between the listing and the copy and is not at its destination", async () => {
    // Prepare: the listing still sees the file, the copy no longer finds it
    const store = seeded(landingFiles(1));
    jest.spyOn(store, "copy").mockResolvedValue("source-missing");
    // Act
    const output = await finalizeBatch(INPUT, deps(store));
    // Assess
    expect(output).toEqual({ moved: 0 });
    expect(store.json<RunMarker>(MARKER_KEY).notMoved).toEqual([
      { key: "landing/f0.ndjson", reason: `gone from landing/ and not at processed/${BATCH_ID}/f0.ndjson` },
    ]);
  });

  it("says a changed file is left for the next batch", async () => {
    // Prepare
    const store = seeded(landingFiles(1));
    const etag = store.etag("landing/f0.ndjson");
    store.seed("landing/f0.ndjson", "changed\n");
    // Act
    await finalizeBatch(INPUT, deps(store));
    // Assess
    expect(store.json<RunMarker>(MARKER_KEY).notMoved).toEqual([
      { key: "landing/f0.ndjson", reason: `changed since extraction (ETag is no longer ${etag}); left for the next batch` },
    ]);
  });

  it(`lists at most ${MAX_LISTED_NOT_MOVED} files not moved in the run marker, and counts them all`, async () => {
    // Prepare
    const gone = Array.from({ length: MAX_LISTED_NOT_MOVED + 1 }, (_, i) => ({ key: `landing/gone-${i}`, etag: '"e"', size: 1 }));
    const store = seeded({}, {}, gone);
    // Act
    await finalizeBatch(INPUT, deps(store));
    // Assess
    const marker = store.json<RunMarker>(MARKER_KEY);
    expect(marker.counts).toMatchObject({ moved: 0, notMoved: MAX_LISTED_NOT_MOVED + 1 });
    expect(marker.notMoved).toHaveLength(MAX_LISTED_NOT_MOVED);
  });

  it("has no not-moved list in the run marker, and warns of nothing, when every file moved", async () => {
    // Prepare
    const store = seeded(landingFiles(2));
    const d = deps(store);
    // Act
    await finalizeBatch(INPUT, d);
    // Assess
    expect(store.json<RunMarker>(MARKER_KEY)).not.toHaveProperty("notMoved");
    expect(d.log.warn).not.toHaveBeenCalled();
  });

  it("warns with the batch id and every file not moved", async () => {
    // Prepare
    const store = seeded({}, {}, [{ key: "landing/lost.ndjson", etag: '"e"', size: 3 }]);
    const d = deps(store);
    // Act
    await finalizeBatch(INPUT, d);
    // Assess
    expect(d.log.warn).toHaveBeenCalledWith("objects not moved to processed/", {
      batchId: BATCH_ID,
      notMoved: [{ key: "landing/lost.ndjson", reason: expect.stringMatching(/^gone from landing\//) }],
    });
  });
});

describe("finalizeBatch: moves", () => {
  it(`runs at most ${MOVE_CONCURRENCY} copies at once, and uses that many`, async () => {
    // Prepare
    const store = seeded(landingFiles(MOVE_CONCURRENCY * 3));
    const copy = store.copy.bind(store);
    let inFlight = 0;
    let most = 0;
    jest.spyOn(store, "copy").mockImplementation(async (...args) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return copy(...args);
    });
    // Act
    const output = await finalizeBatch(INPUT, deps(store));
    // Assess
    expect(output).toEqual({ moved: MOVE_CONCURRENCY * 3 });
    expect(most).toBe(MOVE_CONCURRENCY);
  });

  it("warns how many moves failed, with the batch id, and rethrows the first failure", async () => {
    // Prepare
    const store = seeded(landingFiles(3));
    store.failOnce("delete", "landing/f1.ndjson");
    const d = deps(store);
    // Act
    const run = finalizeBatch(INPUT, d);
    // Assess
    await expect(run).rejects.toThrow("simulated delete failure on landing/f1.ndjson");
    expect(d.log.warn).toHaveBeenCalledWith(expect.stringMatching(/re-running FinalizeBatch completes them/), {
      batchId: BATCH_ID,
      failed: 1,
    });
  });

  it("counts only replayed objects in replayedObjectsMoved", async () => {
    // Prepare: one landing file gone, one replayed errors/ object moved
    const store = seeded({}, {}, [{ key: "landing/lost.ndjson", etag: '"e"', size: 3 }]);
    const errorKey = "errors/processing-failed/2026/11/25/01/obj";
    store.seed(errorKey, "{}\n");
    const manifest = store.json<BatchManifest>(MANIFEST_KEY);
    const replayed = [{ key: errorKey, etag: store.etag(errorKey)!, size: 3, move: true, records: 1, rejected: 0 }];
    store.seed(MANIFEST_KEY, JSON.stringify({ ...manifest, replayed }));
    // Act
    const output = await finalizeBatch(INPUT, deps(store));
    // Assess
    expect(output).toEqual({ moved: 1, replayedObjectsMoved: 1 });
  });
});

describe("finalizeBatch: the run marker", () => {
  it("keeps the claim time and the forced flag of the marker this execution wrote", async () => {
    // Prepare
    const store = seeded(landingFiles(1));
    store.seed(
      MARKER_KEY,
      JSON.stringify({
        batchId: BATCH_ID,
        status: "running",
        executionId: EXECUTION_ID,
        claimedAt: "2026-11-25T02:01:00.000Z",
        forced: true,
      }),
    );
    const d = deps(store);
    // Act
    await finalizeBatch(INPUT, d);
    // Assess
    expect(store.json<RunMarker>(MARKER_KEY)).toMatchObject({ status: "succeeded", claimedAt: "2026-11-25T02:01:00.000Z", forced: true });
    expect(d.log.warn).not.toHaveBeenCalled();
  });

  it("warns, naming both executions, when the marker names another execution, and finalizes anyway", async () => {
    // Prepare
    const store = seeded(landingFiles(1));
    const other = `${EXECUTION_ID}-earlier`;
    store.seed(
      MARKER_KEY,
      JSON.stringify({ batchId: BATCH_ID, status: "running", executionId: other, claimedAt: "2026-11-25T02:01:00.000Z" }),
    );
    const d = deps(store);
    // Act
    await finalizeBatch(INPUT, d);
    // Assess
    expect(d.log.warn).toHaveBeenCalledWith(expect.stringMatching(/another execution/), {
      batchId: BATCH_ID,
      markerExecutionId: other,
      executionId: EXECUTION_ID,
    });
    expect(store.json<RunMarker>(MARKER_KEY)).toMatchObject({ status: "succeeded", executionId: EXECUTION_ID });
    expect(store.json<RunMarker>(MARKER_KEY)).not.toHaveProperty("forced");
  });

  it("warns with the batch id and the error when it cannot read the marker", async () => {
    // Prepare
    const store = seeded(landingFiles(1));
    store.failOnce("get", MARKER_KEY, new Error("Access Denied"));
    const d = deps(store);
    // Act
    await finalizeBatch(INPUT, d);
    // Assess
    expect(d.log.warn).toHaveBeenCalledWith(expect.stringMatching(/cannot read the run marker/), {
      batchId: BATCH_ID,
      error: "Error: Access Denied",
    });
  });

  it("writes the marker as application/json and logs the counts", async () => {
    // Prepare
    const store = seeded(landingFiles(2));
    const put = jest.spyOn(store, "put");
    const d = deps(store);
    // Act
    await finalizeBatch(INPUT, d);
    // Assess
    expect(put).toHaveBeenCalledWith(MARKER_KEY, expect.any(String), "application/json");
    expect(d.log.info).toHaveBeenCalledWith("batch finalized", { batchId: BATCH_ID, moved: 2, notMoved: 0 });
  });
});

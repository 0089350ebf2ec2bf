import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { join } from "node:path";
import { extractBatch } from "../../handlers/extract/extract-batch";
import type { BatchManifest, RunMarker } from "../../handlers/shared/batch-records";
import { finalizeHandler } from "../../handlers/finalize";
import { finalizeBatch, processedKey, type FinalizeDeps } from "../../handlers/finalize/logic";
import { type FinalizeInput } from "../../contract/batch";
import { MemoryStore } from "../support/memory-store";
import { testBatchSettings } from "../support/schema";

const FIXTURES = join(__dirname, "..", "fixtures", "landing");
const BATCH_ID = "20261125T0200Z";
const EXECUTION_ID = "arn:aws:states:eu-west-1:123456789012:execution:batch:run-1";
const MARKER_KEY = `_runs/${BATCH_ID}.json`;
const FIXTURE_KEYS = ["clicks.ndjson", "empty.jsonl", "export.csv", "mobile.ndjson.gz", "notes.xml", "orders.json"].map(
  (name) => `landing/${name}`,
);

const SETTINGS = testBatchSettings();

function deps(store: MemoryStore): FinalizeDeps {
  return { store, now: () => new Date("2026-11-25T02:30:00Z"), log: { info: jest.fn(), warn: jest.fn() } };
}

/** A store after ExtractBatch staged every fixture, and the finalize input it leads to. */
async function extractedStore(): Promise<{ store: MemoryStore; input: FinalizeInput }> {
  const store = new MemoryStore().seedDirectory(FIXTURES, "landing/");
  const output = await extractBatch({ scheduledTime: "2026-11-25T02:00:00Z", executionId: EXECUTION_ID }, SETTINGS, {
    store,
    now: () => new Date("2026-11-25T02:03:00Z"),
    log: { info: jest.fn(), warn: jest.fn() },
  });
  return { store, input: { batchId: output.batchId, manifestKey: output.manifestKey, executionId: EXECUTION_ID } };
}

describe("finalizeBatch", () => {
  it("moves exactly the manifest's landing files to processed/<batchId>/", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    store.seed("landing/late.ndjson", "{}");
    // Act
    const output = await finalizeBatch(input, deps(store));
    // Assess
    expect(output).toEqual({ moved: 6 });
    expect(store.keys("landing/")).toEqual(["landing/late.ndjson"]);
    expect(store.keys("processed/")).toEqual(FIXTURE_KEYS.map((key) => processedKey(BATCH_ID, key)));
  });

  it("keeps each moved file's content", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    const original = store.text("landing/export.csv");
    // Act
    await finalizeBatch(input, deps(store));
    // Assess
    expect(store.text(`processed/${BATCH_ID}/export.csv`)).toBe(original);
  });

  it("marks the run succeeded with the batch counts and the finish time", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    // Act
    await finalizeBatch(input, deps(store));
    // Assess
    expect(store.json<RunMarker>(MARKER_KEY)).toMatchObject({
      status: "succeeded",
      executionId: EXECUTION_ID,
      claimedAt: "2026-11-25T02:03:00.000Z",
      finishedAt: "2026-11-25T02:30:00.000Z",
      counts: { files: 6, records: 11, rejected: 7, moved: 6, notMoved: 0 },
    });
  });

  it("completes the move when re-run after failing part-way", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    store.failOnce("delete", "landing/export.csv");
    await expect(finalizeBatch(input, deps(store))).rejects.toThrow(/simulated delete failure/);
    // Act
    const output = await finalizeBatch(input, deps(store));
    // Assess
    expect(output).toEqual({ moved: 6 });
    expect(store.keys("landing/")).toEqual([]);
    expect(store.json<RunMarker>(MARKER_KEY).status).toBe("succeeded");
  });

  it("counts a file already at its destination as moved", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    await finalizeBatch(input, deps(store));
    const writes = store.writes.length;
    // Act
    const output = await finalizeBatch(input, deps(store));
    // Assess
    expect(output).toEqual({ moved: 6 });
    expect(store.writes.slice(writes)).toEqual([{ op: "put", key: MARKER_KEY }]);
  });

  it("leaves a file changed since extraction in landing/ and records why", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    store.seed("landing/clicks.ndjson", "{}\n");
    // Act
    const output = await finalizeBatch(input, deps(store));
    // Assess
    expect(output).toEqual({ moved: 5 });
    expect(store.text("landing/clicks.ndjson")).toBe("{}\n");
    expect(store.json<RunMarker>(MARKER_KEY).notMoved).toEqual([
      { key: "landing/clicks.ndjson", reason: expect.stringMatching(/^changed since extraction/) },
    ]);
  });

  it("finalizes a batch whose run marker it cannot read", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    store.failOnce("get", MARKER_KEY, Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    // Act
    const output = await finalizeBatch(input, deps(store));
    // Assess
    expect(output).toEqual({ moved: 6 });
    expect(store.json<RunMarker>(MARKER_KEY)).toMatchObject({
      status: "succeeded",
      claimedAt: "2026-11-25T02:03:00.000Z",
    });
  });

  it("refuses a manifest of another batch", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    // Act
    const run = finalizeBatch({ ...input, batchId: "20261126T0200Z" }, deps(store));
    // Assess
    await expect(run).rejects.toThrow(/is not the manifest of batch 20261126T0200Z/);
  });

  it("refuses to move a manifest key outside landing/", async () => {
    // Prepare
    const { store, input } = await extractedStore();
    const manifest = store.json<BatchManifest>(input.manifestKey);
    store.seed(input.manifestKey, JSON.stringify({ ...manifest, files: [{ key: "data/part-0.parquet", etag: '"x"', size: 1 }] }));
    // Act
    const run = finalizeBatch(input, deps(store));
    // Assess
    await expect(run).rejects.toThrow(/is not under landing\/; refusing to move it/);
  });
});

describe("finalize handler (S3 adapter)", () => {
  const s3 = mockClient(S3Client);
  const ORIGINAL_ENV = process.env;
  const handler = finalizeHandler({
    s3: new S3Client({}),
    now: () => new Date("2026-11-25T02:30:00Z"),
    log: { info: jest.fn(), warn: jest.fn() },
  });
  const manifest = {
    batchId: BATCH_ID,
    files: [{ key: "landing/a b+c.ndjson", etag: '"e1"', size: 10 }],
    counts: { files: 1 },
  };
  const json = (value: unknown) => ({
    Body: { transformToByteArray: async () => Buffer.from(JSON.stringify(value)) } as never,
  });
  const input = { batchId: BATCH_ID, manifestKey: `staging/${BATCH_ID}/manifest.json`, executionId: EXECUTION_ID };

  beforeEach(() => {
    s3.reset();
    process.env = { ...ORIGINAL_ENV, LAKE_BUCKET: "lake" };
    s3.on(GetObjectCommand, { Key: input.manifestKey }).resolves(json(manifest));
    s3.on(GetObjectCommand, { Key: MARKER_KEY }).resolves(
      json({ status: "running", executionId: EXECUTION_ID, claimedAt: "2026-11-25T02:03:00.000Z" }),
    );
    // Every listed key is there unless a test says otherwise.
    s3.on(ListObjectsV2Command).callsFake((command: { Prefix: string }) => ({ Contents: [{ Key: command.Prefix }], KeyCount: 1 }));
  });
  afterAll(() => {
    process.env = ORIGINAL_ENV;
  });

  it("copies each file on the condition of its manifest ETag, then deletes it", async () => {
    // Prepare
    s3.on(CopyObjectCommand).resolves({});
    // Act
    await handler(input);
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: "lake",
      Key: `processed/${BATCH_ID}/a b+c.ndjson`,
      CopySource: "lake/landing/a%20b%2Bc.ndjson",
      CopySourceIfMatch: '"e1"',
    });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: "lake", Key: "landing/a b+c.ndjson" });
  });

  // CopyObject's x-amz-tagging-directive defaults to COPY, and copying a tagged source's tags needs
  // s3:GetObjectTagging on the source and s3:PutObjectTagging on the destination
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). REPLACE without a tag set
  // needs neither, so the role's s3:GetObject/s3:PutObject are enough whatever producers tag.
  it("copies with TaggingDirective REPLACE and no tag set, so tagged landing files need no tagging permissions", async () => {
    // Prepare
    s3.on(CopyObjectCommand).resolves({});
    // Act
    await handler(input);
    // Assess
    const copies = s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy.TaggingDirective).toBe("REPLACE");
      expect(copy.Tagging).toBeUndefined();
    }
  });

  it("counts a file whose source is gone but whose destination exists as moved", async () => {
    // Prepare
    s3.on(ListObjectsV2Command, { Prefix: "landing/a b+c.ndjson" }).resolves({ KeyCount: 0 });
    // Act
    const output = await handler(input);
    // Assess
    expect(output).toEqual({ moved: 1 });
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: "lake",
      Prefix: `processed/${BATCH_ID}/a b+c.ndjson`,
      MaxKeys: 1,
    });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it("still treats a copy whose source vanished after the listing as moved when the destination exists", async () => {
    // Prepare
    s3.on(CopyObjectCommand).rejects(
      Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
    );
    // Act
    const output = await handler(input);
    // Assess
    expect(output).toEqual({ moved: 1 });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it("writes the succeeded marker", async () => {
    // Prepare
    s3.on(CopyObjectCommand).resolves({});
    // Act
    await handler(input);
    // Assess
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: "lake",
      Key: MARKER_KEY,
      Body: expect.stringContaining('"status":"succeeded"'),
    });
  });
});

/**
 * The batch's sources (handlers/extract/sources.ts) on a hand-made store: which listed objects are read,
 * which are rejected whole and why, which are left alone, and how an object or a byte range is opened.
 */
import type { ReplayPlan } from "../../contract/replay";
import type { ObjectSummary, StoredObject } from "../../handlers/shared/object-store";
import { MAX_REPLAY_OBJECT_BYTES } from "../../handlers/extract/object-text";
import {
  landingObjects,
  openObject,
  openRange,
  replayObjects,
  type SourceObject,
  type SourceStore,
  type StreamedObject,
} from "../../handlers/extract/sources";
import { bytesOf, type ByteStream } from "../../handlers/extract/stream/bytes";

/** A store whose listing and contents are set apart, so an object can be listed yet gone, or listed at another size. */
function storeOf(listed: ObjectSummary[], objects: Record<string, string>, calls: string[] = []): SourceStore {
  return {
    async *list(prefix: string) {
      calls.push(`list ${prefix}`);
      yield* listed.filter((summary) => summary.key.startsWith(prefix));
    },
    async get(key: string): Promise<StoredObject | undefined> {
      calls.push(`get ${key}`);
      return key in objects ? { body: Buffer.from(objects[key]!), etag: `"read-${key}"` } : undefined;
    },
  };
}

const summary = (key: string, size = 10): ObjectSummary => ({ key, etag: `"listed-${key}"`, size });

function logSpy() {
  const warnings: [string, Record<string, unknown>][] = [];
  return {
    warnings,
    log: { info: () => undefined, warn: (message: string, fields: Record<string, unknown>) => warnings.push([message, fields]) },
  };
}

async function collect(objects: AsyncIterable<SourceObject>): Promise<SourceObject[]> {
  const out: SourceObject[] = [];
  for await (const object of objects) out.push(object);
  return out;
}

async function text(body: ByteStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

describe("landing objects", () => {
  it("reads each supported file with the ETag and size of the bytes read, never moving it", async () => {
    const { log } = logSpy();
    const store = storeOf([summary("landing/a.ndjson", 3)], { "landing/a.ndjson": '{"a":1}\n' });

    const [object] = await collect(landingObjects(store, log));

    expect(object!.file).toEqual({ key: "landing/a.ndjson", etag: '"read-landing/a.ndjson"', size: 8 });
    expect(object!.move).toBe(false);
    expect("items" in object!.read).toBe(true);
  });

  it("skips console folder placeholders and rejects an unsupported file whole, naming the formats read", async () => {
    const { log } = logSpy();
    const calls: string[] = [];
    const store = storeOf([summary("landing/"), summary("landing/2026/"), summary("landing/notes.xml", 7)], {}, calls);

    const objects = await collect(landingObjects(store, log));

    expect(objects).toEqual([
      {
        file: { key: "landing/notes.xml", etag: '"listed-landing/notes.xml"', size: 7 },
        move: false,
        read: { reason: "unsupported file type; expected .ndjson, .jsonl, .json, .csv, optionally gzipped (.gz)" },
      },
    ]);
    expect(calls).toEqual(["list landing/"]);
  });

  it("leaves a file that disappeared between listing and reading to its owner, with a warning naming it", async () => {
    const { log, warnings } = logSpy();
    const store = storeOf([summary("landing/gone.csv"), summary("landing/b.csv")], { "landing/b.csv": "id\n1\n" });

    const objects = await collect(landingObjects(store, log));

    expect(objects.map((object) => object.file.key)).toEqual(["landing/b.csv"]);
    expect(warnings).toEqual([["landing file disappeared between listing and reading; left for its owner", { key: "landing/gone.csv" }]]);
  });
});

describe("replay objects", () => {
  const plan = (from: ReplayPlan["from"], prefixes: string[]): ReplayPlan => ({
    from,
    errorTypes: [],
    since: "2026-11-25T10:00:00.000Z",
    until: "2026-11-25T12:00:00.000Z",
    prefixes,
  });

  it("moves the error objects it read, keeps the raw backup where it is, and reads every prefix in order", async () => {
    const { log } = logSpy();
    const listed = [summary("errors/h10/a"), summary("errors/h11/b"), summary("raw/h10/c")];
    const store = storeOf(listed, { "errors/h10/a": "x", "errors/h11/b": "yy", "raw/h10/c": "zzz" });

    const errors = await collect(replayObjects(store, log, plan("errors", ["errors/h11/", "errors/h10/"])));
    const backup = await collect(replayObjects(store, log, plan("backup", ["raw/h10/"])));

    expect(errors.map((object) => [object.file.key, object.move, object.file.size])).toEqual([
      ["errors/h11/b", true, 2],
      ["errors/h10/a", true, 1],
    ]);
    expect(backup.map((object) => [object.file.key, object.move, object.file.etag])).toEqual([["raw/h10/c", false, '"read-raw/h10/c"']]);
  });

  it("rejects an object too large to read without reading it, and leaves it in place", async () => {
    const { log } = logSpy();
    const calls: string[] = [];
    const size = MAX_REPLAY_OBJECT_BYTES + 1;
    const store = storeOf(
      [summary("errors/h10/big", size), summary("errors/h10/fits", MAX_REPLAY_OBJECT_BYTES)],
      { "errors/h10/fits": "" },
      calls,
    );

    const objects = await collect(replayObjects(store, log, plan("errors", ["errors/h10/"])));

    expect(objects[0]).toEqual({
      file: { key: "errors/h10/big", etag: '"listed-errors/h10/big"', size },
      move: false,
      read: { reason: `object is ${size} bytes; at most ${MAX_REPLAY_OBJECT_BYTES} are read` },
    });
    expect(objects[1]!.move).toBe(true);
    expect(calls).toEqual(["list errors/h10/", "get errors/h10/fits"]);
  });

  it("skips folder placeholders and objects that disappeared, warning of the latter", async () => {
    const { log, warnings } = logSpy();
    const store = storeOf([summary("errors/h10/"), summary("errors/h10/gone")], {});

    expect(await collect(replayObjects(store, log, plan("errors", ["errors/h10/"])))).toEqual([]);
    expect(warnings).toEqual([["replay object disappeared between listing and reading; skipped", { key: "errors/h10/gone" }]]);
  });
});

describe("opening an object or a byte range", () => {
  const streamed = (body: string, etag: string): StreamedObject => ({ body: bytesOf(Buffer.from(body)), etag, size: body.length });

  it("streams through the store's own stream when it has one, else reads the object whole", async () => {
    const plain = storeOf([], { k: "hello" });
    const withStream: SourceStore = { ...plain, stream: async () => streamed("streamed", '"s"') };

    const read = await openObject(plain, "k");
    expect([await text(read!.body), read!.etag, read!.size]).toEqual(["hello", '"read-k"', 5]);
    const stream = await openObject(withStream, "k");
    expect([await text(stream!.body), stream!.etag]).toEqual(["streamed", '"s"']);
    expect(await openObject(plain, "missing")).toBeUndefined();
  });

  it("opens a range through the store's ranged read when it has one, else slices the whole object", async () => {
    const calls: string[] = [];
    const plain = storeOf([], { k: "0123456789" }, calls);
    const ranged: SourceStore = { ...plain, streamRange: async (key, start, end) => streamed(`${key}[${start},${end})`, '"r"') };

    const slice = await openRange(plain, "k", 2, 5);
    expect([await text(slice!.body), slice!.size, slice!.etag]).toEqual(["234", 3, '"read-k"']);
    expect(await text((await openRange(ranged, "k", 2, 5))!.body)).toBe("k[2,5)");
    expect(await openRange(plain, "missing", 0, 1)).toBeUndefined();
  });

  it("answers an empty or reversed range with an empty body without asking the store (S3 has no empty Range)", async () => {
    const calls: string[] = [];
    const store = storeOf([], { k: "0123456789" }, calls);
    for (const [start, end] of [
      [4, 4],
      [5, 4],
    ] as const) {
      const empty = await openRange(store, "k", start, end);
      expect([await text(empty!.body), empty!.size, empty!.etag]).toEqual(["", 0, ""]);
    }
    expect(calls).toEqual([]);
  });
});

/**
 * The streamed landing readers: the items do not depend on how the body is chunked (a multi-byte
 * character or a CRLF split across chunks), gzip is recognised by its magic bytes, and an object found
 * unreadable part-way ends with one file-invalid item after the items read before it.
 */
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { streamObject } from "../../handlers/extract/s3-store";
import type { SourceItem } from "../../handlers/extract/landing-format";
import { bytesOf } from "../../handlers/extract/stream/bytes";
import { splitLines } from "../../handlers/extract/stream/lines";
import { readLanding } from "../../handlers/extract/stream/read";

async function read(format: "ndjson" | "csv" | "json", data: string | Buffer, chunkBytes = 1): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of readLanding(format, bytesOf(typeof data === "string" ? Buffer.from(data) : data, chunkBytes))) out.push(item);
  return out;
}

const SAMPLES = {
  ndjson: '\ufeff{"t":"é中😀"}\r\n\r\n{"t":"b"}\n{"bad"\n{"t":"c"}',
  csv: '\ufeffid,t\r\n1,"中\r\n😀, ""q"""\r\n\r\n2,é\n3,x,y\n',
  json: '\ufeff \n[{"t":"],é"},\r\n 2,\n\n{"t":"😀"}, {"bad": }]\n',
} as const;

describe("streamed landing readers", () => {
  it.each(Object.entries(SAMPLES))("read %s the same in 1-byte chunks as in one chunk", async (format, text) => {
    const whole = await read(format as keyof typeof SAMPLES, text, 1 << 20);
    expect(whole.length).toBeGreaterThan(1);
    for (const size of [1, 2, 3, 5, 7]) expect(await read(format as keyof typeof SAMPLES, text, size)).toEqual(whole);
  });

  it.each([
    ["a\n", ["a"]],
    ["\n\n", ["", ""]],
    ["\na", ["", "a"]],
    ["a", ["a"]],
    ["\ufeff\n", [""]],
  ])("splits a body of under four bytes, %j, into its lines as it does a longer one", async (text, lines) => {
    // Under three bytes a body cannot hold a BOM, so the BOM check waits to the end: it must still split.
    for (const size of [1, 2, 8]) {
      const out: string[] = [];
      for await (const line of splitLines(bytesOf(Buffer.from(text), size))) out.push(line.text);
      expect(out).toEqual(lines);
    }
    expect(await read("ndjson", "\n\n")).toEqual([]);
  });

  it("reads NDJSON lines with their numbers, CRLF and a BOM dropped, multi-byte text whole", async () => {
    expect(await read("ndjson", SAMPLES.ndjson)).toEqual([
      { kind: "value", line: 1, position: "1", raw: '{"t":"é中😀"}', value: { t: "é中😀" } },
      { kind: "value", line: 3, position: "3", raw: '{"t":"b"}', value: { t: "b" } },
      expect.objectContaining({ kind: "invalid", line: 4, raw: '{"bad"' }),
      { kind: "value", line: 5, position: "5", raw: '{"t":"c"}', value: { t: "c" } },
    ]);
  });

  it("reads CSV rows at the line where they start, a quoted CRLF kept in the cell", async () => {
    expect(await read("csv", SAMPLES.csv)).toEqual([
      { kind: "value", line: 2, position: "2", raw: '1,"中\r\n😀, ""q"""', value: { id: "1", t: '中\r\n😀, "q"' } },
      { kind: "value", line: 5, position: "5", raw: "2,é", value: { id: "2", t: "é" } },
      { kind: "invalid", line: 6, raw: "3,x,y", reason: "CSV row has 3 cells; the header has 2" },
    ]);
  });

  it("reads JSON array elements at the line where they start, a malformed one rejected on its own", async () => {
    expect(await read("json", SAMPLES.json)).toEqual([
      { kind: "value", line: 2, position: "2#1", raw: '{"t":"],é"}', value: { t: "],é" } },
      { kind: "value", line: 3, position: "3#2", raw: "2", value: 2 },
      { kind: "value", line: 5, position: "5#3", raw: '{"t":"😀"}', value: { t: "😀" } },
      expect.objectContaining({ kind: "invalid", line: 5, raw: '{"bad": }', reason: expect.stringMatching(/^malformed JSON/) }),
    ]);
  });

  it("ends a JSON array at a lexical error, keeping the elements before it", async () => {
    expect(await read("json", '[{"a":1},\n tru, {"a":2}]')).toEqual([
      expect.objectContaining({ kind: "value", line: 1 }),
      expect.objectContaining({ kind: "invalid", line: 2, reason: expect.stringMatching(/the rest of the array is not read$/) }),
    ]);
  });

  it("gunzips by the magic bytes, in any chunking", async () => {
    expect(await read("ndjson", gzipSync(SAMPLES.ndjson), 3)).toEqual(await read("ndjson", SAMPLES.ndjson));
  });

  it("keeps the records before a gzip stream breaks off, then rejects the file", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, pad: "x".repeat(i % 50) })).join("\n");
    const zipped = gzipSync(lines);
    const items = await read("ndjson", zipped.subarray(0, zipped.length - 30), 4096);
    expect(items.at(-1)).toEqual({ kind: "file-invalid", reason: expect.stringMatching(/^not a valid gzip file/) });
    expect(items.length).toBeGreaterThan(1000);
    expect(items.slice(0, -1).every((item) => item.kind === "value")).toBe(true);
  });

  it("rejects the file at the first bytes that are not UTF-8", async () => {
    const items = await read("ndjson", Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xff]), Buffer.from('"}\n')]), 4);
    expect(items).toEqual([expect.objectContaining({ kind: "value", line: 1 }), { kind: "file-invalid", reason: "not valid UTF-8 text" }]);
  });
});

describe("streamObject (S3 adapter)", () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it("asks S3 for exactly a range's bytes and hands the body over as a stream", async () => {
    // In Node the SDK's body is the HTTP response: a Readable.
    const Body = Readable.from([Buffer.from('{"a":1}\n')]) as unknown as GetObjectCommandOutput["Body"];
    s3.on(GetObjectCommand).resolves({ Body, ETag: '"e"', ContentLength: 8 });
    const object = await streamObject(new S3Client({}), "lake", "landing/a.ndjson", { start: 100, end: 108 });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: "lake", Key: "landing/a.ndjson", Range: "bytes=100-107" });
    const chunks: Buffer[] = [];
    for await (const chunk of object!.body) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe('{"a":1}\n');
    expect(object).toMatchObject({ etag: '"e"', size: 8 });
  });

  it("returns undefined for a missing object", async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error("gone"), { name: "NoSuchKey" }));
    expect(await streamObject(new S3Client({}), "lake", "landing/a.ndjson")).toBeUndefined();
  });
});

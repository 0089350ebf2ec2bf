/** Whole-object decoding for replay: gzip by magic number, UTF-8 check, byte order mark, size cap. */
import { gzipSync } from "node:zlib";
import { decodeLandingFile, isGzip, MAX_REPLAY_OBJECT_BYTES } from "../../handlers/extract/object-text";

describe("decodeLandingFile", () => {
  it("gunzips bytes that start with the gzip magic", () => {
    expect(decodeLandingFile(gzipSync('{"a":1}\n'))).toEqual({ text: '{"a":1}\n' });
  });

  it("reads a view into a larger buffer at its own offset and length", () => {
    const whole = Buffer.from('xx{"a":1}yy');
    expect(decodeLandingFile(new Uint8Array(whole.buffer, whole.byteOffset + 2, 7))).toEqual({ text: '{"a":1}' });
  });

  it("drops a UTF-8 byte order mark, and only at the start", () => {
    expect(decodeLandingFile(Buffer.from("\ufeffa\ufeffb"))).toEqual({ text: "a\ufeffb" });
    expect(decodeLandingFile(gzipSync("\ufeffa"))).toEqual({ text: "a" });
  });

  it("says a corrupt gzip stream is not a valid gzip file, with zlib's reason", () => {
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("not gzip at all")]);
    expect(decodeLandingFile(corrupt)).toEqual({ reason: expect.stringMatching(/^not a valid gzip file: \S/) });
  });

  it("rejects a gzip file that decompresses past the cap, naming the cap and what to do", () => {
    const bomb = gzipSync(Buffer.alloc(MAX_REPLAY_OBJECT_BYTES + 1));
    expect(decodeLandingFile(bomb)).toEqual({ reason: `decompresses to more than ${MAX_REPLAY_OBJECT_BYTES} bytes; split the file` });
  });

  it("checks decompressed text for UTF-8 too", () => {
    expect(decodeLandingFile(gzipSync(Buffer.from([0x61, 0xff])))).toEqual({ reason: "not valid UTF-8 text" });
  });

  it("reads empty input as empty text", () => {
    expect(decodeLandingFile(new Uint8Array())).toEqual({ text: "" });
  });
});

describe("isGzip", () => {
  it("needs both magic bytes, in order", () => {
    expect(isGzip(Uint8Array.from([0x1f, 0x8b]))).toBe(true);
    expect(isGzip(Uint8Array.from([0x1f]))).toBe(false);
    expect(isGzip(Uint8Array.from([0x8b, 0x1f]))).toBe(false);
    expect(isGzip(Uint8Array.from([0x1f, 0x8c]))).toBe(false);
    expect(isGzip(Uint8Array.from([0x1e, 0x8b]))).toBe(false);
  });
});

/**
 * The byte layer of streamed extraction: an object body as an async iterable of byte chunks (a Node
 * Readable, an S3 `GetObject` body, a local file stream), gunzipped when it starts with the gzip magic
 * (1f 8b, whatever the name, as the whole-object reader decides), and checked to be UTF-8 as it flows.
 * Memory: one chunk at a time, never the object.
 */
import { isUtf8 } from "node:buffer";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/** An object body: byte chunks in order. */
export type ByteStream = AsyncIterable<Uint8Array>;

/** Thrown by the streams below when the object cannot be read further; `reason` goes to rejected/. */
export class UnreadableObject extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "UnreadableObject";
  }
}

/** The body as Buffers (S3 and file streams yield Buffers; a Uint8Array is wrapped without a copy). */
async function* buffers(body: ByteStream): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    if (chunk.byteLength > 0) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** One buffer as a stream of `chunkBytes` chunks (tests, and stores that hold objects in memory). */
export async function* bytesOf(data: Uint8Array, chunkBytes = 64 * 1024): AsyncGenerator<Buffer> {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at < buffer.length; at += chunkBytes) yield buffer.subarray(at, at + chunkBytes);
}

/**
 * Reads the first bytes to tell whether the body is gzip; returns that and the body with nothing consumed.
 */
export async function sniffGzip(body: ByteStream): Promise<{ gzip: boolean; body: AsyncGenerator<Buffer> }> {
  const iterator = buffers(body)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  while (length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    length += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* replay(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { gzip: first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b, body: replay() };
}

/** The body decompressed when it is gzip (by its magic bytes), as is otherwise. Throws {@link UnreadableObject} on a corrupt gzip stream. */
export async function* decompressed(body: ByteStream): AsyncGenerator<Buffer> {
  const sniffed = await sniffGzip(body);
  if (!sniffed.gzip) {
    yield* sniffed.body;
    return;
  }
  const source = Readable.from(sniffed.body, { objectMode: false });
  const gunzip = createGunzip();
  source.on("error", (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith("Z_") || /gzip|unexpected end of file|incorrect header/i.test(String(error))) {
      throw new UnreadableObject(`not a valid gzip file: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    source.destroy();
  }
}

/**
 * The chunks unchanged, checking they are UTF-8 as they pass (a character split across chunks is
 * checked with the next one). Throws {@link UnreadableObject} at the first invalid sequence.
 */
export async function* utf8Checked(body: ByteStream): AsyncGenerator<Buffer> {
  let tail = Buffer.alloc(0);
  for await (const chunk of buffers(body)) {
    const data = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    const cut = completeUtf8Prefix(data);
    if (!isUtf8(data.subarray(0, cut))) throw new UnreadableObject("not valid UTF-8 text");
    tail = Buffer.from(data.subarray(cut));
    yield chunk;
  }
  if (tail.length > 0 && !isUtf8(tail)) throw new UnreadableObject("not valid UTF-8 text");
}

/** Length of the longest prefix of `data` that does not end inside a multi-byte UTF-8 character. */
function completeUtf8Prefix(data: Buffer): number {
  const end = data.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = data[end - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? end - back : end;
  }
  return end;
}

/** The text of a landing object as a checked byte stream: decompressed, then UTF-8 checked. */
export function landingBytes(body: ByteStream): AsyncGenerator<Buffer> {
  return utf8Checked(decompressed(body));
}

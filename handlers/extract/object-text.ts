/**
 * The text of a stored object read whole (a Firehose error object, a raw backup object): gunzipped
 * when it starts with the gzip magic, checked to be UTF-8. Pure; used by the replay decoders
 * (`replay.ts`). Landing files are streamed instead (`stream/`), whatever their size.
 */
import { isUtf8 } from "node:buffer";
import { gunzipSync } from "node:zlib";

/**
 * Largest replay object (errors/, raw/) read, compressed (as listed) and decompressed: 256 MiB; larger
 * ones are rejected whole. Replay reads each object whole; Firehose writes them at most its buffer size
 * (128 MiB, the raw backup capped at 64 MiB by the stack) before compression.
 */
export const MAX_REPLAY_OBJECT_BYTES = 256 * 1024 * 1024;

/**
 * The text of a whole object. Gunzips when the bytes start with the gzip magic (1f 8b), whatever the
 * name; a `.gz` file without it is read as plain text (some uploaders store it already decompressed,
 * and the parser rejects it line by line if it is not). Returns a reason instead when the gzip stream
 * is corrupt or too large, or the text is not UTF-8. A UTF-8 byte order mark is dropped.
 */
export function decodeLandingFile(bytes: Uint8Array): { text: string } | { reason: string } {
  let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isGzip(data)) {
    try {
      data = gunzipSync(data, { maxOutputLength: MAX_REPLAY_OBJECT_BYTES });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ERR_BUFFER_TOO_LARGE"
        ? { reason: `decompresses to more than ${MAX_REPLAY_OBJECT_BYTES} bytes; split the file` }
        : { reason: `not a valid gzip file: ${(error as Error).message}` };
    }
  }
  if (!isUtf8(data)) return { reason: "not valid UTF-8 text" };
  const text = data.toString("utf8");
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

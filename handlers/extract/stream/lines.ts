/**
 * A line splitter over a byte stream: splits at line feeds (0x0a) on the bytes, so a multi-byte UTF-8
 * character split across chunks is decoded whole; a trailing `\r` is dropped (CRLF). Memory: the
 * current line only.
 */
import type { ByteStream } from "./bytes";

/** One line: its 1-based number and its text without the line ending. */
export interface Line {
  readonly line: number;
  readonly text: string;
}

/** The lines of `body`, numbered from `firstLine`; with `stripBom`, a UTF-8 byte order mark at the very start is dropped. */
export async function* splitLines(body: ByteStream, firstLine = 1, stripBom = true): AsyncGenerator<Line> {
  let line = firstLine;
  let pending: Buffer[] = [];
  let first = stripBom;
  /** The whole lines `chunk` ends, the first one joined to what was pending; its unterminated tail pends. */
  function* linesEndedBy(chunk: Buffer): Generator<Line> {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      const bytes = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      yield { line: line++, text: textOf(bytes) };
      start = newline + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  for await (const input of body) {
    let chunk = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (first) {
      // The first three bytes decide whether there is a BOM; they may come in several chunks.
      const head = pending.length > 0 ? Buffer.concat([...pending, chunk]) : chunk;
      pending = [];
      if (head.length < 3) {
        pending.push(head);
        continue;
      }
      chunk = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
      first = false;
    }
    yield* linesEndedBy(chunk);
  }
  if (first && pending.length > 0) {
    // A body of fewer than three bytes never reached the BOM check (no BOM fits in it): split it now.
    const head = Buffer.concat(pending);
    pending = [];
    yield* linesEndedBy(head);
  }
  if (pending.length > 0) yield { line, text: textOf(Buffer.concat(pending)) };
}

function textOf(bytes: Buffer): string {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.toString("utf8", 0, bytes.length - 1) : bytes.toString("utf8");
}

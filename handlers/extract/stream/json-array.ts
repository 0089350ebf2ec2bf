/**
 * A JSON array over a byte stream: each top-level element is one item, reported at the line where it
 * starts, with position `<line>#<ordinal>` (the input of a generated event id). `@streamparser/json`'s
 * tokenizer finds the elements (strings, escapes and nesting included) at byte offsets; each element's
 * bytes are cut out and parsed with `JSON.parse`, so one malformed element is rejected on its own and its
 * raw text goes to rejected/. Memory: the element being read (records are at most 1,000 KiB).
 */
import { Tokenizer, TokenType } from "@streamparser/json";
import type { SourceItem } from "../landing-format";
import type { ByteStream } from "./bytes";

/**
 * A byte range of a JSON array: its first line and element; `opened` when it starts after a top-level
 * comma (no `[` in its bytes). A range ends before a top-level comma or with the closing `]`.
 */
export interface JsonArrayStart {
  readonly firstLine: number;
  readonly firstElement: number;
  readonly opened: boolean;
}

/** Raw text kept of an unterminated element or of text after the array. */
const MAX_TAIL_CHARS = 64 * 1024;

class ArrayReader {
  readonly items: SourceItem[] = [];
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private countedTo = 0;
  private line: number;
  private depth = 0;
  /** Offset just past the `[` or top-level comma before the element being read; undefined outside the array. */
  private elementStart: number | undefined;
  private afterComma = false;
  private ordinal: number;
  /** Offset just past the closing `]`, once read. */
  closedAt: number | undefined;
  failed = false;
  private readonly tokenizer = new Tokenizer();

  constructor(start: JsonArrayStart | undefined) {
    this.line = start?.firstLine ?? 1;
    this.ordinal = (start?.firstElement ?? 1) - 1;
    this.afterComma = start?.opened ?? false; // a range after a comma: an empty first slot is a stray comma
    this.tokenizer.onToken = ({ token, offset }) => this.onToken(token, offset);
    this.tokenizer.onError = (error) => this.onError(error);
    this.tokenizer.onEnd = () => undefined;
  }

  write(chunk: Buffer): void {
    this.window = this.window.length > 0 ? Buffer.concat([this.window, chunk]) : chunk;
    if (this.closedAt === undefined && !this.failed) this.tokenizer.write(chunk);
  }

  /** Drops the bytes no pending element needs, counting the lines they hold. */
  trim(): void {
    const end = this.windowStart + this.window.length;
    const keepFrom = this.elementStart ?? (this.closedAt !== undefined ? Math.max(this.closedAt, this.countedTo) : end);
    this.lineAt(Math.min(keepFrom, end));
    this.window = this.window.subarray(Math.min(keepFrom, end) - this.windowStart);
    this.windowStart = Math.min(keepFrom, end);
  }

  /** The 1-based line of byte `offset` (at or after every offset asked before). */
  lineAt(offset: number): number {
    let from = this.countedTo - this.windowStart;
    const to = offset - this.windowStart;
    for (let i = this.window.indexOf(0x0a, from); i !== -1 && i < to; i = this.window.indexOf(0x0a, from)) {
      this.line++;
      from = i + 1;
    }
    this.countedTo = Math.max(this.countedTo, offset);
    return this.line;
  }

  text(from: number, to: number, max = Infinity): string {
    const end = Math.min(to, from + max);
    return this.window.toString("utf8", from - this.windowStart, end - this.windowStart);
  }

  /** Ends the pending element at `offset` (a comma, the closing bracket, or the end of a range); an empty one before a comma or after one is a stray comma. */
  endElement(offset: number, byComma: boolean): void {
    const first = this.elementStart === undefined ? undefined : this.firstNonBlank(this.elementStart, offset);
    this.elementStart = undefined;
    if (first === undefined) {
      if (byComma || this.afterComma) {
        this.items.push({ kind: "invalid", line: this.lineAt(offset), raw: "", reason: "empty JSON array element (a stray comma)" });
        this.ordinal++;
      }
      return;
    }
    const line = this.lineAt(first);
    const raw = this.text(first, offset).trimEnd();
    const ordinal = ++this.ordinal;
    try {
      this.items.push({ kind: "value", line, position: `${line}#${ordinal}`, raw, value: JSON.parse(raw) });
    } catch (error) {
      this.items.push({ kind: "invalid", line, raw, reason: `malformed JSON: ${(error as Error).message}` });
    }
  }

  /** The pending element at the end of the data: complete at a range's end, unterminated at a file's. */
  finish(rangeEnd: boolean): void {
    const end = this.windowStart + this.window.length;
    if (this.closedAt !== undefined || this.failed) return;
    if (rangeEnd && this.depth === 1) {
      this.endElement(end, true); // a range ends at a comma (or holds the closing bracket)
      return;
    }
    if (this.depth === 0) return; // nothing but blanks: an empty range
    const from = this.firstNonBlank(this.elementStart ?? end, end) ?? end;
    this.items.push({
      kind: "invalid",
      line: this.lineAt(from),
      raw: this.text(from, end, MAX_TAIL_CHARS),
      reason: "unterminated JSON array: the file ends before its closing ]",
    });
  }

  private onToken(token: TokenType, offset: number): void {
    if (this.closedAt !== undefined) return;
    if (token === TokenType.LEFT_BRACKET && this.depth === 0) this.elementStart = offset + 1;
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) this.depth++;
    else if (token === TokenType.RIGHT_BRACE) this.depth--;
    else if (token === TokenType.RIGHT_BRACKET) {
      if (this.depth === 1) {
        this.endElement(offset, false);
        this.closedAt = offset + 1;
      }
      this.depth--;
    } else if (token === TokenType.COMMA && this.depth === 1) {
      this.endElement(offset, true);
      this.afterComma = true;
      this.elementStart = offset + 1;
    }
  }

  private onError(error: Error): void {
    if (this.closedAt !== undefined || this.failed) return;
    this.failed = true;
    const end = this.windowStart + this.window.length;
    const from = this.firstNonBlank(this.elementStart ?? this.countedTo, end) ?? end;
    this.items.push({
      kind: "invalid",
      line: this.lineAt(from),
      raw: this.text(from, end, MAX_TAIL_CHARS),
      reason: `malformed JSON: ${error.message}; the rest of the array is not read`,
    });
  }

  /** Offset of the first non-blank byte from `from` (before `to`) in the window, or undefined. */
  firstNonBlank(from: number, to = Number.MAX_SAFE_INTEGER): number | undefined {
    const end = Math.min(this.window.length, to - this.windowStart);
    for (let i = Math.max(from, this.windowStart) - this.windowStart; i < end; i++) {
      const c = this.window[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return this.windowStart + i;
    }
    return undefined;
  }
}

/**
 * The elements of a JSON array: a whole file starting with `[` (blanks before it allowed), or with
 * `start` a byte range of one that begins after a top-level comma and ends before one (or with the
 * closing `]`). Text after the closing `]` is one `invalid` item.
 */
export async function* jsonArrayItems(body: ByteStream, start?: JsonArrayStart): AsyncGenerator<SourceItem> {
  const reader = new ArrayReader(start);
  if (start?.opened) reader.write(Buffer.from("["));
  let trailing: number | undefined;
  for await (const input of body) {
    reader.write(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    yield* reader.items.splice(0);
    if (reader.failed) return;
    if (reader.closedAt !== undefined) {
      trailing = reader.firstNonBlank(reader.closedAt);
      if (trailing !== undefined) break;
    }
    reader.trim();
  }
  if (trailing !== undefined) {
    const line = reader.lineAt(trailing);
    const raw = reader.text(trailing, Number.MAX_SAFE_INTEGER, MAX_TAIL_CHARS).trimEnd();
    yield { kind: "invalid", line, raw, reason: "unexpected text after the closing ] of the JSON array" };
    return;
  }
  reader.finish(start !== undefined);
  yield* reader.items.splice(0);
}

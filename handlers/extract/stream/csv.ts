/**
 * CSV (RFC 4180) over a byte stream with `csv-parse`: a header row, then one record per row. Quoted
 * fields may hold commas, newlines and `""` escapes; `\n` and `\r\n` end rows; a UTF-8 BOM is dropped.
 * Values stay strings (the schema validation coerces them); an empty cell, quoted or not, is a missing
 * value. Rows are reported at the line where they start. A missing, empty or repeated header name makes
 * the file unreadable as a whole. Memory: the row being parsed.
 *
 * A malformed row (an unterminated or misplaced quote) is one `invalid` item; csv-parse resumes after
 * the character it failed on, not at the next line, so the rows it consumed while looking for a closing
 * quote are in that item's raw text rather than items of their own (the hand-written parser this
 * replaces resynchronised at the end of the physical line).
 */
import { parse, type CsvError, type Info, type Options } from "csv-parse";
import type { JsonObject } from "../../../contract/json";
import type { SourceItem } from "../landing-format";
import type { ByteStream } from "./bytes";

/** Where a CSV byte range starts: its header (the file's first row) and the line of its first byte. */
export interface CsvStart {
  readonly header: readonly string[];
  readonly firstLine: number;
}

/**
 * The bytes read so far from the last row's end on, and the line count: rows are located on these bytes
 * (csv-parse reports where a row ends, `info.bytes`; a row starts after the line feed that precedes its
 * own line feeds), so lines and raw text do not depend on how the input was chunked.
 */
class RowLocator {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private line: number;

  constructor(firstLine: number) {
    this.line = firstLine;
  }

  append(chunk: Buffer): void {
    this.window = this.window.length > 0 ? Buffer.concat([this.window, chunk]) : chunk;
  }

  /** The row that ends at byte `end` (its line ending included) and holds `newlines` line feeds in its cells. */
  row(end: number, newlines: number): { line: number; raw: string } {
    const local = end - this.windowStart;
    let bodyEnd = local;
    if (this.window[bodyEnd - 1] === 0x0a) bodyEnd--;
    if (this.window[bodyEnd - 1] === 0x0d) bodyEnd--;
    let start = bodyEnd;
    for (let found = 0; found <= newlines; found++) {
      const newline = this.window.lastIndexOf(0x0a, start - 1);
      if (newline === -1 || start === 0) {
        start = 0;
        break;
      }
      start = newline + (found === newlines ? 1 : 0);
    }
    const line = this.line + countNewlines(this.window, 0, start);
    const raw = this.window.toString("utf8", start, bodyEnd).replace(/^\ufeff/, "");
    this.line += countNewlines(this.window, 0, local);
    this.window = this.window.subarray(local);
    this.windowStart = end;
    return { line, raw };
  }

  /** The line of the next row (blank lines skipped) and the text read of it so far: a malformed row. */
  pending(): { line: number; raw: string } {
    let start = 0;
    while (start < this.window.length && (this.window[start] === 0x0a || this.window[start] === 0x0d)) start++;
    return { line: this.line + countNewlines(this.window, 0, start), raw: this.window.toString("utf8", start).replace(/^\ufeff/, "") };
  }
}

function countNewlines(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a, from); i !== -1 && i < to; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}

/** The items of a CSV stream: a whole file (header read from it), or with `start` a range after the header. */
export async function* csvItems(body: ByteStream, start?: CsvStart): AsyncGenerator<SourceItem> {
  const queue: SourceItem[] = [];
  const rows = new RowLocator(start?.firstLine ?? 1);
  let header: readonly string[] | undefined = start?.header;
  let stopped = false;
  /** A malformed row's item, held back: csv-parse reports the same row again while it looks for the closing quote. */
  let skipped: { line: number; raw: string; reason: string } | undefined;
  const flushSkipped = () => {
    if (skipped) queue.push({ kind: "invalid", ...skipped, raw: cleanRaw(skipped.raw) });
    skipped = undefined;
  };
  const parser = parse({
    bom: start === undefined,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    record_delimiter: ["\r\n", "\n"],
    on_record: ({ record, info }: { record: string[]; info: Info }) => {
      if (stopped) return null;
      const { line, raw } = rows.row(
        info.bytes,
        record.reduce((sum, cell) => sum + newlinesIn(cell), 0),
      );
      if (!header) {
        header = record.map((cell) => cell.trim());
        const problem = headerProblem(header);
        if (problem) {
          queue.push({ kind: "file-invalid", reason: `CSV header (line ${line}): ${problem}` });
          stopped = true;
        }
        return null;
      }
      flushSkipped();
      queue.push(rowItem(header, record, line, raw));
      return null;
    },
    on_skip: (error: CsvError | undefined): undefined => {
      if (stopped || !error) return undefined;
      const { line, raw } = rows.pending();
      if (!header) {
        queue.push({ kind: "file-invalid", reason: `CSV header (line ${line}): ${error.message}` });
        stopped = true;
        return undefined;
      }
      const reason = `malformed CSV: ${error.message}`;
      if (skipped?.line === line) skipped = { line, raw, reason };
      else {
        flushSkipped();
        skipped = { line, raw, reason };
      }
      return undefined;
    },
  } as unknown as Options);
  parser.resume();
  const ended = new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
  });
  for await (const chunk of body) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    rows.append(bytes);
    parser.write(bytes);
    yield* queue.splice(0);
    if (stopped) break;
  }
  parser.end();
  await ended;
  flushSkipped();
  yield* queue.splice(0);
}

function rowItem(header: readonly string[], record: string[], line: number, raw: string): SourceItem {
  if (record.length !== header.length) {
    return { kind: "invalid", line, raw, reason: `CSV row has ${record.length} cells; the header has ${header.length}` };
  }
  const value: JsonObject = {};
  record.forEach((cell, index) => {
    if (cell !== "") value[header[index]] = cell;
  });
  return { kind: "value", line, position: String(line), raw, value };
}

/** The row's text without the line ending around it. */
function cleanRaw(raw: string): string {
  return raw
    .replace(/^\r?\n/, "")
    .replace(/^\r/, "")
    .replace(/\r?\n$/, "")
    .replace(/\r$/, "");
}

function newlinesIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

/** Why a header cannot name the columns, or undefined. */
export function headerProblem(header: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const [index, name] of header.entries()) {
    if (name === "") return `column ${index + 1} has no name`;
    if (seen.has(name.toLowerCase())) return `column name ${JSON.stringify(name)} appears twice`;
    seen.add(name.toLowerCase());
  }
  return undefined;
}

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

/** The items of a CSV stream: a whole file (header read from it), or with `start` a range after the header. */
export async function* csvItems(body: ByteStream, start?: CsvStart): AsyncGenerator<SourceItem> {
  const queue: SourceItem[] = [];
  const lineOffset = (start?.firstLine ?? 1) - 1;
  let header: readonly string[] | undefined = start?.header;
  let stopped = false;
  /** A malformed row's item, held back: csv-parse reports the same row again while it looks for the closing quote. */
  let skipped: { line: number; raw: string; reason: string } | undefined;
  const flushSkipped = () => {
    if (skipped) queue.push({ kind: "invalid", ...skipped, raw: cleanRaw(skipped.raw) });
    skipped = undefined;
  };
  const rowLine = (lines: number, raw: string) => lineOffset + lines - newlinesIn(raw.replace(/\r?\n$/, ""));
  const parser = parse({
    bom: start === undefined,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    record_delimiter: ["\r\n", "\n"],
    on_record: ({ record, raw, info }: { record: string[]; raw: string; info: Info }) => {
      if (stopped) return null;
      flushSkipped();
      const line = rowLine(info.lines, raw);
      if (!header) {
        header = record.map((cell) => cell.trim());
        const problem = headerProblem(header);
        if (problem) {
          queue.push({ kind: "file-invalid", reason: `CSV header (line ${line}): ${problem}` });
          stopped = true;
        }
        return null;
      }
      queue.push(rowItem(header, record, line, cleanRaw(raw)));
      return null;
    },
    on_skip: (error: CsvError | undefined, raw: string | undefined): undefined => {
      if (stopped || !error) return undefined;
      const text = raw ?? "";
      const line = rowLine(Number(error.lines ?? 1), text.replace(/^\r?\n/, ""));
      if (!header) {
        queue.push({ kind: "file-invalid", reason: `CSV header (line ${line}): ${error.message}` });
        stopped = true;
        return undefined;
      }
      const reason = `malformed CSV: ${error.message}`;
      if (skipped && text.startsWith(skipped.raw)) skipped = { line: skipped.line, raw: text, reason };
      else {
        flushSkipped();
        skipped = { line, raw: text, reason };
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
    parser.write(chunk);
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

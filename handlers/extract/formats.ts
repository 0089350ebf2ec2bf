/**
 * Landing file formats: which files are read (by extension) and the three parsers, NDJSON, JSON (array,
 * single object or NDJSON) and CSV, each turning a file's text into {@link SourceItem}s. Pure and
 * synchronous; each file is parsed from its whole text.
 */
import { isJsonObject, tryParseJson, type JsonObject } from "../../contract/json";
import { scanJsonExtent } from "./json-scan";

/** Landing file extensions read, each optionally followed by `.gz`. */
export const LANDING_FORMATS = { ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv" } as const;

/** How a landing file is parsed. */
export type LandingFormat = (typeof LANDING_FORMATS)[keyof typeof LANDING_FORMATS];

/** The format of a landing key by its extension (case-insensitive, `.gz` stripped), or undefined when unsupported. */
export function landingFormat(key: string): LandingFormat | undefined {
  const name = key.toLowerCase().replace(/\.gz$/, "");
  const extension = name.slice(name.lastIndexOf("."));
  return Object.hasOwn(LANDING_FORMATS, extension) ? LANDING_FORMATS[extension as keyof typeof LANDING_FORMATS] : undefined;
}

/** One item read from a landing file. */
export type SourceItem =
  /** A parsed value (not yet known to be an object) with its 1-based line and its raw text. */
  | {
      readonly kind: "value";
      readonly line: number;
      readonly position: string;
      readonly raw: string;
      readonly value: unknown;
    }
  /** A line or row that could not be parsed. */
  | { readonly kind: "invalid"; readonly line: number; readonly raw: string; readonly reason: string }
  /** The file as a whole is unreadable; nothing further is read from it. */
  | { readonly kind: "file-invalid"; readonly reason: string };

/** The items of a landing file's text in its format. */
export function parseLanding(format: LandingFormat, text: string): Iterable<SourceItem> {
  if (format === "csv") return csvItems(text);
  if (format === "json") return jsonItems(text);
  return ndjsonItems(text);
}

/** NDJSON: one JSON value per line; blank lines are skipped, a trailing `\r` is ignored. */
export function* ndjsonItems(text: string, firstLine = 1): Generator<SourceItem> {
  let line = firstLine;
  for (let start = 0; start < text.length; line++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const raw = text.charCodeAt(end - 1) === 0x0d ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (raw.trim() === "") continue;
    try {
      yield { kind: "value", line, position: String(line), raw, value: JSON.parse(raw) };
    } catch (error) {
      yield { kind: "invalid", line, raw, reason: `malformed JSON: ${(error as Error).message}` };
    }
  }
}

/**
 * `.json`: a JSON array of objects (each element reported at the line where it starts), or, when the
 * text does not start with `[`, NDJSON, or a single (possibly pretty-printed) JSON object.
 */
export function* jsonItems(text: string): Generator<SourceItem> {
  const start = firstNonBlank(text, 0);
  if (start === text.length) return;
  if (text.charCodeAt(start) === 0x5b) {
    yield* jsonArrayItems(text, start);
    return;
  }
  // NDJSON fails to parse as a whole right after its first object, so this costs little.
  const single = text.charCodeAt(start) === 0x7b ? tryParseJson(text) : undefined;
  if (isJsonObject(single)) {
    const line = lineAt(text, start);
    yield { kind: "value", line, position: String(line), raw: text, value: single };
    return;
  }
  yield* ndjsonItems(text);
}

function* jsonArrayItems(text: string, open: number): Generator<SourceItem> {
  let line = lineAt(text, open);
  let i = open + 1;
  for (let ordinal = 1; ; ordinal++) {
    // Skip whitespace before an element, counting lines.
    for (; i < text.length && isBlank(text.charCodeAt(i)); i++) if (text.charCodeAt(i) === 0x0a) line++;
    if (ordinal === 1 && text.charCodeAt(i) === 0x5d) {
      yield* trailing(text, i + 1, line);
      return;
    }
    const elementStart = i;
    const elementLine = line;
    const extent = scanJsonExtent(text, i, "element");
    i = extent.end;
    line += extent.newlines;
    if (!extent.complete) {
      yield {
        kind: "invalid",
        line: elementLine,
        raw: text.slice(elementStart),
        reason: "unterminated JSON array: the file ends before its closing ]",
      };
      return;
    }
    const raw = text.slice(elementStart, i).trimEnd();
    if (raw === "") {
      yield { kind: "invalid", line: elementLine, raw, reason: "empty JSON array element (a stray comma)" };
    } else {
      try {
        yield { kind: "value", line: elementLine, position: `${elementLine}#${ordinal}`, raw, value: JSON.parse(raw) };
      } catch (error) {
        yield { kind: "invalid", line: elementLine, raw, reason: `malformed JSON: ${(error as Error).message}` };
      }
    }
    if (text.charCodeAt(i) === 0x5d) {
      yield* trailing(text, i + 1, line);
      return;
    }
    i++; // the comma
  }
}

function* trailing(text: string, from: number, line: number): Generator<SourceItem> {
  const rest = firstNonBlank(text, from);
  if (rest < text.length) {
    yield {
      kind: "invalid",
      line: line + countNewlines(text, from, rest),
      raw: text.slice(rest),
      reason: "unexpected text after the closing ] of the JSON array",
    };
  }
}

/**
 * CSV (RFC 4180): a header row, then one record per row. Quoted fields may hold commas, newlines and
 * `""` escapes; `\n` and `\r\n` end rows. Values stay strings (the schema validation coerces them);
 * an empty cell, quoted or not, is a missing value. Rows are reported at the line where they start.
 * A missing, empty or repeated header name makes the file unreadable as a whole.
 */
export function* csvItems(text: string): Generator<SourceItem> {
  let header: string[] | undefined;
  for (const row of csvRows(text)) {
    if (!header) {
      header = row.cells.map((cell) => cell.trim());
      const problem = row.error ?? headerProblem(header);
      if (problem) {
        yield { kind: "file-invalid", reason: `CSV header (line ${row.line}): ${problem}` };
        return;
      }
      continue;
    }
    if (row.error) {
      yield { kind: "invalid", line: row.line, raw: row.raw, reason: `malformed CSV: ${row.error}` };
      continue;
    }
    if (row.cells.length !== header.length) {
      yield {
        kind: "invalid",
        line: row.line,
        raw: row.raw,
        reason: `CSV row has ${row.cells.length} cells; the header has ${header.length}`,
      };
      continue;
    }
    const value: JsonObject = {};
    row.cells.forEach((cell, index) => {
      if (cell !== "") value[header![index]] = cell;
    });
    yield { kind: "value", line: row.line, position: String(row.line), raw: row.raw, value };
  }
}

interface CsvRow {
  readonly line: number;
  readonly raw: string;
  readonly cells: string[];
  readonly error?: string;
}

/** Rows of RFC 4180 text; completely empty lines are skipped. */
export function* csvRows(text: string): Generator<CsvRow> {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const rowStart = i;
    const rowLine = line;
    const cells: string[] = [];
    let error: string | undefined;
    for (;;) {
      if (text.charCodeAt(i) === 0x22) {
        let value = "";
        let from = i + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1) {
            error = "unterminated quoted field";
            line += countNewlines(text, i, text.length);
            i = text.length;
            break;
          }
          value += text.slice(from, quote);
          if (text.charCodeAt(quote + 1) === 0x22) {
            value += '"';
            from = quote + 2;
            continue;
          }
          line += countNewlines(text, i, quote);
          i = quote + 1;
          break;
        }
        cells.push(value);
        if (!error && i < text.length && !isCellEnd(text, i)) error = `unexpected text after a closing quote in cell ${cells.length}`;
      } else {
        let end = i;
        while (end < text.length && !isCellEnd(text, end)) end++;
        cells.push(text.slice(i, end));
        i = end;
      }
      if (error) {
        // Resynchronise at the end of the physical line.
        const newline = text.indexOf("\n", i);
        i = newline === -1 ? text.length : newline;
      }
      if (i < text.length && text.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      break;
    }
    const rowEnd = i;
    if (text.charCodeAt(i) === 0x0d) i++;
    if (text.charCodeAt(i) === 0x0a) {
      i++;
      line++;
    }
    if (!error && cells.length === 1 && cells[0] === "" && rowEnd === rowStart) continue;
    yield { line: rowLine, raw: text.slice(rowStart, rowEnd), cells, error };
  }
}

function isCellEnd(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 0x2c || c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) === 0x0a);
}

function headerProblem(header: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const [index, name] of header.entries()) {
    if (name === "") return `column ${index + 1} has no name`;
    if (seen.has(name.toLowerCase())) return `column name ${JSON.stringify(name)} appears twice`;
    seen.add(name.toLowerCase());
  }
  return undefined;
}
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function firstNonBlank(text: string, from: number): number {
  let i = from;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

function lineAt(text: string, index: number): number {
  return 1 + countNewlines(text, 0, index);
}

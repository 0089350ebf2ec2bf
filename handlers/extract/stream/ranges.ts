/**
 * The byte-range planner: one sequential pass over an object's bytes (no parsing) records a safe
 * boundary about every `targetBytes`: after a line feed (NDJSON), after a row's line feed outside any
 * quoted field (CSV; a quoted newline never ends a row), or at a top-level comma of a JSON array (the
 * range before ends at it, the next starts after it). Each range carries the line of its first byte, a
 * CSV range the header, a JSON range its first element's ordinal. Gzip objects are one range (a gzip
 * stream cannot be entered in the middle); so is a `.json` object that is not an array. Memory: one chunk.
 */
import { parse } from "csv-parse/sync";
import type { LandingByteRange } from "../../../contract/batch";
import type { LandingFormat } from "../landing-format";
import { sniffGzip, type ByteStream } from "./bytes";
import { headerProblem } from "./csv";

/** The object to plan. */
export interface PlannedObject {
  readonly key: string;
  readonly size: number;
  readonly format: LandingFormat;
}

/** Where a range may start: its byte offset, line and (JSON) element ordinal. */
interface Boundary {
  readonly offset: number;
  readonly line: number;
  readonly element: number;
}

/** Byte-level scanners: each reports the boundaries it passes. */
interface Scanner {
  scan(chunk: Buffer, base: number, boundary: (at: Boundary) => void): void;
}

const enum Csv {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

/** Plans the ranges of `object` from a full read of its bytes (`body`), about `targetBytes` each. */
export async function planRanges(object: PlannedObject, body: ByteStream, targetBytes: number): Promise<LandingByteRange[]> {
  const sniffed = await sniffGzip(body);
  const base = { key: object.key, format: object.format };
  if (sniffed.gzip) return [{ ...base, compression: "gzip", start: 0, end: object.size, firstLine: 1, index: 0 }];
  const boundaries: Boundary[] = [{ offset: 0, line: 1, element: 1 }];
  let next = targetBytes;
  let offset = 0;
  let header: string[] | undefined;
  const scanner =
    object.format === "csv" ? csvScanner((row) => (header = row)) : object.format === "ndjson" ? ndjsonScanner() : jsonScanner();
  for await (const chunk of sniffed.body) {
    scanner.scan(chunk, offset, (at) => {
      if (at.offset >= next && at.offset < object.size) {
        boundaries.push(at);
        next = at.offset + targetBytes;
      }
    });
    offset += chunk.length;
  }
  const end = Math.max(offset, object.size);
  if (object.format === "csv" && !header?.length) boundaries.length = 1; // no readable header: the reader reports the file
  return boundaries.map((at, index) => ({
    ...base,
    compression: "none",
    start: at.offset,
    end: index + 1 < boundaries.length ? rangeEnd(object.format, boundaries[index + 1].offset) : end,
    firstLine: at.line,
    ...(header && object.format === "csv" ? { header } : {}),
    ...(object.format === "json" ? { firstElement: at.element } : {}),
    index,
  }));
}

/** A JSON range ends at the comma before the next range's start; the others end where the next starts. */
function rangeEnd(format: LandingFormat, nextStart: number): number {
  return format === "json" ? nextStart - 1 : nextStart;
}

function ndjsonScanner(): Scanner {
  let line = 1;
  return {
    scan(chunk, base, boundary) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
        line++;
        boundary({ offset: base + i + 1, line, element: 1 });
      }
    },
  };
}

/** CSV rows: a quote opens a quoted field only at a field's start; `""` inside one is an escaped quote. */
function csvScanner(onHeader: (header: string[]) => void): Scanner {
  let line = 1;
  let state = Csv.FieldStart;
  let headerBytes: Buffer[] | undefined = [];
  return {
    scan(chunk, base, boundary) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 0x0a) line++;
        if (state === Csv.Quoted) {
          if (c === 0x22) state = Csv.QuoteInQuoted;
        } else if (state === Csv.QuoteInQuoted && c === 0x22) state = Csv.Quoted;
        else if (c === 0x2c) state = Csv.FieldStart;
        else if (c === 0x0a) {
          state = Csv.FieldStart;
          if (headerBytes) {
            headerBytes.push(chunk.subarray(0, i + 1));
            onHeader(headerOf(Buffer.concat(headerBytes)));
            headerBytes = undefined;
          } else boundary({ offset: base + i + 1, line, element: 1 });
        } else if (state === Csv.FieldStart) state = c === 0x22 ? Csv.Quoted : Csv.Unquoted;
        else if (state === Csv.QuoteInQuoted) state = Csv.Unquoted;
      }
      if (headerBytes) headerBytes.push(chunk);
    },
  };
}

/** The header row's cells; a file without a readable header is not split (the reader reports it). */
function headerOf(row: Buffer): string[] {
  try {
    const [cells] = parse(row, { bom: true, relax_column_count: true }) as string[][];
    const header = (cells ?? []).map((cell) => cell.trim());
    return headerProblem(header) === undefined ? header : [];
  } catch {
    return [];
  }
}

/** JSON: boundaries just after a comma at the top level of an array. */
function jsonScanner(): Scanner {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = 1;
  let array: boolean | undefined;
  return {
    scan(chunk, base, boundary) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 0x0a) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
          continue;
        }
        if (array === undefined && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xef && c !== 0xbb && c !== 0xbf) {
          array = c === 0x5b;
        }
        if (!array) continue;
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) depth--;
        else if (c === 0x2c && depth === 1) {
          element++;
          boundary({ offset: base + i + 1, line, element });
        }
      }
    },
  };
}

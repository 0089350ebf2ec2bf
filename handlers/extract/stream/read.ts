/**
 * Streamed landing reads: an object body (or one byte range of it) → gunzip when gzip → UTF-8 check →
 * the format's parser → {@link SourceItem}s with their 1-based lines, for the BatchBuilder. Memory is
 * the record being read, whatever the object's size. An object found unreadable part-way (corrupt gzip,
 * not UTF-8) ends with one `file-invalid` item; the items before it stand.
 */
import type { LandingByteRange } from "../../../contract/batch";
import type { LandingFormat, SourceItem } from "../landing-format";
import { landingBytes, UnreadableObject, utf8Checked, type ByteStream } from "./bytes";
import { csvItems } from "./csv";
import { jsonArrayItems } from "./json-array";
import { splitLines } from "./lines";
import { jsonLinesItems, ndjsonItems } from "./ndjson";

/** The items of a whole landing object in `format`. */
export function readLanding(format: LandingFormat, body: ByteStream): AsyncGenerator<SourceItem> {
  return guarded(() => {
    const bytes = landingBytes(body);
    if (format === "csv") return csvItems(bytes);
    if (format === "ndjson") return ndjsonItems(splitLines(bytes));
    return jsonItems(bytes);
  });
}

/** The items of exactly one planned byte range; `body` holds the range's bytes (a ranged GET). */
export function readRange(range: LandingByteRange, body: ByteStream): AsyncGenerator<SourceItem> {
  if (range.compression === "gzip") return readLanding(range.format, body);
  return guarded(() => {
    const bytes = utf8Checked(body);
    if (range.format === "ndjson") return ndjsonItems(splitLines(bytes, range.firstLine, range.start === 0));
    if (range.format === "csv") {
      return range.start === 0 || !range.header ? csvItems(bytes) : csvItems(bytes, { header: range.header, firstLine: range.firstLine });
    }
    if (range.start === 0) return jsonItems(bytes, range.end);
    return jsonArrayItems(bytes, { firstLine: range.firstLine, firstElement: range.firstElement ?? 1, opened: true });
  });
}

/**
 * `.json`: a JSON array (elements), or, when the text does not start with `[`, NDJSON or one
 * pretty-printed object. With `rangeEnd`, the bytes are the first range of a split array.
 */
async function* jsonItems(bytes: AsyncIterable<Buffer>, rangeEnd?: number): AsyncGenerator<SourceItem> {
  const { first, body } = await firstNonBlank(bytes);
  if (first === 0x5b) {
    yield* jsonArrayItems(body, rangeEnd === undefined ? undefined : { firstLine: 1, firstElement: 1, opened: false });
  } else yield* jsonLinesItems(splitLines(body));
}

/** The first byte that is not blank (after a BOM), and the whole body with nothing consumed. */
async function firstNonBlank(bytes: AsyncIterable<Buffer>): Promise<{ first: number | undefined; body: AsyncGenerator<Buffer> }> {
  const iterator = bytes[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let first: number | undefined;
  let skip = 0;
  let done = false;
  while (first === undefined && !done) {
    const next = await iterator.next();
    done = next.done === true;
    if (!next.done) head.push(next.value);
    const all = Buffer.concat(head);
    if (all.length < 3 && !done) continue; // a BOM may still be arriving
    if (skip === 0 && all.length >= 3 && all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf) skip = 3;
    for (let i = skip; i < all.length; i++) {
      if (![0x20, 0x0a, 0x0d, 0x09].includes(all[i])) {
        first = all[i];
        break;
      }
    }
  }
  const bom = skip;
  async function* body(): AsyncGenerator<Buffer> {
    const all = Buffer.concat(head);
    // The array reader counts lines from its first byte: a BOM holds no line feed, so dropping it is safe.
    if (all.length > bom) yield all.subarray(bom);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { first, body: body() };
}

/** Runs a reader, turning an {@link UnreadableObject} into a final `file-invalid` item. */
async function* guarded(read: () => AsyncGenerator<SourceItem>): AsyncGenerator<SourceItem> {
  try {
    yield* read();
  } catch (error) {
    if (error instanceof UnreadableObject) yield { kind: "file-invalid", reason: error.reason };
    else throw error;
  }
}

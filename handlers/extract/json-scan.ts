/**
 * The one hand-written JSON scanner: finds where a JSON value ends in a text without parsing it,
 * tracking strings (escapes included) and bracket depth, so braces, brackets and commas inside
 * string values never end a value. The splitter of concatenated JSON (`replay.ts`: raw backup and
 * Firehose error objects) cuts its values with it; `JSON.parse` then parses each piece. Landing files
 * do not use it: their JSON arrays are read with `@streamparser/json` (`stream/json-array.ts`).
 */

/** Where a scan stopped. */
export interface JsonExtent {
  /** Index the scan stopped at (see {@link scanJsonExtent}); at least the text's length when it ran out. */
  readonly end: number;
  /** Line feeds passed between the start and `end`. */
  readonly newlines: number;
  /** False when the text ended before the value did. */
  readonly complete: boolean;
}

/**
 * Scans from `from`. With `"element"` (inside a JSON array), stops AT the `,`, `]` or `}` that ends
 * the element at depth 0. With `"value"` (`from` at a `{` or `[`), stops just PAST the bracket that
 * closes it.
 */
export function scanJsonExtent(text: string, from: number, until: "element" | "value"): JsonExtent {
  let depth = 0;
  let inString = false;
  let newlines = 0;
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) newlines++;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (until === "element" && depth === 0) return { end: i, newlines, complete: true };
      depth--;
      if (until === "value" && depth === 0) return { end: i + 1, newlines, complete: true };
    } else if (c === 0x2c && depth === 0 && until === "element") return { end: i, newlines, complete: true };
  }
  return { end: i, newlines, complete: false };
}

/**
 * NDJSON over a byte stream (`.ndjson`, `.jsonl`, and a `.json` file that does not start with `[`):
 * one JSON value per line, blank lines skipped, CRLF read, each line reported at its 1-based number.
 */
import { isJsonObject, tryParseJson } from "../../../contract/json";
import type { SourceItem } from "../landing-format";
import type { Line } from "./lines";

/** The item of one line, or undefined for a blank line. */
export function lineItem({ line, text }: Line): SourceItem | undefined {
  if (text.trim() === "") return undefined;
  try {
    return { kind: "value", line, position: String(line), raw: text, value: JSON.parse(text) };
  } catch (error) {
    return { kind: "invalid", line, raw: text, reason: `malformed JSON: ${(error as Error).message}` };
  }
}

/** NDJSON items of numbered lines. */
export async function* ndjsonItems(lines: AsyncIterable<Line>): AsyncGenerator<SourceItem> {
  for await (const line of lines) {
    const item = lineItem(line);
    if (item) yield item;
  }
}

/** Most bytes gathered while looking for one pretty-printed object: past the largest record accepted, it cannot be one. */
const MAX_GATHERED_CHARS = 2 * 1024 * 1024;

/**
 * A `.json` file that does not start with `[`: NDJSON, or one (possibly pretty-printed) JSON object.
 * The first value's lines are gathered until they parse as one object (tried at lines ending in `}`);
 * a first line that parses alone means NDJSON. Lines that never make an object are read as NDJSON.
 */
export async function* jsonLinesItems(lines: AsyncIterable<Line>): AsyncGenerator<SourceItem> {
  const gathered: Line[] = [];
  let chars = 0;
  let gathering = true;
  for await (const line of lines) {
    if (!gathering) {
      const item = lineItem(line);
      if (item) yield item;
      continue;
    }
    if (gathered.length === 0 && line.text.trim() === "") continue;
    gathered.push(line);
    chars += line.text.length + 1;
    const object = line.text.trimEnd().endsWith("}") ? tryParseJson(gathered.map((l) => l.text).join("\n")) : undefined;
    if (gathered.length > 1 && isJsonObject(object)) {
      const raw = gathered.map((l) => l.text).join("\n");
      yield { kind: "value", line: gathered[0].line, position: String(gathered[0].line), raw, value: object };
      gathering = false;
      gathered.length = 0;
    } else if (gathered.length === 1 && object !== undefined) {
      gathering = false;
    }
    if (!gathering || chars > MAX_GATHERED_CHARS) {
      yield* flush(gathered);
      gathering = false;
    }
  }
  yield* flush(gathered);
}

function* flush(lines: Line[]): Generator<SourceItem> {
  for (const line of lines.splice(0)) {
    const item = lineItem(line);
    if (item) yield item;
  }
}

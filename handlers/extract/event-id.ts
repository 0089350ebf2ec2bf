/** Deterministic event ids for records that carry none. Pure. */
import { createHash } from "node:crypto";
import { BATCH_ID_COLUMN } from "../../contract/batch";
import { isJsonObject, type JsonObject } from "../../contract/json";

/**
 * A deterministic event id for a record that has none: the first 32 hex digits of
 * sha256(`<landing key>:<position>:<canonical JSON of the validated record>`), so re-running the same
 * files yields the same ids and the lake can deduplicate. `position` is the line number (NDJSON, CSV)
 * or `line#element` (JSON arrays, where several elements may share a line). The id and batch_id
 * columns are left out of the canonical JSON, so the id does not depend on the batch.
 */
export function generatedEventId(key: string, position: string, record: JsonObject, idColumn: string): string {
  const content: JsonObject = {};
  for (const name of Object.keys(record)) {
    if (name !== idColumn && name !== BATCH_ID_COLUMN) content[name] = record[name];
  }
  return createHash("sha256")
    .update(`${key}:${position}:${canonicalJson(content)}`)
    .digest("hex")
    .slice(0, 32);
}

/** JSON with object keys sorted at every level, so equal records serialise equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What the adapters read from their environment, in one place: each function's settings JSON, parsed
 * through its contract schema (contract/settings.ts) once per distinct value, and the names the stack
 * passes. Every read names the construct that sets the variable when it is missing.
 */
import { BATCH_ENV } from "../../contract/batch";
import { readEnv, TRANSFORM_ENV } from "../../contract/environment";
import {
  batchSettingsSchema,
  parseSettings,
  transformSettingsSchema,
  type BatchSettings,
  type TransformSettings,
} from "../../contract/settings";

/** `parse`, remembering the result for the last text it was given. */
function parsedOnce<T>(parse: (text: string) => T): (text: string) => T {
  let last: { readonly text: string; readonly value: T } | undefined;
  return (text) => {
    if (last?.text !== text) last = { text, value: parse(text) };
    return last.value;
  };
}

const parseBatch = parsedOnce((text) => parseSettings(batchSettingsSchema, BATCH_ENV.settings, text));
const parseTransform = parsedOnce((text) => parseSettings(transformSettingsSchema, TRANSFORM_ENV.settings, text));

/** `BATCH_SETTINGS` of the four batch functions; throws naming every problem. */
export function batchSettings(env: NodeJS.ProcessEnv = process.env): BatchSettings {
  return parseBatch(readEnv(env, BATCH_ENV.settings, "BatchStage"));
}

/** A name the batch stage passes to its functions: the lake bucket or the stream. */
export function batchName(name: "bucket" | "streamName", env: NodeJS.ProcessEnv = process.env): string {
  return readEnv(env, BATCH_ENV[name], "BatchStage");
}

/** `TRANSFORM_SETTINGS` of the transform function; throws naming every problem. */
export function transformSettings(env: NodeJS.ProcessEnv = process.env): TransformSettings {
  return parseTransform(readEnv(env, TRANSFORM_ENV.settings, "TransformFunction"));
}

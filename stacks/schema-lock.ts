/**
 * The schema lock: `schema.lock.json`, committed next to the configuration, holds the table schema each
 * environment was last synthesized with. Every synth compares the configured schema with it
 * (contract/schema-evolution.ts): safe changes update the lock, a breaking change stops synth with
 * what breaks and the way out, unless that change is accepted by name for this one synth
 * (`SCHEMA_LOCK_ACCEPT`), after a migration.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { classifySchemaChanges, type LockedSchema, type SchemaChange } from "../contract/schema-evolution";

/** Default lock file, relative to where synth runs (the project root). */
export const DEFAULT_SCHEMA_LOCK_PATH = "schema.lock.json";

/** Environment variable naming accepted breaking changes: `prod:revenue,prod:partition keys`. */
export const ACCEPT_VARIABLE = "SCHEMA_LOCK_ACCEPT";

export interface SchemaLockFile {
  readonly about: string;
  readonly environments: Readonly<Record<string, LockedSchema>>;
}

const ABOUT =
  "Table schema of each environment at its last synth. Written by synth; commit it. A breaking change stops synth: see docs/configuration.md, Schema changes.";

/** What one synth found against the lock. */
export interface SchemaLockCheck {
  /** Every difference, per environment, classified. */
  readonly changes: ReadonlyArray<SchemaChange & { readonly environment: string; readonly accepted: boolean }>;
  /** Breaking changes not accepted: synth must stop. */
  readonly blocking: ReadonlyArray<SchemaChange & { readonly environment: string }>;
  /** The lock to write when synth succeeds (undefined when nothing changed). */
  readonly next?: SchemaLockFile;
}

/** Reads the lock; a missing file is an empty lock. Throws naming the file when it is not a lock. */
export function readSchemaLock(path: string): SchemaLockFile {
  if (!existsSync(path)) return { about: ABOUT, environments: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}); restore it from version control`);
  }
  const environments = (parsed as { environments?: unknown })?.environments;
  if (typeof environments !== "object" || environments === null || Array.isArray(environments)) {
    throw new Error(`${path} has no "environments" object; restore it from version control`);
  }
  return { about: ABOUT, environments: environments as Record<string, LockedSchema> };
}

/** Parses `SCHEMA_LOCK_ACCEPT`: `<environment>:<column>` entries separated by commas. */
export function parseAccepted(text: string | undefined): Set<string> {
  const entries = (text ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!/^[^:]+:.+$/.test(entry)) {
      throw new Error(`${ACCEPT_VARIABLE} entry ${JSON.stringify(entry)} must be <environment>:<column>, e.g. prod:revenue`);
    }
  }
  return new Set(entries);
}

/** The top-level column a change is about (`items` for `items[].price`). */
function columnOf(change: SchemaChange): string {
  return change.column === "partition keys" ? change.column : change.column.split(/[.[]/)[0];
}

/** Compares each environment's schema with the lock. Environments missing from the lock are added. */
export function checkSchemaLock(
  lock: SchemaLockFile,
  schemas: ReadonlyArray<{ readonly environment: string; readonly schema: LockedSchema }>,
  accepted: ReadonlySet<string>,
): SchemaLockCheck {
  const changes: Array<SchemaChange & { environment: string; accepted: boolean }> = [];
  const environments: Record<string, LockedSchema> = { ...lock.environments };
  let changed = false;
  for (const { environment, schema } of schemas) {
    const locked = lock.environments[environment];
    const normalized: LockedSchema = {
      partitionKeys: [...schema.partitionKeys],
      columns: schema.columns.map(({ name, type, required }) => ({ name, type, required })),
    };
    if (locked && JSON.stringify(locked) === JSON.stringify(normalized)) continue;
    changed = true;
    environments[environment] = normalized;
    if (!locked) continue;
    for (const change of classifySchemaChanges(locked, normalized)) {
      changes.push({ ...change, environment, accepted: accepted.has(`${environment}:${columnOf(change)}`) });
    }
  }
  const blocking = changes.filter((change) => change.verdict === "breaking" && !change.accepted);
  const sorted = Object.fromEntries(
    Object.keys(environments)
      .sort()
      .map((name) => [name, environments[name]]),
  );
  return { changes, blocking, next: changed ? { about: ABOUT, environments: sorted } : undefined };
}

/** Writes the lock (through a temporary file, so an interrupted synth never leaves half a lock). */
export function writeSchemaLock(path: string, lock: SchemaLockFile): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(lock, null, 2)}\n`);
  renameSync(temporary, path);
}

/** The message that stops synth: each breaking change, why old files break, and the ways out. */
export function blockingMessage(blocking: SchemaLockCheck["blocking"], path: string): string {
  const lines = blocking.map((change) => {
    const types = change.from || change.to ? ` (${change.from ?? "—"} → ${change.to ?? "—"})` : "";
    return `  - [${change.environment}] ${change.column}: ${change.kind}${types}. Why old files break: ${change.reason}.`;
  });
  const names = [...new Set(blocking.map((change) => `${change.environment}:${columnOf(change)}`))].join(",");
  return [
    `Synth stopped: ${blocking.length} schema change(s) would break the data already in the lake (compared with ${path}):`,
    ...lines,
    "Way out (docs/configuration.md, Schema changes):",
    "  - keep the old column as it is and add a new optional column for the new shape (always safe); or",
    "  - start a new table version on a new prefix for the new schema and query both through a view (UNION ALL with CASTs); or",
    "  - rewrite the existing data into the new schema with an Athena CTAS (CREATE TABLE … AS SELECT with CASTs) and swap it in.",
    `Once the data is migrated, accept the change for one synth: ${ACCEPT_VARIABLE}="${names}" npm run synth (the lock then records the new schema; commit it).`,
  ].join("\n");
}

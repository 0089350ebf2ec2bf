/**
 * Rules on the event schema that read more than one column or another setting. Column types are
 * checked by the schema itself (../schema/ingest.ts).
 */
import { partitionKeys } from "../../../contract/event-schema";
import { LIMITS } from "../limits";
import type { ProblemList } from "../problems";
import type { PipelineSettings } from "../settings";

/** Largest functions' settings JSON: the 4 KB of Lambda environment less room for the other variables. */
const MAX_SETTINGS_BYTES = LIMITS.lambdaEnvironmentBytes - 512;

export function checkEventSchema(p: ProblemList, s: PipelineSettings): void {
  if (s.schema.columns.length === 0) {
    p.add("schema.columns", s.schema.columns, "at least one column", "declare the event's columns in schema.columns");
  }
  checkColumnNames(p, s);
  checkEventTimeColumn(p, s);
  checkSettingsSize(p, s);
}

function checkColumnNames(p: ProblemList, s: PipelineSettings): void {
  const keys: readonly string[] = partitionKeys(s.partitioning.dayKey);
  const seen = new Set<string>();
  s.schema.columns.forEach((column, i) => {
    const field = `schema.columns.${i}.name`;
    const lower = column.name.toLowerCase();
    if (column.name !== lower) {
      const fix = `rename it to "${lower}"; producers may keep sending the original case, the transform lower-cases keys`;
      p.add(field, column.name, "a lower-case name (Glue, Athena and Parquet lower-case column names)", fix);
    } else {
      p.name(field, column.name, LIMITS.glue.name, {
        what: "column name of lower-case letters, digits and underscores",
        derived: false,
      });
    }
    if (seen.has(lower)) p.add(field, column.name, "a name used by no other column", "remove or rename the duplicate column");
    seen.add(lower);
    if (keys.includes(lower)) {
      const fix = `rename the column (e.g. "${column.name}_value"), or change partitioning.dayKey if it collides with the day key`;
      p.add(field, column.name, `a name other than the partition keys ${keys.join(", ")}`, fix);
    }
  });
}

function checkEventTimeColumn(p: ProblemList, s: PipelineSettings): void {
  const { columns, eventTimeColumn } = s.schema;
  const field = "schema.eventTimeColumn";
  const eventColumn = columns.find((col) => col.name === eventTimeColumn);
  if (!eventColumn) {
    const names = columns.map((col) => col.name).join(", ");
    p.add(
      field,
      eventTimeColumn,
      `the name of a timestamp column in schema.columns (${names})`,
      "name the column that holds when the event happened",
    );
  } else if (eventColumn.type !== "timestamp") {
    const fix = "set that column's type to timestamp, or name a timestamp column";
    p.add(field, eventTimeColumn, `a column of type timestamp (it is ${eventColumn.type})`, fix);
  } else if (!eventColumn.required) {
    const allowed = "a required column (event-time partitions and validation need it on every record)";
    p.add(field, eventTimeColumn, allowed, `set required: true on column "${eventTimeColumn}"`);
  }
}

/** The transform receives the schema in an environment variable, and Lambda allows 4 KB of those. */
function checkSettingsSize(p: ProblemList, s: PipelineSettings): void {
  const settings = {
    schema: s.schema,
    dayKey: s.partitioning.dayKey,
    partitionTime: s.partitioning.partitionTime,
    dropRules: s.delivery.dropRules,
  };
  const bytes = Buffer.byteLength(JSON.stringify(settings));
  if (bytes <= MAX_SETTINGS_BYTES) return;
  const allowed = `a schema that fits the transform's 4 KB of environment variables (at most ${MAX_SETTINGS_BYTES} bytes as JSON)`;
  p.add("schema.columns", `${s.schema.columns.length} columns (${bytes} bytes)`, allowed, "shorten or drop column descriptions");
}

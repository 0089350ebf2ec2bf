/**
 * Which schema changes the lake survives. Athena reads each Parquet file with the table's current
 * schema, matching columns by name; a change the old files cannot be read with makes every query over
 * the old partitions fail (HIVE_BAD_DATA, type mismatch) or silently hides their data. The rules
 * follow Athena's "Handle schema updates" documentation for Parquet read by name, the default
 * (https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html) and its table of
 * types Athena reads as other types
 * (https://docs.aws.amazon.com/athena/latest/ug/updates-changing-column-type.html). Where Athena
 * documents nothing (struct field order, decimal precision), the verdict is the safe one: breaking.
 * Pure: no I/O.
 */
import { glueTypeString, parseGlueType, type GlueTypeNode } from "./glue-type";

/** One column as the lock records it. */
export interface LockedColumn {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
}

/** The table schema of one environment as the lock records it. */
export interface LockedSchema {
  readonly partitionKeys: readonly string[];
  readonly columns: readonly LockedColumn[];
}

export type Verdict = "safe" | "breaking";

/** One difference between the locked schema and the new one. */
export interface SchemaChange {
  /** The column (or `partition keys`), with the path inside a nested type: `items.price`. */
  readonly column: string;
  /** What changed, e.g. `widened`, `removed`, `renamed`, `narrowed`, `added optional`. */
  readonly kind: string;
  readonly verdict: Verdict;
  /** Old and new type (or key list), when the change is about one. */
  readonly from?: string;
  readonly to?: string;
  /** Why the verdict: for a breaking change, why the files already written break. */
  readonly reason: string;
}

/** Scalar types Athena reads as a wider type over old Parquet files (updates-changing-column-type.html). */
export const ATHENA_WIDENINGS: Readonly<Record<string, readonly string[]>> = {
  tinyint: ["smallint", "int", "bigint"],
  smallint: ["int", "bigint"],
  int: ["bigint"],
  float: ["double"],
};

const TYPE_BREAKS =
  "the Parquet files already written hold the old type, and Athena reads a column as another type only for the widenings it documents (tinyint → smallint → int → bigint, float → double): queries over the old partitions would fail with HIVE_BAD_DATA (type mismatch)";

/** Every difference between `locked` and `next`, each classified. Unchanged columns give nothing. */
export function classifySchemaChanges(locked: LockedSchema, next: LockedSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  if (locked.partitionKeys.join(",") !== next.partitionKeys.join(",")) {
    changes.push({
      column: "partition keys",
      kind: "partition keys changed",
      verdict: "breaking",
      from: locked.partitionKeys.join(", "),
      to: next.partitionKeys.join(", "),
      reason: "the data already written lies under folders named by the old keys; the table would no longer find those partitions",
    });
  }
  const oldByName = new Map(locked.columns.map((c) => [c.name, c]));
  const newByName = new Map(next.columns.map((c) => [c.name, c]));
  const removed = locked.columns.filter((c) => !newByName.has(c.name));
  const added = next.columns.filter((c) => !oldByName.has(c.name));
  const renamed = new Set<string>();
  for (const column of removed) {
    const renamedTo = added.find((a) => a.type === column.type && !renamed.has(a.name));
    if (renamedTo) {
      changes.push({
        column: column.name,
        kind: `renamed to ${renamedTo.name}`,
        verdict: "breaking",
        from: column.name,
        to: renamedTo.name,
        reason: `Athena reads Parquet columns by name: the files already written have no column ${renamedTo.name} (it reads as NULL for all existing rows) and the data of ${column.name} disappears from the table`,
      });
      renamed.add(renamedTo.name);
      continue;
    }
    changes.push({
      column: column.name,
      kind: "removed",
      verdict: "breaking",
      from: column.type,
      reason: "the data already written in this column disappears from the table, and the queries, views and dashboards that name it fail",
    });
  }
  for (const column of added) {
    if (renamed.has(column.name)) continue;
    changes.push(
      column.required
        ? {
            column: column.name,
            kind: "added required",
            verdict: "breaking",
            to: column.type,
            reason: "the files already written have no value for it: every existing row would break the required guarantee",
          }
        : { column: column.name, kind: "added optional", verdict: "safe", to: column.type, reason: "old files read it as NULL" },
    );
  }
  for (const column of next.columns) {
    const old = oldByName.get(column.name);
    if (!old) continue;
    if (!old.required && column.required) {
      changes.push({
        column: column.name,
        kind: "made required",
        verdict: "breaking",
        reason: "rows already written may have no value in it: they would break the required guarantee",
      });
    } else if (old.required && !column.required) {
      changes.push({
        column: column.name,
        kind: "made optional",
        verdict: "safe",
        reason: "every existing row has a value; new rows may not",
      });
    }
    if (old.type !== column.type) changes.push(...typeChanges(column.name, parseGlueType(old.type), parseGlueType(column.type)));
  }
  return changes;
}

/** Differences between two types at `path`, recursing into arrays, maps and structs. */
export function typeChanges(path: string, from: GlueTypeNode, to: GlueTypeNode): SchemaChange[] {
  const fromText = glueTypeString(from);
  const toText = glueTypeString(to);
  if (fromText === toText) return [];
  if (from.kind === "scalar" && to.kind === "scalar" && ATHENA_WIDENINGS[from.name]?.includes(to.name)) {
    return [
      {
        column: path,
        kind: "widened",
        verdict: "safe",
        from: fromText,
        to: toText,
        reason: "Athena reads the old values as the wider type",
      },
    ];
  }
  if (from.kind === "array" && to.kind === "array") return typeChanges(`${path}[]`, from.element, to.element);
  if (from.kind === "map" && to.kind === "map") return typeChanges(`${path}[key]`, from.value, to.value);
  if (from.kind === "struct" && to.kind === "struct") return structChanges(path, from.fields, to.fields);
  const kind =
    from.kind === to.kind && from.kind !== "decimal"
      ? "narrowed or changed"
      : from.kind === "decimal" && to.kind === "decimal"
        ? "decimal precision or scale changed"
        : "type changed";
  return [{ column: path, kind, verdict: "breaking", from: fromText, to: toText, reason: TYPE_BREAKS }];
}

function structChanges(
  path: string,
  from: readonly { name: string; type: GlueTypeNode }[],
  to: readonly { name: string; type: GlueTypeNode }[],
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const toByName = new Map(to.map((f) => [f.name, f]));
  for (const field of from) {
    const next = toByName.get(field.name);
    if (!next) {
      changes.push({
        column: `${path}.${field.name}`,
        kind: "struct field removed or renamed",
        verdict: "breaking",
        from: glueTypeString(field.type),
        reason: "the field's data already written disappears from the table, and queries that name it fail",
      });
      continue;
    }
    changes.push(...typeChanges(`${path}.${field.name}`, field.type, next.type));
  }
  const kept = to.filter((f) => from.some((old) => old.name === f.name)).map((f) => f.name);
  const sameOrder = kept.every((name, i) => name === from.filter((old) => toByName.has(old.name))[i]?.name);
  const firstNew = to.findIndex((f) => !from.some((old) => old.name === f.name));
  const newAtEnd = firstNew === -1 || to.slice(firstNew).every((f) => !from.some((old) => old.name === f.name));
  for (const field of to.filter((f) => !from.some((old) => old.name === f.name))) {
    changes.push(
      newAtEnd && sameOrder
        ? {
            column: `${path}.${field.name}`,
            kind: "struct field added at the end",
            verdict: "safe",
            to: glueTypeString(field.type),
            reason: "old files read it as NULL",
          }
        : {
            column: `${path}.${field.name}`,
            kind: "struct field inserted before existing fields",
            verdict: "breaking",
            to: glueTypeString(field.type),
            reason: "Athena documents no rule for struct fields: the safe side accepts new fields only after the existing ones",
          },
    );
  }
  if (!sameOrder) {
    changes.push({
      column: path,
      kind: "struct fields reordered",
      verdict: "breaking",
      reason: "Athena documents no rule for struct fields: the safe side accepts them only in their old order",
    });
  }
  return changes;
}

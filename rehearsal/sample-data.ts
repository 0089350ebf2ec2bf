/**
 * STAND-IN for upstream systems: sample landing files generated from the event schema, so the
 * rehearsal has a batch to load when no `--input` folder is given. Deterministic for a seed.
 *
 * The batch mixes every landing format the extract reads — NDJSON, a JSON array, CSV and gzipped
 * NDJSON — and the shapes producers really send: keys in mixed case, numbers as strings, event times
 * as ISO-8601 with offsets, `yyyy-MM-dd HH:mm:ss` and epoch milliseconds, missing optional values,
 * keys outside the schema, records without an event id. About 0.5 % of the lines are bad (malformed
 * JSON, a missing required column, a value of the wrong type, an unparseable time, a CSV row with the
 * wrong number of cells, an array element that is not an object); each is counted by kind so the
 * report can be checked against what the extract rejected. Integer columns of type bigint get ~2 %
 * values beyond int's range, so a table that declares such a column `int` is caught by the conversion.
 */
import { gzipSync } from "node:zlib";
import type { EventColumn, EventSchema } from "../contract/event-schema";
import { parseDecimal } from "../contract/event-schema";
import { glueTypeString, isComplex, parseGlueType, type GlueTypeNode } from "../contract/glue-type";

/** One generated landing file. */
export interface LandingFile {
  /** File name, placed under `landing/<folder>/`. */
  readonly name: string;
  readonly body: Buffer;
  /** Records or lines in the file, bad ones included. */
  readonly items: number;
  readonly badLines: number;
}

/** What was generated, for checking the counts end to end. */
export interface SampleData {
  readonly files: readonly LandingFile[];
  /** Every record or line in the files: valid + bad. */
  readonly items: number;
  readonly valid: number;
  readonly bad: number;
  /** Bad lines by what is wrong with them. */
  readonly badKinds: Readonly<Record<string, number>>;
  /** Valid records whose value of a bigint column exceeds int's range, per column. */
  readonly beyondIntRange: Readonly<Record<string, number>>;
  /** Valid records sent without an event id (the extract generates one). */
  readonly withoutEventId: number;
}

export interface SampleDataOptions {
  /** Records and lines over all files, bad ones included. */
  readonly records: number;
  /** @default 1 */
  readonly seed?: number;
  /** Event times fall in the six hours before this. @default now */
  readonly now?: Date;
  /** Column that holds the event id; some records leave it out. */
  readonly eventIdColumn: string;
}

const BAD_SHARE = 0.005;
const INT_MAX = 2_147_483_647;

type Row = Record<string, unknown>;

/** Generates the sample batch: four files, about 40/20/20/20 % NDJSON, JSON array, CSV, NDJSON.gz. */
export function generateLandingFiles(schema: EventSchema, options: SampleDataOptions): SampleData {
  if (!Number.isInteger(options.records) || options.records < 1)
    throw new Error(`records must be a positive integer, got ${options.records}`);
  const random = mulberry32(options.seed ?? 1);
  const now = options.now ?? new Date();
  const counts = {
    valid: 0,
    bad: 0,
    withoutEventId: 0,
    badKinds: {} as Record<string, number>,
    beyondIntRange: {} as Record<string, number>,
  };
  const generator = new RowGenerator(schema, options.eventIdColumn, random, now, options.seed ?? 1);

  const shares = [0.4, 0.2, 0.2, 0.2];
  const sizes = shares.map((share) => Math.floor(options.records * share));
  sizes[0] += options.records - sizes.reduce((a, b) => a + b, 0);
  const kinds = ["ndjson", "json", "csv", "ndjson.gz"] as const;
  const files: LandingFile[] = [];
  let index = 0;
  kinds.forEach((kind, k) => {
    const size = sizes[k];
    if (size === 0) return;
    const badEvery = size >= 20 ? Math.max(20, Math.round(1 / BAD_SHARE)) : Infinity;
    const items: Array<{ row: Row } | { bad: string; kind: string }> = [];
    for (let i = 0; i < size; i++, index++) {
      if ((i + 7) % badEvery === 0) {
        const bad = generator.badItem(kind, index);
        counts.bad++;
        counts.badKinds[bad.kind] = (counts.badKinds[bad.kind] ?? 0) + 1;
        items.push(bad);
      } else {
        const { row, withoutId, beyondInt } = generator.row(index, kind === "csv");
        counts.valid++;
        if (withoutId) counts.withoutEventId++;
        for (const column of beyondInt) counts.beyondIntRange[column] = (counts.beyondIntRange[column] ?? 0) + 1;
        items.push({ row });
      }
    }
    const badLines = items.filter((item) => "bad" in item).length;
    const name = `events-${k + 1}.${kind}`;
    files.push({ name, body: render(kind, items, schema), items: size, badLines });
  });
  return {
    files,
    items: counts.valid + counts.bad,
    valid: counts.valid,
    bad: counts.bad,
    badKinds: counts.badKinds,
    beyondIntRange: counts.beyondIntRange,
    withoutEventId: counts.withoutEventId,
  };
}

function render(kind: string, items: Array<{ row: Row } | { bad: string }>, schema: EventSchema): Buffer {
  if (kind === "csv") {
    const header = schema.columns.map((column) => column.name);
    const lines = [header.join(",")];
    for (const item of items) {
      lines.push("bad" in item ? item.bad : header.map((name) => csvCell(item.row[name])).join(","));
    }
    return Buffer.from(`${lines.join("\n")}\n`);
  }
  if (kind === "json") {
    const elements = items.map((item) => ("bad" in item ? item.bad : JSON.stringify(item.row)));
    return Buffer.from(`[\n${elements.join(",\n")}\n]\n`);
  }
  const text = `${items.map((item) => ("bad" in item ? item.bad : JSON.stringify(item.row))).join("\n")}\n`;
  return kind === "ndjson.gz" ? gzipSync(text) : Buffer.from(text);
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  // A nested value travels in a CSV cell as its JSON text, which the extract reads back.
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

class RowGenerator {
  private readonly required: EventColumn | undefined;
  private readonly numeric: EventColumn | undefined;

  constructor(
    private readonly schema: EventSchema,
    private readonly idColumn: string,
    private readonly random: () => number,
    private readonly now: Date,
    private readonly seed: number,
  ) {
    this.required = schema.columns.find((c) => c.required && c.name !== idColumn && c.name !== schema.eventTimeColumn);
    this.numeric = schema.columns.find((c) => !isComplex(parseGlueType(c.type)) && /int|float|double|decimal/.test(c.type));
  }

  /** A valid record; CSV rows keep every value a string, as a CSV export would. */
  row(index: number, csv: boolean): { row: Row; withoutId: boolean; beyondInt: string[] } {
    const row: Row = {};
    const beyondInt: string[] = [];
    let withoutId = false;
    for (const column of this.schema.columns) {
      if (column.name === this.idColumn) {
        if (this.random() < 0.1) {
          withoutId = true;
          continue;
        }
        row[column.name] = `rh-${this.seed}-${String(index).padStart(8, "0")}`;
        continue;
      }
      if (column.name === this.schema.eventTimeColumn) {
        row[column.name] = this.eventTime(csv);
        continue;
      }
      if (!column.required && this.random() < 0.2) continue;
      const value = this.value(column, index);
      if (column.type === "bigint" && typeof value === "number" && value > INT_MAX) beyondInt.push(column.name);
      row[column.name] = !csv && typeof value === "number" && this.random() < 0.05 ? String(value) : value;
    }
    if (!csv && this.random() < 0.05) row._source = "rehearsal";
    if (!csv && this.random() < 0.05) return { row: upperFirstKey(row), withoutId, beyondInt };
    return { row, withoutId, beyondInt };
  }

  /** A line the extract must reject, by format. */
  badItem(format: string, index: number): { bad: string; kind: string } {
    const { row } = this.row(index, format === "csv");
    const pick = Math.floor(this.random() * 3);
    if (format === "csv") {
      if (pick === 0) return { kind: "CSV row with the wrong number of cells", bad: "too,few" };
      row[this.schema.eventTimeColumn] = "sometime yesterday";
      return { kind: "unparseable event time", bad: this.schema.columns.map((c) => csvCell(row[c.name])).join(",") };
    }
    if (format === "json" && pick === 0) return { kind: "array element that is not an object", bad: JSON.stringify(`event ${index}`) };
    if (pick === 1 && this.required) {
      // The row may carry the key upper-cased (mixed-case keys), which the extract matches: drop it in any case.
      const required = this.required.name.toLowerCase();
      for (const key of Object.keys(row)) if (key.toLowerCase() === required) delete row[key];
      return { kind: `missing required ${this.required.name}`, bad: JSON.stringify(row) };
    }
    if (pick === 2 && this.numeric) {
      row[this.numeric.name] = "n/a";
      return { kind: `${this.numeric.name} not a number`, bad: JSON.stringify(row) };
    }
    if (format === "json") {
      row[this.schema.eventTimeColumn] = "sometime yesterday";
      return { kind: "unparseable event time", bad: JSON.stringify(row) };
    }
    return { kind: "malformed JSON", bad: JSON.stringify(row).slice(0, -12) };
  }

  private eventTime(csv: boolean): string | number {
    const t = new Date(this.now.getTime() - Math.floor(this.random() * 6 * 3_600_000));
    const form = this.random();
    if (csv || form < 0.7) return t.toISOString();
    if (form < 0.8) return t.toISOString().slice(0, 19).replace("T", " ");
    if (form < 0.9) return t.getTime();
    const shifted = new Date(t.getTime() + 2 * 3_600_000).toISOString().slice(0, 19);
    return `${shifted}+02:00`;
  }

  private value(column: EventColumn, index: number): unknown {
    const r = this.random;
    const name = column.name;
    switch (column.type) {
      case "string":
        return this.text(name, index);
      case "boolean":
        return r() < 0.1;
      case "tinyint":
        return Math.floor(r() * 100);
      case "smallint":
        return Math.floor(r() * 30_000);
      case "int":
        return Math.floor(r() * 2_000_000_000);
      case "bigint":
        return r() < 0.02 ? INT_MAX + 1 + Math.floor(r() * 1e9) : 100 + Math.floor(r() * 600_000);
      case "float":
      case "double":
        return Math.round(r() * 1_000_000) / 1000;
      case "date":
        return new Date(this.now.getTime() - Math.floor(r() * 30) * 86_400_000).toISOString().slice(0, 10);
      case "timestamp":
        return new Date(this.now.getTime() - Math.floor(r() * 86_400_000)).toISOString();
      default: {
        const node = parseGlueType(column.type);
        if (isComplex(node)) return this.nested(node, name, index);
        const decimal = parseDecimal(column.type);
        if (!decimal) return null;
        const max = Math.min(10 ** (decimal.precision - decimal.scale) - 1, 10_000);
        return Number((r() * max).toFixed(decimal.scale));
      }
    }
  }

  /** A nested value: 1–3 array elements, every struct field, 1–3 map entries; scalars inside as for columns. */
  private nested(node: GlueTypeNode, name: string, index: number): unknown {
    if (node.kind === "array")
      return Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => this.nested(node.element, name, index));
    if (node.kind === "map") {
      const keys = ["campaign", "variant", "experiment"].slice(0, 1 + Math.floor(this.random() * 3));
      return Object.fromEntries(keys.map((key) => [key, this.nested(node.value, key, index)]));
    }
    if (node.kind === "struct") return Object.fromEntries(node.fields.map((f) => [f.name, this.nested(f.type, f.name, index)]));
    return this.value({ name, type: glueTypeString(node) as EventColumn["type"], required: false }, index);
  }

  private text(name: string, index: number): string {
    const pick = <T>(values: readonly T[]) => values[Math.floor(this.random() * values.length)];
    if (name.includes("event_type") || name === "type") return pick(["page_view", "click", "add_to_cart", "purchase"]);
    if (name.includes("device")) return pick(["mobile", "desktop", "tablet"]);
    if (name.includes("country")) return pick(["DE", "FR", "GB", "US", "JP", "BR"]);
    if (name.includes("url"))
      return `https://shop.example.com/catalog/${Math.floor(this.random() * 40)}/products/${index % 5000}?q=boots,waterproof`;
    if (name.includes("referrer")) return `https://www.example.org/search?q=${pick(["boots", "coats", '"gifts"'])}`;
    if (name.endsWith("_id")) return `${name.slice(0, -3)}-${Math.floor(this.random() * 50_000)}`;
    return `${name}-${index % 997}`;
  }
}

/** The same record with its first key upper-cased, as some producers send it. */
function upperFirstKey(row: Row): Row {
  const entries = Object.entries(row);
  if (entries.length === 0) return row;
  const [first, ...rest] = entries;
  return Object.fromEntries([[first[0].toUpperCase(), first[1]], ...rest]);
}

/** A small seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

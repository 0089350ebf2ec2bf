/**
 * Glue column types as a typed tree: a small recursive-descent parser over Glue's own type syntax
 * (`array<struct<sku:string,price:double>>`, `map<string,bigint>`, `decimal(12,2)`, scalars), and the
 * text each consumer needs from one parse: the Glue column type string, the Presto/Trino type of an
 * Athena view, and the DuckDB type of the rehearsal's Parquet files.
 *
 * The Glue string is lower-case without spaces, the form Glue's own console and crawlers write and the
 * form Firehose reads for record format conversion ("If you use nested JSON, use a STRUCT type in the
 * schema that mirrors the structure of your JSON data",
 * https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html; the Hive type grammar,
 * https://docs.aws.amazon.com/athena/latest/ug/data-types.html: `array<data_type>`,
 * `map<primitive_type, data_type>`, `struct<col_name : data_type [comment col_comment] [, ...]>`).
 * No cdktf and no AWS SDK here.
 */

/** Glue (Hive) scalar types the pipeline supports end to end: table, transform coercion and SQL. */
export const SCALAR_GLUE_TYPES = [
  "string",
  "boolean",
  "tinyint",
  "smallint",
  "int",
  "bigint",
  "float",
  "double",
  "date",
  "timestamp",
] as const;

export type ScalarGlueType = (typeof SCALAR_GLUE_TYPES)[number];

/** A parsed Glue type. */
export type GlueTypeNode =
  | { readonly kind: "scalar"; readonly name: ScalarGlueType }
  | { readonly kind: "decimal"; readonly precision: number; readonly scale: number }
  | { readonly kind: "array"; readonly element: GlueTypeNode }
  | { readonly kind: "map"; readonly value: GlueTypeNode }
  | { readonly kind: "struct"; readonly fields: readonly GlueStructField[] };

export interface GlueStructField {
  readonly name: string;
  readonly type: GlueTypeNode;
}

/** Deepest nesting accepted: far beyond real events, and it bounds every recursion over a type. */
export const MAX_TYPE_DEPTH = 16;

/** Struct field names: lower-case, as Glue, Athena and Parquet keep them. */
const FIELD_NAME = /^[a-z_][a-z0-9_]*$/;

/** Why a type text does not parse, and where (0-based character offset into the text). */
export class GlueTypeError extends Error {
  constructor(
    readonly reason: string,
    readonly text: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position} of ${JSON.stringify(text)}`);
  }
}

const parsedCache = new Map<string, GlueTypeNode>();

/** Parses a Glue type; throws a {@link GlueTypeError} naming the problem and its position. Spaces between tokens are allowed. */
export function parseGlueType(text: string): GlueTypeNode {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  const parser = new Parser(text);
  const node = parser.type(0);
  parser.skipSpaces();
  if (parser.pos < text.length) parser.fail(`unexpected ${JSON.stringify(text.slice(parser.pos, parser.pos + 10))} after the type`);
  if (parsedCache.size < 1000) parsedCache.set(text, node);
  return node;
}

/** The parse of `text`, or the error that stopped it. */
export function tryParseGlueType(text: string): GlueTypeNode | GlueTypeError {
  try {
    return parseGlueType(text);
  } catch (error) {
    if (error instanceof GlueTypeError) return error;
    throw error;
  }
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(reason: string, at = this.pos): never {
    throw new GlueTypeError(reason, this.text, at);
  }

  skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private word(): string {
    this.skipSpaces();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!match)
      this.fail(
        this.pos < this.text.length ? `expected a name, got ${JSON.stringify(this.text[this.pos])}` : "expected a name, got the end",
      );
    this.pos += match[0].length;
    return match[0];
  }

  private expect(char: string): void {
    this.skipSpaces();
    if (this.text[this.pos] !== char) {
      const got = this.pos < this.text.length ? JSON.stringify(this.text[this.pos]) : "the end";
      this.fail(`expected "${char}", got ${got}`);
    }
    this.pos++;
  }

  private peek(char: string): boolean {
    this.skipSpaces();
    return this.text[this.pos] === char;
  }

  private integer(): number {
    this.skipSpaces();
    const match = /^\d{1,3}/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected a number");
    this.pos += match[0].length;
    return Number(match[0]);
  }

  type(depth: number): GlueTypeNode {
    this.skipSpaces();
    const start = this.pos;
    if (depth > MAX_TYPE_DEPTH) this.fail(`nesting deeper than ${MAX_TYPE_DEPTH} levels`);
    const word = this.word();
    if (word !== word.toLowerCase()) this.fail(`type names are lower-case: write "${word.toLowerCase()}"`, start);
    if ((SCALAR_GLUE_TYPES as readonly string[]).includes(word)) return { kind: "scalar", name: word as ScalarGlueType };
    switch (word) {
      case "decimal":
        return this.decimal(start);
      case "array": {
        this.expect("<");
        const element = this.type(depth + 1);
        this.expect(">");
        return { kind: "array", element };
      }
      case "map": {
        this.expect("<");
        const keyAt = this.pos;
        const key = this.type(depth + 1);
        if (key.kind !== "scalar" || key.name !== "string") this.fail("map keys must be string (JSON object keys are strings)", keyAt);
        this.expect(",");
        const value = this.type(depth + 1);
        this.expect(">");
        return { kind: "map", value };
      }
      case "struct":
        return this.struct(depth);
      default:
        return this.fail(
          `unknown type "${word}" (supported: ${SCALAR_GLUE_TYPES.join(", ")}, decimal(p,s), array<…>, map<string,…>, struct<…>)`,
          start,
        );
    }
  }

  private decimal(start: number): GlueTypeNode {
    this.expect("(");
    const precision = this.integer();
    this.expect(",");
    const scale = this.integer();
    this.expect(")");
    if (precision < 1 || precision > 38 || scale > precision) {
      this.fail(`decimal(${precision},${scale}) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision`, start);
    }
    return { kind: "decimal", precision, scale };
  }

  private struct(depth: number): GlueTypeNode {
    this.expect("<");
    const fields: GlueStructField[] = [];
    const seen = new Set<string>();
    do {
      this.skipSpaces();
      const nameAt = this.pos;
      const name = this.word();
      if (!FIELD_NAME.test(name))
        this.fail(`struct field names are lower-case letters, digits and "_": write "${name.toLowerCase()}"`, nameAt);
      if (name === "__proto__") this.fail(`struct field name "${name}" is reserved`, nameAt);
      if (seen.has(name)) this.fail(`struct field "${name}" is declared twice`, nameAt);
      seen.add(name);
      this.expect(":");
      fields.push({ name, type: this.type(depth + 1) });
    } while (this.peek(",") && this.pos++ >= 0);
    this.expect(">");
    return { kind: "struct", fields };
  }
}

/** True for struct, array and map: types QuickSight and scalar SQL cannot take as they are. */
export function isComplex(node: GlueTypeNode): boolean {
  return node.kind === "array" || node.kind === "map" || node.kind === "struct";
}

/** The Glue column type string: lower-case, no spaces (`array<struct<sku:string,price:double>>`). */
export function glueTypeString(node: GlueTypeNode): string {
  switch (node.kind) {
    case "scalar":
      return node.name;
    case "decimal":
      return `decimal(${node.precision},${node.scale})`;
    case "array":
      return `array<${glueTypeString(node.element)}>`;
    case "map":
      return `map<string,${glueTypeString(node.value)}>`;
    case "struct":
      return `struct<${node.fields.map((f) => `${f.name}:${glueTypeString(f.type)}`).join(",")}>`;
  }
}

const PRESTO_SCALARS: Readonly<Record<string, string>> = { string: "varchar", int: "integer", float: "real" };

/** The Presto/Trino type of an Athena view column: `array(row(sku varchar,price double))`, `map(varchar,varchar)`. */
export function prestoTypeString(node: GlueTypeNode): string {
  switch (node.kind) {
    case "scalar":
      return PRESTO_SCALARS[node.name] ?? node.name;
    case "decimal":
      return glueTypeString(node);
    case "array":
      return `array(${prestoTypeString(node.element)})`;
    case "map":
      return `map(varchar,${prestoTypeString(node.value)})`;
    case "struct":
      return `row(${node.fields.map((f) => `${f.name} ${prestoTypeString(f.type)}`).join(",")})`;
  }
}

const DUCKDB_SCALARS: Readonly<Record<ScalarGlueType, string>> = {
  string: "VARCHAR",
  boolean: "BOOLEAN",
  tinyint: "TINYINT",
  smallint: "SMALLINT",
  int: "INTEGER",
  bigint: "BIGINT",
  float: "FLOAT",
  double: "DOUBLE",
  date: "DATE",
  timestamp: "TIMESTAMP",
};

/** The DuckDB type holding the values in Parquet: STRUCT(…), element type + `[]` (a LIST), MAP(VARCHAR, …). */
export function duckDbTypeString(node: GlueTypeNode): string {
  switch (node.kind) {
    case "scalar":
      return DUCKDB_SCALARS[node.name];
    case "decimal":
      return `DECIMAL(${node.precision},${node.scale})`;
    case "array":
      return `${duckDbTypeString(node.element)}[]`;
    case "map":
      return `MAP(VARCHAR, ${duckDbTypeString(node.value)})`;
    case "struct":
      return `STRUCT(${node.fields.map((f) => `"${f.name}" ${duckDbTypeString(f.type)}`).join(", ")})`;
  }
}

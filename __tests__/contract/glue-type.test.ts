import { glueTypeProblem, isSupportedGlueType } from "../../contract/event-schema";
import {
  duckDbTypeString,
  glueTypeString,
  GlueTypeError,
  isComplex,
  MAX_TYPE_DEPTH,
  parseGlueType,
  prestoTypeString,
} from "../../contract/glue-type";

// Glue's type strings: the Hive grammar Athena documents (https://docs.aws.amazon.com/athena/latest/ug/data-types.html:
// array<data_type>, map<primitive_type, data_type>, struct<col_name : data_type, …>), written lower-case without spaces
// as Glue stores them and Firehose's record format conversion reads them
// (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html: nested JSON needs a STRUCT mirroring it).
describe("Glue type strings", () => {
  it.each([
    ["string"],
    ["bigint"],
    ["decimal(12,2)"],
    ["array<string>"],
    ["array<struct<sku:string,price:double,quantity:int>>"],
    ["map<string,string>"],
    ["map<string,array<bigint>>"],
    ["struct<a:struct<b:array<map<string,timestamp>>>,c:decimal(38,0)>"],
  ])("%s parses and prints back exactly", (text) => {
    expect(glueTypeString(parseGlueType(text))).toBe(text);
    expect(isSupportedGlueType(text)).toBe(true);
  });

  it("reads spaces between tokens, and asks for the form Glue writes", () => {
    const node = parseGlueType("array< struct< sku : string, price : double > >");
    expect(glueTypeString(node)).toBe("array<struct<sku:string,price:double>>");
    expect(isSupportedGlueType("array< struct< sku : string > >")).toBe(false);
    expect(glueTypeProblem("map<string, int>")).toBe('write it as Glue does, lower-case without spaces: "map<string,int>"');
  });

  it("builds the tree: kinds, fields and element types", () => {
    expect(parseGlueType("array<struct<sku:string,price:decimal(8,2)>>")).toEqual({
      kind: "array",
      element: {
        kind: "struct",
        fields: [
          { name: "sku", type: { kind: "scalar", name: "string" } },
          { name: "price", type: { kind: "decimal", precision: 8, scale: 2 } },
        ],
      },
    });
    expect(isComplex(parseGlueType("map<string,int>"))).toBe(true);
    expect(isComplex(parseGlueType("decimal(3,1)"))).toBe(false);
  });

  it.each([
    ["array<strin>", 'unknown type "strin"', 6],
    ["array<string", 'expected ">", got the end', 12],
    ["map<int,string>", "map keys must be string", 4],
    ["struct<>", "expected a name", 7],
    ["struct<a:int,a:string>", 'struct field "a" is declared twice', 13],
    ["struct<Sku:string>", "struct field names are lower-case", 7],
    ["struct<sku string>", 'expected ":", got "s"', 11],
    ["ARRAY<string>", 'type names are lower-case: write "array"', 0],
    ["decimal(40,2)", "needs 1 ≤ precision ≤ 38", 0],
    ["decimal(4,5)", "needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision", 0],
    ["array<int>>", "after the type", 10],
    ["varchar(10)", 'unknown type "varchar"', 0],
  ])("%s is refused: %s, at position %d", (text, reason, position) => {
    let error: unknown;
    try {
      parseGlueType(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GlueTypeError);
    expect((error as GlueTypeError).reason).toContain(reason);
    expect((error as GlueTypeError).position).toBe(position);
    expect((error as GlueTypeError).message).toContain(JSON.stringify(text));
  });

  it(`refuses nesting deeper than ${MAX_TYPE_DEPTH} levels`, () => {
    const deep = `${"array<".repeat(MAX_TYPE_DEPTH + 1)}int${">".repeat(MAX_TYPE_DEPTH + 1)}`;
    expect(() => parseGlueType(deep)).toThrow(`nesting deeper than ${MAX_TYPE_DEPTH} levels`);
  });
});

describe("the same tree for every consumer", () => {
  const items = parseGlueType("array<struct<sku:string,price:double,quantity:int>>");
  const properties = parseGlueType("map<string,float>");

  // Athena keeps a view's columns with Presto type names (ROW, ARRAY(…), MAP(…, …)): https://trino.io/docs/current/language/types.html
  it("Presto types of a view's columns", () => {
    expect(prestoTypeString(items)).toBe("array(row(sku varchar,price double,quantity integer))");
    expect(prestoTypeString(properties)).toBe("map(varchar,real)");
  });

  // DuckDB's nested types, which it writes to Parquet as LIST, MAP and groups: https://duckdb.org/docs/sql/data_types/overview
  it("DuckDB types of the rehearsal's Parquet columns", () => {
    expect(duckDbTypeString(items)).toBe('STRUCT("sku" VARCHAR, "price" DOUBLE, "quantity" INTEGER)[]');
    expect(duckDbTypeString(properties)).toBe("MAP(VARCHAR, FLOAT)");
  });
});

import { glueTypeProblem, isSupportedGlueType } from "../../contract/event-schema";
import {
  duckDbTypeString,
  glueTypeString,
  GlueTypeError,
  isComplex,
  MAX_TYPE_DEPTH,
  parseGlueType,
  prestoTypeString,
  tryParseGlueType,
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

/** The error `parseGlueType(text)` throws (the test fails when it parses). */
function refusal(text: string): GlueTypeError {
  const result = tryParseGlueType(text);
  if (!(result instanceof GlueTypeError)) throw new Error(`${JSON.stringify(text)} parsed`);
  return result;
}

describe("a refused type names the text, the position and what was expected there", () => {
  it("the message reads: reason, position, the whole text", () => {
    expect(() => parseGlueType("array<strin>")).toThrow(
      'unknown type "strin" (supported: string, boolean, tinyint, smallint, int, bigint, float, double, date, timestamp, ' +
        "decimal(p,s), array<…>, map<string,…>, struct<…>) at position 6 of " +
        '"array<strin>"',
    );
  });

  it.each([
    ["", "expected a name, got the end", 0],
    ["   ", "expected a name, got the end", 3],
    ["array<", "expected a name, got the end", 6],
    ["array<1>", 'expected a name, got "1"', 6],
    ["array int", 'expected "<", got "i"', 6],
    ["array<int", 'expected ">", got the end', 9],
    ["array<int,string>", 'expected ">", got ","', 9],
    ["decimal", 'expected "(", got the end', 7],
    ["decimal(,2)", "expected a number", 8],
    ["decimal(12)", 'expected ",", got ")"', 10],
    // At most three digits: precision and scale are at most 38.
    ["decimal(1234,2)", 'expected ",", got "4"', 11],
    ["decimal(5,-1)", "expected a number", 10],
    ["decimal(12,2", 'expected ")", got the end', 12],
    ["decimal(0,0)", "decimal(0,0) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision", 0],
    ["decimal(39,0)", "decimal(39,0) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision", 0],
    ["array<decimal(3,4)>", "decimal(3,4) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision", 6],
    ["map<string>", 'expected ",", got ">"', 10],
    ["map<string,int", 'expected ">", got the end', 14],
    ["map<bigint,string>", "map keys must be string (JSON object keys are strings)", 4],
    ["map<decimal(3,1),int>", "map keys must be string (JSON object keys are strings)", 4],
    ["map<array<string>,int>", "map keys must be string (JSON object keys are strings)", 4],
    ["struct<a:int,>", 'expected a name, got ">"', 13],
    ["struct<a:int", 'expected ">", got the end', 12],
    ["struct<1a:int>", 'expected a name, got "1"', 7],
    ["struct<sKu:string>", 'struct field names are lower-case letters, digits and "_": write "sku"', 7],
    ["struct< Sku:string>", 'struct field names are lower-case letters, digits and "_": write "sku"', 8],
    ["struct<__proto__:string>", 'struct field name "__proto__" is reserved', 7],
    ["struct<a:int, b:int, a:int>", 'struct field "a" is declared twice', 21],
    [" Int", 'type names are lower-case: write "int"', 1],
    ["array< String>", 'type names are lower-case: write "string"', 7],
    ["struct<a:Decimal(3,1)>", 'type names are lower-case: write "decimal"', 9],
    ["int garbage-and-more", 'unexpected "garbage-an" after the type', 4],
    ["int >", 'unexpected ">" after the type', 4],
  ])("%j: %s, at position %d", (text, reason, position) => {
    const error = refusal(text);
    expect(error.reason).toBe(reason);
    expect(error.position).toBe(position);
    expect(error.text).toBe(text);
    expect(error.message).toBe(`${reason} at position ${position} of ${JSON.stringify(text)}`);
  });

  it("tryParseGlueType returns the refusal instead of throwing it, and the tree of a good text", () => {
    expect(refusal("array<").reason).toBe("expected a name, got the end");
    expect(tryParseGlueType("array<int>")).toEqual({ kind: "array", element: { kind: "scalar", name: "int" } });
  });

  it("tryParseGlueType lets an error that is not about the text through (a caller's bug, not a type problem)", () => {
    expect(() => tryParseGlueType(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe("nesting depth", () => {
  const arrays = (levels: number, inner: string): string => `${"array<".repeat(levels)}${inner}${">".repeat(levels)}`;

  it(`accepts ${MAX_TYPE_DEPTH} levels below the column, through arrays, structs and map values`, () => {
    expect(glueTypeString(parseGlueType(arrays(MAX_TYPE_DEPTH, "int")))).toBe(arrays(MAX_TYPE_DEPTH, "int"));
    const structs = `${"struct<a:".repeat(MAX_TYPE_DEPTH)}int${">".repeat(MAX_TYPE_DEPTH)}`;
    expect(glueTypeString(parseGlueType(structs))).toBe(structs);
    const maps = `${"map<string,".repeat(MAX_TYPE_DEPTH)}int${">".repeat(MAX_TYPE_DEPTH)}`;
    expect(glueTypeString(parseGlueType(maps))).toBe(maps);
    expect(parseGlueType(arrays(MAX_TYPE_DEPTH - 1, "map<string,int>"))).toBeDefined();
  });

  it.each([
    ["arrays", arrays(MAX_TYPE_DEPTH + 1, "int"), "array<".length * (MAX_TYPE_DEPTH + 1)],
    ["structs", `${"struct<a:".repeat(MAX_TYPE_DEPTH + 1)}int${">".repeat(MAX_TYPE_DEPTH + 1)}`, "struct<a:".length * (MAX_TYPE_DEPTH + 1)],
    // The key of a map at the deepest level is one level too deep already.
    [
      "map values",
      `${"map<string,".repeat(MAX_TYPE_DEPTH + 1)}int${">".repeat(MAX_TYPE_DEPTH + 1)}`,
      "map<string,".length * MAX_TYPE_DEPTH + "map<".length,
    ],
    ["a map's key", arrays(MAX_TYPE_DEPTH, "map<string,int>"), "array<".length * MAX_TYPE_DEPTH + "map<".length],
  ])("refuses one level more through %s, at the type one level too deep", (_what, text, position) => {
    const error = refusal(text);
    expect(error.reason).toBe(`nesting deeper than ${MAX_TYPE_DEPTH} levels`);
    expect(error.position).toBe(position);
  });
});

describe("what parses", () => {
  const SCALARS = ["string", "boolean", "tinyint", "smallint", "int", "bigint", "float", "double", "date", "timestamp"];

  it.each(SCALARS)("%s, alone and inside an array, a map value and a struct field", (scalar) => {
    const node = { kind: "scalar", name: scalar };
    expect(parseGlueType(scalar)).toEqual(node);
    expect(parseGlueType(`array<${scalar}>`)).toEqual({ kind: "array", element: node });
    expect(parseGlueType(`map<string,${scalar}>`)).toEqual({ kind: "map", value: node });
    expect(parseGlueType(`struct<f:${scalar}>`)).toEqual({ kind: "struct", fields: [{ name: "f", type: node }] });
  });

  it.each([
    ["decimal(1,0)", 1, 0],
    ["decimal(38,0)", 38, 0],
    ["decimal(38,38)", 38, 38],
    ["decimal(5,5)", 5, 5],
    ["decimal(012,002)", 12, 2],
  ])("%s: precision %d, scale %d", (text, precision, scale) => {
    expect(parseGlueType(text)).toEqual({ kind: "decimal", precision, scale });
  });

  it("spaces, tabs and line breaks between tokens, before and after the type", () => {
    const node = parseGlueType(" \tstruct<\n\tsku : string ,\n\tprice:decimal( 8 , 2 ),\r\n\ttags : map < string , array<int> >\n>  \n");
    expect(glueTypeString(node)).toBe("struct<sku:string,price:decimal(8,2),tags:map<string,array<int>>>");
  });

  it("struct field names: lower-case letters, digits and _, any word (even a type name or an Object member)", () => {
    const node = parseGlueType("struct<_id:int,a1_b2:string,x:date,map:int,array:string,struct:date,constructor:string>");
    expect(node.kind === "struct" && node.fields.map((f) => f.name)).toEqual([
      "_id",
      "a1_b2",
      "x",
      "map",
      "array",
      "struct",
      "constructor",
    ]);
  });

  it("parses a text once: the same tree again, for at most 1000 texts", () => {
    jest.isolateModules(() => {
      // A fresh module, so its cache holds only what this test parses.
      const fresh = require("../../contract/glue-type") as typeof import("../../contract/glue-type");
      const first = fresh.parseGlueType("array<int>");
      expect(fresh.parseGlueType("array<int>")).toBe(first);
      for (let i = 1; i < 1000; i++) fresh.parseGlueType(`struct<f${i}:int>`);
      const late = fresh.parseGlueType("map<string,int>");
      expect(fresh.parseGlueType("map<string,int>")).not.toBe(late);
      expect(fresh.parseGlueType("map<string,int>")).toEqual(late);
      expect(fresh.parseGlueType("array<int>")).toBe(first);
    });
  });
});

describe("each kind for each consumer", () => {
  it.each([
    ["string", false],
    ["decimal(3,1)", false],
    ["array<int>", true],
    ["map<string,int>", true],
    ["struct<a:int>", true],
  ])("%s is complex: %s", (text, complex) => {
    expect(isComplex(parseGlueType(text))).toBe(complex);
  });

  // Presto/Trino names (https://trino.io/docs/current/language/types.html): varchar, integer and real where
  // Hive says string, int and float; the other scalars and decimal(p,s) keep their names.
  // DuckDB names (https://duckdb.org/docs/sql/data_types/overview): upper-case, VARCHAR, INTEGER, FLOAT, LIST as `[]`.
  it.each([
    ["string", "varchar", "VARCHAR"],
    ["boolean", "boolean", "BOOLEAN"],
    ["tinyint", "tinyint", "TINYINT"],
    ["smallint", "smallint", "SMALLINT"],
    ["int", "integer", "INTEGER"],
    ["bigint", "bigint", "BIGINT"],
    ["float", "real", "FLOAT"],
    ["double", "double", "DOUBLE"],
    ["date", "date", "DATE"],
    ["timestamp", "timestamp", "TIMESTAMP"],
    ["decimal(12,2)", "decimal(12,2)", "DECIMAL(12,2)"],
    ["array<array<bigint>>", "array(array(bigint))", "BIGINT[][]"],
    ["map<string,decimal(5,2)>", "map(varchar,decimal(5,2))", "MAP(VARCHAR, DECIMAL(5,2))"],
    ["struct<a:int,b:map<string,date>>", "row(a integer,b map(varchar,date))", 'STRUCT("a" INTEGER, "b" MAP(VARCHAR, DATE))'],
  ])("%s: Presto %s, DuckDB %s", (text, presto, duckDb) => {
    const node = parseGlueType(text);
    expect(glueTypeString(node)).toBe(text);
    expect(prestoTypeString(node)).toBe(presto);
    expect(duckDbTypeString(node)).toBe(duckDb);
  });
});

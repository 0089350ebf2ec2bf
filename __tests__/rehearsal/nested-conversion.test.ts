import { duckDbType, isNestedType, prepareRecord } from "../../rehearsal/format-conversion";

const COLUMNS = [
  { name: "event_time", type: "timestamp" },
  { name: "items", type: "array<struct<sku:string,price:double,seen:timestamp>>" },
  { name: "properties", type: "map<string,int>" },
];

describe("the conversion stand-in with nested columns", () => {
  it("maps nested Glue types to DuckDB's LIST, STRUCT and MAP, and tells them from scalars", () => {
    expect(duckDbType("array<struct<sku:string,price:double>>")).toBe('STRUCT("sku" VARCHAR, "price" DOUBLE)[]');
    expect(duckDbType("map<string,int>")).toBe("MAP(VARCHAR, INTEGER)");
    expect(isNestedType("map<string,int>")).toBe(true);
    expect(isNestedType("decimal(3,1)")).toBe(false);
    expect(() => duckDbType("array<nope>")).toThrow(/cannot map the Glue type "array<nope>".*unknown type "nope"/);
  });

  it("stages a nested value as JSON DuckDB casts: struct keys matched case-insensitively, timestamps in DuckDB's form", () => {
    const prepared = prepareRecord(
      JSON.stringify({
        event_time: "2026-01-02T03:04:05Z",
        items: [{ SKU: "a", price: 1.5, seen: "2026-01-02T03:04:05.5Z", extra: 1 }, null],
        properties: { a: 1 },
      }),
      COLUMNS,
    );
    expect(prepared).toEqual({
      values: [
        "2026-01-02 03:04:05.000000",
        JSON.stringify([{ sku: "a", price: 1.5, seen: "2026-01-02 03:04:05.500000" }, null]),
        JSON.stringify({ a: 1 }),
      ],
    });
  });

  it("fails a record whose nested value does not fit, naming the column and the path", () => {
    const prepared = prepareRecord(JSON.stringify({ items: [{ price: "cheap" }] }), COLUMNS);
    expect(prepared).toEqual({ error: expect.stringMatching(/^column items \(array<struct<.*>>\): \[0\]\.price: not a number/) });
    expect(prepareRecord(JSON.stringify({ properties: [1] }), COLUMNS)).toEqual({
      error: expect.stringMatching(/^column properties \(map<string,int>\): not an object/),
    });
  });
});

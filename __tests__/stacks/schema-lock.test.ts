import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifySchemaChanges, type LockedColumn, type LockedSchema, type Verdict } from "../../contract/schema-evolution";
import { partitionKeys } from "../../contract/event-schema";
import { pipelineConfig } from "../../pipeline.config";
import { loadAllConfigs } from "../../stacks/config";
import { tableSchema } from "../../stacks/config/derive";
import { blockingMessage, checkSchemaLock, parseAccepted, readSchemaLock, writeSchemaLock } from "../../stacks/schema-lock";

const KEYS = ["year", "month", "day", "hour"];
const BASE: LockedColumn[] = [
  { name: "event_id", type: "string", required: true },
  { name: "event_time", type: "timestamp", required: true },
  { name: "count", type: "int", required: false },
  { name: "ratio", type: "float", required: false },
  { name: "small", type: "tinyint", required: false },
  { name: "revenue", type: "decimal(12,2)", required: false },
  { name: "items", type: "array<struct<sku:string,price:float>>", required: false },
  { name: "properties", type: "map<string,int>", required: false },
];
const locked: LockedSchema = { partitionKeys: KEYS, columns: BASE };

function withColumn(name: string, change: Partial<LockedColumn> | undefined): LockedSchema {
  const columns = BASE.flatMap((c) => (c.name !== name ? [c] : change === undefined ? [] : [{ ...c, ...change }]));
  return { partitionKeys: KEYS, columns };
}

// The verdicts follow Athena's schema-update rules for Parquet read by name (the default):
// https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html and the types Athena reads as
// other types, https://docs.aws.amazon.com/athena/latest/ug/updates-changing-column-type.html
// (tinyint → smallint, int, bigint; smallint → int, bigint; int → bigint; float → double). Where Athena documents
// nothing (struct field order, decimal precision), the verdict is the safe one: breaking.
describe("schema change classification", () => {
  it.each<[string, LockedSchema, string, Verdict]>([
    [
      "an added optional column",
      { ...locked, columns: [...BASE, { name: "tag", type: "string", required: false }] },
      "added optional",
      "safe",
    ],
    [
      "an added required column",
      { ...locked, columns: [...BASE, { name: "tag", type: "string", required: true }] },
      "added required",
      "breaking",
    ],
    ["a removed column", withColumn("properties", undefined), "removed", "breaking"],
    [
      "a renamed column",
      { ...locked, columns: BASE.map((c) => (c.name === "count" ? { ...c, name: "total" } : c)) },
      "renamed to total",
      "breaking",
    ],
    ["int → bigint", withColumn("count", { type: "bigint" }), "widened", "safe"],
    ["float → double", withColumn("ratio", { type: "double" }), "widened", "safe"],
    ["tinyint → smallint", withColumn("small", { type: "smallint" }), "widened", "safe"],
    ["int → smallint (narrowing)", withColumn("count", { type: "smallint" }), "narrowed or changed", "breaking"],
    ["int → double", withColumn("count", { type: "double" }), "narrowed or changed", "breaking"],
    ["int → string", withColumn("count", { type: "string" }), "narrowed or changed", "breaking"],
    ["string → bigint", withColumn("event_id", { type: "bigint" }), "narrowed or changed", "breaking"],
    ["decimal(12,2) → decimal(14,2)", withColumn("revenue", { type: "decimal(14,2)" }), "decimal precision or scale changed", "breaking"],
    ["decimal → double", withColumn("revenue", { type: "double" }), "type changed", "breaking"],
    ["optional → required", withColumn("count", { required: true }), "made required", "breaking"],
    ["required → optional", withColumn("event_id", { required: false }), "made optional", "safe"],
    [
      "a struct field added at the end",
      withColumn("items", { type: "array<struct<sku:string,price:float,quantity:int>>" }),
      "struct field added at the end",
      "safe",
    ],
    [
      "a struct field inserted first",
      withColumn("items", { type: "array<struct<quantity:int,sku:string,price:float>>" }),
      "struct field inserted before existing fields",
      "breaking",
    ],
    ["a struct field removed", withColumn("items", { type: "array<struct<sku:string>>" }), "struct field removed or renamed", "breaking"],
    ["a struct field widened", withColumn("items", { type: "array<struct<sku:string,price:double>>" }), "widened", "safe"],
    ["a struct field narrowed", withColumn("items", { type: "array<struct<sku:int,price:float>>" }), "narrowed or changed", "breaking"],
    ["map values widened", withColumn("properties", { type: "map<string,bigint>" }), "widened", "safe"],
    ["map values changed", withColumn("properties", { type: "map<string,string>" }), "narrowed or changed", "breaking"],
    ["array → map", withColumn("items", { type: "map<string,string>" }), "type changed", "breaking"],
    ["a partition key change", { ...locked, partitionKeys: ["year", "month", "date", "hour"] }, "partition keys changed", "breaking"],
  ])("%s: %s → %s", (_what, next, kind, verdict) => {
    const changes = classifySchemaChanges(locked, next);
    expect(changes).toContainEqual(expect.objectContaining({ kind, verdict }));
    if (verdict === "safe") expect(changes.every((change) => change.verdict === "safe")).toBe(true);
  });

  it("finds nothing in an unchanged schema, nor in reordered columns (Parquet is read by name)", () => {
    expect(classifySchemaChanges(locked, locked)).toEqual([]);
    expect(classifySchemaChanges(locked, { ...locked, columns: [...BASE].reverse() })).toEqual([]);
  });

  it("names the path inside a nested column and both types", () => {
    expect(classifySchemaChanges(locked, withColumn("items", { type: "array<struct<sku:int,price:float>>" }))).toEqual([
      expect.objectContaining({ column: "items[].sku", from: "string", to: "int", reason: expect.stringContaining("HIVE_BAD_DATA") }),
    ]);
  });
});

describe("schema lock", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "schema-lock-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("records a new environment, and writes nothing when nothing changed", () => {
    const path = join(dir, "schema.lock.json");
    const first = checkSchemaLock(readSchemaLock(path), [{ environment: "dev", schema: locked }], new Set());
    expect(first.blocking).toEqual([]);
    writeSchemaLock(path, first.next!);
    expect(JSON.parse(readFileSync(path, "utf8")).environments.dev).toEqual(locked);
    expect(checkSchemaLock(readSchemaLock(path), [{ environment: "dev", schema: locked }], new Set()).next).toBeUndefined();
  });

  it("updates the lock for safe changes and keeps environments not synthesized", () => {
    const path = join(dir, "schema.lock.json");
    writeSchemaLock(path, { about: "", environments: { dev: locked, prod: locked } });
    const widened = withColumn("count", { type: "bigint" });
    const check = checkSchemaLock(readSchemaLock(path), [{ environment: "dev", schema: widened }], new Set());
    expect(check.blocking).toEqual([]);
    expect(check.changes).toEqual([expect.objectContaining({ environment: "dev", column: "count", verdict: "safe" })]);
    expect(check.next?.environments).toEqual({ dev: widened, prod: locked });
  });

  it("stops on a breaking change with the column, both types, why and the way out, until it is accepted by name", () => {
    const lock = { about: "", environments: { prod: locked } };
    const narrowed = withColumn("count", { type: "smallint" });
    const check = checkSchemaLock(lock, [{ environment: "prod", schema: narrowed }], new Set());
    expect(check.blocking).toEqual([expect.objectContaining({ environment: "prod", column: "count", from: "int", to: "smallint" })]);
    const message = blockingMessage(check.blocking, "schema.lock.json");
    expect(message).toContain("[prod] count: narrowed or changed (int → smallint). Why old files break: the Parquet files already written");
    expect(message).toMatch(/new table version on a new prefix/);
    expect(message).toMatch(/CTAS/);
    expect(message).toContain('SCHEMA_LOCK_ACCEPT="prod:count" npm run synth');

    const accepted = checkSchemaLock(lock, [{ environment: "prod", schema: narrowed }], parseAccepted("prod:count"));
    expect(accepted.blocking).toEqual([]);
    expect(accepted.changes).toEqual([expect.objectContaining({ column: "count", accepted: true })]);
    expect(accepted.next?.environments.prod).toEqual(narrowed);
    // Accepting another environment's change does not accept this one.
    expect(checkSchemaLock(lock, [{ environment: "prod", schema: narrowed }], parseAccepted("dev:count")).blocking).toHaveLength(1);
  });

  it("accepts a nested change by its column, and a partition-key change by `partition keys`", () => {
    const lock = { about: "", environments: { prod: locked } };
    const nested = withColumn("items", { type: "array<struct<sku:int,price:float>>" });
    expect(checkSchemaLock(lock, [{ environment: "prod", schema: nested }], parseAccepted("prod:items")).blocking).toEqual([]);
    const keys = { ...locked, partitionKeys: ["year", "month", "date", "hour"] };
    expect(checkSchemaLock(lock, [{ environment: "prod", schema: keys }], parseAccepted("prod:partition keys")).blocking).toEqual([]);
  });

  it("refuses a malformed acceptance and a lock that is not one, naming them", () => {
    expect(() => parseAccepted("count")).toThrow('SCHEMA_LOCK_ACCEPT entry "count" must be <environment>:<column>');
    const path = join(dir, "broken.json");
    writeFileSync(path, "{");
    expect(() => readSchemaLock(path)).toThrow(`${path} is not valid JSON`);
    writeFileSync(path, "[]");
    expect(() => readSchemaLock(path)).toThrow(`${path} has no "environments" object`);
  });
});

describe("the committed schema.lock.json", () => {
  // A fresh clone's synth must pass the lock: the committed file matches the shipped configuration.
  it("matches the shipped configuration of every environment, so synth writes nothing", () => {
    const configs = loadAllConfigs(pipelineConfig, {});
    const lock = readSchemaLock(join(__dirname, "..", "..", "schema.lock.json"));
    const schemas = configs.map((config) => ({
      environment: config.environment,
      schema: { partitionKeys: partitionKeys(config.partitioning.dayKey), columns: tableSchema(config).columns },
    }));
    const check = checkSchemaLock(lock, schemas, new Set());
    expect(check.changes).toEqual([]);
    expect(check.next).toBeUndefined();
  });
});

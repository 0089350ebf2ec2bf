/**
 * The batch's validation query and window (handlers/extract/validation-sql.ts), built directly: what it
 * reads, what it counts, and that it never reads the whole table.
 */
import { BATCH_ID_COLUMN } from "../../contract/batch";
import { latestRowsSql } from "../../contract/sql/latest-view";
import { hourPartitionPredicate } from "../../contract/sql/partition-filter";
import { buildValidation, validationWindow } from "../../handlers/extract/validation-sql";
import { testBatchSettings } from "../support/schema";

const WITH_BATCH_ID = testBatchSettings();
const WITHOUT_BATCH_ID = testBatchSettings({
  schema: { ...WITH_BATCH_ID.schema, columns: WITH_BATCH_ID.schema.columns.filter((column) => column.name !== BATCH_ID_COLUMN) },
});
const HOUR = { from: new Date("2026-11-25T10:00:00Z"), to: new Date("2026-11-25T10:00:00Z") };

/** The column list of the query's innermost SELECT (the table's rows before deduplication). */
const innerColumns = (query: string) => /^\s+SELECT (.*),$/m.exec(query)![1]!.split(", ");

describe("validationWindow", () => {
  it("has no window under event-time partitioning without accepted records (nothing to bound)", () => {
    expect(
      validationWindow({ partitionTime: "event", runTimeoutSeconds: 3600 }, new Date("2026-11-25T10:00:00Z"), undefined),
    ).toBeUndefined();
  });

  it("spans the first to the last event hour under event-time partitioning", () => {
    const window = validationWindow({ partitionTime: "event", runTimeoutSeconds: 3600 }, new Date(), {
      first: "2026-11-24T22",
      last: "2026-11-25T01",
    });
    expect(window).toEqual({ from: new Date("2026-11-24T22:00:00Z"), to: new Date("2026-11-25T01:00:00Z") });
  });
});

describe("buildValidation", () => {
  it("reads the batch id column through the deduplication even when the schema leaves it out", () => {
    for (const settings of [WITH_BATCH_ID, WITHOUT_BATCH_ID]) {
      const columns = innerColumns(buildValidation(settings, "b-1", 3, HOUR).query);
      expect(columns.filter((column) => column === `"${BATCH_ID_COLUMN}"`)).toHaveLength(1);
    }
  });

  it("reads no partition at all without a window, so it never scans the whole table", () => {
    const { query } = buildValidation(WITH_BATCH_ID, "b-1", 0, undefined);
    expect(query).toMatch(/^\s+WHERE FALSE$/m);
  });

  it("nests the deduplication's own SQL line by line, indented inside the FROM", () => {
    const { query } = buildValidation(WITH_BATCH_ID, "b-1", 3, HOUR);
    const latest = latestRowsSql(
      { database: "lake_db", table: "clicks", schema: WITH_BATCH_ID.schema, dayKey: "day", eventIdColumn: "event_id" },
      hourPartitionPredicate("day", HOUR.from, HOUR.to),
    );
    const lines = query.split("\n");
    const from = lines.indexOf("FROM (");
    expect(lines.slice(from + 1, from + 1 + latest.split("\n").length)).toEqual(latest.split("\n").map((line) => `  ${line}`));
  });

  it("quotes the batch id as a string literal and passes the expected count through", () => {
    const validation = buildValidation(WITH_BATCH_ID, "it's", 7, HOUR);
    expect(validation.query.split("\n").at(-1)).toBe(`WHERE "${BATCH_ID_COLUMN}" = 'it''s'`);
    expect(validation.expectedCount).toBe(7);
  });

  it("counts a NULL event id as missing even when the schema does not mark the column required", () => {
    const settings = testBatchSettings({
      schema: { ...WITH_BATCH_ID.schema, columns: WITH_BATCH_ID.schema.columns.map((column) => ({ ...column, required: false })) },
    });
    expect(buildValidation(settings, "b-1", 1, HOUR).query).toContain(`count_if("event_id" IS NULL) AS "missing_required"`);
  });
});

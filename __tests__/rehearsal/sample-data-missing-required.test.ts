/**
 * The rehearsal's generated bad lines of kind "missing required <column>" lack the column in any case:
 * valid rows sometimes carry their first key upper-cased (producers send mixed-case keys, which the
 * extract matches), and such a line, still holding the column, would be accepted while the generator
 * counts it bad, so a large rehearsal's counts would not add up.
 */
import { gunzipSync } from "node:zlib";
import { generateLandingFiles } from "../../rehearsal/sample-data";
import { loadConfig } from "../../stacks/config";
import { pipelineConfig } from "../../pipeline.config";

/** With seed 1 and 150,000 records, one such line had the column upper-cased before the fix. */
const SEED = 1;

it("generates every missing-required line without the column under any case", () => {
  const config = loadConfig(pipelineConfig, "dev", {});
  const required = config.schema.columns.find(
    (c) => c.required && c.name !== config.batch.eventIdColumn && c.name !== config.schema.eventTimeColumn,
  );
  const sample = generateLandingFiles(config.schema, { records: 150_000, seed: SEED, eventIdColumn: config.batch.eventIdColumn });
  const lacking = (value: unknown) =>
    typeof value === "object" && value !== null && !Object.keys(value).some((key) => key.toLowerCase() === required!.name.toLowerCase());
  let missing = 0;
  for (const file of sample.files) {
    const text = (file.name.endsWith(".gz") ? gunzipSync(file.body) : file.body).toString("utf8");
    if (file.name.endsWith(".csv")) continue;
    const values = file.name.endsWith(".json") ? (JSON.parse(text) as unknown[]) : text.split("\n").filter(Boolean).flatMap(parseOrSkip);
    missing += values.filter(lacking).length;
  }

  expect(required).toBeDefined();
  expect(sample.badKinds[`missing required ${required!.name}`]).toBeGreaterThan(0);
  expect(missing).toBe(sample.badKinds[`missing required ${required!.name}`]);
});

function parseOrSkip(line: string): unknown[] {
  try {
    return [JSON.parse(line)];
  } catch {
    return [];
  }
}

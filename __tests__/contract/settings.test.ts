import { batchSettingsSchema, eventSchemaProblems, parseSettings, transformSettingsSchema } from "../../contract/settings";
import { batchSettings, loadConfig, transformSettings } from "../../stacks/config";
import { TEST_SCHEMA, testBatchSettings, testSettings } from "../support/schema";

describe("the functions' settings schemas", () => {
  const config = (partitionTime: "arrival" | "event") =>
    loadConfig(
      {
        defaults: { namePrefix: "acme", region: "us-east-1" },
        environments: { test: { partitioning: { partitionTime, dayKey: "day" }, batch: { enabled: true } } },
      },
      "test",
    );

  it("accept what the stack writes into the environment, unchanged", () => {
    for (const partitionTime of ["arrival", "event"] as const) {
      const transform = transformSettings(config(partitionTime));
      expect(parseSettings(transformSettingsSchema, "TRANSFORM_SETTINGS", JSON.stringify(transform))).toEqual(transform);
      const batch = batchSettings(config(partitionTime));
      expect(parseSettings(batchSettingsSchema, "BATCH_SETTINGS", JSON.stringify(batch))).toEqual(batch);
    }
  });

  it("name the variable and every problem, with its path and the value received", () => {
    const text = JSON.stringify({
      ...testSettings(),
      dropRules: [{ column: "", equals: [] }, "x"],
      projectedYears: { from: 2030, to: 2020 },
    });
    expect(() => parseSettings(transformSettingsSchema, "TRANSFORM_SETTINGS", text)).toThrow(
      /^TRANSFORM_SETTINGS is invalid: dropRules\[0\]\.column must be a non-empty string, got ""; dropRules\[1\] must be \{ column: string, equals: \(string \| number \| boolean\)\[\] \}; projectedYears must be \{ from: integer, to: integer \} with from ≤ to, got \{"from":2030,"to":2020\}$/,
    );
    expect(() => parseSettings(batchSettingsSchema, "BATCH_SETTINGS", "[]")).toThrow(
      /^BATCH_SETTINGS is invalid: settings must be a JSON object$/,
    );
    expect(() =>
      parseSettings(batchSettingsSchema, "BATCH_SETTINGS", JSON.stringify(testBatchSettings({ runTimeoutSeconds: 1.5 }))),
    ).toThrow(/runTimeoutSeconds must be an integer ≥ 1, got 1\.5/);
  });

  it("check the event schema's columns", () => {
    expect(eventSchemaProblems(TEST_SCHEMA)).toEqual([]);
    const columns = [
      { name: "Event_id", type: "string", required: true },
      { name: "when", type: "timestamp", required: true },
      { name: "when", type: "text", required: "yes" },
    ];
    expect(eventSchemaProblems({ columns, eventTimeColumn: "when" })).toEqual([
      'schema.columns[0].name must match ^[a-z][a-z0-9_]*$ (≤ 255 characters), got "Event_id"',
      expect.stringMatching(
        /^schema\.columns\[2\]\.type must be a supported Glue type, got "text": unknown type "text" .* at position 0 of "text"$/,
      ),
      "schema.columns[2].required must be a boolean",
    ]);
    expect(
      eventSchemaProblems({
        columns: columns.slice(0, 2).concat([{ name: "when", type: "string", required: false }]),
        eventTimeColumn: "when",
      }),
    ).toEqual([
      'schema.columns[0].name must match ^[a-z][a-z0-9_]*$ (≤ 255 characters), got "Event_id"',
      "schema.columns[2].name when is declared twice",
    ]);
    expect(
      eventSchemaProblems({
        columns: [
          { name: "a", type: "string", required: true },
          { name: "a", type: "timestamp", required: true },
        ],
        eventTimeColumn: "b",
      }),
    ).toEqual(["schema.columns[1].name a is declared twice", 'schema.eventTimeColumn must name a timestamp column, got "b"']);
    expect(eventSchemaProblems({ columns: [] })).toEqual(expect.arrayContaining(["schema.columns must be a non-empty array"]));
  });
});

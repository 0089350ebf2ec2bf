import { testConfig } from "../support/synth";

// query.engineVersion was removed: every generated statement is checked against engine 3's Trino grammar.
describe("removed settings", () => {
  it("rejects query.engineVersion, naming the field, instead of silently ignoring it", () => {
    expect(() => testConfig({ query: { engineVersion: "AUTO" } } as never)).toThrow(/query.*engineVersion/);
  });
});

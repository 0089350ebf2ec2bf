import { BATCH_PREFIXES, deliveryPrefixes, LAKE_PREFIXES, REPLAY_SOURCE_PREFIXES, RESULTS_PREFIX } from "../../contract/lake-layout";

describe("the lake layout", () => {
  const folders = [...Object.values(LAKE_PREFIXES), ...Object.values(BATCH_PREFIXES)];

  it("names top-level folders, each ending in a slash", () => {
    for (const prefix of [...folders, RESULTS_PREFIX]) expect(prefix).toMatch(/^[a-z_-]+\/$/);
  });

  it("keeps every folder disjoint from the others, so batch files never sit in the table location", () => {
    for (const a of folders) {
      for (const b of folders) if (a !== b) expect(a.startsWith(b)).toBe(false);
    }
    expect(new Set(folders).size).toBe(folders.length);
  });

  it("replays from the folders Firehose writes errors and the raw backup to", () => {
    expect(REPLAY_SOURCE_PREFIXES).toEqual({ errors: LAKE_PREFIXES.errors, backup: LAKE_PREFIXES.raw });
    const prefixes = deliveryPrefixes("day", "arrival");
    expect(prefixes.errors.startsWith(REPLAY_SOURCE_PREFIXES.errors)).toBe(true);
    expect(prefixes.raw.startsWith(REPLAY_SOURCE_PREFIXES.backup)).toBe(true);
    expect(prefixes.data.startsWith(LAKE_PREFIXES.data)).toBe(true);
  });
});

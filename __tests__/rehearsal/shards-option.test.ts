/**
 * The rehearsal's `--shards <n>` option: validated 1–40 on the command line, and a stream of that many
 * PROVISIONED shards for the rehearsal only, which the push paces to (n × 1,000 records/s).
 */
import { parseRehearsalArgs, USAGE } from "../../rehearsal/main";
import { MAX_REHEARSAL_SHARDS, withRehearsalShards } from "../../rehearsal/rehearse";
import { streamWriteCapacity } from "../../contract/stream-capacity";
import { loadConfig, type PipelineConfigFile } from "../../stacks/config";

const CONFIG: PipelineConfigFile = {
  defaults: { namePrefix: "acme", region: "eu-west-1" },
  environments: { dev: {}, ondemand: { stream: { mode: "ON_DEMAND" } } },
};

describe("--shards on the rehearsal's command line", () => {
  it("takes a whole number from 1 to 40", () => {
    expect(parseRehearsalArgs(["--shards", "40", "--records", "1000000"])).toEqual({
      options: { shards: 40, records: 1_000_000 },
      help: false,
    });
    expect(parseRehearsalArgs(["--shards=1"])).toEqual({ options: { shards: 1 }, help: false });
    expect(MAX_REHEARSAL_SHARDS).toBe(40);
  });

  it.each(["0", "41", "2.5", "four", "-3", ""])("refuses %p as a usage error", (value) => {
    expect(parseRehearsalArgs(["--shards", value])).toEqual({ error: `--shards needs a whole number from 1 to 40, got ${value}` });
  });

  it("is documented in the usage text", () => {
    expect(USAGE).toMatch(/--shards <n> +the stream has n shards \(1-40\)/);
  });
});

describe("withRehearsalShards", () => {
  it("leaves the configuration as it is without the option", () => {
    const config = loadConfig(CONFIG, "dev");
    expect(withRehearsalShards(config, undefined)).toBe(config);
  });

  it("makes the stream PROVISIONED with the shards, whatever its mode, so the write capacity follows", () => {
    for (const env of ["dev", "ondemand"]) {
      const config = loadConfig(CONFIG, env);
      const rehearsed = withRehearsalShards(config, 40);

      expect(rehearsed.stream).toMatchObject({ mode: "PROVISIONED", shardCount: 40 });
      expect(streamWriteCapacity(rehearsed.stream).recordsPerSecond).toBe(40_000);
      expect(rehearsed.resolvedNames).toBe(config.resolvedNames);
      expect(config.stream.shardCount === 40).toBe(false);
    }
  });

  it("refuses shards outside 1–40 from a programmatic caller", () => {
    const config = loadConfig(CONFIG, "dev");
    expect(() => withRehearsalShards(config, 0)).toThrow("shards must be a whole number from 1 to 40, got 0");
    expect(() => withRehearsalShards(config, 41)).toThrow("from 1 to 40, got 41");
  });
});

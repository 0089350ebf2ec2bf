/**
 * The fault rehearsal's pieces that need no server: the CLI options, the expected outcome of a set of
 * faults, the injector's schedule of transform failures, and the shard mapping of the Kinesis proxy.
 */
import { expectedOutcome, FAULT_NAMES, FAULTS } from "../../rehearsal/faults/catalog";
import { FaultInjector } from "../../rehearsal/faults/injector";
import { mulberry32 } from "../../rehearsal/sample-data";
import { base64Length, checkRate, partitionKeyHash, shardForHashKey } from "../../rehearsal/kinesis-shard-proxy";
import { parseRehearsalArgs } from "../../rehearsal/main";

describe("--faults and --fault-rate", () => {
  it("takes all or a list, and a rate", () => {
    expect(parseRehearsalArgs(["--faults", "all", "--fault-rate", "0.2"])).toEqual({
      options: { faults: [...FAULT_NAMES], faultRate: 0.2 },
      help: false,
    });
    expect(parseRehearsalArgs(["--faults", "crawler-running,s3-errors"])).toMatchObject({
      options: { faults: ["crawler-running", "s3-errors"] },
    });
  });

  it("refuses an unknown fault or a rate out of range, naming the value and what is allowed", () => {
    expect(parseRehearsalArgs(["--faults", "disk-full"])).toEqual({
      error: `--faults must be "all" or a comma-separated list of ${FAULT_NAMES.join(", ")}; got "disk-full"`,
    });
    expect(parseRehearsalArgs(["--fault-rate", "1"])).toEqual({ error: "--fault-rate must be a number above 0 and at most 0.5, got 1" });
  });
});

describe("expected outcome", () => {
  it("is success when every injected fault is absorbed, and a loud failure with the loud faults' errors otherwise", () => {
    const absorbed = FAULT_NAMES.filter((name) => FAULTS[name].outcome === "absorbed");
    expect(expectedOutcome(absorbed)).toEqual({ status: "SUCCEEDED" });
    expect(expectedOutcome(["s3-errors", "transform-error"])).toEqual({ status: "FAILED", errors: ["CountMismatch", "DeliveryTimedOut"] });
    const all = expectedOutcome(FAULT_NAMES);
    expect(all).toEqual({ status: "FAILED", errors: ["CountMismatch", "DeliveryTimedOut"] });
  });

  it("names a documented source for every fault", () => {
    for (const name of FAULT_NAMES) expect(FAULTS[name].source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});

describe("the injector's transform failures", () => {
  // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html: an invocation is
  // retried NumberOfRetries times, then its records are skipped to processing-failed.
  it("fails every attempt of the first invocation (both kinds), the first attempt of the second, then the rate", () => {
    const injector = new FaultInjector(["transform-error", "transform-timeout"], 0.000001, 1);
    const faults = injector.deliveryFaults(3);
    const attempts = (invocation: number) => [1, 2, 3, 4].map((attempt) => faults.transformAttempt!(invocation, attempt));
    expect(attempts(1)).toEqual(["error", "timeout", "error", "timeout"]);
    expect(attempts(2)).toEqual(["timeout", undefined, undefined, undefined]);
    expect(attempts(3)).toEqual([undefined, undefined, undefined, undefined]);
    expect(injector.exhaustedInvocations).toBe(1);
    expect(injector.injected).toMatchObject({ "transform-error": 2, "transform-timeout": 3 });
  });

  it("injects nothing in the replay, nor when the fault is off", () => {
    const off = new FaultInjector(["s3-errors"], 0.5, 1).deliveryFaults(3);
    expect(off.transformAttempt!(1, 1)).toBeUndefined();
    expect(off.duplicateObject!()).toBe(false);
    const injector = new FaultInjector(["transform-error"], 0.5, 1);
    injector.enterReplay();
    expect(injector.deliveryFaults(3).transformAttempt!(1, 1)).toBeUndefined();
  });

  it("refuses a proxy fault rate outside 0 to 1, naming the option", () => {
    expect(checkRate("faultRate", 0.25)).toBe(0.25);
    expect(() => checkRate("faultRate", 1.5)).toThrow("faultRate must be from 0 to 1, got 1.5");
    expect(() => checkRate("wholeCallThrottleRate", Number.NaN)).toThrow("wholeCallThrottleRate must be from 0 to 1, got NaN");
  });

  it("draws the same faults from the same seed", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});

describe("the shard-limit proxy's shard mapping", () => {
  // API_PutRecords: the partition key's MD5 as a 128-bit integer picks the shard whose HashKeyRange holds it.
  it("maps the MD5 of a key to the shard whose range holds it", () => {
    const half = 2n ** 127n;
    const shards = [
      { ShardId: "shardId-000000000000", HashKeyRange: { StartingHashKey: "0", EndingHashKey: String(half - 1n) } },
      { ShardId: "shardId-000000000001", HashKeyRange: { StartingHashKey: String(half), EndingHashKey: String(2n ** 128n - 1n) } },
    ];
    // md5("a") = 0cc175b9…: below 2^127; md5("b") = 92eb5ffe…: above.
    expect(partitionKeyHash("a")).toBe(BigInt("0x0cc175b9c0f1b6a831c399e269772661"));
    expect(shardForHashKey(partitionKeyHash("a"), shards)?.ShardId).toBe("shardId-000000000000");
    expect(shardForHashKey(partitionKeyHash("b"), shards)?.ShardId).toBe("shardId-000000000001");
    expect(shardForHashKey(half - 1n, shards)?.ShardId).toBe("shardId-000000000000");
    expect(shardForHashKey(half, shards)?.ShardId).toBe("shardId-000000000001");
  });
});

describe("the shard-limit proxy's entry size", () => {
  // API_PutRecords: a record's size counts the data blob (sent base64-encoded) and the partition key.
  it("counts the decoded bytes of the base64 data, whatever its padding", () => {
    for (let bytes = 0; bytes <= 10; bytes++) expect(base64Length(Buffer.alloc(bytes, 255).toString("base64"))).toBe(bytes);
  });
});

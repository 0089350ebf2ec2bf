/**
 * The batch workflow's timing math, on its own: delivery budget, loop budget, poll counts, task
 * timeouts and the least run timeout.
 */
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import {
  deliveryTimeoutSeconds,
  EXTRACT_AND_PUSH_ALLOWANCE_SECONDS,
  INLINE_MAP_MAX_CONCURRENCY,
  lambdaTaskTimeoutSeconds,
  loopBudgetSeconds,
  maxPolls,
  pushPlan,
  workflowTiming,
} from "../../state-machines/timing";
import { rateShare } from "../../contract/stream-capacity";

describe("deliveryTimeoutSeconds", () => {
  it("adds the processor interval, the buffer interval and a 120 s margin", () => {
    expect(deliveryTimeoutSeconds({ bufferIntervalSeconds: 300, processorBufferIntervalSeconds: 60, dynamicPartitioning: false })).toBe(
      480,
    );
  });

  it("allows 1.5× the buffer interval with dynamic partitioning", () => {
    expect(deliveryTimeoutSeconds({ bufferIntervalSeconds: 300, processorBufferIntervalSeconds: 60, dynamicPartitioning: true })).toBe(630);
  });

  it("rounds up to whole seconds", () => {
    expect(deliveryTimeoutSeconds({ bufferIntervalSeconds: 61, processorBufferIntervalSeconds: 60, dynamicPartitioning: true })).toBe(272);
  });

  it("rejects a negative interval", () => {
    expect(() =>
      deliveryTimeoutSeconds({ bufferIntervalSeconds: -1, processorBufferIntervalSeconds: 60, dynamicPartitioning: false }),
    ).toThrow(/bufferIntervalSeconds must be a number ≥ 0, got -1/);
  });
});

describe("loopBudgetSeconds", () => {
  it("sums the delivery budget, the crawler budget and the waits between validation runs", () => {
    expect(loopBudgetSeconds(TEST_WORKFLOW_PROPS)).toBe(480 + 1800 + 2 * 120);
  });

  it("leaves the crawler budget out without a crawler", () => {
    expect(loopBudgetSeconds({ ...TEST_WORKFLOW_PROPS, crawlerName: null })).toBe(480 + 2 * 120);
  });

  it("counts the crawler budget when no crawler name is given (the safe side)", () => {
    expect(
      loopBudgetSeconds({
        deliveryTimeoutSeconds: 480,
        crawlerTimeoutSeconds: 1800,
        validationAttempts: 1,
        validationRetryWaitSeconds: 120,
      }),
    ).toBe(480 + 1800);
  });
});

describe("maxPolls", () => {
  it("allows as many polls as fit in the budget, rounded up", () => {
    expect(maxPolls(480, 60)).toBe(8);
    expect(maxPolls(481, 60)).toBe(9);
    expect(maxPolls(60, 60)).toBe(1);
  });
});

describe("lambdaTaskTimeoutSeconds", () => {
  it("adds a 60 s margin to the function's own timeout", () => {
    expect(lambdaTaskTimeoutSeconds(300)).toBe(360);
  });
});

describe("workflowTiming", () => {
  it("derives the delivery budget from the buffering and adds the extract-and-push allowance to the loop budget", () => {
    const timing = workflowTiming({ bufferIntervalSeconds: 300, processorBufferIntervalSeconds: 60, dynamicPartitioning: true }, 2);

    expect(timing.deliveryTimeoutSeconds).toBe(630);
    expect(timing.validationAttempts).toBe(2);
    expect(timing.minimumRunSeconds).toBe(630 + 1800 + 1 * 120 + EXTRACT_AND_PUSH_ALLOWANCE_SECONDS);
  });
});

describe("pushPlan", () => {
  const MiB = 1024 * 1024;

  it("gives a PROVISIONED stream shards × 1,000 records/s and × 1 MiB/s, one chunk per shard, each at one shard's limits", () => {
    const plan = pushPlan({ mode: "PROVISIONED", shardCount: 3 });
    expect(plan.capacity).toMatchObject({ shards: 3, recordsPerSecond: 3000, bytesPerSecond: 3 * MiB });
    expect(plan.concurrency).toBe(3);
    expect(plan.share).toEqual({ recordsPerSecond: 1000, bytesPerSecond: MiB });
  });

  it("counts one shard when a PROVISIONED stream names none", () => {
    expect(pushPlan({ mode: "PROVISIONED" })).toMatchObject({ concurrency: 1, share: { recordsPerSecond: 1000, bytesPerSecond: MiB } });
  });

  it("gives an ON_DEMAND stream its initial 4 MiB/s and 4,000 records/s, four chunks at a time", () => {
    const plan = pushPlan({ mode: "ON_DEMAND" });
    expect(plan.capacity).toMatchObject({ shards: 4, recordsPerSecond: 4000, bytesPerSecond: 4 * MiB });
    expect(plan.capacity.basis).toMatch(/ON_DEMAND, starting at 4,000 records\/s and 4 MiB\/s/);
    expect(plan.concurrency).toBe(4);
    expect(plan.share).toEqual({ recordsPerSecond: 1000, bytesPerSecond: MiB });
  });

  it("keeps 40 chunks at once beyond 40 shards and gives each a larger share: 50 shards → 1,250 records/s each", () => {
    const plan = pushPlan({ mode: "PROVISIONED", shardCount: 50 });
    expect(plan.concurrency).toBe(INLINE_MAP_MAX_CONCURRENCY);
    expect(plan.share).toEqual({ recordsPerSecond: 1250, bytesPerSecond: (50 * MiB) / 40 });
  });

  it("rounds each share down so the chunks together never exceed the stream: 41 shards ÷ 40", () => {
    const plan = pushPlan({ mode: "PROVISIONED", shardCount: 41 });
    expect(plan.share).toEqual({ recordsPerSecond: 1025, bytesPerSecond: Math.floor((41 * MiB) / 40) });
    expect(plan.share.bytesPerSecond * plan.concurrency).toBeLessThanOrEqual(plan.capacity.bytesPerSecond);
  });

  it("rejects a shard count that is not a whole number ≥ 1", () => {
    expect(() => pushPlan({ mode: "PROVISIONED", shardCount: 0 })).toThrow(/shardCount must be an integer ≥ 1, got 0/);
  });
});

describe("rateShare", () => {
  it("divides the capacity by the concurrency", () => {
    expect(rateShare({ recordsPerSecond: 4000, bytesPerSecond: 4_194_304 }, 4)).toEqual({
      recordsPerSecond: 1000,
      bytesPerSecond: 1_048_576,
    });
  });

  it("rejects a concurrency below 1", () => {
    expect(() => rateShare({ recordsPerSecond: 1000, bytesPerSecond: 1000 }, 0)).toThrow(/concurrency must be an integer ≥ 1, got 0/);
  });
});

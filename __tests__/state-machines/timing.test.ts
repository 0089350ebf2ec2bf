/**
 * The batch workflow's timing math, on its own: delivery budget, loop budget, poll counts, task
 * timeouts and the least run timeout.
 */
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import {
  deliveryTimeoutSeconds,
  EXTRACT_AND_PUSH_ALLOWANCE_SECONDS,
  lambdaTaskTimeoutSeconds,
  loopBudgetSeconds,
  maxPolls,
  workflowTiming,
} from "../../state-machines/timing";

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

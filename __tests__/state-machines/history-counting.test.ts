/**
 * The history bound's counting on a small hand-built definition, each figure worked out by hand from
 * the events a standard execution writes per state type
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html caps them at 25,000):
 * execution 2, Pass/Choice/Wait/Succeed/Fail 2, Task 6 plus 3 per retry (3 retries when a retrier
 * names no MaxAttempts), Distributed Map 6, inline Map 4 plus 2 per iteration and its states.
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import { BATCH_STATES as S } from "../../state-machines/batch/names";
import {
  childHistoryBound,
  largestRangeChunks,
  loopBounds,
  parentHistoryBound,
  smallestRecordsPerChunkWithinQuota,
} from "../../state-machines/history";

function definition(): StateMachineDefinition {
  return {
    StartAt: "A",
    States: {
      // 6 + 3 × (2 + 3) = 21
      A: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Retry: [{ ErrorEquals: ["E"], MaxAttempts: 2 }, { ErrorEquals: ["F"] }],
        Next: "M",
      },
      // 6, whatever it runs
      M: {
        Type: "Map",
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "C",
          States: {
            // 6
            C: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: "I" },
            // 4 + n × (2 + (6 + 3 × 1))
            I: {
              Type: "Map",
              ItemProcessor: {
                StartAt: "P",
                States: {
                  P: {
                    Type: "Task",
                    Resource: "arn:aws:states:::lambda:invoke",
                    Retry: [{ ErrorEquals: ["E"], MaxAttempts: 1 }],
                    End: true,
                  },
                },
              },
              End: true,
            },
          },
        },
        Next: S.checkDelivery,
      },
      // Loop states: 2 per visit, visited as often as their loop allows.
      [S.checkDelivery]: { Type: "Pass", Next: S.getCrawlerState },
      [S.getCrawlerState]: { Type: "Pass", Next: S.runValidationQuery },
      // Once per validation run, and again per re-submission of a FAILED query (VALIDATION_QUERY_RESUBMITS = 2).
      [S.runValidationQuery]: { Type: "Pass", Next: S.canResubmitValidationQuery },
      [S.canResubmitValidationQuery]: { Type: "Pass", Next: S.startCrawler },
      [S.startCrawler]: { Type: "Pass", Next: "Done" },
      // 2
      Done: { Type: "Succeed" },
    },
  } as unknown as StateMachineDefinition;
}

const LOOPS = { deliveryChecks: 5, crawlerPolls: 7, validationAttempts: 3 };

describe("history counting", () => {
  it("counts the parent: execution, each state at its loop's bound, every retry, the Distributed Map as one state", () => {
    // 2 + 21 + 6 + 5×2 + 7×2 + (3 + 2)×2 + 2×2 + (3 + 7)×2 + 2 = 89
    expect(parentHistoryBound(definition(), LOOPS, { ranges: 10, chunksPerRange: 10 })).toBe(89);
  });

  it("counts one child: its states once, the inline Map once per chunk with every retry", () => {
    // 2 + 6 + 4 + 4 × 11 = 56
    expect(childHistoryBound(definition(), 4)).toBe(56);
    expect(childHistoryBound(definition(), 5) - childHistoryBound(definition(), 4)).toBe(11);
  });

  it("counts an inline Map at the top level once per item of the whole batch", () => {
    const def = definition();
    const inline = {
      ...def,
      States: {
        ...def.States,
        M: { ...(def.States.M as object), ItemProcessor: { StartAt: "X", States: { X: { Type: "Pass", End: true } } } },
      },
    };
    // M: 4 + (ranges × chunks) × (2 + 2) instead of 6
    const bound = parentHistoryBound(inline as unknown as StateMachineDefinition, LOOPS, { ranges: 3, chunksPerRange: 5 });
    expect(bound).toBe(89 - 6 + 4 + 15 * 4);
  });

  it("refuses a definition without a Distributed Map, saying so", () => {
    const def = definition();
    const { M: _removed, ...states } = def.States;
    expect(() => childHistoryBound({ ...def, States: states }, 1)).toThrow("childHistoryBound: the definition has no DISTRIBUTED Map");
  });

  it("finds the smallest records per chunk whose child fits 25,000 events, exactly", () => {
    // The child writes 12 + 11 × chunks events: at most 2,271 chunks fit. 64 MiB of 50-byte records is
    // 1,342,177 records: 591 per chunk make 2,272 chunks (too many), 592 make 2,268.
    expect(largestRangeChunks(592)).toBe(2268);
    expect(largestRangeChunks(591)).toBe(2272);
    expect(smallestRecordsPerChunkWithinQuota(definition())).toBe(592);
    // 100-byte records: 671,088 of them, 296 per chunk make 2,268 chunks, 295 make 2,275.
    expect(smallestRecordsPerChunkWithinQuota(definition(), 100)).toBe(296);
  });

  it("rounds each loop's polls up from its budget", () => {
    const props = {
      deliveryPollSeconds: 60,
      deliveryTimeoutSeconds: 61,
      crawlerPollSeconds: 30,
      crawlerTimeoutSeconds: 90,
      validationAttempts: 4,
    };
    expect(loopBounds(props)).toEqual({ deliveryChecks: 2, crawlerPolls: 3, validationAttempts: 4 });
  });
});

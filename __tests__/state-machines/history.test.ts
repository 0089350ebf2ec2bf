/**
 * The history bound: a standard execution holds at most 25,000 events
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). The parent's worst case
 * does not depend on the batch's size; each child's depends on one range's chunks only.
 */
import type { MapState } from "../../state-machines/asl";
import { BATCH_STATES as S, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import {
  childHistoryBound,
  HISTORY_EVENT_QUOTA,
  largestRangeChunks,
  LARGEST_RANGE_BYTES,
  loopBounds,
  parentHistoryBound,
  SMALLEST_RECORD_BYTES,
  smallestRecordsPerChunkWithinQuota,
  MIN_RECORDS_PER_CHUNK,
} from "../../state-machines/history";
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: ReturnType<typeof buildBatchWorkflow>;
let loops: ReturnType<typeof loopBounds>;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
  loops = loopBounds(TEST_WORKFLOW_PROPS);
});

describe("the parent execution's history bound", () => {
  it("is the same for 1 range of 1 chunk and for 100,000 ranges of 1,000 chunks", () => {
    const small = parentHistoryBound(definition, loops, { ranges: 1, chunksPerRange: 1 });
    const huge = parentHistoryBound(definition, loops, { ranges: 100_000, chunksPerRange: 1_000 });

    expect(huge).toBe(small);
    expect(small).toBeLessThan(HISTORY_EVENT_QUOTA);
  });

  it("counts the loops at their bounds: 8 delivery checks, 60 crawler polls, 3 validation runs", () => {
    expect(loops).toEqual({ deliveryChecks: 8, crawlerPolls: 60, validationAttempts: 3 });
    const longer = loopBounds({ ...TEST_WORKFLOW_PROPS, deliveryTimeoutSeconds: 960 });
    expect(parentHistoryBound(definition, longer, { ranges: 1, chunksPerRange: 1 })).toBeGreaterThan(
      parentHistoryBound(definition, loops, { ranges: 1, chunksPerRange: 1 }),
    );
  });

  it("would grow with the batch if the range Map were inline (the reason it is distributed)", () => {
    const map = definition.States[S.extractAndPush] as MapState;
    const inline = {
      ...definition,
      States: {
        ...definition.States,
        [S.extractAndPush]: { ...map, ItemProcessor: { ...map.ItemProcessor, ProcessorConfig: { Mode: "INLINE" as const } } },
      },
    };

    const bound = (ranges: number) => parentHistoryBound(inline, loops, { ranges, chunksPerRange: 10 });
    expect(bound(100)).toBeGreaterThan(bound(1));
    expect(bound(1_000)).toBeGreaterThan(HISTORY_EVENT_QUOTA);
  });
});

describe("a child execution's history bound (one byte range)", () => {
  it("grows with the range's chunks only, every retry of every chunk counted", () => {
    expect(childHistoryBound(definition, 2) - childHistoryBound(definition, 1)).toBe(
      childHistoryBound(definition, 3) - childHistoryBound(definition, 2),
    );
    expect(childHistoryBound(definition, 1)).toBeLessThan(200);
  });

  it("plans the largest range from 64 MiB of 50-byte records", () => {
    expect(LARGEST_RANGE_BYTES).toBe(64 * 1024 * 1024);
    expect(SMALLEST_RECORD_BYTES).toBe(50);
    // 67,108,864 / 50 = 1,342,177 records.
    expect(largestRangeChunks(5_000)).toBe(269);
    expect(largestRangeChunks(100_000)).toBe(14);
  });

  it("stays far below 25,000 events for the largest range at recordsPerChunk 100,000, and below it at the default 5,000", () => {
    expect(childHistoryBound(definition, largestRangeChunks(100_000))).toBeLessThan(HISTORY_EVENT_QUOTA / 10);
    expect(childHistoryBound(definition, largestRangeChunks(5_000))).toBeLessThan(HISTORY_EVENT_QUOTA);
  });

  it("without retries, the largest range at the default 5,000 records per chunk writes about 7 events per chunk", () => {
    const noRetries = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
    const chunkMap = (noRetries.States[S.extractAndPush] as MapState).ItemProcessor.States[S.pushRangeChunks] as MapState;
    const pushChunk = chunkMap.ItemProcessor.States[S.pushChunk]!;
    const bare = {
      ...noRetries,
      States: {
        ...noRetries.States,
        [S.extractAndPush]: {
          ...(noRetries.States[S.extractAndPush] as MapState),
          ItemProcessor: {
            ...(noRetries.States[S.extractAndPush] as MapState).ItemProcessor,
            States: {
              ...(noRetries.States[S.extractAndPush] as MapState).ItemProcessor.States,
              [S.pushRangeChunks]: {
                ...chunkMap,
                ItemProcessor: { ...chunkMap.ItemProcessor, States: { [S.pushChunk]: { ...pushChunk, Retry: [] } } },
              },
            },
          },
        },
      },
    };
    const perChunk = childHistoryBound(bare, 2) - childHistoryBound(bare, 1);

    expect(perChunk).toBe(8);
    expect(childHistoryBound(bare, largestRangeChunks(5_000))).toBeLessThan(HISTORY_EVENT_QUOTA / 10);
  });

  it("names the smallest recordsPerChunk whose worst case fits: below it (e.g. 100) the largest range of 50-byte records, every retry taken, would not", () => {
    const smallest = smallestRecordsPerChunkWithinQuota(definition);

    // A child: 2 execution + ExtractRange 6 + 15 retries × 3 + inline Map 4 = 57, then 53 per chunk
    // (2 iteration + 6 task + 15 retries × 3): at most 470 chunks, so ceil(1,342,177 / 470) = 2,856 records per chunk.
    expect(smallest).toBe(2_856);
    expect(childHistoryBound(definition, largestRangeChunks(smallest))).toBeLessThanOrEqual(HISTORY_EVENT_QUOTA);
    expect(childHistoryBound(definition, largestRangeChunks(smallest - 1))).toBeGreaterThan(HISTORY_EVENT_QUOTA);
    expect(childHistoryBound(definition, largestRangeChunks(100))).toBeGreaterThan(HISTORY_EVENT_QUOTA);
  });

  it("keeps the configuration's smallest recordsPerChunk at or above that minimum, so no accepted configuration can break the quota", () => {
    expect(MIN_RECORDS_PER_CHUNK).toBeGreaterThanOrEqual(smallestRecordsPerChunkWithinQuota(definition));
    expect(childHistoryBound(definition, largestRangeChunks(MIN_RECORDS_PER_CHUNK))).toBeLessThanOrEqual(HISTORY_EVENT_QUOTA);
  });
});

/**
 * What the batch workflow's Choice states route to and what its Pass and Task states write, checked by
 * running short segments of the built definition in aws-local-stepfunctions (see workflow-segments.ts):
 * the input check, the plan, the summary, the delivery checks, the crawl and the finalize.
 * Choice rules: https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html ; Parameters,
 * ResultSelector and ResultPath: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import { BATCH_STATES as S, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { LOCAL_EXECUTION, LOCAL_STATE_ENTERED_TIME, TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { runSegment } from "./workflow-segments";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: StateMachineDefinition;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
});

const SCHEDULED = "2026-11-25T06:00:00Z";
/** A lambda:invoke result as the integration returns it. */
const invoked = (payload: unknown) => () => ({ StatusCode: 200, ExecutedVersion: "$LATEST", Payload: payload });
/** `$.extract` as SummarizeBatch leaves it. */
const EXTRACT = {
  batchId: "b-20261125T06",
  fileCount: 2,
  recordCount: 5,
  rejectedCount: 1,
  manifestKey: "staging/b-20261125T06/manifest.json",
  pushStartedAt: "2026-11-25T06:01:00.000Z",
  eventHours: ["2026/11/25/05"],
  validation: { expectedCount: 5 },
};

describe("input check", () => {
  const inputPath = [S.checkInput, S.addInputDefaults, S.mergeInputDefaults];

  it("lets a scheduledTime alone through, with force false and replay null (a landing batch)", async () => {
    const run = await runSegment(definition, inputPath, { scheduledTime: SCHEDULED });

    expect(run.reached).toBe(S.planBatch);
    expect(run.data).toEqual({ scheduledTime: SCHEDULED, force: false, replay: null });
  });

  it("keeps a given boolean force and a replay of strings over the defaults", async () => {
    const replay = { from: "errors", errorType: "format-conversion-failed", since: "2026-11-24T00:00:00Z", until: "2026-11-25T00:00:00Z" };
    const run = await runSegment(definition, inputPath, { scheduledTime: SCHEDULED, force: true, replay });

    expect(run.reached).toBe(S.planBatch);
    expect(run.data).toEqual({ scheduledTime: SCHEDULED, force: true, replay });
  });

  it.each([
    ["no scheduledTime", { force: true }],
    ["a numeric scheduledTime", { scheduledTime: 1_764_050_400 }],
    ["a string force", { scheduledTime: SCHEDULED, force: "yes" }],
    ["a replay without until", { scheduledTime: SCHEDULED, replay: { from: "errors", since: "a" } }],
    ["a replay with a numeric errorType", { scheduledTime: SCHEDULED, replay: { from: "errors", since: "a", until: "b", errorType: 3 } }],
    ["a string", "2026-11-25T06:00:00Z"],
    ["an array", [SCHEDULED]],
  ])("sends %s to InvalidInput", async (_case, input) => {
    const run = await runSegment(definition, [S.checkInput], input);

    expect(run.reached).toBe(S.invalidInput);
  });
});

describe("plan", () => {
  const plan = { batchId: "b-1", skipped: false, rangeCount: 3, manifestKey: "staging/b-1/manifest.json" };

  it("hands PlanBatch the checked input and the execution id, and replaces the state with { plan }", async () => {
    const run = await runSegment(
      definition,
      [S.planBatch, S.isBatchSkipped],
      { scheduledTime: SCHEDULED, force: false, replay: null },
      { [S.planBatch]: invoked({ ...plan }) },
    );

    expect(run.calls[0]?.input.Payload).toEqual({
      mode: "plan",
      scheduledTime: SCHEDULED,
      force: false,
      replay: null,
      executionId: LOCAL_EXECUTION.Id,
    });
    expect(run.reached).toBe(S.recordPushStart);
    expect(run.data).toEqual({ plan });
  });

  it("ends a skipped batch in BatchSkipped with the plan as output", async () => {
    const skipped = { ...plan, skipped: true, reason: "already claimed" };
    const run = await runSegment(
      definition,
      [S.planBatch, S.isBatchSkipped, S.batchSkipped],
      { scheduledTime: SCHEDULED, force: true, replay: null },
      {
        [S.planBatch]: invoked(skipped),
      },
    );

    expect(run.status).toBe("SUCCEEDED");
    expect(run.output).toEqual(skipped);
  });
});

describe("summarize", () => {
  it("keeps the ExtractOutput fields later phases read at $.extract, beside the plan, the map run and the push start", async () => {
    const input = {
      plan: { batchId: "b-1", manifestKey: "staging/b-1/manifest.json" },
      mapRun: { MapRunArn: "arn:map-run", ResultWriterDetails: { Bucket: "acme-test-lake", Key: "staging/b-1/map-results/manifest.json" } },
      push: { startedAt: EXTRACT.pushStartedAt },
    };
    const run = await runSegment(definition, [S.summarizeBatch], input, {
      [S.summarizeBatch]: invoked({ ...EXTRACT, chunkKeys: ["staging/b-1/chunk-0"] }),
    });

    expect(run.calls[0]?.input.Payload).toEqual({
      mode: "summarize",
      batchId: "b-1",
      manifestKey: "staging/b-1/manifest.json",
      resultWriter: input.mapRun.ResultWriterDetails,
      pushStartedAt: EXTRACT.pushStartedAt,
    });
    expect(run.reached).toBe(S.startDeliveryChecks);
    expect(run.data).toEqual({ ...input, extract: EXTRACT });
  });
});

describe("delivery checks", () => {
  it("starts with 0 checks and the push's end time (the state's entered time)", async () => {
    const run = await runSegment(definition, [S.startDeliveryChecks], { extract: EXTRACT });

    expect(run.reached).toBe(S.waitForDelivery);
    expect(run.data.delivery).toEqual({ checks: 0, pushFinishedAt: LOCAL_STATE_ENTERED_TIME });
  });

  it("asks the delivery check about the push window and the event hours, and goes on to validation once delivered", async () => {
    const delivery = { checks: 2, pushFinishedAt: LOCAL_STATE_ENTERED_TIME };
    const run = await runSegment(
      definition,
      [S.checkDelivery, S.isDelivered],
      { extract: EXTRACT, delivery },
      {
        [S.checkDelivery]: invoked({ delivered: true, objects: 3, missing: [] }),
      },
    );

    expect(run.calls[0]?.input.Payload).toEqual({
      since: EXTRACT.pushStartedAt,
      until: LOCAL_STATE_ENTERED_TIME,
      eventHours: EXTRACT.eventHours,
    });
    expect(run.reached).toBe(S.startValidation);
    expect(run.data.delivery).toEqual({ ...delivery, last: { delivered: true, objects: 3, missing: "[]" } });
  });

  it("counts a check that found partitions still missing, and waits again while checks are left", async () => {
    const missing = ["2026/11/25/05"];
    const first = await runSegment(
      definition,
      [S.checkDelivery, S.isDelivered, S.countDeliveryCheck, S.deliveryChecksLeft],
      {
        extract: EXTRACT,
        delivery: { checks: 0, pushFinishedAt: LOCAL_STATE_ENTERED_TIME },
      },
      { [S.checkDelivery]: invoked({ delivered: false, objects: 0, missing }) },
    );

    expect(first.reached).toBe(S.waitForDelivery);
    expect(first.data.delivery).toEqual({
      checks: 1,
      pushFinishedAt: LOCAL_STATE_ENTERED_TIME,
      last: { delivered: false, objects: 0, missing: JSON.stringify(missing) },
    });
  });

  it("times out after the 8th check of a 480 s budget polled every 60 s", async () => {
    const after = async (checks: number) =>
      (
        await runSegment(definition, [S.countDeliveryCheck, S.deliveryChecksLeft], {
          extract: EXTRACT,
          delivery: { checks, pushFinishedAt: LOCAL_STATE_ENTERED_TIME, last: { delivered: false, objects: 0, missing: "[]" } },
        })
      ).reached;

    expect([await after(6), await after(7)]).toEqual([S.waitForDelivery, S.deliveryTimedOut]);
  });
});

describe("crawl", () => {
  const crawler = TEST_WORKFLOW_PROPS.crawlerName!;

  it("starts the crawl with 0 polls and no crawl of ours started yet", async () => {
    const run = await runSegment(definition, [S.prepareCrawl], { extract: EXTRACT });

    expect(run.reached).toBe(S.startCrawler);
    expect(run.data.crawler).toEqual({ polls: 0, start: { started: false } });
  });

  it("starts a re-crawl as not started, keeping the polls of earlier crawls (one budget for the run)", async () => {
    const run = await runSegment(definition, [S.prepareRecrawl], {
      crawler: { polls: 7, start: { started: true }, status: { State: "READY" } },
    });

    expect(run.reached).toBe(S.startCrawler);
    expect(run.data.crawler).toEqual({ polls: 7, start: { started: false }, status: { State: "READY" } });
  });

  it("starts the configured crawler and records that our crawl started", async () => {
    const run = await runSegment(
      definition,
      [S.startCrawler],
      { crawler: { polls: 0, start: { started: false } } },
      {
        [S.startCrawler]: () => ({}),
      },
    );

    expect(run.calls.map((c) => c.input)).toEqual([{ Name: crawler }]);
    expect(run.reached).toBe(S.waitForCrawler);
    expect(run.data.crawler.start).toEqual({ started: true });
  });

  it("keeps only the crawler's State of the GetCrawler response, and asks for the configured crawler", async () => {
    const run = await runSegment(
      definition,
      [S.getCrawlerState],
      { crawler: { polls: 1, start: { started: true } } },
      {
        [S.getCrawlerState]: () => ({
          Crawler: { Name: crawler, State: "RUNNING", Targets: { S3Targets: [] }, LastCrawl: { Status: "SUCCEEDED" } },
        }),
      },
    );

    expect(run.calls.map((c) => c.input)).toEqual([{ Name: crawler }]);
    expect(run.data.crawler.status).toEqual({ State: "RUNNING" });
  });

  it.each([
    ["READY after our start: our crawl ended", "READY", true, S.getLastCrawl],
    ["READY before our start: someone else's crawl ended", "READY", false, S.countCrawlerPoll],
    ["RUNNING after our start", "RUNNING", true, S.countCrawlerPoll],
    ["STOPPING after our start", "STOPPING", true, S.countCrawlerPoll],
  ])("IsCrawlComplete: %s", async (_case, state, started, next) => {
    const run = await runSegment(definition, [S.isCrawlComplete], { crawler: { polls: 1, start: { started }, status: { State: state } } });

    expect(run.reached).toBe(next);
  });

  it.each([
    ["starts our crawl when another one ended (READY)", 3, "READY", S.startCrawler],
    ["waits while a crawl runs", 3, "RUNNING", S.waitForCrawler],
    ["times out at the 60th poll of a 1800 s budget polled every 30 s", 59, "RUNNING", S.crawlerTimedOut],
  ])("counts a poll and %s", async (_case, polls, state, next) => {
    const run = await runSegment(definition, [S.countCrawlerPoll, S.crawlerPollsLeft], {
      crawler: { polls, start: { started: false }, status: { State: state } },
    });

    expect(run.reached).toBe(next);
    expect(run.data.crawler.polls).toBe(polls + 1);
  });

  it.each([
    ["a SUCCEEDED crawl goes on to validation", { Status: "SUCCEEDED" }, S.runValidationQuery],
    ["a crawl that reports an error fails with it", { Status: "FAILED", ErrorMessage: "Access denied" }, S.crawlerFailed],
    ["a CANCELLED crawl without an error message fails too", { Status: "CANCELLED" }, S.crawlNotSucceeded],
  ])("DidCrawlSucceed: %s", async (_case, lastCrawl, next) => {
    const run = await runSegment(
      definition,
      [S.getLastCrawl, S.didCrawlSucceed],
      { crawler: { polls: 4, start: { started: true } } },
      {
        [S.getLastCrawl]: () => ({ Crawler: { Name: crawler, State: "READY", LastCrawl: lastCrawl } }),
      },
    );

    expect(run.calls.map((c) => c.input)).toEqual([{ Name: crawler }]);
    expect(run.reached).toBe(next);
    expect(run.data.crawler.outcome).toEqual({ LastCrawl: lastCrawl });
  });
});

describe("finalize", () => {
  it("finalizes the extracted batch and ends in BatchLoaded with the run's summary", async () => {
    const input = {
      plan: { batchId: EXTRACT.batchId, rangeCount: 3 },
      extract: EXTRACT,
      check: { runs: 2, found: 5 },
    };
    const run = await runSegment(definition, [S.finalizeBatch, S.summariseBatch, S.batchLoaded], input, {
      [S.finalizeBatch]: invoked({ moved: 2, closed: true }),
    });

    expect(run.calls[0]?.input.Payload).toEqual({
      batchId: EXTRACT.batchId,
      manifestKey: EXTRACT.manifestKey,
      executionId: LOCAL_EXECUTION.Id,
    });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.output).toEqual({
      batchId: EXTRACT.batchId,
      pushed: 5,
      found: 5,
      rejected: 1,
      ranges: 3,
      validationRuns: 2,
      landingFilesMoved: 2,
    });
  });
});

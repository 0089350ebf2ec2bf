/**
 * The batch workflow's failure path, run in aws-local-stepfunctions on short segments of the built
 * definition (see workflow-segments.ts): each task's recorder, each failure the workflow detects itself,
 * and the notification. Whatever fails, one SNS message names the failed state, the batch, the error
 * and its cause, and the execution ends in BatchFailed with the original error name.
 * A Catch output holds Error and, optionally, Cause:
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import { BATCH_STATES as S, BATCH_WORKFLOW_ERRORS as E, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { NO_BATCH_ID } from "../../state-machines/batch/names";
import { BATCH_ERRORS } from "../../contract/errors";
import { awsError, LOCAL_EXECUTION, lambdaError, TEST_WORKFLOW_PROPS } from "../support/local-sfn";
import { runSegment, type SegmentHandler } from "./workflow-segments";

// Built per test (not at load), so each test's coverage shows which parts of the builder it checks.
let definition: StateMachineDefinition;
beforeEach(() => {
  definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
});

const NOTIFY = [S.describeFailure, S.notifyFailure, S.batchFailed];
const published = () => ({});
const plan = { batchId: "b-20261125T06", rangeCount: 2 };
const extract = { batchId: "b-20261125T06", pushStartedAt: "2026-11-25T06:01:00.000Z", recordCount: 5 };

/** Each recorder: the task whose failure it records, and the state data at that point (its batch id). */
const RECORDERS: Record<string, { task: string; data: object; batchId: string }> = {
  [S.planBatchFailed]: {
    task: S.planBatch,
    data: { scheduledTime: "2026-11-25T06:00:00Z", force: false, replay: null },
    batchId: NO_BATCH_ID,
  },
  [S.extractAndPushFailed]: { task: S.extractAndPush, data: { plan }, batchId: plan.batchId },
  [S.summarizeBatchFailed]: { task: S.summarizeBatch, data: { plan }, batchId: plan.batchId },
  [S.checkDeliveryFailed]: { task: S.checkDelivery, data: { plan, extract }, batchId: extract.batchId },
  [S.startCrawlerFailed]: { task: S.startCrawler, data: { plan, extract }, batchId: extract.batchId },
  [S.getCrawlerStateFailed]: { task: S.getCrawlerState, data: { plan, extract }, batchId: extract.batchId },
  [S.getLastCrawlFailed]: { task: S.getLastCrawl, data: { plan, extract }, batchId: extract.batchId },
  [S.runValidationQueryFailed]: { task: S.runValidationQuery, data: { plan, extract }, batchId: extract.batchId },
  [S.getValidationResultsFailed]: { task: S.getValidationResults, data: { plan, extract }, batchId: extract.batchId },
  [S.finalizeBatchFailed]: { task: S.finalizeBatch, data: { plan, extract }, batchId: extract.batchId },
};

/** The notification text DescribeFailure builds. */
const message = (state: string, batchId: string, error: string, cause: string, input: unknown) =>
  `Batch workflow failed in state ${state}. Batch: ${batchId}. Error: ${error}. Cause: ${cause}. Execution: ${LOCAL_EXECUTION.Id}. Input: ${JSON.stringify(input)}`;

describe("task failures", () => {
  it("has one recorder per task that can fail, each going to CollectTaskError", () => {
    const recorders = Object.entries(definition.States)
      .filter(([, s]) => s.Type === "Pass" && s.Next === S.collectTaskError)
      .map(([name]) => name);

    expect(recorders.sort()).toEqual(Object.keys(RECORDERS).sort());
  });

  it.each(Object.entries(RECORDERS))(
    "%s publishes the failed task, the batch id, the error and its cause, and ends with the error's name",
    async (recorder, { task, data, batchId }) => {
      const input = { ...data, error: { Error: "Some.Error", Cause: "it broke" } };
      const run = await runSegment(definition, [recorder, S.collectTaskError, ...NOTIFY], input, { [S.notifyFailure]: published });
      const text = message(task, batchId, "Some.Error", "it broke", input);

      expect(run.calls.map((c) => c.input)).toEqual([
        { TopicArn: TEST_WORKFLOW_PROPS.notificationTopicArn, Subject: expect.stringMatching(/fail/i), Message: text },
      ]);
      expect([run.status, run.error, run.cause]).toEqual(["FAILED", "Some.Error", text]);
    },
  );

  it("reports a default cause when the caught error has none (Cause is optional in a Catch output)", async () => {
    const input = { plan, extract, error: { Error: "States.Timeout" } };
    const run = await runSegment(definition, [S.checkDeliveryFailed, S.collectTaskError, ...NOTIFY], input, {
      [S.notifyFailure]: published,
    });

    expect(run.cause).toBe(message(S.checkDelivery, extract.batchId, "States.Timeout", "no cause was reported", input));
  });

  it("records a permanent function error caught from a Lambda task at $.error, with the function's message", async () => {
    const input = { scheduledTime: "2026-11-25T06:00:00Z", force: false, replay: null };
    const run = await runSegment(definition, [S.planBatch, S.planBatchFailed, S.collectTaskError, ...NOTIFY], input, {
      [S.planBatch]: () => {
        throw lambdaError(BATCH_ERRORS.invalidBatchInput, "scheduledTime is not a date");
      },
      [S.notifyFailure]: published,
    });

    expect(run.calls.map((c) => c.state)).toEqual([S.planBatch, S.notifyFailure]);
    expect(run.error).toBe(BATCH_ERRORS.invalidBatchInput);
    expect(run.cause).toContain(`failed in state ${S.planBatch}. Batch: ${NO_BATCH_ID}. Error: ${BATCH_ERRORS.invalidBatchInput}`);
    expect(run.cause).toContain("scheduledTime is not a date");
  });
});

describe("failures the workflow detects", () => {
  /** Runs `through` then the notification; returns the execution's error and cause. */
  const failed = async (through: string[], input: object, handlers: Record<string, SegmentHandler> = {}) => {
    const run = await runSegment(definition, [...through, ...NOTIFY], input, { ...handlers, [S.notifyFailure]: published });
    expect(run.calls.filter((c) => c.state === S.notifyFailure)).toHaveLength(1);
    return { error: run.error, cause: run.cause };
  };

  it("rejects an execution input that is not an object, without a batch id", async () => {
    const { error, cause } = await failed([S.checkInput, S.invalidInput], null as unknown as object);

    expect(error).toBe(E.invalidInput);
    expect(cause).toContain(
      `failed in state ${S.checkInput}. Batch: ${NO_BATCH_ID}. Error: ${E.invalidInput}. Cause: the execution input must be`,
    );
    expect(cause).toMatch(/Cause: [^.]*scheduledTime/);
  });

  it("times out the delivery checks naming the partitions still missing and the budget", async () => {
    const { error, cause } = await failed([S.countDeliveryCheck, S.deliveryChecksLeft, S.deliveryTimedOut], {
      extract,
      delivery: {
        checks: 7,
        pushFinishedAt: "2026-11-25T06:03:00.000Z",
        last: { delivered: false, objects: 0, missing: '["2026/11/25/05"]' },
      },
    });

    expect(error).toBe(E.deliveryTimedOut);
    expect(cause).toContain(`failed in state ${S.checkDelivery}. Batch: ${extract.batchId}. Error: ${E.deliveryTimedOut}.`);
    expect(cause).toContain(
      `Cause: expected partitions still had no data object written since ${extract.pushStartedAt} after 8 delivery checks (budget 480 seconds): ["2026/11/25/05"]`,
    );
  });

  it("times out the crawler naming its state, the polls and the budget", async () => {
    const { error, cause } = await failed([S.countCrawlerPoll, S.crawlerPollsLeft, S.crawlerTimedOut], {
      extract,
      crawler: { polls: 59, start: { started: true }, status: { State: "RUNNING" } },
    });

    expect(error).toBe(E.crawlerTimedOut);
    expect(cause).toContain(`failed in state ${S.getCrawlerState}. Batch: ${extract.batchId}. Error: ${E.crawlerTimedOut}.`);
    expect(cause).toContain("Cause: the crawler was still RUNNING after 60 polls (budget 1800 seconds)");
  });

  it.each([
    [
      "with the crawl's error message",
      { Status: "FAILED", ErrorMessage: "Access denied" },
      "the crawl ended with status FAILED: Access denied",
    ],
    ["without an error message", { Status: "CANCELLED" }, "the crawl ended with status CANCELLED"],
  ])("fails a crawl that did not succeed, %s", async (_case, lastCrawl, expected) => {
    const { error, cause } = await failed(
      [S.getLastCrawl, S.didCrawlSucceed, S.crawlerFailed, S.crawlNotSucceeded],
      { extract, crawler: {} },
      {
        [S.getLastCrawl]: () => ({ Crawler: { State: "READY", LastCrawl: lastCrawl } }),
      },
    );

    expect(error).toBe(E.crawlerFailed);
    expect(cause).toContain(`failed in state ${S.getLastCrawl}. Batch: ${extract.batchId}. Error: ${E.crawlerFailed}. Cause: ${expected}.`);
  });
});

describe("notification", () => {
  const input = { plan, extract, error: { Error: "Some.Error", Cause: "it broke" } };
  const through = [S.checkDeliveryFailed, S.collectTaskError, ...NOTIFY];

  it.each(["SNS.ThrottledException", "SNS.KMSThrottlingException", "SNS.InternalErrorException"])(
    "publishes again after %s, and still ends with the original error",
    async (snsError) => {
      let calls = 0;
      const run = await runSegment(definition, through, input, {
        [S.notifyFailure]: () => {
          if (calls++ === 0) throw awsError(snsError, "try again");
          return {};
        },
      });

      expect(calls).toBe(2);
      expect(run.error).toBe("Some.Error");
    },
  );

  it("gives up on a throttled publish after 5 retries and still ends in BatchFailed with the original error", async () => {
    const run = await runSegment(definition, through, input, {
      [S.notifyFailure]: () => {
        throw awsError("SNS.ThrottledException", "rate exceeded");
      },
    });

    expect(run.calls).toHaveLength(6);
    expect([run.error, run.cause]).toEqual(["Some.Error", expect.stringContaining("failed in state CheckDelivery")]);
  });

  it("retries any other publish failure twice, then ends in BatchFailed with the original error", async () => {
    const run = await runSegment(definition, through, input, {
      [S.notifyFailure]: () => {
        throw awsError("SNS.AuthorizationErrorException", "not allowed");
      },
    });

    expect(run.calls).toHaveLength(3);
    expect(run.error).toBe("Some.Error");
  });
});

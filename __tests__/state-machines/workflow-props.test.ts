/**
 * buildBatchWorkflow on bad props: one error naming each invalid field, its value and the allowed
 * range; and the definition's descriptive text (the top-level Comment and the states' Comments), which
 * the Step Functions console shows to whoever investigates a run.
 */
import type { State } from "../../state-machines/asl";
import { BATCH_STATES as S, type BatchWorkflowProps, buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";

const build = (overrides: Partial<Record<keyof BatchWorkflowProps, unknown>>) =>
  buildBatchWorkflow({ ...TEST_WORKFLOW_PROPS, ...overrides } as BatchWorkflowProps);
/** The message buildBatchWorkflow throws for `overrides`, or "" when it accepts them. */
const problem = (overrides: Partial<Record<keyof BatchWorkflowProps, unknown>>): string => {
  try {
    build(overrides);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
};

describe("buildBatchWorkflow props validation", () => {
  const STRING_PROPS = [
    "extractFunctionArn",
    "pushFunctionArn",
    "deliveryCheckFunctionArn",
    "finalizeFunctionArn",
    "lakeBucketName",
    "workgroup",
    "notificationTopicArn",
  ] as const;

  it.each(STRING_PROPS)("rejects an empty, blank or missing %s, naming it and the value", (key) => {
    expect(problem({ [key]: "" })).toBe(`buildBatchWorkflow: ${key} must be a non-empty string, got ""`);
    expect(problem({ [key]: "  " })).toBe(`buildBatchWorkflow: ${key} must be a non-empty string, got "  "`);
    expect(problem({ [key]: 42 })).toBe(`buildBatchWorkflow: ${key} must be a non-empty string, got 42`);
  });

  it("rejects a blank or non-string crawler name, naming null as the projection's choice", () => {
    expect(problem({ crawlerName: "" })).toBe(
      'buildBatchWorkflow: crawlerName must be a non-empty string, or null under partition projection, got ""',
    );
    expect(problem({ crawlerName: 7 })).toBe(
      "buildBatchWorkflow: crawlerName must be a non-empty string, or null under partition projection, got 7",
    );
  });

  it.each(["extract", "push", "deliveryCheck", "finalize"] as const)(
    "rejects a lambdaTimeoutSeconds.%s outside Lambda's 1..900 s",
    (key) => {
      const timeouts = (value: number) => ({ lambdaTimeoutSeconds: { ...TEST_WORKFLOW_PROPS.lambdaTimeoutSeconds, [key]: value } });

      expect(problem(timeouts(0))).toBe(
        `buildBatchWorkflow: lambdaTimeoutSeconds.${key} must be an integer 1..900 (Lambda's limit), got 0`,
      );
      expect(problem(timeouts(901))).toContain(`lambdaTimeoutSeconds.${key} must be an integer 1..900 (Lambda's limit), got 901`);
      expect(problem(timeouts(900))).toBe("");
    },
  );

  it.each([
    ["deliveryPollSeconds", { deliveryPollSeconds: 0 }, "deliveryPollSeconds must be an integer 1..3600, got 0"],
    [
      "deliveryTimeoutSeconds",
      { deliveryTimeoutSeconds: 59 },
      "deliveryTimeoutSeconds must be an integer 60..86400 (at least one poll interval), got 59",
    ],
    ["crawlerPollSeconds", { crawlerPollSeconds: 0 }, "crawlerPollSeconds must be an integer 1..3600, got 0"],
    [
      "crawlerTimeoutSeconds",
      { crawlerTimeoutSeconds: 29 },
      "crawlerTimeoutSeconds must be an integer 30..86400 (at least one poll interval), got 29",
    ],
    ["validationAttempts", { validationAttempts: 0 }, "validationAttempts must be an integer 1..10, got 0"],
    ["validationRetryWaitSeconds", { validationRetryWaitSeconds: 1.5 }, "validationRetryWaitSeconds must be an integer 1..3600, got 1.5"],
    [
      "executionTimeoutSeconds",
      { executionTimeoutSeconds: 2519 },
      "executionTimeoutSeconds must be an integer 2520..31536000 (at least the loop budget: delivery + crawler timeouts + waits between validation runs), got 2519",
    ],
  ])("rejects a bad %s, naming the allowed range and why", (_key, overrides, expected) => {
    expect(problem(overrides)).toBe(`buildBatchWorkflow: ${expected}`);
  });

  it("lists every invalid prop in one message, one clause per prop separated by semicolons", () => {
    expect(problem({ workgroup: "", validationAttempts: 11 })).toBe(
      'buildBatchWorkflow: workgroup must be a non-empty string, got ""; validationAttempts must be an integer 1..10, got 11',
    );
  });

  it("judges the execution timeout only once the budgets it is compared with are valid", () => {
    expect(problem({ deliveryPollSeconds: 0, executionTimeoutSeconds: 1 })).toBe(
      "buildBatchWorkflow: deliveryPollSeconds must be an integer 1..3600, got 0",
    );
  });

  it("builds no crawl under partition projection (crawlerName null): delivery goes straight to validation", () => {
    const projected = build({ crawlerName: null });
    const glue = Object.values(projected.States).filter((s) => s.Type === "Task" && s.Resource.includes(":glue:"));

    expect(glue).toEqual([]);
    expect(Object.keys(projected.States)).not.toContain(S.prepareCrawl);
  });
});

describe("descriptive text", () => {
  const comments = (states: Readonly<Record<string, State>>): Array<[string, string]> =>
    Object.entries(states).flatMap(([name, state]): Array<[string, string]> => [
      ...("Comment" in state && state.Comment !== undefined ? [[name, state.Comment] as [string, string]] : []),
      ...(state.Type === "Map" ? comments(state.ItemProcessor.States) : []),
    ]);

  it("describes the whole run in the top-level Comment, phase by phase, in readable sentences", () => {
    const text = buildBatchWorkflow(TEST_WORKFLOW_PROPS).Comment ?? "";
    const phases = [
      /validates the input/,
      /claims the batch and plans byte ranges/,
      /Kinesis in its own child execution \(Distributed Map\)/,
      /fail\w* when every record was rejected/,
      /Firehose wrote to every partition/,
      /runs the Glue crawler/,
      /proves with Athena that every pushed record is queryable/,
      /before finalizing/,
      /retries transient errors/,
      /published to SNS/,
      /BatchFailed with the original error name/,
    ];

    for (const phase of phases) expect(text).toMatch(phase);
    expect(text.match(/[,.;:][^\s]/g)).toBeNull();
  });

  it("says in the top-level Comment that a projected table is not crawled", () => {
    const text = buildBatchWorkflow({ ...TEST_WORKFLOW_PROPS, crawlerName: null }).Comment ?? "";

    expect(text).toMatch(/partition projection: no crawl/);
    expect(text).not.toMatch(/Glue crawler/);
    expect(text).toMatch(/proves with Athena/);
  });

  it("gives every state Comment a sentence of its own", () => {
    const all = comments(buildBatchWorkflow(TEST_WORKFLOW_PROPS).States);

    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const [name, text] of all) expect({ name, words: text.split(/\s+/).length >= 5 }).toEqual({ name, words: true });
  });

  it("states each polling loop's bound in its Comment, as the Choice compares it", () => {
    const definition = buildBatchWorkflow(TEST_WORKFLOW_PROPS);
    const comment = (name: string) => (definition.States[name] as { Comment?: string }).Comment;

    expect(comment(S.deliveryChecksLeft)).toMatch(/^At most 8 checks: 480 s budget \/ 60 s interval/);
    expect(comment(S.crawlerPollsLeft)).toMatch(/^At most 60 polls: 1800 s budget \/ 30 s interval/);
  });
});

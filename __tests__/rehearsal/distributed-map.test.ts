/**
 * The local Distributed Map stand-in: a tiny definition whose DISTRIBUTED Map reads its items from the
 * (in-memory) S3 through ItemReader, runs each child through the local engine with the task answers at
 * most MaxConcurrency at once, writes the ResultWriter files as AWS documents them, and fails past the
 * tolerated failures with States.ExceedToleratedFailureThreshold.
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import { buildBatchWorkflow } from "../../state-machines/batch-workflow";
import { hasDistributedMap, withDistributedMaps, type MapObjectStore } from "../../rehearsal/distributed-map";
import { executeLocally, named, type TaskAnswer } from "../../rehearsal/workflow";
import { TEST_WORKFLOW_PROPS } from "../support/local-sfn";

const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:acme-batch:run-1";

class Objects implements MapObjectStore {
  readonly objects = new Map<string, string>();
  async get(bucket: string, key: string) {
    return this.objects.get(`${bucket}/${key}`);
  }
  async put(bucket: string, key: string, body: string) {
    this.objects.set(`${bucket}/${key}`, body);
  }
  json(bucket: string, key: string): any {
    const text = this.objects.get(`${bucket}/${key}`);
    if (text === undefined) throw new Error(`no ${bucket}/${key}; have ${[...this.objects.keys()].join(", ")}`);
    return JSON.parse(text);
  }
}

function definition(map: Record<string, unknown> = {}): StateMachineDefinition {
  return {
    StartAt: "Plan",
    States: {
      Plan: { Type: "Pass", Result: { rangesKey: "staging/b1/ranges.json", batchId: "b1" }, ResultPath: "$.plan", Next: "Fan" },
      Fan: {
        Type: "Map",
        Label: "Fan",
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "Work",
          States: {
            Work: {
              Type: "Task",
              Resource: "arn:aws:states:::lambda:invoke",
              Parameters: { FunctionName: "work", "Payload.$": "$" },
              ResultSelector: { "doubled.$": "$.Payload.doubled" },
              End: true,
            },
          },
        },
        ItemReader: {
          Resource: "arn:aws:states:::s3:getObject",
          ReaderConfig: { InputType: "JSON" },
          Parameters: { Bucket: "lake", "Key.$": "$.plan.rangesKey" },
        },
        MaxConcurrency: 2,
        ToleratedFailurePercentage: 0,
        ResultWriter: {
          Resource: "arn:aws:states:::s3:putObject",
          Parameters: { Bucket: "lake", "Prefix.$": "States.Format('staging/{}/map-results', $.plan.batchId)" },
        },
        ResultPath: "$.mapRun",
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Caught" }],
        Next: "Done",
        ...map,
      },
      Caught: { Type: "Pass", End: true },
      Done: { Type: "Succeed" },
    },
  } as unknown as StateMachineDefinition;
}

/** A Work answer doubling `n`, failing for the values in `failFor`, recording the peak concurrency. */
function work(failFor: readonly number[] = []) {
  const seen = { running: 0, peak: 0, inputs: [] as unknown[] };
  const answer: TaskAnswer = async (input) => {
    seen.running++;
    seen.peak = Math.max(seen.peak, seen.running);
    seen.inputs.push(input.Payload);
    await new Promise((resolve) => setTimeout(resolve, 5));
    seen.running--;
    if (failFor.includes(input.Payload.n)) throw named("Boom", `n=${input.Payload.n}`);
    return { StatusCode: 200, Payload: { doubled: input.Payload.n * 2 } };
  };
  return { answer, seen };
}

async function run(objects: Objects, items: unknown[], answer: TaskAnswer, map: Record<string, unknown> = {}) {
  await objects.put("lake", "staging/b1/ranges.json", JSON.stringify(items));
  const local = withDistributedMaps(definition(map), { store: objects, tasks: { Work: answer }, newMapRunId: () => "run-id-1" });
  return executeLocally(local.definition, {}, local.tasks, { executionId: EXECUTION, executionName: "run-1" });
}

describe("the local Distributed Map", () => {
  it("reads the items with ItemReader, runs one child per item within MaxConcurrency, and writes ResultWriter's files", async () => {
    const objects = new Objects();
    const { answer, seen } = work();
    const result = await run(
      objects,
      [1, 2, 3, 4, 5].map((n) => ({ n })),
      answer,
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(seen.inputs).toHaveLength(5);
    expect(seen.peak).toBe(2);
    const manifestKey = "staging/b1/map-results/run-id-1/manifest.json";
    const mapRunArn = "arn:aws:states:eu-west-1:123456789012:mapRun:acme-batch/Fan:run-id-1";
    expect((result.output as any).mapRun).toEqual({ MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: "lake", Key: manifestKey } });
    const manifest = objects.json("lake", manifestKey);
    expect(manifest).toEqual({
      DestinationBucket: "lake",
      MapRunArn: mapRunArn,
      ResultFiles: {
        FAILED: [],
        PENDING: [],
        SUCCEEDED: [{ Key: "staging/b1/map-results/run-id-1/SUCCEEDED_0.json", Size: expect.any(Number) }],
      },
    });
    const succeeded = objects.json("lake", manifest.ResultFiles.SUCCEEDED[0].Key) as any[];
    expect(succeeded.map((e) => [JSON.parse(e.Input), JSON.parse(e.Output), e.Status])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [{ n }, { doubled: n * 2 }, "SUCCEEDED"]),
    );
    expect(succeeded[0]).toEqual(
      expect.objectContaining({
        ExecutionArn: expect.stringContaining(":execution:acme-batch/Fan:"),
        InputDetails: { Included: true },
        StartDate: expect.any(String),
      }),
    );
  });

  it("fails with States.ExceedToleratedFailureThreshold when a child fails and none may, and lists it in FAILED_0.json", async () => {
    const objects = new Objects();
    const result = await run(
      objects,
      [1, 2, 3].map((n) => ({ n })),
      work([2]).answer,
      { MaxConcurrency: 1 },
    );

    expect(result.path).toEqual(["Plan", "Fan", "Caught"]);
    expect((result.output as any).error.Error).toBe("States.ExceedToleratedFailureThreshold");
    const manifest = objects.json("lake", "staging/b1/map-results/run-id-1/manifest.json");
    const failed = objects.json("lake", manifest.ResultFiles.FAILED[0].Key) as any[];
    expect(failed).toEqual([expect.objectContaining({ Status: "FAILED", Error: "Boom", Input: JSON.stringify({ n: 2 }) })]);
    // one at a time: once the failure is over the threshold, the third child never starts
    expect(objects.json("lake", manifest.ResultFiles.SUCCEEDED[0].Key)).toHaveLength(1);
  });

  it("tolerates failures up to ToleratedFailurePercentage", async () => {
    const objects = new Objects();
    const result = await run(
      objects,
      [1, 2, 3, 4].map((n) => ({ n })),
      work([3]).answer,
      { ToleratedFailurePercentage: 25 },
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(result.path).toEqual(["Plan", "Fan", "Done"]);
    const manifest = objects.json("lake", "staging/b1/map-results/run-id-1/manifest.json");
    expect(manifest.ResultFiles.FAILED).toHaveLength(1);
    expect(objects.json("lake", manifest.ResultFiles.SUCCEEDED[0].Key)).toHaveLength(3);
  });

  it("fails the state with States.ItemReaderFailed when the items object is missing", async () => {
    const objects = new Objects();
    const local = withDistributedMaps(definition(), { store: objects, tasks: { Work: work().answer } });
    const result = await executeLocally(local.definition, {}, local.tasks, { executionId: EXECUTION, executionName: "run-1" });
    expect((result.output as any).error.Error).toBe("States.ItemReaderFailed");
  });

  it("refuses, before running, a processor Task without an answer and an ItemBatcher", () => {
    expect(() => withDistributedMaps(definition(), { store: new Objects(), tasks: {} })).toThrow(/no task answer for Work/);
    expect(() =>
      withDistributedMaps(definition({ ItemBatcher: { MaxItemsPerBatch: 2 } }), { store: new Objects(), tasks: { Work: work().answer } }),
    ).toThrow(/ItemBatcher/);
  });

  it("applies only to a definition with a DISTRIBUTED Map", () => {
    expect(hasDistributedMap(definition())).toBe(true);
    expect(hasDistributedMap(buildBatchWorkflow(TEST_WORKFLOW_PROPS))).toBe(true);
    const inline: StateMachineDefinition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "Done", States: { Done: { Type: "Succeed" } } },
          End: true,
        },
      },
    } as StateMachineDefinition;
    expect(hasDistributedMap(inline)).toBe(false);
    expect(withDistributedMaps(inline, { store: new Objects(), tasks: {} }).definition.States).toEqual(inline.States);
  });
});

/**
 * The Task standing for a Distributed Map in the local engine carries a TimeoutSeconds of days: a Map
 * state has no timeout of its own, and the engine would otherwise time the Task out after 60 s, failing a
 * rehearsal whose paced push runs for minutes with States.Timeout.
 */
import type { StateMachineDefinition } from "../../state-machines/asl";
import { MAP_TASK_TIMEOUT_SECONDS, withDistributedMaps, type MapObjectStore } from "../../rehearsal/distributed-map";

const store: MapObjectStore = { get: async () => undefined, put: async () => undefined };

const DEFINITION = {
  StartAt: "Fan",
  States: {
    Fan: {
      Type: "Map",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "Work",
        States: { Work: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } },
      },
      ItemReader: {
        Resource: "arn:aws:states:::s3:getObject",
        ReaderConfig: { InputType: "JSON" },
        Parameters: { Bucket: "lake", Key: "k" },
      },
      Next: "Done",
    },
    Done: { Type: "Succeed" },
  },
} as unknown as StateMachineDefinition;

it("gives the Map's stand-in Task a TimeoutSeconds of days (within the timer's limit) instead of the engine's 60 s default", () => {
  const local = withDistributedMaps(DEFINITION, { store, tasks: { Work: async () => ({}) } });
  const fan = local.definition.States.Fan as unknown as { Type: string; TimeoutSeconds?: number; Next?: string };

  expect(fan.Type).toBe("Task");
  expect(fan.TimeoutSeconds).toBe(MAP_TASK_TIMEOUT_SECONDS);
  expect(MAP_TASK_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(86_400);
  expect(MAP_TASK_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  expect(fan.Next).toBe("Done");
});

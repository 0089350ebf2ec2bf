/**
 * The batch workflow's props for a configuration, pure (no cdktf): `BatchStage` builds the deployed
 * definition with it and the local rehearsal builds exactly the same one.
 */
import { BATCH_FUNCTION_TIMEOUTS } from "../../contract/batch";
import type { BatchWorkflowProps } from "../../state-machines/batch-workflow";
import { pushPlan } from "../../state-machines/timing";
import { batchTiming } from "./batch-timing";
import type { BatchSettingsConfig, DeliverySettings, StreamSettings } from "./settings";

/**
 * Map concurrency for pushing chunks (see `pushPlan` in `state-machines/timing.ts`): one chunk per shard
 * at a time, each paced to one shard's write limits; on-demand streams start at 4 MiB/s, so four chunks
 * at a time. Capped at 40, the most an inline Map runs at once: a stream with more shards is pushed 40
 * chunks at a time, each paced to its larger share.
 */
export function pushConcurrency(stream: StreamSettings): number {
  return pushPlan(stream).concurrency;
}

/** The ARNs and names the batch workflow's tasks call. */
export interface BatchWorkflowTargets {
  readonly extractFunctionArn: string;
  readonly pushFunctionArn: string;
  readonly deliveryCheckFunctionArn: string;
  readonly finalizeFunctionArn: string;
  /** null under partition projection. */
  readonly crawlerName: string | null;
  readonly workgroup: string;
  readonly notificationTopicArn: string;
}

/**
 * The batch workflow's props for a configuration: its targets plus the timeouts, poll budgets and
 * push concurrency derived from the stream, the buffering and the batch settings. Pure, so the local
 * rehearsal builds exactly the definition the stack deploys.
 */
export function batchWorkflowProps(
  targets: BatchWorkflowTargets,
  config: {
    readonly batch: BatchSettingsConfig;
    readonly delivery: DeliverySettings;
    readonly stream: StreamSettings;
    readonly partitionTime: "arrival" | "event";
  },
): BatchWorkflowProps {
  const { minimumRunSeconds: _minimum, ...timing } = batchTiming(config.batch, config.delivery, config.partitionTime);
  return {
    ...targets,
    lambdaTimeoutSeconds: BATCH_FUNCTION_TIMEOUTS,
    pushConcurrency: pushConcurrency(config.stream),
    ...timing,
    executionTimeoutSeconds: config.batch.runTimeoutMinutes * 60,
  };
}

/**
 * How long each waiting part of the batch workflow may take, derived from the configuration. Shared by
 * the batch construct (which builds the workflow with it) and the validator (which checks that
 * `batch.runTimeoutMinutes` leaves room for all of it). The math itself is in `state-machines/timing.ts`.
 */
import { workflowTiming } from "../../state-machines/timing";
import type { PartitionTime } from "../../contract/settings";
import type { BatchSettingsConfig, DeliverySettings } from "./settings";

export {
  CRAWLER_POLL_SECONDS,
  CRAWLER_TIMEOUT_SECONDS,
  DELIVERY_POLL_SECONDS,
  EXTRACT_AND_PUSH_ALLOWANCE_SECONDS,
  VALIDATION_RETRY_WAIT_SECONDS,
} from "../../state-machines/timing";

/** The workflow's waiting budgets for a configuration. */
export function batchTiming(batch: BatchSettingsConfig, delivery: DeliverySettings, partitionTime: PartitionTime) {
  return workflowTiming(
    {
      bufferIntervalSeconds: delivery.bufferIntervalSeconds,
      processorBufferIntervalSeconds: delivery.processorBufferIntervalSeconds,
      dynamicPartitioning: partitionTime === "event",
    },
    batch.validationAttempts,
  );
}

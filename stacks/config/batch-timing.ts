/**
 * How long each waiting part of the batch workflow may take, derived from the configuration. Shared by
 * the batch construct (which builds the workflow with it) and the validator (which checks that
 * `batch.runTimeoutMinutes` leaves room for all of it).
 */
import { deliveryTimeoutSeconds, loopBudgetSeconds } from "../../state-machines/batch-workflow";
import type { BatchSettingsConfig, DeliverySettings } from "./settings";

/** Wait between checks for delivered objects. */
export const DELIVERY_POLL_SECONDS = 60;
/** Wait between GetCrawler polls. */
export const CRAWLER_POLL_SECONDS = 30;
/** Longest wait for the crawler (including one already running when the batch arrives). */
export const CRAWLER_TIMEOUT_SECONDS = 1800;
/** Wait before re-running a validation query that found fewer records than pushed. */
export const VALIDATION_RETRY_WAIT_SECONDS = 120;
/** Time allowed for extracting and pushing a batch, on top of the waiting loops. */
export const EXTRACT_AND_PUSH_ALLOWANCE_SECONDS = 1800;

/** The workflow's waiting budgets for a configuration. */
export function batchTiming(batch: BatchSettingsConfig, delivery: DeliverySettings, eventTimePartitions: boolean) {
  const timing = {
    deliveryPollSeconds: DELIVERY_POLL_SECONDS,
    deliveryTimeoutSeconds: deliveryTimeoutSeconds({
      bufferIntervalSeconds: delivery.bufferIntervalSeconds,
      processorBufferIntervalSeconds: delivery.processorBufferIntervalSeconds,
      dynamicPartitioning: eventTimePartitions,
    }),
    crawlerPollSeconds: CRAWLER_POLL_SECONDS,
    crawlerTimeoutSeconds: CRAWLER_TIMEOUT_SECONDS,
    validationAttempts: batch.validationAttempts,
    validationRetryWaitSeconds: VALIDATION_RETRY_WAIT_SECONDS,
  };
  return { ...timing, minimumRunSeconds: loopBudgetSeconds(timing) + EXTRACT_AND_PUSH_ALLOWANCE_SECONDS };
}

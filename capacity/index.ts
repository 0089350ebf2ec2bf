/**
 * Capacity and cost planning for the pipeline: how many shards, what files, what it costs per month
 * and where to save. Pure: no AWS calls and no cdktf; `main.ts` prints {@link capacityWarnings} at
 * synth, `npm run capacity` prints a {@link planCapacity} result.
 */
export { DEFAULT_ASSUMPTIONS, resolveAssumptions } from "./assumptions";
export type { PlanAssumptions } from "./assumptions";
export { batchPushWarning, chunkPushWarning, pushBudget, pushTime } from "./batch-push";
export type { PushTime } from "./batch-push";
export { batchRunTransitions, HAPPY_PATH } from "./batch-transitions";
export type { BatchRunShape } from "./batch-transitions";
export { athenaBilledBytes, ATHENA_MINIMUM_BYTES, batchShape, estimatedAlarms, monthlyCosts, SERVICES } from "./costs";
export type { CostLine, CostModel, CostOptions, Service } from "./costs";
export { deliveryFiles, SMALL_FILE_FRACTION } from "./files";
export type { FileInputs, FilePlan } from "./files";
export { capacityWarnings, compareStreamModes, eventsPerFirehoseStep, PACKING_CONVERSION_FACT, planCapacity } from "./plan";
export type { CapacityPlan, PlanInput, PlanOptions, Saving, SavingId, StreamModeComparison } from "./plan";
export { priceItems, US_EAST_1_PRICES } from "./prices";
export type { FreeTier, Price, PriceStatus, PriceTable } from "./prices";
export { runsPerDay } from "../contract/schedule";
export { requiredShards, SHARD_LIMITS } from "./shards";
export type { ShardInputs, ShardLimit, ShardRequirement } from "./shards";
export { monthlyVolumes, resolveWorkload } from "./workload";
export type { PlannerSettings, Volumes, Workload } from "./workload";

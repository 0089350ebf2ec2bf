/**
 * The itemised monthly cost of a configuration under a workload: one line per billed item, each with
 * its arithmetic written out. Pure: prices come from a `PriceTable` (./prices), estimates from
 * `PlanAssumptions` (./assumptions); nothing calls AWS. The usage is worked out once ({@link monthlyUsage}), then
 * each service's function prices its share of it.
 */
import type { BatchRunShape } from "./batch-transitions";
import type { CostLine } from "./cost-line";
import type { FilePlan } from "./files";
import { firehoseCosts, kinesisCosts, lambdaCosts, s3Costs } from "./ingest-costs";
import { athenaCosts, batchSchedulingCosts, cloudWatchCosts, glueCosts, kmsCosts, quickSightCosts, snsCosts } from "./service-costs";
import type { ShardRequirement } from "./shards";
import { CostOptions, monthlyUsage } from "./usage";
import type { PlannerSettings, Volumes, Workload } from "./workload";

export { SERVICES } from "./cost-line";
export type { CostLine, Service } from "./cost-line";
export { athenaBilledBytes, ATHENA_MINIMUM_BYTES, estimatedAlarms } from "./service-costs";
export { batchShape } from "./usage";
export type { CostOptions } from "./usage";

/** Everything the cost lines were computed from. */
export interface CostModel {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  readonly volumes: Volumes;
  readonly shards: ShardRequirement;
  /** Shards the provisioned lines bill: the configured count, or more when the workload needs more. */
  readonly billedShards: number;
  readonly files: FilePlan;
  readonly batchRun: BatchRunShape & { readonly transitions: number };
}

/** The monthly cost of `settings` under `workload`: every service's lines, in the order of the table. */
export function monthlyCosts(settings: PlannerSettings, workload: Workload, options: CostOptions): CostModel {
  const usage = monthlyUsage(settings, workload, options);
  const lines: CostLine[] = [
    ...kinesisCosts(usage),
    ...firehoseCosts(usage),
    ...lambdaCosts(usage),
    ...s3Costs(usage),
    ...glueCosts(usage),
    ...athenaCosts(usage),
    ...batchSchedulingCosts(usage),
    ...cloudWatchCosts(usage),
    ...snsCosts(usage),
    ...kmsCosts(usage),
    ...quickSightCosts(usage),
  ];
  const totalUsd = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  const { volumes, shards, billedShards, files, batchRun } = usage;
  return { lines, totalUsd, volumes, shards, billedShards, files, batchRun };
}

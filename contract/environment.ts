/**
 * What crosses the infrastructure/runtime boundary: environment variable names and the settings the
 * stack hands to each handler. No cdktf, no SDK: safe to import from `stacks/` and `handlers/`.
 */
import type { DayKey, EventSchema } from "./event-schema";

/** Powertools' environment variables; `NodeFunction` sets them on every function, from one table. */
export const POWERTOOLS_ENV = {
  /** Service name on every log line and metric (Powertools logs `service_undefined` without it). */
  serviceName: "POWERTOOLS_SERVICE_NAME",
  /** Log level. */
  logLevel: "POWERTOOLS_LOG_LEVEL",
  /** Namespace of the function's metrics, for functions that publish any. */
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
} as const;

/** Environment variables of the transform function, set by `TransformFunction` (Powertools' by `NodeFunction`). */
export const TRANSFORM_ENV = {
  /** JSON of {@link TransformSettings}. */
  settings: "TRANSFORM_SETTINGS",
  /** Powertools: namespace of the ok/failed/dropped record metrics. */
  metricsNamespace: POWERTOOLS_ENV.metricsNamespace,
  /** Powertools: service name on every log line and metric. */
  serviceName: POWERTOOLS_ENV.serviceName,
  /** Powertools: log level. */
  logLevel: POWERTOOLS_ENV.logLevel,
} as const;

/** A documented filter rule: records whose `column` equals one of `values` are returned as `Dropped`. */
export interface DropRule {
  readonly column: string;
  readonly equals: readonly (string | number | boolean)[];
}

/** Where a record's hour partition comes from. */
export type PartitionTime = "arrival" | "event";

/** Everything the transform needs to validate, coerce and (optionally) partition records. */
export interface TransformSettings {
  readonly schema: EventSchema;
  readonly dayKey: DayKey;
  /** `event`: return `partitionKeys` from the event time for dynamic partitioning. */
  readonly partitionTime: PartitionTime;
  readonly dropRules: readonly DropRule[];
  /**
   * Set with event-time partitions under Athena partition projection: the projected years. An event whose
   * year is outside them is returned as `ProcessingFailed` (error prefix, with a reason) instead of landing
   * in a partition Athena never reads. @default no check
   */
  readonly projectedYears?: { readonly from: number; readonly to: number };
}

/** Reads an environment variable set by a construct, failing with the construct that sets it. */
export function readEnv(env: NodeJS.ProcessEnv, name: string, setBy: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set (set by ${setBy})`);
  return value;
}

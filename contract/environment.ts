/**
 * The environment variables the stack sets on the functions (the settings JSON they carry is
 * described in ./settings.ts). No cdktf, no SDK: safe to import from `stacks/` and `handlers/`.
 */

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

/** Reads an environment variable set by a construct, failing with the construct that sets it. */
export function readEnv(env: NodeJS.ProcessEnv, name: string, setBy: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set (set by ${setBy})`);
  return value;
}

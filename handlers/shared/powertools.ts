/**
 * The Powertools singletons every function logs and publishes metrics through, one per container.
 * Service name, log level and metrics namespace come from the environment `NodeFunction` sets
 * (contract/environment.ts, `POWERTOOLS_ENV`). Marked pure, so a bundle that never uses one drops it.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

export const logger = /* @__PURE__ */ new Logger();
export const metrics = /* @__PURE__ */ new Metrics();

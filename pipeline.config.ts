/**
 * The pipeline configuration: the one file to edit.
 *
 * `defaults` applies to every environment; `environments.<name>` overrides any field for one
 * environment (objects merge, arrays replace). Every field, its default and its allowed range are
 * listed in docs/configuration.md ("Configuration reference") and in `stacks/config/settings.ts`.
 * `npm run synth` validates everything and reports all problems at once.
 */
import type { PipelineConfigFile } from "./stacks/config/settings";

export const pipelineConfig: PipelineConfigFile = {
  defaults: {
    namePrefix: "datalake",
    region: "eu-west-1",
    // The event schema defaults to a clickstream event (stacks/config/settings.ts, CLICKSTREAM_SCHEMA).
    // Declare your own here: schema: { eventTimeColumn: "...", columns: [{ name, type, required }, ...] },
    terraformCloud: {
      // organization: "my-org",  // or set TF_CLOUD_ORGANIZATION; unset = local backend
      workspace: "{prefix}-{env}",
    },
  },
  environments: {
    dev: {
      stream: { retentionHours: 24 },
      lake: { forceDestroy: true, rawBackupExpirationDays: 7 },
      logs: { retentionDays: 14 },
    },
    prod: {
      stream: { retentionHours: 168 },
      logs: { retentionDays: 90 },
    },
  },
};

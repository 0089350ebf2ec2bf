import { App } from "cdktf";
import { pipelineConfig } from "./pipeline.config";
import { capacityWarnings } from "./capacity";
import { ConfigError, loadAllConfigs, PipelineConfig } from "./stacks/config";
import { divergenceWarnings, previousDeliveryIdentity, replacementWarnings } from "./stacks/config/delivery-replacement";
import { PipelineStack } from "./stacks/pipeline-stack";
import { quickSightSkippedColumns } from "./stacks/constructs/dashboards-stage";
import { tableSchema } from "./stacks/config/derive";
import { partitionKeys } from "./contract/event-schema";
import {
  ACCEPT_VARIABLE,
  blockingMessage,
  checkSchemaLock,
  DEFAULT_SCHEMA_LOCK_PATH,
  parseAccepted,
  readSchemaLock,
  writeSchemaLock,
  type SchemaLockCheck,
} from "./stacks/schema-lock";

function describeBackend(config: PipelineConfig): string {
  return config.backend.kind === "cloud"
    ? `Terraform Cloud, organization "${config.backend.organization}", workspace "${config.backend.workspace}"`
    : `local state file (${config.backend.reason})`;
}

let configs: PipelineConfig[];
try {
  configs = loadAllConfigs(pipelineConfig, process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// The schema lock: breaking changes against the last synthesized schema stop synth before anything is written.
const lockPath = process.env.SCHEMA_LOCK_PATH ?? DEFAULT_SCHEMA_LOCK_PATH;
let lock: SchemaLockCheck;
try {
  lock = checkSchemaLock(
    readSchemaLock(lockPath),
    configs.map((config) => ({
      environment: config.environment,
      schema: { partitionKeys: partitionKeys(config.partitioning.dayKey), columns: tableSchema(config).columns },
    })),
    parseAccepted(process.env[ACCEPT_VARIABLE]),
  );
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
if (lock.blocking.length > 0) {
  console.error(blockingMessage(lock.blocking, lockPath));
  process.exit(1);
}
for (const change of lock.changes) {
  const note = change.verdict === "safe" ? "safe" : "breaking, accepted";
  console.log(`schema [${change.environment}] ${change.column}: ${change.kind} (${note})`);
}

const app = new App();
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
for (const config of configs) {
  const stackId = `${config.namePrefix}-${config.environment}`;
  const previous = previousDeliveryIdentity(outdir, stackId);
  new PipelineStack(app, stackId, { config });
  console.log(`stack ${stackId}: backend ${describeBackend(config)}`);
  for (const warning of capacityWarnings(config)) console.error(`warning: [${config.environment}] ${warning}`);
  for (const warning of replacementWarnings(config, previous)) console.error(`warning: [${config.environment}] ${warning}`);
  if (config.quicksight.enabled) {
    for (const { name, type, reason } of quickSightSkippedColumns(tableSchema(config))) {
      console.error(`warning: [${config.environment}] the QuickSight data set leaves out column ${name} (${type}): ${reason}`);
    }
  }
}
for (const { environment, warning } of divergenceWarnings(configs)) console.error(`warning: [${environment}] ${warning}`);
app.synth();
if (lock.next) {
  writeSchemaLock(lockPath, lock.next);
  console.log(`schema lock ${lockPath} updated: commit it`);
}

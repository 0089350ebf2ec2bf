import { App } from "cdktf";
import { pipelineConfig } from "./pipeline.config";
import { capacityWarnings } from "./stacks/capacity";
import { ConfigError, loadAllConfigs, PipelineConfig } from "./stacks/config";
import { PipelineStack } from "./stacks/pipeline-stack";

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

const app = new App();
for (const config of configs) {
  const stackId = `${config.namePrefix}-${config.environment}`;
  new PipelineStack(app, stackId, { config });
  console.log(`stack ${stackId}: backend ${describeBackend(config)}`);
  for (const warning of capacityWarnings(config)) console.error(`warning: [${config.environment}] ${warning}`);
}
app.synth();

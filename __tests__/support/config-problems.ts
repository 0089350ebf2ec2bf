/** The configuration problems of plain settings objects, through `loadConfig` (no stack is synthesized). */
import { ConfigError, loadConfig, type ConfigProblem, type Overrides, type PipelineSettings } from "../../stacks/config";

/** The problems `overrides` cause in one environment (`test` of prefix `acme` by default; none when it loads). */
export function problems(overrides: Overrides<PipelineSettings>, namePrefix = "acme", environment = "test"): ConfigProblem[] {
  try {
    loadConfig({ defaults: { namePrefix, region: "eu-west-1" }, environments: { [environment]: overrides } }, environment);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

/** The one problem of `field` in `list` (the expectation fails when there is none or more than one). */
export function only(list: ConfigProblem[], field: string): ConfigProblem {
  const found = list.filter((p) => p.field === field);
  expect(found).toHaveLength(1);
  return found[0]!;
}

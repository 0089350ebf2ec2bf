/**
 * The pipeline configuration: one zod schema (./schema) gives the settings' types, defaults and
 * single-field rules; ./rules holds the rules linking fields; ./load merges and validates; ./resolve
 * works out physical names and the backend once; ./derive builds what the functions receive.
 */
export * from "./settings";
export { settingsSchema } from "./schema";
export { ConfigError, formatProblem, type ConfigProblem } from "./problems";
export { loadAllConfigs, loadConfig, mergeSettings, type PipelineConfig } from "./load";
export type { BackendChoice, BucketName, ResolvedNames } from "./resolve";
export { batchSettings, tableSchema, transformSettings } from "./derive";
export { LIMITS, NAME_LIMITS, type NameKind, type NameLimit } from "./limits";
export { BATCH_FUNCTION_NAMES, physicalName } from "../../contract/names";
export { derivedNames, type DerivedName } from "./names";

/**
 * Loads the configuration file: merges the shared settings and an environment's overrides, parses
 * them with the schema (types, defaults, single-field rules), then runs the cross-field rules and
 * resolves names and backend. All problems are reported at once; each names the field, the value
 * received, what is allowed and how to fix it.
 */
import { z } from "zod";
import { ruleIssueParams } from "./field-rules";
import { ConfigError, ProblemList, type ConfigProblem } from "./problems";
import { chooseBackend, resolveNames, type BackendChoice, type ResolvedNames } from "./resolve";
import { checkCrossFieldRules } from "./rules";
import { settingsSchema } from "./schema";
import { DEFAULT_SETTINGS, DEFAULT_SHARD_COUNT, type PipelineConfigFile, type PipelineSettings } from "./settings";

/** A validated, resolved environment: what the stacks are built from. */
export interface PipelineConfig extends PipelineSettings {
  readonly environment: string;
  readonly resolvedNames: ResolvedNames;
  readonly backend: BackendChoice;
}

/** Loads and validates every environment in the file; throws one ConfigError listing all problems. */
export function loadAllConfigs(file: PipelineConfigFile, env: NodeJS.ProcessEnv = {}): PipelineConfig[] {
  const problems: ConfigProblem[] = [];
  const configs: PipelineConfig[] = [];
  const names = Object.keys(file.environments ?? {});
  if (names.length === 0) {
    problems.push({
      environment: "*",
      field: "environments",
      received: file.environments,
      allowed: "at least one environment, e.g. { dev: {}, prod: {} }",
      fix: "add an environment under environments in pipeline.config.ts",
    });
  }
  for (const name of names) {
    const result = resolveEnvironment(file, name, env);
    problems.push(...result.problems);
    if (result.config) configs.push(result.config);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}

/** Loads and validates one environment. */
export function loadConfig(file: PipelineConfigFile, environment: string, env: NodeJS.ProcessEnv = {}): PipelineConfig {
  const result = resolveEnvironment(file, environment, env);
  if (result.problems.length > 0 || !result.config) throw new ConfigError(result.problems);
  return result.config;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep merge where objects merge and everything else (arrays included) replaces. A key set to
 * `undefined` in the override unsets the inherited value.
 */
export function mergeSettings(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = value === undefined ? undefined : mergeSettings(base[key], value);
  }
  return merged;
}

/** Provisioned streams get one shard unless the configuration mentions `shardCount` at all. */
function withDefaultShardCount(merged: unknown): unknown {
  if (!isPlainObject(merged) || !isPlainObject(merged.stream)) return merged;
  const stream = merged.stream;
  if (stream.mode !== "PROVISIONED" || "shardCount" in stream) return merged;
  return { ...merged, stream: { ...stream, shardCount: DEFAULT_SHARD_COUNT } };
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === "number") node = node[key];
    else if (isPlainObject(node)) node = node[key];
    else return undefined;
  }
  return node;
}

/** A schema issue as a problem: a single-field rule's own text, or a misspelled field, wrong value or type. */
function issueProblem(environment: string, merged: unknown, issue: z.ZodIssue): ConfigProblem {
  const field = issue.path.join(".") || "(root)";
  const rule = ruleIssueParams(issue);
  if (rule) return { environment, field, ...rule };
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    return {
      environment,
      field: field === "(root)" ? issue.keys.join(", ") : `${field}.${issue.keys.join(", ")}`,
      received: issue.keys,
      allowed: "only the fields listed in the configuration reference (docs/configuration.md)",
      fix: "remove or correct the misspelled field",
    };
  }
  const received = valueAt(merged, issue.path);
  if (issue.code === z.ZodIssueCode.invalid_enum_value) {
    const allowed = `one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
    return { environment, field, received, allowed, fix: `set ${field} to one of the allowed values` };
  }
  const allowed = issue.message.replace(/^Expected /, "a value of type ").replace(/, received \w+$/, "");
  return { environment, field, received, allowed, fix: `set ${field} to a value of the right type` };
}

/** The environment name becomes part of every physical name. */
function checkEnvironmentName(p: ProblemList): void {
  const name = p.environment;
  if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) {
    const allowed = "an environment name of 1–10 lower-case letters and digits, starting with a letter";
    p.add("environments", name, allowed, `rename environment "${name}", e.g. to "dev" or "prod"`);
  }
}

interface Resolved {
  readonly settings: PipelineSettings;
  readonly resolvedNames: ResolvedNames;
  readonly backend: BackendChoice;
}

function resolveEnvironment(
  file: PipelineConfigFile,
  environment: string,
  env: NodeJS.ProcessEnv,
): { config?: PipelineConfig; problems: ConfigProblem[] } {
  const merged = withDefaultShardCount(mergeSettings(mergeSettings(DEFAULT_SETTINGS, file.defaults), file.environments?.[environment]));
  const rules = new ProblemList(environment);
  checkEnvironmentName(rules);
  let resolved: Resolved | undefined;
  // The cross-field rules run whenever every field has the right type, even if a single-field rule failed.
  const parsed = settingsSchema
    .superRefine((settings) => {
      const resolvedNames = resolveNames(settings, environment);
      checkCrossFieldRules(rules, settings, resolvedNames);
      resolved = { settings, resolvedNames, backend: chooseBackend(rules, settings, environment, env) };
    })
    .safeParse(merged);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issueProblem(environment, merged, issue));
  if (!resolved) return { problems };
  problems.push(...rules.problems);
  if (problems.length > 0) return { problems };
  const { settings, resolvedNames, backend } = resolved;
  return { problems: [], config: deepFreeze({ ...settings, environment, resolvedNames, backend }) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

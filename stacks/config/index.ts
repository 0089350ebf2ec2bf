/**
 * Loads the configuration file, merges defaults and environment overrides, and validates every field
 * against AWS's limits before any construct is built. All problems are reported at once; each names
 * the field, the value received, what is allowed and how to fix it.
 */
import { z } from "zod";
import { BATCH_ID_COLUMN } from "../../contract/batch";
import { EventSchema, isSupportedGlueType, partitionKeys, SCALAR_GLUE_TYPES } from "../../contract/event-schema";
import { MAX_RECENT_DAYS } from "../../contract/sql/partition-filter";
import { PROJECTED_YEARS } from "../../contract/sql/partition-projection";
import { batchTiming } from "./batch-timing";
import { cronProblem, minimumPeriodMinutes, rateProblem } from "../../contract/schedule";
import { LIMITS, NAME_LIMITS } from "./limits";
import { physicalName, type BatchFunctionName } from "../../contract/names";
import { derivedNames, nameProblem } from "./names";
import { DEFAULT_SETTINGS, DEFAULT_SHARD_COUNT, PipelineConfigFile, PipelineSettings } from "./settings";
import { workloadProblems } from "./workload";
import { TransformSettings, type BatchSettings } from "../../contract/settings";

export * from "./settings";
export { LIMITS, NAME_LIMITS, type NameKind, type NameLimit } from "./limits";
export { BATCH_FUNCTION_NAMES, physicalName } from "../../contract/names";
export { derivedNames, type DerivedName } from "./names";

/** Physical names of one environment, derived from `namePrefix` unless overridden in `names`. */
export interface ResolvedNames {
  /** `<namePrefix>-<environment>`: the start of every name built from a template. */
  readonly base: string;
  readonly stream: string;
  readonly deliveryStream: string;
  readonly transformFunction: string;
  readonly lakeBucket: BucketName;
  readonly resultsBucket: BucketName;
  readonly accessLogBucket: BucketName;
  readonly database: string;
  readonly table: string;
  readonly workgroup: string;
  /** The batch validation query's own workgroup, `<prefix>-<env>-batch-validation`. */
  readonly batchValidationWorkgroup: string;
  readonly crawler: string;
  readonly stateMachine: string;
  /** The batch functions' names, `<base>-batch-<name>` (the functions exist only with `batch.enabled`). */
  readonly batchFunctions: Readonly<Record<BatchFunctionName, string>>;
  /** The alerts topic, `<base>-alerts`. */
  readonly alertsTopic: string;
  /** The batch schedule's dead-letter queue, `<base>-batch-schedule-dlq`. */
  readonly scheduleDeadLetterQueue: string;
  /** The stack key's alias without `alias/` (used with `security.encryption: customer-managed`). */
  readonly keyAlias: string;
}

/** An exact bucket name, or a prefix Terraform completes with a unique suffix. */
export type BucketName = { readonly name: string } | { readonly prefix: string };

/** Where the stack's Terraform state lives. */
export type BackendChoice =
  | { readonly kind: "cloud"; readonly organization: string; readonly workspace: string; readonly hostname: string }
  | { readonly kind: "local"; readonly reason: string };

/** A validated, resolved environment: what the stacks are built from. */
export interface PipelineConfig extends PipelineSettings {
  readonly environment: string;
  readonly resolvedNames: ResolvedNames;
  readonly backend: BackendChoice;
}

/** One configuration problem. */
export interface ConfigProblem {
  readonly environment: string;
  readonly field: string;
  readonly received: unknown;
  readonly allowed: string;
  readonly fix: string;
}

/** Thrown when the configuration is invalid; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `The pipeline configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
  }
}

/** `[dev] stream.retentionHours: received 12; allowed: …. Fix: …` */
export function formatProblem(p: ConfigProblem): string {
  return `[${p.environment}] ${p.field}: received ${show(p.received)}; allowed: ${p.allowed}. Fix: ${p.fix}`;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing (unset)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
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

/**
 * The table's columns: the event schema, plus the `batch_id` column the batch workflow stamps when the
 * batch path is enabled (streamed events leave it NULL).
 */
export function tableSchema(config: PipelineConfig): EventSchema {
  if (!config.batch.enabled) return config.schema;
  return {
    ...config.schema,
    columns: [
      ...config.schema.columns,
      { name: BATCH_ID_COLUMN, type: "string", required: false, description: "Batch that loaded the row (NULL when streamed)" },
    ],
  };
}

/** The settings the batch functions receive (`BATCH_SETTINGS`), derived from a validated configuration. */
export function batchSettings(config: PipelineConfig): BatchSettings {
  const { batch, resolvedNames: names } = config;
  return {
    schema: config.schema,
    dayKey: config.partitioning.dayKey,
    partitionTime: config.partitioning.partitionTime,
    database: names.database,
    table: names.table,
    dropRules: config.delivery.dropRules,
    eventIdColumn: batch.eventIdColumn,
    partitionKeyField: batch.partitionKeyField ?? batch.eventIdColumn,
    recordsPerChunk: batch.recordsPerChunk,
    maxPushAttempts: batch.maxPushAttempts,
    runTimeoutSeconds: batch.runTimeoutMinutes * 60,
  };
}

/** The settings the transform function receives, derived from a validated configuration. */
export function transformSettings(config: PipelineConfig): TransformSettings {
  return {
    schema: tableSchema(config),
    dayKey: config.partitioning.dayKey,
    partitionTime: config.partitioning.partitionTime,
    dropRules: config.delivery.dropRules,
    ...(config.partitioning.partitionTime === "event" && config.catalog.partitionProjection
      ? { projectedYears: { from: PROJECTED_YEARS.from, to: PROJECTED_YEARS.to } }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------

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

const dropRuleShape = z.strictObject({
  column: z.string(),
  equals: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
});

const settingsShape = z.strictObject({
  namePrefix: z.string(),
  region: z.string(),
  stream: z.strictObject({
    mode: z.enum(["PROVISIONED", "ON_DEMAND"]),
    shardCount: z.number().optional(),
    retentionHours: z.number(),
    kmsKeyArn: z.string().optional(),
  }),
  delivery: z.strictObject({
    format: z.enum(["parquet", "json"]),
    bufferSizeMiB: z.number(),
    bufferIntervalSeconds: z.number(),
    processorBufferSizeMB: z.number(),
    processorBufferIntervalSeconds: z.number(),
    processorRetries: z.number(),
    dropRules: z.array(dropRuleShape),
  }),
  transform: z.strictObject({ memoryMiB: z.number(), timeoutSeconds: z.number(), tracing: z.boolean() }),
  lake: z.strictObject({
    rawBackupExpirationDays: z.number(),
    errorExpirationDays: z.number(),
    queryResultExpirationDays: z.number(),
    noncurrentVersionExpirationDays: z.number(),
    forceDestroy: z.boolean(),
    processedExpirationDays: z.number().optional(),
  }),
  partitioning: z.strictObject({ dayKey: z.enum(["day", "date"]), partitionTime: z.enum(["arrival", "event"]) }),
  schema: z.strictObject({
    eventTimeColumn: z.string(),
    columns: z.array(
      z.strictObject({ name: z.string(), type: z.string(), required: z.boolean(), description: z.string().optional() }),
    ),
  }),
  catalog: z.strictObject({
    tableName: z.string(),
    crawlerSchedule: z.string().nullable(),
    schemaUpdateBehavior: z.enum(["LOG", "UPDATE_IN_DATABASE"]),
    schemaDeleteBehavior: z.enum(["LOG", "DELETE_FROM_DATABASE"]),
    partitionProjection: z.boolean(),
    latestViewDays: z.number(),
  }),
  query: z.strictObject({ bytesScannedCutoffPerQuery: z.number(), engineVersion: z.string() }),
  logs: z.strictObject({ retentionDays: z.number() }),
  batch: z.strictObject({
    enabled: z.boolean(),
    schedule: z.string().nullable(),
    scheduleTimezone: z.string(),
    eventIdColumn: z.string(),
    partitionKeyField: z.string().optional(),
    recordsPerChunk: z.number(),
    maxPushAttempts: z.number(),
    validationAttempts: z.number(),
    validationBytesScannedCutoff: z.number(),
    runTimeoutMinutes: z.number(),
    stagingExpirationDays: z.number(),
  }),
  security: z.strictObject({
    encryption: z.enum(["aws-managed", "customer-managed"]),
    accessLogging: z.boolean(),
    accessLogExpirationDays: z.number(),
  }),
  monitoring: z.strictObject({
    enabled: z.boolean(),
    notificationEmail: z.string().optional(),
    iteratorAgeMaxSeconds: z.number(),
    throttlePeriods: z.number(),
    deliveryFreshnessMaxSeconds: z.number().optional(),
    deliverySuccessMin: z.number(),
    failedRecordsMax: z.number(),
    lambdaErrorsMax: z.number(),
  }),
  quicksight: z.strictObject({
    enabled: z.boolean(),
    principalArn: z.string().optional(),
    importMode: z.enum(["SPICE", "DIRECT_QUERY"]),
    serviceRoleName: z.string(),
  }),
  terraformCloud: z.strictObject({
    organization: z.string().optional(),
    workspace: z.string(),
    hostname: z.string(),
  }),
  names: z.strictObject({
    stream: z.string().optional(),
    deliveryStream: z.string().optional(),
    transformFunction: z.string().optional(),
    lakeBucket: z.string().optional(),
    resultsBucket: z.string().optional(),
    accessLogBucket: z.string().optional(),
    database: z.string().optional(),
    workgroup: z.string().optional(),
    crawler: z.string().optional(),
    stateMachine: z.string().optional(),
  }),
  tags: z.record(z.string()),
  workload: z
    .strictObject({
      eventsPerSecond: z.number(),
      peakFactor: z.number().optional(),
      averageRecordBytes: z.number(),
      maxRecordBytes: z.number().optional(),
      consumers: z.number().optional(),
      eventsPerRecord: z.number().optional(),
      batchRunsPerDay: z.number().optional(),
      recordsPerBatch: z.number().optional(),
      athenaQueriesPerDay: z.number().optional(),
      athenaBytesScannedPerQuery: z.number().optional(),
    })
    .optional(),
});

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function shapeProblems(environment: string, merged: unknown, error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.join(".") || "(root)";
    if (issue.code === "unrecognized_keys") {
      return {
        environment,
        field: field === "(root)" ? issue.keys.join(", ") : `${field}.${issue.keys.join(", ")}`,
        received: issue.keys,
        allowed: "only the fields listed in the configuration reference (docs/configuration.md)",
        fix: "remove or correct the misspelled field",
      };
    }
    if (issue.code === "invalid_enum_value") {
      return {
        environment,
        field,
        received: valueAt(merged, issue.path),
        allowed: `one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`,
        fix: `set ${field} to one of the allowed values`,
      };
    }
    return {
      environment,
      field,
      received: valueAt(merged, issue.path),
      allowed: issue.message.replace(/^Expected /, "a value of type ").replace(/, received \w+$/, ""),
      fix: `set ${field} to a value of the right type`,
    };
  });
}

function resolveEnvironment(
  file: PipelineConfigFile,
  environment: string,
  env: NodeJS.ProcessEnv,
): { config?: PipelineConfig; problems: ConfigProblem[] } {
  const merged = withDefaultShardCount(
    mergeSettings(mergeSettings(DEFAULT_SETTINGS, file.defaults), file.environments?.[environment]),
  );
  const parsed = settingsShape.safeParse(merged);
  if (!parsed.success) return { problems: shapeProblems(environment, merged, parsed.error) };
  const settings = parsed.data as unknown as PipelineSettings;
  const checker = new Checker(environment);
  checker.environmentName(environment);
  const resolvedNames = resolveNames(settings, environment);
  checkSettings(checker, settings, resolvedNames);
  const backend = chooseBackend(checker, settings, environment, env);
  if (checker.problems.length > 0) return { problems: checker.problems };
  return {
    problems: [],
    config: deepFreeze({ ...settings, environment, resolvedNames, backend }),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function resolveNames(s: PipelineSettings, environment: string): ResolvedNames {
  const base = `${s.namePrefix}-${environment}`;
  const bucket = (exact: string | undefined, role: string): BucketName =>
    exact !== undefined ? { name: exact } : { prefix: `${base}-${role}-` };
  return {
    base,
    stream: s.names.stream ?? `${base}-events`,
    deliveryStream: s.names.deliveryStream ?? `${base}-delivery`,
    transformFunction: s.names.transformFunction ?? `${base}-transform`,
    lakeBucket: bucket(s.names.lakeBucket, "lake"),
    resultsBucket: bucket(s.names.resultsBucket, "results"),
    accessLogBucket: bucket(s.names.accessLogBucket, "access-logs"),
    database: s.names.database ?? base.replace(/-/g, "_"),
    table: s.catalog.tableName,
    workgroup: s.names.workgroup ?? base,
    batchValidationWorkgroup: physicalName.batchValidationWorkgroup(base),
    crawler: s.names.crawler ?? `${base}-partitions`,
    stateMachine: s.names.stateMachine ?? `${base}-batch`,
    batchFunctions: {
      extract: physicalName.batchFunction(base, "extract"),
      push: physicalName.batchFunction(base, "push"),
      "delivery-check": physicalName.batchFunction(base, "delivery-check"),
      finalize: physicalName.batchFunction(base, "finalize"),
    },
    alertsTopic: physicalName.alertsTopic(base),
    scheduleDeadLetterQueue: physicalName.scheduleDeadLetterQueue(base),
    keyAlias: physicalName.keyAlias(base),
  };
}

function chooseBackend(
  checker: Checker,
  s: PipelineSettings,
  environment: string,
  env: NodeJS.ProcessEnv,
): BackendChoice {
  const organization = s.terraformCloud.organization ?? env.TF_CLOUD_ORGANIZATION?.trim();
  const workspace = s.terraformCloud.workspace.replace(/\{prefix\}/g, s.namePrefix).replace(/\{env\}/g, environment);
  checker.pattern("terraformCloud.workspace", workspace, /^[A-Za-z0-9_-]{1,90}$/, "1–90 letters, digits, - and _ after {prefix} and {env} are replaced", "use only letters, digits, - and _ around {prefix} and {env}", s.terraformCloud.workspace);
  if (!organization) return { kind: "local", reason: "no terraformCloud.organization and no TF_CLOUD_ORGANIZATION" };
  checker.pattern("terraformCloud.organization", organization, /^[A-Za-z0-9_-]{1,40}$/, "1–40 letters, digits, - and _", "use your Terraform Cloud organization's exact name");
  return { kind: "cloud", organization, workspace, hostname: s.terraformCloud.hostname };
}

/** Collects problems; every method adds at most one problem per field. */
class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly environment: string) {}

  add(field: string, received: unknown, allowed: string, fix: string): void {
    this.problems.push({ environment: this.environment, field, received, allowed, fix });
  }

  environmentName(name: string): void {
    if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) {
      this.add("environments", name, "an environment name of 1–10 lower-case letters and digits, starting with a letter", `rename environment "${name}", e.g. to "dev" or "prod"`);
    }
  }

  range(field: string, value: number, min: number, max: number, unit: string, fix?: string, integer = true): boolean {
    const ok = Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= min && value <= max;
    if (!ok) {
      this.add(field, value, `${integer ? "an integer" : "a number"} from ${min} to ${max}${unit ? ` (${unit})` : ""}`, fix ?? `set ${field} between ${min} and ${max}`);
    }
    return ok;
  }

  pattern(field: string, value: string, pattern: RegExp, allowed: string, fix: string, received: unknown = value): boolean {
    const ok = pattern.test(value);
    if (!ok) this.add(field, received, allowed, fix);
    return ok;
  }

  /** A physical name: pattern and length, naming the override field and where a derived name came from. */
  name(field: string, value: string, rule: { pattern: RegExp; maxLength: number }, what: string, derived: boolean): void {
    const origin = derived ? ` (derived from namePrefix; shorten namePrefix or set ${field})` : "";
    if (value.length < 1 || value.length > rule.maxLength) {
      this.add(field, value, `${/^[AEIOU]/.test(what) ? "an" : "a"} ${what} of 1–${rule.maxLength} characters (it has ${value.length})`, `use a name of at most ${rule.maxLength} characters${origin}`);
    } else if (!rule.pattern.test(value)) {
      this.add(field, value, `a ${what} matching ${rule.pattern}`, `use only the characters ${rule.pattern}${origin}`);
    }
  }
}

function checkSettings(c: Checker, s: PipelineSettings, names: ResolvedNames): void {
  c.pattern("namePrefix", s.namePrefix, /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, "2–32 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen", 'choose a short lower-case prefix such as "acme-lake"');
  c.pattern("region", s.region, /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "an AWS region code such as eu-west-1", "set region to the code of the region to deploy to");
  checkStream(c, s);
  checkDelivery(c, s);
  checkTransform(c, s);
  checkLake(c, s);
  checkNames(c, s, names);
  checkSchema(c, s);
  checkCatalog(c, s);
  if (s.batch.enabled) checkBatch(c, s);
  for (const p of s.workload ? workloadProblems(s.workload) : []) c.add(`workload.${p.field}`, p.received, p.allowed, p.fix);
  checkSecurity(c, s);
  checkMonitoring(c, s);
  checkQuickSight(c, s);
  c.range("query.bytesScannedCutoffPerQuery", s.query.bytesScannedCutoffPerQuery, LIMITS.athena.bytesScannedCutoff.min, Number.MAX_SAFE_INTEGER, "bytes; Athena's minimum is 10 MB", "set query.bytesScannedCutoffPerQuery to at least 10485760 (10 MB), e.g. 1073741824 for 1 GiB");
  if (!(LIMITS.logRetentionDays as readonly number[]).includes(s.logs.retentionDays)) {
    c.add("logs.retentionDays", s.logs.retentionDays, `one of ${LIMITS.logRetentionDays.join(", ")}`, "pick the nearest allowed value, e.g. 30");
  }
}

function checkStream(c: Checker, s: PipelineSettings): void {
  const { stream } = s;
  c.range("stream.retentionHours", stream.retentionHours, LIMITS.stream.retentionHours.min, LIMITS.stream.retentionHours.max, "hours", "set stream.retentionHours between 24 and 8760; 168 keeps a week of records replayable");
  if (stream.mode === "ON_DEMAND" && stream.shardCount !== undefined) {
    c.add("stream.shardCount", stream.shardCount, "no shard count when stream.mode is ON_DEMAND (capacity is managed by AWS)", "remove stream.shardCount, or set stream.mode to PROVISIONED");
  }
  if (stream.mode === "PROVISIONED") {
    if (stream.shardCount === undefined) {
      c.add("stream.shardCount", undefined, "an integer from 1 to 10000 when stream.mode is PROVISIONED", "set stream.shardCount (1 shard takes 1 MiB/s or 1,000 records/s), or set stream.mode to ON_DEMAND");
    } else {
      c.range("stream.shardCount", stream.shardCount, LIMITS.stream.shardCount.min, LIMITS.stream.shardCount.max, "shards", "set stream.shardCount to at least 1 (1 shard takes 1 MiB/s or 1,000 records/s)");
    }
  }
  if (stream.kmsKeyArn !== undefined) {
    const arn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key\/[0-9a-f-]{36}|alias\/[a-zA-Z0-9/_-]+)$/.exec(stream.kmsKeyArn);
    if (!arn) {
      c.add("stream.kmsKeyArn", stream.kmsKeyArn, "a KMS key ARN arn:aws:kms:<region>:<account>:key/<uuid>", "paste the key's ARN from the KMS console, or remove it to use the AWS-managed key");
    } else if (arn[1] !== s.region) {
      c.add("stream.kmsKeyArn", stream.kmsKeyArn, `a key in the stack's region ${s.region}`, "use a key from the same region as the stream");
    }
  }
}

function checkDelivery(c: Checker, s: PipelineSettings): void {
  const d = s.delivery;
  const size = LIMITS.delivery.bufferSizeMiB;
  const conversion = d.format === "parquet";
  if (conversion && Number.isInteger(d.bufferSizeMiB) && d.bufferSizeMiB < size.minWithConversion && d.bufferSizeMiB >= size.min) {
    c.add("delivery.bufferSizeMiB", d.bufferSizeMiB, `an integer from ${size.minWithConversion} to ${size.max} (MiB) while Parquet conversion is on`, "set delivery.bufferSizeMiB to at least 64 (128 gives fewer, larger files), or set delivery.format to json");
  } else {
    c.range("delivery.bufferSizeMiB", d.bufferSizeMiB, conversion ? size.minWithConversion : size.min, size.max, "MiB", `set delivery.bufferSizeMiB between ${conversion ? size.minWithConversion : size.min} and ${size.max}`);
  }
  const interval = LIMITS.delivery.bufferIntervalSeconds;
  const eventTime = s.partitioning.partitionTime === "event";
  c.range("delivery.bufferIntervalSeconds", d.bufferIntervalSeconds, eventTime ? interval.minWithDynamicPartitioning : interval.min, interval.max, eventTime ? "seconds; dynamic partitioning (event-time partitions) does not allow less than 60" : "seconds", `set delivery.bufferIntervalSeconds between ${eventTime ? interval.minWithDynamicPartitioning : interval.min} and ${interval.max}; 300 is a good default`);
  const psize = LIMITS.delivery.processorBufferSizeMB;
  c.range("delivery.processorBufferSizeMB", d.processorBufferSizeMB, psize.min, psize.max, "MB; the transform's 6 MB response limit needs headroom", "set delivery.processorBufferSizeMB between 0.2 and 3; 1 is the Firehose default", false);
  const pint = LIMITS.delivery.processorBufferIntervalSeconds;
  c.range("delivery.processorBufferIntervalSeconds", d.processorBufferIntervalSeconds, pint.min, pint.max, "seconds", "set delivery.processorBufferIntervalSeconds between 60 and 900; 60 is the Firehose default");
  c.range("delivery.processorRetries", d.processorRetries, 0, 300, "retries", "set delivery.processorRetries to a small non-negative integer such as 3");
  const columns = new Map(s.schema.columns.map((col) => [col.name, col]));
  d.dropRules.forEach((rule, i) => {
    if (!columns.has(rule.column)) {
      c.add(`delivery.dropRules.${i}.column`, rule.column, `a schema column (${[...columns.keys()].join(", ")})`, "name a column declared in schema.columns");
    }
  });
}

function checkTransform(c: Checker, s: PipelineSettings): void {
  c.range("transform.memoryMiB", s.transform.memoryMiB, LIMITS.lambda.memoryMiB.min, LIMITS.lambda.memoryMiB.max, "MiB", "set transform.memoryMiB between 128 and 10240; 512 suits 1 MB batches");
  c.range("transform.timeoutSeconds", s.transform.timeoutSeconds, LIMITS.lambda.transformTimeoutSeconds.min, LIMITS.lambda.transformTimeoutSeconds.max, "seconds; Firehose waits at most 5 minutes for the transform", "set transform.timeoutSeconds between 1 and 300; 120 is comfortable");
}

function checkLake(c: Checker, s: PipelineSettings): void {
  const days = (field: keyof PipelineSettings["lake"], what: string) =>
    c.range(`lake.${field}`, s.lake[field] as number, 1, 36500, "days", `set lake.${field} to the number of days ${what}`);
  days("rawBackupExpirationDays", "raw backups stay replayable");
  days("errorExpirationDays", "failed records are kept for investigation and replay");
  days("queryResultExpirationDays", "Athena query results are kept");
  days("noncurrentVersionExpirationDays", "overwritten object versions are kept");
  if (s.lake.processedExpirationDays !== undefined) days("processedExpirationDays", "processed batch inputs and replayed error objects are kept");
}

function checkBucket(c: Checker, field: string, bucket: BucketName): void {
  const rule = LIMITS.bucket;
  if ("name" in bucket) {
    const name = bucket.name;
    const problems: string[] = [];
    if (name.length < rule.minLength || name.length > rule.maxLength) problems.push(`${rule.minLength}–${rule.maxLength} characters`);
    if (!rule.pattern.test(name)) problems.push("only lower-case letters, digits and hyphens, starting and ending with a letter or digit (no dots: they break TLS)");
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) problems.push("not shaped like an IP address");
    if (name.startsWith("xn--") || name.startsWith("sthree-")) problems.push("not starting with xn-- or sthree-");
    if (/(-s3alias|--ol-s3|--x-s3)$/.test(name)) problems.push("not ending with -s3alias, --ol-s3 or --x-s3");
    if (problems.length > 0) {
      c.add(field, name, `an S3 bucket name with ${problems.join("; ")}`, `choose a globally unique name that follows the rules, or remove ${field} to let Terraform generate one`);
    }
  } else {
    const prefix = bucket.prefix;
    if (prefix.length > rule.prefixMaxLength || !/^[a-z0-9][a-z0-9-]*$/.test(prefix)) {
      c.add(field, prefix, `a derived bucket prefix of at most ${rule.prefixMaxLength} lower-case letters, digits and hyphens (Terraform adds a 26-character unique suffix)`, `shorten namePrefix, or set ${field} to an exact bucket name`);
    }
  }
}

function checkNames(c: Checker, s: PipelineSettings, n: ResolvedNames): void {
  c.name("names.stream", n.stream, LIMITS.stream.name, "Kinesis stream name", s.names.stream === undefined);
  c.name("names.deliveryStream", n.deliveryStream, LIMITS.delivery.name, "Firehose stream name", s.names.deliveryStream === undefined);
  c.name("names.transformFunction", n.transformFunction, LIMITS.lambda.name, "Lambda function name", s.names.transformFunction === undefined);
  checkBucket(c, "names.lakeBucket", n.lakeBucket);
  checkBucket(c, "names.resultsBucket", n.resultsBucket);
  if (s.security.accessLogging) checkBucket(c, "names.accessLogBucket", n.accessLogBucket);
  c.name("names.database", n.database, LIMITS.glue.name, "Glue database name (lower-case letters, digits, underscores)", s.names.database === undefined);
  c.name("catalog.tableName", n.table, LIMITS.glue.name, "Glue table name (lower-case letters, digits, underscores)", false);
  c.name("names.workgroup", n.workgroup, LIMITS.athena.workgroup, "Athena workgroup name", s.names.workgroup === undefined);
  c.name("names.crawler", n.crawler, NAME_LIMITS.glueCrawler, "Glue crawler name", s.names.crawler === undefined);
  c.name("names.stateMachine", n.stateMachine, NAME_LIMITS.stateMachine, "Step Functions state machine name", s.names.stateMachine === undefined);
  checkDerivedNames(c, s, n);
}

/**
 * Every name built from a template (roles, policies, log groups, alarms, …) against its AWS limit;
 * one problem per field, received being the field's value and the longest name built from it that
 * does not fit named in `allowed`. Fields whose own value is already reported are skipped.
 */
function checkDerivedNames(c: Checker, s: PipelineSettings, n: ResolvedNames): void {
  const reported = new Set(c.problems.map((p) => p.field));
  const failures = new Map<string, { value: string; problem: string }>();
  for (const name of derivedNames(s, c.environment, n)) {
    if (reported.has(name.field) || reported.has("namePrefix")) continue;
    const problem = nameProblem(name.kind, name.value);
    const previous = failures.get(name.field);
    if (problem && (!previous || name.value.length > previous.value.length)) failures.set(name.field, { value: name.value, problem });
  }
  const fieldValue = (field: string): string => {
    if (field === "namePrefix") return s.namePrefix;
    if (field === "catalog.tableName") return n.table;
    return String(n[field.replace(/^names\./, "") as keyof ResolvedNames]);
  };
  for (const [field, { problem }] of failures) {
    const fix =
      field === "namePrefix"
        ? "shorten namePrefix or the environment name"
        : `shorten ${field}${field.startsWith("names.") ? " (derived from namePrefix and the environment name when unset)" : ""}`;
    c.add(field, fieldValue(field), `a value short enough for every name built from it: ${problem}`, fix);
  }
}

function checkSchema(c: Checker, s: PipelineSettings): void {
  const { columns, eventTimeColumn } = s.schema;
  const keys = partitionKeys(s.partitioning.dayKey);
  const allowedTypes = `${SCALAR_GLUE_TYPES.join(", ")} or decimal(p,s) with 1 ≤ p ≤ 38, 0 ≤ s ≤ p`;
  if (columns.length === 0) {
    c.add("schema.columns", columns, "at least one column", "declare the event's columns in schema.columns");
  }
  const seen = new Set<string>();
  columns.forEach((column, i) => {
    const field = `schema.columns.${i}.name`;
    if (column.name !== column.name.toLowerCase()) {
      c.add(field, column.name, "a lower-case name (Glue, Athena and Parquet lower-case column names)", `rename it to "${column.name.toLowerCase()}"; producers may keep sending the original case, the transform lower-cases keys`);
    } else {
      c.name(field, column.name, LIMITS.glue.name, "column name of lower-case letters, digits and underscores", false);
    }
    if (seen.has(column.name.toLowerCase())) {
      c.add(field, column.name, "a name used by no other column", "remove or rename the duplicate column");
    }
    seen.add(column.name.toLowerCase());
    if ((keys as readonly string[]).includes(column.name.toLowerCase())) {
      c.add(field, column.name, `a name other than the partition keys ${keys.join(", ")}`, `rename the column (e.g. "${column.name}_value"), or change partitioning.dayKey if it collides with the day key`);
    }
    if (!isSupportedGlueType(column.type)) {
      c.add(`schema.columns.${i}.type`, column.type, allowedTypes, "use one of the supported Glue types");
    }
  });
  const eventColumn = columns.find((col) => col.name === eventTimeColumn);
  if (!eventColumn) {
    c.add("schema.eventTimeColumn", eventTimeColumn, `the name of a timestamp column in schema.columns (${columns.map((col) => col.name).join(", ")})`, "name the column that holds when the event happened");
  } else if (eventColumn.type !== "timestamp") {
    c.add("schema.eventTimeColumn", eventTimeColumn, `a column of type timestamp (it is ${eventColumn.type})`, `set that column's type to timestamp, or name a timestamp column`);
  } else if (!eventColumn.required) {
    c.add("schema.eventTimeColumn", eventTimeColumn, "a required column (event-time partitions and validation need it on every record)", `set required: true on column "${eventTimeColumn}"`);
  }
  const settingsBytes = Buffer.byteLength(JSON.stringify({ schema: s.schema, dayKey: s.partitioning.dayKey, partitionTime: s.partitioning.partitionTime, dropRules: s.delivery.dropRules }));
  if (settingsBytes > LIMITS.lambdaEnvironmentBytes - 512) {
    c.add("schema.columns", `${columns.length} columns (${settingsBytes} bytes)`, `a schema that fits the transform's 4 KB of environment variables (at most ${LIMITS.lambdaEnvironmentBytes - 512} bytes as JSON)`, "shorten or drop column descriptions");
  }
}

function checkCatalog(c: Checker, s: PipelineSettings): void {
  c.range("catalog.latestViewDays", s.catalog.latestViewDays, 1, MAX_RECENT_DAYS, "days of partitions the <table>_latest view reads", "set catalog.latestViewDays between 1 and 366, e.g. 7; deduplicate older history with an explicit job (docs/using-the-pipeline.md, \"Deduplicating all of history\")");
  const schedule = s.catalog.crawlerSchedule;
  if (schedule !== null) {
    const problem = cronProblem(schedule);
    if (problem) {
      c.add("catalog.crawlerSchedule", schedule, `a 6-field ${LIMITS.glue.cron} in UTC (${problem})`, 'write e.g. "cron(10 * * * ? *)" for 10 past every hour, or null to crawl only on demand');
    }
  }
}

function checkBatch(c: Checker, s: PipelineSettings): void {
  const b = s.batch;
  const columns = new Map(s.schema.columns.map((col) => [col.name, col]));
  const idColumn = columns.get(b.eventIdColumn);
  if (!idColumn || idColumn.type !== "string") {
    c.add("batch.eventIdColumn", b.eventIdColumn, `a string column of the schema (${[...columns.keys()].join(", ")})`, "name the column holding a unique event id, or add an event_id string column to the schema");
  }
  if (b.partitionKeyField !== undefined && !columns.has(b.partitionKeyField)) {
    c.add("batch.partitionKeyField", b.partitionKeyField, "a column of the schema", "name a column with many distinct values (spreads records over shards), or remove it to use the event id");
  }
  if (columns.has(BATCH_ID_COLUMN)) {
    c.add("schema.columns", BATCH_ID_COLUMN, `no column named ${BATCH_ID_COLUMN}: the batch workflow adds it to the table and stamps it`, `rename your ${BATCH_ID_COLUMN} column, or set batch.enabled to false`);
  }
  c.range("batch.recordsPerChunk", b.recordsPerChunk, 100, 100_000, "records per staging chunk", "set batch.recordsPerChunk between 100 and 100000; 5000 suits ~1 KB records");
  c.range("batch.maxPushAttempts", b.maxPushAttempts, 1, 20, "PutRecords attempts", "set batch.maxPushAttempts between 1 and 20");
  c.range("batch.validationAttempts", b.validationAttempts, 1, 10, "attempts", "set batch.validationAttempts between 1 and 10");
  c.range("batch.validationBytesScannedCutoff", b.validationBytesScannedCutoff, LIMITS.athena.bytesScannedCutoff.min, Number.MAX_SAFE_INTEGER, "bytes; Athena's minimum is 10 MB", "set batch.validationBytesScannedCutoff to at least 10485760 (10 MB), e.g. 10737418240 for 10 GiB");
  c.range("batch.stagingExpirationDays", b.stagingExpirationDays, 1, 36500, "days", "set batch.stagingExpirationDays to at least 1");
  const timeoutOk = checkRunTimeout(c, s);
  try {
    new Intl.DateTimeFormat("en", { timeZone: b.scheduleTimezone });
  } catch {
    c.add("batch.scheduleTimezone", b.scheduleTimezone, "an IANA time zone such as UTC or Europe/Paris", "use a time zone name from the IANA database");
  }
  if (b.schedule === null) return;
  const problem = b.schedule.startsWith("rate(") ? rateProblem(b.schedule) : cronProblem(b.schedule);
  if (problem) {
    c.add("batch.schedule", b.schedule, `rate(N minutes|hours|days) or a 6-field ${LIMITS.glue.cron} (${problem})`, 'write e.g. "cron(0 2 * * ? *)" for 02:00 daily, "rate(6 hours)", or null for manual runs only');
    return;
  }
  const period = minimumPeriodMinutes(b.schedule);
  if (timeoutOk && period <= b.runTimeoutMinutes) {
    c.add("batch.runTimeoutMinutes", b.runTimeoutMinutes, `less than the schedule's shortest period (${period} minutes for ${b.schedule}) so runs never overlap`, "lower batch.runTimeoutMinutes or schedule runs further apart");
  }
}

/** The run timeout must cover the workflow's waiting loops; returns whether it does. */
function checkRunTimeout(c: Checker, s: PipelineSettings): boolean {
  const b = s.batch;
  const validBuffers = [s.delivery.bufferIntervalSeconds, s.delivery.processorBufferIntervalSeconds].every(
    (v) => Number.isFinite(v) && v >= 0,
  );
  // With invalid buffer intervals (already reported) the workflow's budget cannot be computed.
  if (!validBuffers || !Number.isInteger(b.validationAttempts) || b.validationAttempts < 1) {
    return c.range("batch.runTimeoutMinutes", b.runTimeoutMinutes, 15, 1440, "minutes");
  }
  const timing = batchTiming(b, s.delivery, s.partitioning.partitionTime === "event");
  const retriesSeconds = (b.validationAttempts - 1) * timing.validationRetryWaitSeconds;
  const allowanceMinutes = Math.round((timing.minimumRunSeconds - timing.deliveryTimeoutSeconds - timing.crawlerTimeoutSeconds - retriesSeconds) / 60);
  const minimumMinutes = Math.ceil(timing.minimumRunSeconds / 60);
  return c.range(
    "batch.runTimeoutMinutes",
    b.runTimeoutMinutes,
    minimumMinutes,
    1440,
    `minutes; the minimum covers delivery ${timing.deliveryTimeoutSeconds} s, crawler ${timing.crawlerTimeoutSeconds} s, ${b.validationAttempts - 1} validation retries of ${timing.validationRetryWaitSeconds} s and ${allowanceMinutes} min for extract and push`,
    `set batch.runTimeoutMinutes between ${minimumMinutes} and 1440`,
  );
}

function checkSecurity(c: Checker, s: PipelineSettings): void {
  c.range("security.accessLogExpirationDays", s.security.accessLogExpirationDays, 1, 36500, "days", "set security.accessLogExpirationDays to the days access logs are kept, e.g. 90");
  if (s.security.encryption === "customer-managed" && s.stream.kmsKeyArn !== undefined) {
    c.add("stream.kmsKeyArn", s.stream.kmsKeyArn, "unset when security.encryption is customer-managed (the stack's key encrypts the stream)", "remove stream.kmsKeyArn, or set security.encryption to aws-managed to keep your own stream key");
  }
}

function checkMonitoring(c: Checker, s: PipelineSettings): void {
  const m = s.monitoring;
  if (m.notificationEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(m.notificationEmail)) {
    c.add("monitoring.notificationEmail", m.notificationEmail, "an email address", "set a valid address, or remove monitoring.notificationEmail");
  }
  c.range("monitoring.iteratorAgeMaxSeconds", m.iteratorAgeMaxSeconds, 1, 7 * 24 * 3600, "seconds", "set monitoring.iteratorAgeMaxSeconds, e.g. 600");
  // CloudWatch caps period × evaluation periods at one day: 288 five-minute periods.
  c.range("monitoring.throttlePeriods", m.throttlePeriods, 1, 288, "5-minute periods", "set monitoring.throttlePeriods between 1 and 288");
  if (m.deliveryFreshnessMaxSeconds !== undefined) {
    const floor = s.delivery.bufferIntervalSeconds + s.delivery.processorBufferIntervalSeconds;
    c.range("monitoring.deliveryFreshnessMaxSeconds", m.deliveryFreshnessMaxSeconds, Math.max(60, floor), 86_400, `seconds; below the buffering (${floor} s) it would alarm on normal operation`, `set it above ${floor}, or remove it for twice the buffering`);
  }
  // The alarm fires when the average of DeliveryToS3.Success (0–1) is below this: at 0 it never could.
  if (!(Number.isFinite(m.deliverySuccessMin) && m.deliverySuccessMin > 0 && m.deliverySuccessMin <= 1)) {
    c.add("monitoring.deliverySuccessMin", m.deliverySuccessMin, "a number greater than 0 and at most 1 (the share of S3 deliveries that must succeed; 0 would never alarm)", "set monitoring.deliverySuccessMin above 0, e.g. 0.99");
  }
  c.range("monitoring.failedRecordsMax", m.failedRecordsMax, 0, 1_000_000_000, "records per 5 minutes", "set monitoring.failedRecordsMax to 0 to alarm on any failed record");
  c.range("monitoring.lambdaErrorsMax", m.lambdaErrorsMax, 0, 1_000_000, "errors per 5 minutes", "set monitoring.lambdaErrorsMax to 0 to alarm on any error");
}

function checkQuickSight(c: Checker, s: PipelineSettings): void {
  const q = s.quicksight;
  if (!q.enabled) return;
  // IAM role names: 1–64 of letters, digits and + = , . @ _ - (IAM CreateRole, RoleName).
  c.pattern("quicksight.serviceRoleName", q.serviceRoleName, /^[\w+=,.@-]{1,64}$/, "an IAM role name of 1–64 letters, digits and + = , . @ _ - (no path)", "set the name of QuickSight's role as IAM shows it, e.g. aws-quicksight-service-role-v0");
  if (q.principalArn === undefined) {
    c.add("quicksight.principalArn", undefined, "the ARN of a QuickSight user or group when quicksight.enabled is true", "set quicksight.principalArn, e.g. arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst");
    return;
  }
  const match = /^arn:aws[a-z-]*:quicksight:([a-z0-9-]+):\d{12}:(user|group)\/[\w.@+=-]+\/[\w.@+=/-]+$/.exec(q.principalArn);
  if (!match) {
    c.add("quicksight.principalArn", q.principalArn, "arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> (or group/…)", "copy the ARN from `aws quicksight list-users --namespace default`");
  }
}

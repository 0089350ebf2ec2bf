/**
 * What each role of the stack must be able to do, derived from the stack itself: (a) the state
 * machine's tasks, (b) the SDK commands the handlers' code sends, (c) the documented needs of
 * Firehose, the crawler, the schedule and QuickSight, and the KMS requests those imply.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { BATCH_ENV } from "../../contract/batch";
import { BATCH_PREFIXES } from "../../contract/lake-layout";
import { UNSCOPABLE_ALLOWLIST } from "../../stacks/iam-rules";
import { LAKE_PREFIXES } from "../../contract/lake-layout";
import { kindOf, OWN_LOGS, XRAY_WRITE } from "./reviewed-roles";
import { KMS_ROWS_FOR, RequestRowId, SERVICE_REQUESTS } from "./service-request-contexts";
import { Block, Derivation, Need, Pair, SAMPLE_OBJECT, StackView, unique } from "./stack-view";

export interface TaskState {
  readonly Type: "Task";
  readonly Resource: string;
  readonly Parameters?: Record<string, unknown>;
}

/** Every Task of a definition, Map item processors and Parallel branches included. */
export function tasksOf(definition: { States: Record<string, Block> }): { name: string; task: TaskState }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    if (state.Type === "Task") return [{ name, task: state as TaskState }];
    if (state.Type === "Map") return tasksOf(state.ItemProcessor ?? state.Iterator);
    if (state.Type === "Parallel") return (state.Branches as { States: Record<string, Block> }[]).flatMap(tasksOf);
    return [];
  });
}

/** A static task parameter; a JSONPath-valued one (`Name.$`) cannot be mapped to a resource. */
export function parameter(task: TaskState, key: string): string {
  const value = task.Parameters?.[key];
  if (typeof value !== "string") throw new Error(`Parameters.${key} is not a literal string (got ${JSON.stringify(task.Parameters)})`);
  return value;
}

/** The catalog resources a Glue call is authorized against: database-level calls stop at the database. */
export function glueResources(action: string, v: StackView, database: string, table: string): string[] {
  const catalog = v.r.arn("glue", "catalog");
  const db = v.r.arn("glue", `database/${database}`);
  return /^glue:(GetDatabases?|CreateTable|GetTables)$/.test(action)
    ? [catalog, db]
    : [catalog, db, v.r.arn("glue", `table/${database}/${table}`)];
}

export const ATHENA_QUERY_ACTIONS = [
  "athena:StartQueryExecution",
  "athena:GetQueryExecution",
  "athena:StopQueryExecution",
  "athena:GetWorkGroup",
];
export const ATHENA_GLUE_READS = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];

/** What an Athena query in `workgroupName` needs of its caller: the workgroup, the catalog reads, the table data, the result writes. */
export function athenaQueryPairs(workgroupName: string, v: StackView): Pair[] {
  const workgroup = v.blocks("aws_athena_workgroup").find(({ block }) => v.r.resolveString(block.name) === workgroupName);
  if (!workgroup) throw new Error(`workgroup ${workgroupName} is not in the stack`);
  const workgroupArn = v.arn(workgroup.address);
  const results = v.location(workgroup.block.configuration.result_configuration.output_location);
  const pairs: Pair[] = ATHENA_QUERY_ACTIONS.map((action) => ({ action, resource: workgroupArn }));
  // The workflow's validation reads the table (the `<table>_latest` view, a VIRTUAL_VIEW, has no data of its own).
  for (const { block } of v.blocks("aws_glue_catalog_table").filter(({ block: t }) => t.table_type !== "VIRTUAL_VIEW")) {
    const database = v.r.resolveString(block.database_name);
    for (const action of ATHENA_GLUE_READS) {
      pairs.push(...glueResources(action, v, database, v.r.resolveString(block.name)).map((resource) => ({ action, resource })));
    }
    const data = v.location(block.storage_descriptor.location);
    pairs.push(
      { action: "s3:GetBucketLocation", resource: data.bucketArn },
      { action: "s3:ListBucket", resource: data.bucketArn, context: { "s3:prefix": data.prefix } },
      { action: "s3:ListBucket", resource: data.bucketArn, context: { "s3:prefix": `${data.prefix}year=2026/` } },
      { action: "s3:GetObject", resource: `${data.bucketArn}/${data.prefix}${SAMPLE_OBJECT}` },
    );
  }
  const resultObject = `${results.bucketArn}/${results.prefix}0f1e2d3c-query.csv`;
  pairs.push(
    { action: "s3:GetBucketLocation", resource: results.bucketArn },
    { action: "s3:ListBucket", resource: results.bucketArn, context: { "s3:prefix": results.prefix } },
    { action: "s3:ListBucketMultipartUploads", resource: results.bucketArn },
    ...["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"].map((action) => ({
      action,
      resource: resultObject,
    })),
  );
  return pairs;
}

/** IAM needs per Task `Resource`. A task whose resource is missing here fails the mapping test. */
export const TASK_IAM: Record<string, (task: TaskState, v: StackView, workgroups: readonly string[]) => Pair[]> = {
  "arn:aws:states:::lambda:invoke": (task) => [{ action: "lambda:InvokeFunction", resource: parameter(task, "FunctionName") }],
  "arn:aws:states:::aws-sdk:glue:startCrawler": (task, v) => [
    { action: "glue:StartCrawler", resource: v.r.arn("glue", `crawler/${parameter(task, "Name")}`) },
  ],
  "arn:aws:states:::aws-sdk:glue:getCrawler": (task, v) => [
    { action: "glue:GetCrawler", resource: v.r.arn("glue", `crawler/${parameter(task, "Name")}`) },
  ],
  "arn:aws:states:::athena:startQueryExecution.sync": (task, v) => athenaQueryPairs(workgroupOf(task), v),
  "arn:aws:states:::athena:getQueryResults": (_task, v, workgroups) =>
    workgroups.flatMap((name) => {
      const pairs = athenaQueryPairs(name, v);
      const workgroupArn = pairs[0]!.resource;
      const resultObject = pairs.find((p) => p.action === "s3:PutObject")!.resource;
      return [
        { action: "athena:GetQueryResults", resource: workgroupArn },
        { action: "s3:GetObject", resource: resultObject },
      ];
    }),
  "arn:aws:states:::sns:publish": (task) => [{ action: "sns:Publish", resource: parameter(task, "TopicArn") }],
};

/** Where a Distributed Map's ItemReader `Key.$` path points, as a sample key of the prefix the workflow writes it under. */
export const ITEM_READER_KEYS: Readonly<Record<string, string>> = {
  "$.plan.rangesKey": `${BATCH_PREFIXES.staging}20261125T0200Z/ranges.json`,
};

interface DistributedMap {
  readonly Label?: string;
  readonly ItemReader?: { Resource: string; Parameters?: Record<string, unknown> };
  readonly ResultWriter?: { Resource: string; Parameters?: Record<string, unknown> };
}

/** Every DISTRIBUTED Map of a definition (they may not nest inside another DISTRIBUTED Map's children here). */
export function distributedMapsOf(definition: { States: Record<string, Block> }): { name: string; map: DistributedMap }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    if (state.Type !== "Map") return [];
    const inner = distributedMapsOf(state.ItemProcessor ?? state.Iterator);
    return state.ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED" ? [{ name, map: state as DistributedMap }, ...inner] : inner;
  });
}

/**
 * What a Distributed Map needs of its state machine's role ("IAM policies for using Distributed Map
 * states", https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html): it starts
 * child executions of the state machine itself, describes and stops them, lists, describes and updates
 * its map runs, reads the ItemReader object and writes the ResultWriter objects (multipart).
 */
export function distributedMapPairs(map: DistributedMap, mapName: string, machineName: string, v: StackView): Pair[] {
  const label = map.Label ?? mapName;
  const pairs: Pair[] = [
    { action: "states:StartExecution", resource: v.r.arn("states", `stateMachine:${machineName}`) },
    ...["states:DescribeExecution", "states:StopExecution"].map((action) => ({
      action,
      resource: v.r.arn("states", `execution:${machineName}/${label}:0d1e2f3a-child`),
    })),
    { action: "states:ListMapRuns", resource: v.r.arn("states", `execution:${machineName}:run-1`) },
    ...["states:DescribeMapRun", "states:UpdateMapRun"].map((action) => ({
      action,
      resource: v.r.arn("states", `mapRun:${machineName}/${label}:4b5c6d7e`),
    })),
  ];
  if (map.ItemReader) {
    if (map.ItemReader.Resource !== "arn:aws:states:::s3:getObject")
      throw new Error(`ItemReader ${map.ItemReader.Resource} has no mapping`);
    const bucket = String(map.ItemReader.Parameters?.Bucket);
    const key = ITEM_READER_KEYS[String(map.ItemReader.Parameters?.["Key.$"])] ?? String(map.ItemReader.Parameters?.Key);
    pairs.push({ action: "s3:GetObject", resource: `arn:${v.r.partition}:s3:::${bucket}/${key}` });
  }
  if (map.ResultWriter) {
    if (map.ResultWriter.Resource !== "arn:aws:states:::s3:putObject")
      throw new Error(`ResultWriter ${map.ResultWriter.Resource} has no mapping`);
    const bucket = String(map.ResultWriter.Parameters?.Bucket);
    const prefix = resultPrefix(map.ResultWriter.Parameters ?? {});
    for (const file of ["manifest.json", "SUCCEEDED_0.json", "FAILED_0.json"]) {
      for (const action of ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]) {
        pairs.push({ action, resource: `arn:${v.r.partition}:s3:::${bucket}/${prefix}/4b5c6d7e/${file}` });
      }
    }
  }
  return pairs;
}

/** The ResultWriter prefix with a sample batch id in a `States.Format('…{}…', …)` template. */
function resultPrefix(parameters: Record<string, unknown>): string {
  if (typeof parameters.Prefix === "string") return parameters.Prefix;
  const format = /^States\.Format\('([^']*)'/.exec(String(parameters["Prefix.$"]));
  if (!format) throw new Error(`ResultWriter Prefix ${JSON.stringify(parameters)} has no mapping`);
  return format[1]!.replace("{}", "20261125T0200Z");
}

export const workgroupOf = (task: TaskState) => (task.Parameters?.WorkGroup === undefined ? "primary" : parameter(task, "WorkGroup"));

export const SFN_LOG_DELIVERY = [...UNSCOPABLE_ALLOWLIST].filter((a) => a.startsWith("logs:"));
export const SFN_XRAY = [...UNSCOPABLE_ALLOWLIST].filter((a) => a.startsWith("xray:"));

/** Needs of every state machine's role: its tasks, its logging and tracing, its encryption. */
export function stateMachineNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const { address, block } of v.blocks("aws_sfn_state_machine")) {
    const roleArn = v.roleArn(block.role_arn);
    const definition = JSON.parse(v.r.resolveString(block.definition));
    const tasks = tasksOf(definition);
    for (const { name, map } of distributedMapsOf(definition)) {
      try {
        const pairs = distributedMapPairs(map, name, v.r.resolveString(block.name), v);
        needs.push(...pairs.map((p) => ({ ...p, roleArn, why: `Distributed Map ${name}` })));
      } catch (error) {
        unmapped.push(`${address} map ${name}: ${(error as Error).message}`);
      }
    }
    const workgroups = unique(
      tasks
        .filter(({ task }) => task.Resource.startsWith("arn:aws:states:::athena:startQueryExecution"))
        .map(({ task }) => workgroupOf(task)),
    );
    for (const { name, task } of tasks) {
      const map =
        TASK_IAM[task.Resource] ??
        (/^arn:aws:lambda:/.test(task.Resource) ? () => [{ action: "lambda:InvokeFunction", resource: task.Resource }] : undefined);
      if (!map) {
        unmapped.push(`${address} task ${name}: no IAM mapping for Resource ${task.Resource}; add one to TASK_IAM`);
        continue;
      }
      try {
        needs.push(...map(task, v, workgroups).map((p) => ({ ...p, roleArn, why: `task ${name} (${task.Resource})` })));
      } catch (error) {
        unmapped.push(`${address} task ${name}: ${(error as Error).message}`);
      }
    }
    if (block.logging_configuration && block.logging_configuration.level !== "OFF") {
      needs.push(
        ...SFN_LOG_DELIVERY.map((action) => ({ action, resource: "*", roleArn, why: "execution logging (CloudWatch Logs delivery)" })),
      );
    }
    if (block.tracing_configuration?.enabled === true) {
      needs.push(...SFN_XRAY.map((action) => ({ action, resource: "*", roleArn, why: "X-Ray tracing" })));
    }
    const keyArn =
      block.encryption_configuration?.type === "CUSTOMER_MANAGED_KMS_KEY"
        ? v.r.customerKeyArn(block.encryption_configuration.kms_key_id)
        : undefined;
    if (keyArn) {
      for (const row of ["states.execution-data.decrypt", "states.execution-data.generate"] as const) {
        needs.push({
          action: SERVICE_REQUESTS[row].action,
          resource: keyArn,
          context: v.context(row, v.arn(address)),
          roleArn,
          why: `state machine encryption (${row})`,
        });
      }
      if (block.logging_configuration && block.logging_configuration.level !== "OFF") {
        const row = "states.log-delivery.generate";
        needs.push({
          action: SERVICE_REQUESTS[row].action,
          resource: keyArn,
          context: v.context(row),
          roleArn,
          why: `execution logs under the key (${row})`,
        });
      }
    }
  }
  return { needs, unmapped };
}

// ── (b) the handlers' SDK commands ───────────────────────────────────────────────────────────────

export const PROJECT_ROOT = path.resolve(__dirname, "../..");
export const HANDLERS_DIR = path.join(PROJECT_ROOT, "handlers");

/** A lake prefix, `from→to` for a copy, or `stream`. */
export type Target = string;

export interface HandlerUse {
  /** Matches the function's name. */
  readonly functionName: RegExp;
  /** For each SDK command the code sends, what it sends it to. */
  readonly commands: Readonly<Record<string, readonly Target[]>>;
}

export const P = BATCH_PREFIXES;
export const copy = (from: string, to: string): Target => `${from}→${to}`;

/** Which resources each handler's commands touch (from `contract/lake-layout.ts`). */
export const HANDLER_USES: Readonly<Record<string, HandlerUse>> = {
  transform: { functionName: /-transform$/, commands: {} },
  extract: {
    functionName: /-batch-extract$/,
    commands: {
      // A replay lists and reads Firehose error objects or the raw backup instead of landing/.
      ListObjectsV2Command: [P.landing, LAKE_PREFIXES.errors, LAKE_PREFIXES.raw],
      // SummarizeBatch reads the map run's ResultWriter files and the per-range event-id lists under staging/.
      GetObjectCommand: [P.landing, P.runs, P.staging, LAKE_PREFIXES.errors, LAKE_PREFIXES.raw],
      PutObjectCommand: [P.staging, P.rejected, P.runs],
    },
  },
  push: { functionName: /-batch-push$/, commands: { GetObjectCommand: [P.staging], PutRecordsCommand: ["stream"] } },
  "delivery-check": { functionName: /-batch-delivery-check$/, commands: { ListObjectsV2Command: [LAKE_PREFIXES.data] } },
  finalize: {
    functionName: /-batch-finalize$/,
    commands: {
      GetObjectCommand: [P.staging, P.runs],
      // A successful replay of errors/ also moves the error objects it loaded (the raw backup stays).
      CopyObjectCommand: [copy(P.landing, P.processed), copy(LAKE_PREFIXES.errors, P.processed)],
      // Lists a file's exact key in landing/ (or errors/) and processed/ to see what is left to move.
      ListObjectsV2Command: [P.landing, P.processed, LAKE_PREFIXES.errors],
      PutObjectCommand: [P.runs],
      DeleteObjectCommand: [P.landing, LAKE_PREFIXES.errors],
    },
  },
};

/** The resources a function's environment points its code at. */
export interface FunctionTargets {
  readonly bucketArn: () => string;
  readonly streamArn: () => string;
}

export const lakeObject = (t: FunctionTargets, prefix: string) => `${t.bucketArn()}/${prefix}${SAMPLE_OBJECT}`;
export const listing = (t: FunctionTargets, prefix: string): Pair[] =>
  [prefix, `${prefix}sample/`].map((p) => ({ action: "s3:ListBucket", resource: t.bucketArn(), context: { "s3:prefix": p } }));
export const objectAction =
  (action: string) =>
  (target: Target, t: FunctionTargets): Pair[] => [{ action, resource: lakeObject(t, target) }];
export const streamAction =
  (action: string) =>
  (target: Target, t: FunctionTargets): Pair[] => {
    if (target !== "stream") throw new Error(`${action} needs the target "stream", got ${target}`);
    return [{ action, resource: t.streamArn() }];
  };

/** IAM actions per SDK v3 command. A command missing here fails the mapping test. */
export const COMMAND_IAM: Readonly<Record<string, (target: Target, t: FunctionTargets) => Pair[]>> = {
  GetObjectCommand: objectAction("s3:GetObject"),
  // HEAD answers 404 for a missing key only with s3:ListBucket (403 without), and the code relies on the 404.
  HeadObjectCommand: (target, t) => [
    { action: "s3:GetObject", resource: lakeObject(t, target) },
    { action: "s3:ListBucket", resource: t.bucketArn(), context: { "s3:prefix": `${target}${SAMPLE_OBJECT}` } },
  ],
  PutObjectCommand: objectAction("s3:PutObject"),
  CreateMultipartUploadCommand: objectAction("s3:PutObject"),
  UploadPartCommand: objectAction("s3:PutObject"),
  CompleteMultipartUploadCommand: objectAction("s3:PutObject"),
  AbortMultipartUploadCommand: objectAction("s3:AbortMultipartUpload"),
  DeleteObjectCommand: objectAction("s3:DeleteObject"),
  DeleteObjectsCommand: objectAction("s3:DeleteObject"),
  // Tagging actions are not needed: finalize copies with TaggingDirective REPLACE (finalize.test.ts).
  CopyObjectCommand: (target, t) => {
    const [from, to] = target.split("→");
    if (!from || !to) throw new Error(`CopyObjectCommand needs a from→to target, got ${target}`);
    return [
      { action: "s3:GetObject", resource: lakeObject(t, from) },
      { action: "s3:PutObject", resource: lakeObject(t, to) },
    ];
  },
  ListObjectsV2Command: (target, t) => listing(t, target),
  ListObjectsCommand: (target, t) => listing(t, target),
  PutRecordsCommand: streamAction("kinesis:PutRecords"),
  PutRecordCommand: streamAction("kinesis:PutRecord"),
  DescribeStreamSummaryCommand: streamAction("kinesis:DescribeStreamSummary"),
  ListShardsCommand: streamAction("kinesis:ListShards"),
};

/** The source files of a handler: its folder and every module it imports by relative path (type-only imports aside). */
export function handlerSources(handler: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gm)) {
      const base = path.resolve(path.dirname(file), match[1]!);
      const next = [`${base}.ts`, path.join(base, "index.ts")].find(existsSync);
      if (!next) throw new Error(`${file} imports ${match[1]}, which resolves to no .ts file`);
      visit(next);
    }
  };
  const dir = path.join(HANDLERS_DIR, handler);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) visit(path.join(dir, file));
  return [...seen].sort();
}

/** The SDK commands a handler's sources send (`new XCommand(` and `paginateX(`), and SDK imports the scan cannot follow. */
export function sdkCommandsOf(handler: string): { commands: string[]; unfollowable: string[] } {
  const commands = new Set<string>();
  const unfollowable: string[] = [];
  for (const file of handlerSources(handler)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\bnew\s+([A-Z][A-Za-z0-9]*Command)\s*\(/g)) commands.add(match[1]!);
    for (const match of text.matchAll(/\bpaginate([A-Z][A-Za-z0-9]*)\s*\(/g)) commands.add(`${match[1]}Command`);
    for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@aws-sdk\/client-[^"]+"/g)) {
      if (match[1]) continue;
      for (const raw of match[2]!
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)) {
        if (raw.startsWith("type ")) continue;
        const name = raw.split(/\s+as\s+/)[0]!;
        if (!/(Client|Command|Exception|ServiceException)$|^paginate[A-Z]/.test(name)) {
          unfollowable.push(
            `${path.relative(PROJECT_ROOT, file)} imports ${name} from the AWS SDK; the scan only follows Client, Command and paginate* imports`,
          );
        }
      }
    }
  }
  return { commands: [...commands].sort(), unfollowable };
}

/** Handler folders (everything under handlers/ but shared/). */
export function handlerFolders(): string[] {
  return readdirSync(HANDLERS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "shared")
    .map((d) => d.name)
    .sort();
}

/** Needs of every function's role: its own logs and traces, its environment key, and its handler's SDK commands. */
export function functionNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const { address, block } of v.blocks("aws_lambda_function")) {
    const name = v.r.resolveString(block.function_name);
    const roleArn = v.roleArn(block.role);
    const logGroup = block.logging_config?.log_group ? v.r.resolveString(block.logging_config.log_group) : `/aws/lambda/${name}`;
    const stream = v.r.arn("logs", `log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`);
    needs.push(...OWN_LOGS.map((action) => ({ action, resource: stream, roleArn, why: "writes its own logs" })));
    if (block.tracing_config?.mode === "Active") {
      needs.push(...XRAY_WRITE.map((action) => ({ action, resource: "*", roleArn, why: "active tracing" })));
    }
    const envKey = v.r.customerKeyArn(block.kms_key_arn);
    if (envKey) {
      const row = "lambda.environment.decrypt";
      needs.push({
        action: SERVICE_REQUESTS[row].action,
        resource: envKey,
        context: v.context(row, v.arn(address)),
        roleArn,
        why: `encrypted environment (${row})`,
      });
    }

    const handlers = Object.entries(HANDLER_USES).filter(([, use]) => use.functionName.test(name));
    if (handlers.length !== 1) {
      unmapped.push(`${address} (${name}) matches ${handlers.length} HANDLER_USES entries; expected exactly one`);
      continue;
    }
    const [handler, use] = handlers[0]!;
    const env: Record<string, string> = block.environment?.variables ?? {};
    const targets: FunctionTargets = {
      bucketArn: () => {
        if (!env[BATCH_ENV.bucket]) throw new Error(`${name} has no ${BATCH_ENV.bucket}`);
        return `arn:aws:s3:::${v.r.resolveString(env[BATCH_ENV.bucket])}`;
      },
      streamArn: () => {
        const streamName = env[BATCH_ENV.streamName] && v.r.resolveString(env[BATCH_ENV.streamName]);
        const found = v.blocks("aws_kinesis_stream").find(({ block: b }) => v.r.resolveString(b.name) === streamName);
        if (!found) throw new Error(`${name}'s ${BATCH_ENV.streamName} names no stream of the stack`);
        return v.arn(found.address);
      },
    };
    const { commands, unfollowable } = sdkCommandsOf(handler);
    unmapped.push(...unfollowable);
    for (const command of commands) {
      const map = COMMAND_IAM[command];
      const used = use.commands[command];
      if (!map) unmapped.push(`handlers/${handler} sends ${command}: no IAM mapping; add one to COMMAND_IAM`);
      else if (!used) unmapped.push(`handlers/${handler} sends ${command}: say what it sends it to in HANDLER_USES.${handler}`);
      else {
        for (const target of used) {
          try {
            needs.push(...map(target, targets).map((p) => ({ ...p, roleArn, why: `handlers/${handler} ${command} (${target})` })));
          } catch (error) {
            unmapped.push(`handlers/${handler} ${command} (${target}): ${(error as Error).message}`);
          }
        }
      }
    }
    for (const declared of Object.keys(use.commands).filter((c) => !commands.includes(c))) {
      unmapped.push(`HANDLER_USES.${handler} declares ${declared}, which handlers/${handler} never sends`);
    }
  }
  return { needs, unmapped };
}

// ── (c) documented needs: Firehose, the crawler, the schedule ────────────────────────────────────

export const FIREHOSE_STREAM_READS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetShardIterator",
  "kinesis:GetRecords",
  "kinesis:ListShards",
];
export const FIREHOSE_BUCKET = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
export const FIREHOSE_OBJECTS = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"];
export const FIREHOSE_SCHEMA = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"];

/** The literal folder in front of a Firehose prefix's first `!{…}` expression. */
export const literalHead = (prefix: string) => prefix.split("!{")[0]!;

/** Firehose (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html): read the stream, write S3, invoke the transform, read the schema, log. */
export function firehoseNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  for (const { block } of v.blocks("aws_kinesis_firehose_delivery_stream")) {
    const source = block.kinesis_source_configuration;
    if (source) {
      const streamArn = v.r.resolveString(source.kinesis_stream_arn);
      needs.push(
        ...FIREHOSE_STREAM_READS.map((action) => ({
          action,
          resource: streamArn,
          roleArn: v.roleArn(source.role_arn),
          why: "reads the source stream",
        })),
      );
    }
    const s3 = block.extended_s3_configuration;
    const destinations = [
      { config: s3, prefixes: [s3.prefix, s3.error_output_prefix], why: "delivers data and errors" },
      ...(s3.s3_backup_mode === "Enabled"
        ? [{ config: s3.s3_backup_configuration, prefixes: [s3.s3_backup_configuration.prefix], why: "backs up source records" }]
        : []),
    ];
    for (const { config, prefixes, why } of destinations) {
      const roleArn = v.roleArn(config.role_arn);
      const bucketArn = v.r.resolveString(config.bucket_arn);
      needs.push(...FIREHOSE_BUCKET.map((action) => ({ action, resource: bucketArn, roleArn, why })));
      for (const prefix of prefixes.filter((p): p is string => typeof p === "string")) {
        const object = `${bucketArn}/${literalHead(prefix)}${SAMPLE_OBJECT}`;
        needs.push(
          ...FIREHOSE_OBJECTS.map((action) => ({ action, resource: object, roleArn, why: `${why} under ${literalHead(prefix)}` })),
        );
        const keyArn = v.r.customerKeyArn(config.kms_key_arn);
        if (keyArn) {
          for (const row of ["s3.write-object.generate", "s3.read-object.decrypt"] as const) {
            needs.push({
              action: SERVICE_REQUESTS[row].action,
              resource: keyArn,
              context: v.context(row, bucketArn),
              roleArn,
              why: `SSE-KMS delivery (${row})`,
            });
          }
        }
      }
      const logging = config.cloudwatch_logging_options;
      if (logging?.enabled) {
        const logStream = v.r.arn(
          "logs",
          `log-group:${v.r.resolveString(logging.log_group_name)}:log-stream:${v.r.resolveString(logging.log_stream_name)}`,
        );
        needs.push({ action: "logs:PutLogEvents", resource: logStream, roleArn, why: "logs delivery errors" });
      }
    }
    const roleArn = v.roleArn(s3.role_arn);
    for (const processor of (s3.processing_configuration?.enabled ? s3.processing_configuration.processors : []) as Block[]) {
      const lambdaArn = (processor.parameters as Block[]).find((p) => p.parameter_name === "LambdaArn")?.parameter_value;
      if (processor.type === "Lambda" && lambdaArn) {
        const resource = v.r.resolveString(lambdaArn);
        needs.push(
          ...["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"].map((action) => ({
            action,
            resource,
            roleArn,
            why: "invokes the transform",
          })),
        );
      }
    }
    const schema =
      s3.data_format_conversion_configuration?.enabled === false
        ? undefined
        : s3.data_format_conversion_configuration?.schema_configuration;
    if (schema) {
      const db = v.r.resolveString(schema.database_name);
      for (const action of FIREHOSE_SCHEMA) {
        const resources = glueResources(action, v, db, v.r.resolveString(schema.table_name));
        needs.push(
          ...resources.map((resource) => ({ action, resource, roleArn: v.roleArn(schema.role_arn), why: "reads the conversion schema" })),
        );
      }
    }
  }
  return { needs, unmapped: [] };
}

export const CRAWLER_PARTITION_ACTIONS = [
  "glue:GetDatabase",
  "glue:GetTable",
  "glue:GetPartition",
  "glue:GetPartitions",
  "glue:BatchGetPartition",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
  "glue:UpdatePartition",
  "glue:BatchUpdatePartition",
];

/** The crawler (§2.5): keep the catalog target's partitions current, read its data, write its logs. */
export function crawlerNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  for (const { address, block } of v.blocks("aws_glue_crawler")) {
    const roleArn = v.roleArn(block.role);
    const crawlerName = v.r.resolveString(block.name);
    if (block.s3_target || block.jdbc_target || block.dynamodb_target) unmapped.push(`${address}: only catalog targets are mapped`);
    const actions = [
      ...CRAWLER_PARTITION_ACTIONS,
      ...(block.schema_change_policy?.update_behavior === "UPDATE_IN_DATABASE" ? ["glue:UpdateTable"] : []),
      ...(block.schema_change_policy?.delete_behavior === "DELETE_FROM_DATABASE"
        ? ["glue:DeletePartition", "glue:BatchDeletePartition"]
        : []),
    ];
    for (const target of (block.catalog_target ?? []) as Block[]) {
      const db = v.r.resolveString(target.database_name);
      for (const tableName of (target.tables as string[]).map((t) => v.r.resolveString(t))) {
        for (const action of actions) {
          needs.push(
            ...glueResources(action, v, db, tableName).map((resource) => ({ action, resource, roleArn, why: `crawls ${db}.${tableName}` })),
          );
        }
        const table = v
          .blocks("aws_glue_catalog_table")
          .find(({ block: t }) => v.r.resolveString(t.database_name) === db && v.r.resolveString(t.name) === tableName);
        if (!table) {
          unmapped.push(`${address}: table ${db}.${tableName} is not in the stack`);
          continue;
        }
        const data = v.location(table.block.storage_descriptor.location);
        needs.push(
          {
            action: "s3:GetObject",
            resource: `${data.bucketArn}/${data.prefix}${SAMPLE_OBJECT}`,
            roleArn,
            why: "reads the table's objects",
          },
          ...[data.prefix, `${data.prefix}year=2026/`].map((prefix) => ({
            action: "s3:ListBucket",
            resource: data.bucketArn,
            context: { "s3:prefix": prefix },
            roleArn,
            why: "lists the table location",
          })),
        );
      }
    }
    // Crawlers log to /aws-glue/crawlers, or with a security configuration to /aws-glue/crawlers-role/<role>-<configuration>.
    const groups = ["/aws-glue/crawlers"];
    if (block.security_configuration) {
      groups.push(
        `/aws-glue/crawlers-role/${v.roleByArn(roleArn)?.name ?? roleArn.split("/").pop()}-${v.r.resolveString(block.security_configuration)}`,
      );
      const configuration = v
        .blocks("aws_glue_security_configuration")
        .find(({ block: c }) => v.r.resolveString(c.name) === v.r.resolveString(block.security_configuration));
      const cloudwatch = configuration?.block.encryption_configuration?.cloudwatch_encryption;
      if (cloudwatch?.cloudwatch_encryption_mode === "SSE-KMS") {
        needs.push({
          action: "logs:AssociateKmsKey",
          resource: v.r.arn("logs", `log-group:${groups[1]}`),
          roleArn,
          why: "encrypts its log group",
        });
      }
    }
    for (const group of groups) {
      needs.push(
        { action: "logs:CreateLogGroup", resource: v.r.arn("logs", `log-group:${group}`), roleArn, why: "creates its log group" },
        ...OWN_LOGS.map((action) => ({
          action,
          resource: v.r.arn("logs", `log-group:${group}:log-stream:${crawlerName}`),
          roleArn,
          why: "writes its logs",
        })),
      );
    }
  }
  return { needs, unmapped };
}

/** Schedules and rule targets that assume a role: start their target, dead-letter undelivered events. */
export function schedulerNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  const targets = [
    ...v.blocks("aws_scheduler_schedule").map(({ address, block }) => ({ address, target: block.target as Block })),
    ...v
      .blocks("aws_cloudwatch_event_target")
      .filter(({ block }) => block.role_arn)
      .map(({ address, block }) => ({ address, target: block })),
  ];
  for (const { address, target } of targets) {
    const roleArn = v.roleArn(target.role_arn);
    const arn = v.r.resolveString(target.arn);
    if (/^arn:aws:states:/.test(arn)) {
      // Encrypted or not, the caller of StartExecution makes no KMS request (scheduler.start-execution).
      const row = "scheduler.start-execution";
      needs.push({
        action: SERVICE_REQUESTS[row].action,
        resource: arn,
        context: v.context(row, arn),
        roleArn,
        why: `${address} starts it`,
      });
    } else if (/^arn:aws:lambda:/.test(arn))
      needs.push({ action: "lambda:InvokeFunction", resource: arn, roleArn, why: `${address} invokes it` });
    else unmapped.push(`${address}: no IAM mapping for a target ${arn}`);
    if (target.dead_letter_config?.arn) {
      needs.push({
        action: "sqs:SendMessage",
        resource: v.r.resolveString(target.dead_letter_config.arn),
        roleArn,
        why: `${address} dead-letters undelivered events`,
      });
    }
  }
  return { needs, unmapped };
}

/**
 * QuickSight queries Athena with its own role (QuickSight "Authorizing connections to Amazon Athena"),
 * and Athena reads the table and writes results with that role's rights: the S3 part of an Athena
 * query in the data source's workgroup. Athena and Glue actions come from the managed policy
 * QuickSight attaches when Athena access is turned on (a documented prerequisite, not the stack's).
 */
export function quickSightNeeds(v: StackView): Derivation {
  const needs: Need[] = [];
  const unmapped: string[] = [];
  const roles = [...v.roles.values()].filter((role) => role.external && kindOf(role.name) === "quicksight");
  for (const { address, block } of v.blocks("aws_quicksight_data_source")) {
    const athena = block.parameters?.athena;
    if (!athena) {
      unmapped.push(`${address}: only Athena data sources are mapped`);
      continue;
    }
    if (roles.length !== 1) {
      unmapped.push(`${address}: expected the one QuickSight role the stack grants to, found ${roles.length}`);
      continue;
    }
    for (const pair of athenaQueryPairs(v.r.resolveString(athena.work_group), v).filter((p) => p.action.startsWith("s3:"))) {
      needs.push({ ...pair, roleArn: roles[0]!.arn, why: `${address} queries Athena as QuickSight's role` });
    }
  }
  return { needs, unmapped };
}

/**
 * The kms needs that follow from data needs on encrypted resources (S3 objects, the stream, topics,
 * queues): the requests the service makes with the role, each with the condition keys its row in
 * service-request-contexts.ts says it carries.
 */
export function kmsNeeds(needs: readonly Need[], v: StackView): Need[] {
  const out: Need[] = [];
  const add = (need: Need, keyArn: string | undefined, encrypted: string) => {
    const rows: readonly RequestRowId[] = KMS_ROWS_FOR[need.action as keyof typeof KMS_ROWS_FOR] ?? [];
    if (!keyArn) return;
    for (const row of rows) {
      out.push({
        action: SERVICE_REQUESTS[row].action,
        resource: keyArn,
        context: v.context(row, encrypted),
        roleArn: need.roleArn,
        why: `${need.action} on encrypted ${need.resource} (${row})`,
      });
    }
  };
  for (const need of needs) {
    const object = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(need.resource);
    if (object && (need.action === "s3:PutObject" || need.action === "s3:GetObject"))
      add(need, v.objectKey(object[1]!, object[2]!), `arn:aws:s3:::${object[1]}`);
    if (need.action.startsWith("kinesis:")) add(need, v.resourceKey("aws_kinesis_stream", need.resource, "kms_key_id"), need.resource);
    if (need.action === "sns:Publish") add(need, v.resourceKey("aws_sns_topic", need.resource, "kms_master_key_id"), need.resource);
    if (need.action === "sqs:SendMessage") add(need, v.resourceKey("aws_sqs_queue", need.resource, "kms_master_key_id"), need.resource);
  }
  return out;
}

/** Every must-allow need of the stack, de-duplicated, with everything that could not be mapped. */
export function deriveNeeds(v: StackView): Derivation {
  const parts = [stateMachineNeeds(v), functionNeeds(v), firehoseNeeds(v), crawlerNeeds(v), schedulerNeeds(v), quickSightNeeds(v)];
  const data = parts.flatMap((p) => p.needs);
  const byKey = new Map<string, Need>();
  for (const need of [...data, ...kmsNeeds(data, v)]) {
    const key = JSON.stringify([need.roleArn, need.action, need.resource, need.context ?? {}]);
    if (!byKey.has(key)) byKey.set(key, need);
  }
  return { needs: [...byKey.values()], unmapped: parts.flatMap((p) => p.unmapped) };
}

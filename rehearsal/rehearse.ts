/**
 * The local rehearsal: one batch through the pipeline on this machine, with the project's own
 * definitions and handlers, and local STAND-INS for the AWS services (see rehearsal/README.md).
 *
 * 1. Starts s3rver and a Kinesis engine (or uses the servers given), creates the lake bucket and the
 *    stream with the configured shards, and points the REAL handlers at them through the SDK's
 *    standard settings (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_KINESIS, AWS_REGION), so they run
 *    unchanged. Every other AWS endpoint is pointed at a closed local port: nothing reaches AWS.
 * 2. Uploads landing files: generated from the event schema, or read from `input`.
 * 3. Runs the REAL state machine (`buildBatchWorkflow`, built as BatchStage builds it) in
 *    aws-local-stepfunctions; Lambda tasks run the real handlers in this process, the Glue, Athena and
 *    SNS tasks are answered by the stand-ins, and the first delivery check first lets the Firehose
 *    stand-in drain the stream.
 * 4. Copies the bucket into the lake folder and reports.
 *
 * The handlers are loaded once per process (their SDK clients and the transform's settings are fixed
 * when first used), so every rehearsal in one process must use the same servers and transform settings.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { BATCH_ENV, BATCH_FUNCTION_TIMEOUTS } from "../contract/batch";
import type { S3Client } from "@aws-sdk/client-s3";
import type { StateMachineDefinition } from "../state-machines/asl";
import { TRANSFORM_ENV } from "../contract/environment";
import { partitionKeys } from "../contract/event-schema";
import type { BatchFunctionName } from "../contract/names";
import { pipelineConfig } from "../pipeline.config";
import { batchSettings, loadConfig, tableSchema, transformSettings, type PipelineConfig, type PipelineConfigFile } from "../stacks/config";
import { BATCH_STATES, buildBatchWorkflow } from "../state-machines/batch-workflow";
import { AthenaStandIn } from "./athena-standin";
import { CrawlerStandIn } from "./crawler-standin";
import { DeliveryStandIn, reasonKey, type TransformHandler } from "./delivery-standin";
import { duckDbType, type TableColumn } from "./format-conversion";
import { FunctionLogs } from "./function-logs";
import { LakeFolder, listFiles } from "./lake-folder";
import {
  findProjectRoot,
  SERVER_LIMITS,
  startLocalServers,
  type KinesisEngine,
  type LocalServers,
  LOCAL_CREDENTIALS,
} from "./local-servers";
import { formatReport, Progress, topReasons, type Output, type RehearsalReport } from "./report";
import { generateLandingFiles, type SampleData } from "./sample-data";
import { lambdaInvoke, runWorkflow, type TaskAnswer } from "./workflow";
import { localLakeStore, mapLambdaTasks, type ExtractSummary, type MapObserved } from "./batch-map";
import { hasDistributedMap, withDistributedMaps } from "./distributed-map";
import { BATCH_PREFIXES, LAKE_PREFIXES } from "../contract/lake-layout";
import { batchWorkflowProps } from "../stacks/config/batch-workflow-props";
import { type BatchSettings } from "../contract/settings";
import { DEFAULT_FAULT_RATE, type FaultName } from "./faults/catalog";
import { FaultInjector, replaceLandingFile } from "./faults/injector";
import { runFaultChecks } from "./faults/phase";

/** Options of {@link rehearse}. */
export interface RehearsalOptions {
  /** Records (and bad lines) to generate when no `input` is given. @default 10000 */
  readonly records?: number;
  /** Folder of landing files to load instead of generated ones (subfolders are kept under landing/). */
  readonly input?: string;
  /** Environment of the configuration. @default "dev" */
  readonly env?: string;
  /** Kinesis engine when the rehearsal starts its own servers. @default "kinesis-local" */
  readonly engine?: KinesisEngine;
  /** Keep s3rver's storage and scratch files in the output folder. @default false */
  readonly keep?: boolean;
  /** Output folder. @default .build/rehearsal/<run> under the project */
  readonly outDir?: string;
  /** @default the pipelineConfig of pipeline.config.ts */
  readonly configFile?: PipelineConfigFile;
  /**
   * Column types of the Glue table where they differ from the configuration, e.g. `{ duration_ms: "int" }`:
   * the table as Firehose reads it at conversion time after it drifted from what the functions
   * validate against (a schema change applied to the table while records were in flight, or an edit
   * outside Terraform). @default none
   */
  readonly tableTypes?: Readonly<Record<string, string>>;
  /** Servers to use (they are left running); started and stopped here when absent. */
  readonly servers?: LocalServers;
  /** Seed of the generated data. @default 1 */
  readonly seed?: number;
  /**
   * Shards of the rehearsal's stream instead of the environment's (1–40): the stream becomes PROVISIONED
   * with this many shards for the rehearsal only, so the push paces to shards × 1,000 records/s and
   * 1 MiB/s. @default the environment's stream
   */
  readonly shards?: number;
  /**
   * Faults to inject (rehearsal/faults/catalog.ts): the run must end as each fault's expected outcome says
   * and lose nothing, and errors/ is replayed afterwards. @default none
   */
  readonly faults?: readonly FaultName[];
  /** Fraction of occasions each rate-driven fault fires on (each fires on its first occasion anyway). @default 0.05 */
  readonly faultRate?: number;
  /** Progress and the report. @default process.stdout */
  readonly output?: Output;
  /** The batch's scheduled time (its id derives from it). @default now, to the minute */
  readonly scheduledTime?: string;
  /**
   * Rewrites the definition as built before it runs (tests: rehearse a variant of the workflow, e.g. one
   * with a Distributed Map). @default the definition as BatchStage builds it
   */
  readonly adaptDefinition?: (definition: StateMachineDefinition) => StateMachineDefinition;
}

/** The local account id in ARNs. */
export const LOCAL_ACCOUNT = "000000000000";

interface Handlers {
  readonly extract: (input: unknown) => Promise<unknown>;
  readonly push: (input: unknown) => Promise<unknown>;
  readonly deliveryCheck: (input: unknown) => Promise<unknown>;
  readonly finalize: (input: unknown) => Promise<unknown>;
  readonly transform: TransformHandler;
}

let loaded: { readonly endpoints: string; readonly transformSettings: string; readonly handlers: Handlers } | undefined;
let runsInProcess = 0;

/** The table's columns as the Glue table holds them: the configuration's, with `tableTypes` applied. */
export function tableColumns(config: PipelineConfig, tableTypes: Readonly<Record<string, string>> = {}): TableColumn[] {
  const columns = tableSchema(config).columns.map((c) => ({ name: c.name, type: tableTypes[c.name] ?? c.type }));
  const unknown = Object.keys(tableTypes).filter((name) => !columns.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`tableTypes names no column of the table: ${unknown.join(", ")}`);
  for (const column of columns) duckDbType(column.type);
  return columns;
}

/** `.build/rehearsal/<UTC time>-<random>` under the project. */
export function defaultOutDir(root: string = findProjectRoot()): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  return join(root, ".build", "rehearsal", `${stamp}-${randomUUID().slice(0, 4)}`);
}

/** What one rehearsal works with: its configuration, its folders and its local bucket and stream. */
interface Run {
  readonly options: RehearsalOptions;
  readonly started: number;
  readonly out: Output;
  readonly progress: Progress;
  readonly root: string;
  readonly env: string;
  readonly config: PipelineConfig;
  readonly drift: Record<string, string>;
  readonly columns: TableColumn[];
  readonly outDir: string;
  readonly folders: RehearsalReport["folders"];
  readonly tmpDir: string;
  readonly bucket: string;
  readonly streamName: string;
  /** An ARN in the local account and the configured region. */
  readonly arn: (service: string, resource: string) => string;
}

/** The stand-ins for the AWS services the workflow and the functions reach. */
interface StandIns {
  readonly lake: LakeFolder;
  readonly delivery: DeliveryStandIn;
  readonly crawler: CrawlerStandIn;
  readonly athena: AthenaStandIn;
}

/** Landing files the batch reads: generated (`sample`) or uploaded from a folder. */
interface Landing {
  readonly sample?: SampleData;
  readonly files: number;
}

/** What the workflow phase observed: the run, the extract's output and the pushed records. */
interface WorkflowResult {
  readonly run: Awaited<ReturnType<typeof runWorkflow>>;
  readonly extractOutput?: ExtractSummary;
  readonly pushed: number;
  readonly slowFunctions: string[];
}

/** What the lake holds after the run: the batch's manifest and the rejected lines by reason. */
interface Collected {
  readonly batchId?: string;
  readonly manifest?: { counts: { records: number; rejectedLines: number; rejectedFiles: number } };
  readonly rejectedTally: Record<string, number>;
}

/** Runs one batch through the pipeline locally and returns the report (also printed and written as report.json). */
export async function rehearse(options: RehearsalOptions = {}): Promise<RehearsalReport> {
  const run = prepareRun(options);
  const ownServers = !options.servers;
  const servers =
    options.servers ??
    (await startLocalServers({
      engine: options.engine ?? "kinesis-local",
      workDir: run.outDir,
      projectRoot: run.root,
      region: run.config.region,
    }));
  const logs = new FunctionLogs(run.folders.logs);
  const savedEnv = { ...process.env };
  let delivery: DeliveryStandIn | undefined;
  const injector = options.faults?.length
    ? new FaultInjector(options.faults, options.faultRate ?? DEFAULT_FAULT_RATE, options.seed ?? 1)
    : undefined;
  servers.kinesisProxy.resetStats();
  servers.s3Proxy.resetStats();
  servers.kinesisProxy.setWholeCallThrottleRate(0);
  servers.s3Proxy.setFaultRate(0);
  try {
    const handlers = await prepareLocalAws(run, servers, logs);
    const landing = await uploadLanding(run, servers);
    const standIns = createStandIns(run, servers, handlers, logs, injector);
    delivery = standIns.delivery;
    injector?.armProxies(servers.kinesisProxy, servers.s3Proxy);
    const scheduledTime = run.options.scheduledTime ?? `${new Date().toISOString().slice(0, 16)}:00Z`;
    const workflow = await runBatchWorkflow(run, handlers, standIns, servers, { scheduledTime }, injector);
    logs.flush();
    const collected = await collectDelivery(run, servers, standIns.lake, workflow.extractOutput);
    let report = buildReport(run, servers, landing, standIns, workflow, collected);
    if (injector) {
      const faults = await runFaultChecks({
        injector,
        servers,
        bucket: run.bucket,
        stream: run.streamName,
        config: run.config,
        lakeFolder: run.folders.lake,
        standIns,
        workflow,
        batchId: collected.batchId,
        recordsInFiles: report.counts.recordsInFiles,
        progress: run.progress,
        replay: (input) => runBatchWorkflow(run, handlers, standIns, servers, input, injector),
        scheduledTime,
        started: run.started,
      });
      report = { ...report, faults, ok: faults.ok && report.counts.addUp, seconds: (Date.now() - run.started) / 1000 };
    }
    writeFileSync(join(run.outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    run.out.write(formatReport(report));
    return report;
  } finally {
    logs.stop();
    delivery?.close();
    restoreEnvironment(savedEnv);
    if (ownServers) await servers.stop();
    if (!options.keep) {
      rmSync(run.tmpDir, { recursive: true, force: true });
      if (ownServers) rmSync(join(run.outDir, "s3"), { recursive: true, force: true });
    }
  }
}

/** Phase 1: the configuration, the table's columns, the output folders and the local names. */
function prepareRun(options: RehearsalOptions): Run {
  const started = Date.now();
  const out = options.output ?? process.stdout;
  const progress = new Progress(out);
  const root = findProjectRoot();
  const env = options.env ?? "dev";
  const config = withRehearsalShards(loadConfig(options.configFile ?? pipelineConfig, env, process.env), options.shards);
  if (!config.batch.enabled) throw new Error(`the rehearsal runs the batch workflow, and batch.enabled is false in ${env}`);
  const drift = { ...(options.tableTypes ?? {}) };
  const columns = tableColumns(config, drift);
  const runIndex = ++runsInProcess;
  const outDir = resolve(options.outDir ?? defaultOutDir(root));
  const folders = { out: outDir, lake: join(outDir, "lake"), logs: join(outDir, "logs"), athenaResults: join(outDir, "athena-results") };
  const tmpDir = join(outDir, "tmp");
  mkdirSync(outDir, { recursive: true });
  const names = config.resolvedNames;
  const suffix = runIndex === 1 ? "" : `-${runIndex}`;
  const bucket = `${"name" in names.lakeBucket ? names.lakeBucket.name : `${names.lakeBucket.prefix}local`}${suffix}`;
  const streamName = `${names.stream}${suffix}`;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${config.region}:${LOCAL_ACCOUNT}:${resource}`;
  progress.step(
    `Rehearsing environment "${env}" (${config.partitioning.partitionTime}-time partitions, ${config.stream.mode === "PROVISIONED" ? `${config.stream.shardCount} shard(s)` : "on-demand"}) in ${outDir}`,
  );
  return { options, started, out, progress, root, env, config, drift, columns, outDir, folders, tmpDir, bucket, streamName, arn };
}

/** The most shards `shards` may ask for: 40,000 records/s, which the local Kinesis engines keep up with. */
export const MAX_REHEARSAL_SHARDS = 40;

/** The configuration with its stream PROVISIONED at `shards` shards, when given (the rehearsal's `shards` option). */
export function withRehearsalShards(config: PipelineConfig, shards: number | undefined): PipelineConfig {
  if (shards === undefined) return config;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_REHEARSAL_SHARDS)
    throw new Error(`shards must be a whole number from 1 to ${MAX_REHEARSAL_SHARDS}, got ${shards}`);
  return { ...config, stream: { ...config.stream, mode: "PROVISIONED", shardCount: shards } };
}

/** Phase 2: the bucket and the stream on the local servers, and the real handlers pointed at them. */
async function prepareLocalAws(run: Run, servers: LocalServers, logs: FunctionLogs): Promise<Handlers> {
  const { config, progress, bucket, streamName } = run;
  progress.detail(`s3rver ${servers.s3Endpoint}, ${servers.engine} ${servers.kinesisEndpoint} (pid ${servers.kinesisPid})`);
  const shards = config.stream.mode === "PROVISIONED" ? (config.stream.shardCount ?? 1) : 4;
  await servers.createBucket(bucket);
  await servers.createStream(streamName, shards);
  progress.detail(
    `bucket ${bucket}, stream ${streamName} with ${shards} shard(s)${config.stream.mode === "ON_DEMAND" ? " (on-demand starts with 4)" : ""}`,
  );
  const settings = batchSettings(config);
  const transformJson = JSON.stringify(transformSettings(config));
  Object.assign(process.env, handlerEnvironment(config, servers, bucket, streamName, settings, transformJson));
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  logs.start();
  return loadHandlers(`${servers.s3Proxy.endpoint} ${servers.kinesisProxy.endpoint}`, transformJson);
}

/** Phase 3: landing files into landing/, read from `input` or generated from the event schema. */
async function uploadLanding(run: Run, servers: LocalServers): Promise<Landing> {
  const { options, config, progress, bucket } = run;
  if (options.input) {
    const folder = resolve(options.input);
    const files = listFiles(folder);
    if (files.length === 0) throw new Error(`no files in ${folder}`);
    for (const file of files) {
      const key = `${BATCH_PREFIXES.landing}${relative(folder, file).split(sep).join("/")}`;
      await servers.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }));
    }
    progress.step(`Uploaded ${files.length} landing file(s) from ${folder} to landing/`);
    return { files: files.length };
  }
  const records = options.records ?? 10_000;
  const sample = generateLandingFiles(config.schema, { records, seed: options.seed ?? 1, eventIdColumn: config.batch.eventIdColumn });
  for (const file of sample.files) {
    await servers.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${BATCH_PREFIXES.landing}rehearsal/${file.name}`, Body: file.body }),
    );
  }
  progress.step(
    `Generated ${sample.items.toLocaleString("en")} records from the event schema into ${sample.files.length} landing files (${sample.files.map((f) => f.name).join(", ")}), ${sample.bad} of them bad lines`,
  );
  return { sample, files: sample.files.length };
}

/** Phase 4: the Firehose, crawler and Athena stand-ins over the local bucket and stream. */
function createStandIns(run: Run, servers: LocalServers, handlers: Handlers, logs: FunctionLogs, injector?: FaultInjector): StandIns {
  const { config, progress, bucket, streamName, columns, arn, folders } = run;
  const names = config.resolvedNames;
  const lake = new LakeFolder(servers.s3, bucket, folders.lake);
  const delivery = new DeliveryStandIn({
    config,
    tableColumns: columns,
    database: names.database,
    table: names.table,
    kinesis: servers.kinesis,
    s3: servers.s3,
    bucket,
    streamName,
    deliveryStreamName: names.deliveryStream,
    arns: {
      deliveryStream: arn("firehose", `deliverystream/${names.deliveryStream}`),
      sourceStream: arn("kinesis", `stream/${streamName}`),
      transform: `${arn("lambda", `function:${names.transformFunction}`)}:$LATEST`,
    },
    transform: handlers.transform,
    tmpDir: run.tmpDir,
    processingReason: (recordId) => logs.failedRecords.get(recordId),
    log: (text) => progress.detail(`Firehose stand-in: ${text}`),
    faults: injector?.deliveryFaults(config.delivery.processorRetries),
  });
  const keys = partitionKeys(config.partitioning.dayKey);
  const crawler = new CrawlerStandIn({
    name: names.crawler,
    s3: servers.s3,
    bucket,
    tablePrefix: LAKE_PREFIXES.data,
    partitionKeys: keys,
    log: (text) => progress.detail(`crawler stand-in: ${text}`),
  });
  const athena = new AthenaStandIn({
    database: names.database,
    table: names.table,
    workgroup: names.batchValidationWorkgroup,
    columns,
    partitionKeys: keys,
    tablePrefix: LAKE_PREFIXES.data,
    lake,
    partitions: () => (config.catalog.partitionProjection ? "projection" : crawler.partitions),
    resultsDir: folders.athenaResults,
    projectRoot: run.root,
    log: (text) => progress.detail(`Athena stand-in: ${text}`),
  });
  return { lake, delivery, crawler, athena };
}

/** The real state machine definition, built as BatchStage builds it, with local ARNs. */
function workflowDefinition(run: Run): ReturnType<typeof buildBatchWorkflow> {
  const { config, arn, bucket } = run;
  const names = config.resolvedNames;
  const functionArn = (name: BatchFunctionName) => arn("lambda", `function:${names.batchFunctions[name]}`);
  return buildBatchWorkflow(
    batchWorkflowProps(
      {
        extractFunctionArn: functionArn("extract"),
        pushFunctionArn: functionArn("push"),
        deliveryCheckFunctionArn: functionArn("delivery-check"),
        finalizeFunctionArn: functionArn("finalize"),
        lakeBucketName: bucket,
        crawlerName: config.catalog.partitionProjection ? null : names.crawler,
        workgroup: names.batchValidationWorkgroup,
        notificationTopicArn: arn("sns", names.alertsTopic),
      },
      { batch: config.batch, delivery: config.delivery, stream: config.stream, partitionTime: config.partitioning.partitionTime },
    ),
  );
}

/** Phase 5: the real workflow in aws-local-stepfunctions, its tasks answered by the handlers and stand-ins. */
async function runBatchWorkflow(
  run: Run,
  handlers: Handlers,
  standIns: StandIns,
  servers: LocalServers,
  input: { readonly scheduledTime: string; readonly replay?: Record<string, string> },
  injector?: FaultInjector,
): Promise<WorkflowResult> {
  const { progress, arn } = run;
  const s3 = servers.s3;
  const asDefined = (run.options.adaptDefinition ?? ((built) => built))(workflowDefinition(run));
  writeFileSync(join(run.outDir, "state-machine.asl.json"), `${JSON.stringify(asDefined, null, 2)}\n`);
  const observed: Observed = { pushed: 0, chunksPushed: 0, slowFunctions: [], rangesDone: 0, chunksStaged: 0 };
  const answers = { ...lambdaTasks(progress, handlers, standIns, observed), ...serviceTasks(progress, standIns, observed) };
  const S = BATCH_STATES;
  const allTasks = injector
    ? injector.wrapTasks(
        answers,
        {
          startCrawler: S.startCrawler,
          runValidationQuery: S.runValidationQuery,
          checkDelivery: S.checkDelivery,
          notifyFailure: S.notifyFailure,
        },
        {
          startForeignCrawl: () => standIns.crawler.startCrawler({ Name: run.config.resolvedNames.crawler }),
          replaceLanding: async () => replaceLandingFile(s3, run.bucket, await landingKeys(s3, run.bucket), run.config.batch.eventIdColumn),
        },
      )
    : answers;
  // The Distributed Map stand-in applies only to a definition that has such a Map (distributed-map.ts).
  const { definition, tasks } = hasDistributedMap(asDefined)
    ? withDistributedMaps(asDefined, {
        store: localLakeStore(s3, run.bucket),
        tasks: allTasks,
        onMapRun: (event) =>
          event.type === "started"
            ? progress.step(
                `${event.state} (Distributed Map stand-in): ${event.items} child execution(s), at most ${event.maxConcurrency} at once`,
              )
            : progress.detail(`${event.state}: ${event.succeeded} child(ren) succeeded, ${event.failed} failed`),
      })
    : { definition: asDefined, tasks: allTasks };
  progress.step(
    `Starting the batch workflow (real definition, ${Object.keys(definition.States).length} states) in aws-local-stepfunctions, waits 0 s`,
  );
  const executionName = `rehearsal-${randomUUID().slice(0, 8)}`;
  const result = await runWorkflow(definition, input, tasks, {
    executionId: arn("states", `execution:${run.config.resolvedNames.stateMachine}:${executionName}`),
    executionName,
  });
  progress.step(
    `Workflow ${result.status}${result.error ? ` (${result.error})` : ""} after ${result.path.length} states; copying the bucket into the lake folder`,
  );
  return { run: result, extractOutput: observed.extractOutput, pushed: observed.pushed, slowFunctions: observed.slowFunctions };
}

/** What the task answers record while the workflow runs. */
interface Observed extends MapObserved {
  pushed: number;
  chunksPushed: number;
  readonly slowFunctions: string[];
}

/** The Lambda tasks: the real handlers, timed against their Lambda timeouts. */
function lambdaTasks(progress: Progress, handlers: Handlers, { delivery }: StandIns, observed: Observed): Record<string, TaskAnswer> {
  const S = BATCH_STATES;
  const timed = (name: string, limitSeconds: number) => (ms: number) => {
    if (ms > limitSeconds * 1000)
      observed.slowFunctions.push(`${name} took ${(ms / 1000).toFixed(1)} s here; its Lambda timeout is ${limitSeconds} s`);
  };
  const chunks = () => observed.extractOutput?.chunkKeys?.length ?? "?";
  return {
    ...mapLambdaTasks(handlers.extract, progress, observed, (name) => timed(name, BATCH_FUNCTION_TIMEOUTS.extract)),
    [S.pushChunk]: lambdaInvoke(
      async (payload) => {
        if (observed.chunksPushed === 0 && observed.rangeCount === undefined) {
          progress.step(`PushToKinesis (real handler, Map over ${chunks()} chunk(s)) …`);
        }
        const result = (await handlers.push(payload)) as { pushed: number; calls: number; chunkKey: string };
        observed.pushed += result.pushed;
        observed.chunksPushed++;
        progress.detail(
          `chunk ${observed.chunksPushed}/${observed.rangeCount === undefined ? chunks() : `${observed.chunksStaged} staged so far`}: ${result.pushed.toLocaleString("en")} records in ${result.calls} PutRecords call(s)`,
        );
        return result;
      },
      timed("PushChunk", BATCH_FUNCTION_TIMEOUTS.push),
    ),
    [S.checkDelivery]: lambdaInvoke(
      async (payload) => {
        progress.step("WaitForDelivery: the Firehose stand-in drains the stream, then CheckDelivery (real handler) lists data/");
        await delivery.drain();
        const result = (await handlers.deliveryCheck(payload)) as { delivered: boolean; objects: number };
        progress.detail(
          `CheckDelivery: ${result.delivered ? `${result.objects} data object(s) delivered since the push` : "nothing delivered yet"}`,
        );
        return result;
      },
      timed("CheckDelivery", BATCH_FUNCTION_TIMEOUTS.deliveryCheck),
    ),
    [S.finalizeBatch]: lambdaInvoke(
      async (payload) => {
        progress.step("FinalizeBatch (real handler): landing/ → processed/");
        const result = (await handlers.finalize(payload)) as { moved: number };
        progress.detail(`${result.moved} landing file(s) moved`);
        return result;
      },
      timed("FinalizeBatch", BATCH_FUNCTION_TIMEOUTS.finalize),
    ),
  };
}

/** The Glue, Athena and SNS tasks, answered by the stand-ins. */
function serviceTasks(progress: Progress, { crawler, athena }: StandIns, observed: Observed): Record<string, TaskAnswer> {
  const S = BATCH_STATES;
  return {
    [S.startCrawler]: (input) => {
      progress.step("StartCrawler (crawler stand-in)");
      return crawler.startCrawler(input);
    },
    [S.getCrawlerState]: (input) => crawler.getCrawler(input),
    [S.getLastCrawl]: (input) => crawler.getCrawler(input),
    [S.runValidationQuery]: async (input) => {
      progress.step("RunValidationQuery (Athena stand-in: Trino grammar check, then DuckDB over the registered partitions)");
      return athena.startQueryExecution(input);
    },
    [S.getValidationResults]: (input) => {
      const results = athena.getQueryResults(input) as { ResultSet: { Rows: Array<{ Data: Array<{ VarCharValue?: string }> }> } };
      const [header, row] = results.ResultSet.Rows;
      const values = header?.Data.map((h, i) => `${h.VarCharValue}=${row?.Data[i]?.VarCharValue ?? "NULL"}`).join(", ");
      progress.detail(`result: ${values ?? "(no rows)"}; expected ${observed.extractOutput?.validation.expectedCount ?? "?"}`);
      return results;
    },
    [S.notifyFailure]: (input) => {
      progress.step(`NotifyFailure (SNS stand-in, topic ${input.TopicArn}): ${input.Subject}`);
      progress.detail(String(input.Message));
      return { MessageId: randomUUID() };
    },
  };
}

/** Phase 6: the bucket copied into the lake folder, the batch's manifest and its rejected lines by reason. */
async function collectDelivery(
  run: Run,
  servers: LocalServers,
  lake: LakeFolder,
  extractOutput: ExtractSummary | undefined,
): Promise<Collected> {
  await lake.sync("");
  const batchId = extractOutput?.batchId;
  const manifest = batchId
    ? await readJson<NonNullable<Collected["manifest"]>>(servers, run.bucket, `${BATCH_PREFIXES.staging}${batchId}/manifest.json`)
    : undefined;
  const rejectedTally: Record<string, number> = {};
  if (batchId) {
    for (const file of listFiles(join(run.folders.lake, BATCH_PREFIXES.rejected, batchId))) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as { reason: string; line: number | null };
        if (entry.line === null) continue;
        const key = reasonKey(entry.reason);
        rejectedTally[key] = (rejectedTally[key] ?? 0) + 1;
      }
    }
  }
  return { batchId, manifest, rejectedTally };
}

/** Phase 7: whether every record is accounted for, from the files through the stream to the lake. */
function countProblems(
  landing: Landing,
  delivery: DeliveryStandIn,
  workflow: WorkflowResult,
  collected: Collected,
): { recordsInFiles: number; rejected: number; problems: string[] } {
  const { sample } = landing;
  const { extractOutput, pushed } = workflow;
  const summary = delivery.summary;
  const rejected = collected.manifest?.counts.rejectedLines ?? 0;
  const recordsInFiles = (collected.manifest?.counts.records ?? 0) + rejected;
  const failed = summary.processingFailed + summary.conversionFailed;
  const problems: string[] = [];
  if (recordsInFiles !== rejected + summary.delivered + failed + summary.dropped) {
    problems.push(
      `${recordsInFiles} in files ≠ ${rejected} rejected + ${summary.delivered} delivered + ${failed} failed + ${summary.dropped} dropped`,
    );
  }
  if (pushed !== summary.readFromStream) problems.push(`${pushed} pushed ≠ ${summary.readFromStream} read from the stream`);
  if (sample && sample.items !== recordsInFiles)
    problems.push(`the generator wrote ${sample.items} records, the extract read ${recordsInFiles}`);
  if (sample && sample.bad !== rejected) problems.push(`the generator wrote ${sample.bad} bad lines, the extract rejected ${rejected}`);
  if (extractOutput?.skipped) problems.push(`the batch was skipped (${extractOutput.skipReason}): nothing was rehearsed`);
  return { recordsInFiles, rejected, problems };
}

/** Phase 7: the validation query's outcome as the Athena stand-in ran it. */
function validationOutcome(athena: AthenaStandIn, workflow: WorkflowResult): RehearsalReport["validation"] {
  const validationQueries = athena.queries;
  const lastGood = [...validationQueries].reverse().find((q) => q.state === "SUCCEEDED");
  const lastFailed = [...validationQueries].reverse().find((q) => q.state === "FAILED");
  const value = (name: string) => {
    const i = lastGood?.columns.indexOf(name) ?? -1;
    const text = i >= 0 ? lastGood?.rows[0]?.[i] : undefined;
    return text === undefined || text === null ? undefined : Number(text);
  };
  const { run, extractOutput } = workflow;
  return {
    passed: run.status === "SUCCEEDED" && run.path.includes(BATCH_STATES.batchLoaded),
    query: extractOutput?.validation.query || undefined,
    expected: extractOutput?.validation.expectedCount,
    found: value("found"),
    missingRequired: value("missing_required"),
    runs: validationQueries.length,
    queryFailure: lastFailed?.reason,
    trinoOnly: lastFailed?.trinoOnly,
  };
}

/** Phase 8: the report. */
function buildReport(
  run: Run,
  servers: LocalServers,
  landing: Landing,
  standIns: StandIns,
  workflow: WorkflowResult,
  collected: Collected,
): RehearsalReport {
  const { options, bucket, streamName } = run;
  const { sample } = landing;
  const summary = standIns.delivery.summary;
  const { recordsInFiles, rejected, problems } = countProblems(landing, standIns.delivery, workflow, collected);
  const validation = validationOutcome(standIns.athena, workflow);
  const parquetFiles = listFiles(join(run.folders.lake, LAKE_PREFIXES.data))
    .filter((f) => f.endsWith(".parquet"))
    .sort();
  const { run: result } = workflow;
  return {
    ok: validation.passed && problems.length === 0,
    environment: run.env,
    engine: servers.engine,
    batchId: collected.batchId,
    seconds: (Date.now() - run.started) / 1000,
    local: { bucket, stream: streamName, s3Endpoint: servers.s3Endpoint, kinesisEndpoint: servers.kinesisEndpoint },
    folders: run.folders,
    input: {
      source: options.input ? "folder" : "generated",
      folder: options.input ? resolve(options.input) : undefined,
      files: landing.files,
      recordsInFiles,
      generated: sample
        ? { items: sample.items, bad: sample.bad, badKinds: sample.badKinds, beyondIntRange: sample.beyondIntRange }
        : undefined,
    },
    counts: {
      recordsInFiles,
      rejected,
      rejectedFiles: collected.manifest?.counts.rejectedFiles ?? 0,
      pushed: workflow.pushed,
      readFromStream: summary.readFromStream,
      delivered: summary.delivered,
      failed: { processingFailed: summary.processingFailed, formatConversionFailed: summary.conversionFailed },
      dropped: summary.dropped,
      addUp: problems.length === 0,
      problems,
    },
    rejectedReasons: topReasons(collected.rejectedTally),
    processingFailedReasons: topReasons(summary.processingReasons),
    conversionFailedReasons: topReasons(summary.conversionReasons),
    delivery: {
      invocations: summary.invocations,
      failedInvocations: summary.failedInvocations,
      slowestInvocationMs: summary.slowestInvocationMs,
      parquetObjects: summary.dataObjects,
      errorObjects: summary.errorObjects,
      rawObjects: summary.rawObjects,
      parquetFiles,
    },
    partitions: standIns.crawler.partitions.map((p) => p.location),
    validation,
    workflow: { status: result.status, error: result.error, cause: result.cause, path: result.path, output: result.output },
    slowFunctions: workflow.slowFunctions,
    standInLimits: standInLimits(servers.engine, summary.slowestInvocationMs, run.config),
    tableDrift: run.drift,
  };
}

/** The environment the handlers read: the stack's variables, and SDK settings that reach only the local servers. */
function handlerEnvironment(
  config: PipelineConfig,
  servers: LocalServers,
  bucket: string,
  streamName: string,
  settings: BatchSettings,
  transformJson: string,
): Record<string, string> {
  return {
    // The functions reach S3 and Kinesis through the fault proxy and the shard-limit proxy.
    AWS_ENDPOINT_URL_S3: servers.s3Proxy.endpoint,
    AWS_ENDPOINT_URL_KINESIS: servers.kinesisProxy.endpoint,
    // Any other service a handler might call fails fast instead of reaching AWS.
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    [BATCH_ENV.bucket]: bucket,
    [BATCH_ENV.streamName]: streamName,
    [BATCH_ENV.settings]: JSON.stringify(settings),
    [TRANSFORM_ENV.settings]: transformJson,
    [TRANSFORM_ENV.metricsNamespace]: `${config.namePrefix}/${config.environment}`,
    [TRANSFORM_ENV.logLevel]: "INFO",
    // Powertools: log through the global console (captured into <out>/logs), publish no EMF metrics.
    POWERTOOLS_DEV: "true",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
}

/** The keys under landing/, in order. */
async function landingKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: BATCH_PREFIXES.landing }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

function restoreEnvironment(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

/** Imports the handler modules once, each with its own service name for the log files. */
function loadHandlers(endpoints: string, transformJson: string): Handlers {
  if (loaded) {
    if (loaded.endpoints !== endpoints) {
      throw new Error(
        "the handlers of this process already talk to other local servers (SDK clients keep their endpoint): pass the same servers to every rehearsal in one process",
      );
    }
    if (loaded.transformSettings !== transformJson) {
      throw new Error(
        "the transform of this process was loaded with other settings (it reads TRANSFORM_SETTINGS once): use one configuration per process, or vary only tableTypes",
      );
    }
    return loaded.handlers;
  }
  // require, not import(): the modules must initialise here, after the environment is set (the transform
  // reads TRANSFORM_SETTINGS and each Logger its service name at load), and jest cannot run import().
  const as = <T>(service: string, load: () => T): T => {
    process.env[TRANSFORM_ENV.serviceName] = service;
    return load();
  };

  const extract = as("batch-extract", () => require("../handlers/extract/index") as typeof import("../handlers/extract/index"));
  const push = as("batch-push", () => require("../handlers/push/index") as typeof import("../handlers/push/index"));
  const deliveryCheck = as(
    "batch-delivery-check",
    () => require("../handlers/delivery-check/index") as typeof import("../handlers/delivery-check/index"),
  );
  const finalize = as("batch-finalize", () => require("../handlers/finalize/index") as typeof import("../handlers/finalize/index"));
  const transform = as("transform", () => require("../handlers/transform/index") as typeof import("../handlers/transform/index"));

  const handlers: Handlers = {
    extract: (input) => extract.handler(input as never),
    push: (input) => push.handler(input as never),
    deliveryCheck: (input) => deliveryCheck.handler(input as never),
    finalize: (input) => finalize.handler(input as never),
    transform: (event, context) => transform.handler(event, context),
  };
  loaded = { endpoints, transformSettings: transformJson, handlers };
  return handlers;
}

async function readJson<T>(servers: LocalServers, bucket: string, key: string): Promise<T | undefined> {
  try {
    const object = await servers.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as T;
  } catch {
    return undefined;
  }
}

function standInLimits(engine: KinesisEngine, slowestTransformMs: number, config: PipelineConfig): string[] {
  return [
    ...SERVER_LIMITS.s3rver,
    ...SERVER_LIMITS[engine],
    "Lambda: the handlers run in this process; memory and timeouts are not enforced (durations beyond a function's timeout are reported)" +
      (slowestTransformMs > 0
        ? `; slowest transform invocation ${slowestTransformMs} ms (timeout ${config.transform.timeoutSeconds} s)`
        : ""),
    "Firehose: buffering time is simulated on the Kinesis arrival times (nothing waits); Parquet is written by DuckDB, not Hive's ParquetHiveSerDe (timestamps INT64 µs instead of INT96, one row group per object); conversion failures are decided by DuckDB's TRY_CAST on OpenX-style values, with the stand-in's error messages",
    "Glue crawler: registers partitions only (no schema inference, no schema-change policy), instantly",
    "Athena: DuckDB runs the SQL after a Trino grammar check; DuckDB is more lenient than Trino, so passing here is necessary, not sufficient",
    "Step Functions: aws-local-stepfunctions with every Wait and retry interval at 0 s; task and execution timeouts are not enforced; SNS is printed, not sent",
  ];
}

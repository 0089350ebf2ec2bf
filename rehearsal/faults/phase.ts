/**
 * The fault rehearsal's checks after the batch run: counts what the proxies injected, accounts for
 * every landing record in the lake, replays errors/ as an operator would (through the same workflow,
 * the transform, crawler, Athena and landing faults off), queries the deduplicated view through the
 * Athena stand-in, and builds the `faults` section of the report.
 */
import { latestRowsSql } from "../../contract/sql/latest-view";
import { tableSchema, type PipelineConfig } from "../../stacks/config";
import type { AthenaStandIn } from "../athena-standin";
import type { CrawlerStandIn } from "../crawler-standin";
import type { DeliveryStandIn } from "../delivery-standin";
import type { LakeFolder } from "../lake-folder";
import type { LocalServers } from "../local-servers";
import type { Progress } from "../report";
import type { WorkflowRun } from "../workflow";
import type { FaultInjector } from "./injector";
import { accountRecords } from "./invariant";
import { faultsReport, landingState, type FaultsReport } from "./outcome";

/** What the checks need from the rehearsal. */
export interface FaultPhaseInput {
  readonly injector: FaultInjector;
  readonly servers: LocalServers;
  readonly bucket: string;
  readonly stream: string;
  readonly config: PipelineConfig;
  readonly lakeFolder: string;
  readonly standIns: {
    readonly lake: LakeFolder;
    readonly delivery: DeliveryStandIn;
    readonly crawler: CrawlerStandIn;
    readonly athena: AthenaStandIn;
  };
  readonly workflow: { readonly run: WorkflowRun; readonly pushed: number };
  readonly batchId?: string;
  readonly recordsInFiles: number;
  readonly progress: Progress;
  /** Runs the workflow again on `input` (the replay). */
  readonly replay: (input: { scheduledTime: string; replay: Record<string, string> }) => Promise<{ readonly run: WorkflowRun }>;
  readonly scheduledTime: string;
  /** Epoch ms the rehearsal started. */
  readonly started: number;
}

const HOUR = 3_600_000;

/** Runs the checks (and the replay, when records failed) and returns the `faults` section. */
export async function runFaultChecks(input: FaultPhaseInput): Promise<FaultsReport> {
  const { injector, servers, standIns, config, lakeFolder, progress } = input;
  const eventId = config.batch.eventIdColumn;
  const batchId = input.batchId ?? "";
  injector.countProxies(servers.kinesisProxy, servers.s3Proxy);
  const kinesis = JSON.parse(JSON.stringify(servers.kinesisProxy.stats)) as typeof servers.kinesisProxy.stats;
  const s3 = JSON.parse(JSON.stringify(servers.s3Proxy.stats)) as typeof servers.s3Proxy.stats;
  const delivery = JSON.parse(JSON.stringify(standIns.delivery.summary)) as typeof standIns.delivery.summary;
  const account = await accountRecords(lakeFolder, batchId, eventId);
  const landingNow = injector.replaced ? await landingState(servers.s3, input.bucket, injector.replaced.key) : undefined;

  let replay: { run: WorkflowRun; account: typeof account } | undefined;
  if (account.failed > 0) {
    injector.enterReplay();
    const since = new Date(Math.floor(input.started / HOUR) * HOUR - HOUR).toISOString();
    const until = new Date(Math.ceil(Date.now() / HOUR) * HOUR + HOUR).toISOString();
    progress.step(
      `Replaying errors/ from ${since} until ${until}, as an operator would after a loud failure (same workflow, replay input)`,
    );
    const replayed = await input.replay({ scheduledTime: input.scheduledTime, replay: { from: "errors", since, until } });
    await standIns.lake.sync("");
    replay = { run: replayed.run, account: await accountRecords(lakeFolder, batchId, eventId) };
  }
  const deduplicated = await deduplicatedCounts(input);
  return faultsReport({
    injector,
    run: input.workflow.run,
    recordsInFiles: input.recordsInFiles,
    pushed: input.workflow.pushed,
    retries: config.delivery.processorRetries,
    account,
    delivery,
    deliveryFinal: standIns.delivery.summary,
    kinesis,
    s3,
    stream: input.stream,
    crawler: standIns.crawler,
    landingNow,
    replay,
    deduplicated,
  });
}

/** Rows and distinct event ids of the deduplicated view's query (`latestRowsSql`, unwindowed) through the Athena stand-in. */
async function deduplicatedCounts(input: FaultPhaseInput): Promise<{ rows: number; distinctIds: number }> {
  const { config, standIns } = input;
  const names = config.resolvedNames;
  const eventId = `"${config.batch.eventIdColumn.replaceAll('"', '""')}"`;
  const latest = latestRowsSql({
    database: names.database,
    table: names.table,
    schema: tableSchema(config),
    dayKey: config.partitioning.dayKey,
    eventIdColumn: config.batch.eventIdColumn,
  });
  const query = `SELECT count(*) AS "rows", count(DISTINCT ${eventId}) AS "ids" FROM (\n${latest}\n) AS "latest"`;
  const started = await standIns.athena.startQueryExecution({ QueryString: query, WorkGroup: names.batchValidationWorkgroup });
  const results = standIns.athena.getQueryResults({ QueryExecutionId: String(started.QueryExecution.QueryExecutionId) }) as {
    ResultSet: { Rows: Array<{ Data: Array<{ VarCharValue?: string }> }> };
  };
  const row = results.ResultSet.Rows[1]?.Data ?? [];
  return { rows: Number(row[0]?.VarCharValue ?? 0), distinctIds: Number(row[1]?.VarCharValue ?? 0) };
}

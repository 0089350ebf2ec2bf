/**
 * After a fault rehearsal's batch run: what each fault did and what the pipeline did about it, the
 * invariant (every landing record delivered, failed under errors/ or rejected with its line number),
 * the replay of errors/ an operator would run, the deduplicated view, and the push rate per shard
 * against Kinesis's limit. The result is the `faults` section of report.json.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { CrawlerStandIn } from "../crawler-standin";
import type { DeliverySummary } from "../delivery-standin";
import { shardRates, SHARD_WRITE_LIMITS, type KinesisProxyStats } from "../kinesis-shard-proxy";
import type { S3ProxyStats } from "../s3-fault-proxy";
import type { WorkflowRun } from "../workflow";
import { expectedOutcome, FAULT_NAMES, FAULTS, type FaultName } from "./catalog";
import type { FaultInjector } from "./injector";
import type { RecordAccount } from "./invariant";

/** One fault's line of the report. */
export interface FaultLine {
  readonly name: FaultName;
  readonly on: boolean;
  readonly injected: number;
  /** What the pipeline did, in words, with counts. */
  readonly pipeline: string;
  readonly expected: "absorbed" | "loud-failure";
  readonly ok: boolean;
}

/** The push through the shard-limit proxy. */
export interface PushRate {
  readonly shards: number;
  readonly limitPerShard: number;
  readonly seconds: number;
  /** Accepted records per second, by shard id. */
  readonly perShard: Readonly<Record<string, number>>;
  /** The mean of the shards' rates as a percentage of the limit. */
  readonly percentOfLimit: number;
  readonly putRecordsCalls: number;
  readonly throttledEntries: number;
  readonly throttledCalls: number;
  readonly sdkRetries: number;
}

/** The `faults` section of report.json. */
export interface FaultsReport {
  readonly ok: boolean;
  readonly rate: number;
  readonly faults: readonly FaultLine[];
  readonly run: {
    readonly status: string;
    readonly error?: string;
    readonly expected: string;
    readonly notifications: number;
    readonly ok: boolean;
  };
  /** Landing records: delivered + failed + rejected (with line numbers) = total; lost must be 0. */
  readonly invariant: RecordAccount & { readonly total: number; readonly ok: boolean };
  readonly replay?: {
    readonly status: string;
    readonly error?: string;
    readonly deliveredAfter: number;
    readonly total: number;
    readonly ok: boolean;
  };
  readonly deduplicated: { readonly rows: number; readonly distinctIds: number; readonly dataRows: number; readonly ok: boolean };
  readonly push: PushRate;
  readonly s3: S3ProxyStats;
  readonly problems: readonly string[];
}

/** Everything the checks read. */
export interface FaultCheckInput {
  readonly injector: FaultInjector;
  readonly run: WorkflowRun;
  readonly recordsInFiles: number;
  readonly pushed: number;
  readonly retries: number;
  readonly account: RecordAccount;
  /** The Firehose stand-in's summary when the batch run ended, and after the replay. */
  readonly delivery: DeliverySummary;
  readonly deliveryFinal: DeliverySummary;
  readonly kinesis: KinesisProxyStats;
  readonly s3: S3ProxyStats;
  readonly stream: string;
  readonly crawler?: CrawlerStandIn;
  readonly landingNow?: { readonly exists: boolean; readonly hasAddedLines: boolean };
  readonly replay?: { readonly run: WorkflowRun; readonly account: RecordAccount };
  readonly deduplicated: { readonly rows: number; readonly distinctIds: number };
}

/** The push's accepted records per second per shard of `stream`, against the 1,000 records/s limit. */
export function pushRate(stats: KinesisProxyStats, stream: string): PushRate {
  const { seconds, perShard } = shardRates(stats, stream);
  const rates = Object.values(perShard);
  const mean = rates.length === 0 ? 0 : rates.reduce((sum, r) => sum + r, 0) / rates.length;
  return {
    shards: rates.length,
    limitPerShard: SHARD_WRITE_LIMITS.recordsPerSecond,
    seconds,
    perShard,
    percentOfLimit: (100 * mean) / SHARD_WRITE_LIMITS.recordsPerSecond,
    putRecordsCalls: stats.putRecordsCalls,
    throttledEntries: stats.throttledEntries,
    throttledCalls: stats.throttledCalls,
    sdkRetries: stats.sdkRetries,
  };
}

/** Builds the `faults` section: each fault's line, the run against its expected outcome, the invariant, the replay and the view. */
export function faultsReport(input: FaultCheckInput): FaultsReport {
  const { injector, run, account } = input;
  const problems: string[] = [];
  const lines = FAULT_NAMES.map((name) => faultLine(name, input));
  for (const line of lines) if (line.on && !line.ok) problems.push(`${line.name}: ${line.pipeline}`);

  const injected = FAULT_NAMES.filter((name) => injector.has(name) && injector.injected[name] > 0);
  const expected = expectedOutcome(injected);
  const notified = injector.notifications.length > 0;
  const runOk =
    expected.status === "SUCCEEDED"
      ? run.status === "SUCCEEDED"
      : run.status === "FAILED" && notified && expected.errors.includes(run.error ?? "");
  if (!runOk)
    problems.push(
      `the batch run ended ${run.status}${run.error ? ` (${run.error})` : ""}${notified ? " with a notification" : ""}; expected ${describe(expected)}`,
    );

  const total = account.staged + account.rejectedWithLine;
  const invariantOk = account.lost === 0 && total === input.recordsInFiles;
  if (account.lost > 0)
    problems.push(`${account.lost} landing record(s) neither delivered, failed nor rejected: ${account.lostIds.join(", ")}`);
  if (total !== input.recordsInFiles)
    problems.push(
      `${account.staged} staged + ${account.rejectedWithLine} rejected with a line number ≠ ${input.recordsInFiles} records in files`,
    );

  let replay: FaultsReport["replay"];
  if (input.replay) {
    const after = input.replay.account;
    const ok = input.replay.run.status === "SUCCEEDED" && after.delivered === account.staged;
    replay = { status: input.replay.run.status, error: input.replay.run.error, deliveredAfter: after.delivered, total: account.staged, ok };
    if (!ok)
      problems.push(
        `the replay of errors/ ended ${input.replay.run.status}${input.replay.run.error ? ` (${input.replay.run.error})` : ""} with ${after.delivered} of ${account.staged} delivered`,
      );
  } else if (account.failed > 0) problems.push(`${account.failed} record(s) under errors/ and no replay ran`);

  const finalAccount = input.replay?.account ?? account;
  const dedupOk = input.deduplicated.rows === input.deduplicated.distinctIds && input.deduplicated.distinctIds === finalAccount.dataIds;
  if (!dedupOk)
    problems.push(
      `the deduplicated view shows ${input.deduplicated.rows} rows for ${input.deduplicated.distinctIds} ids; data/ holds ${finalAccount.dataIds} distinct ids`,
    );

  return {
    ok: problems.length === 0,
    rate: injector.rate,
    faults: lines,
    run: { status: run.status, error: run.error, expected: describe(expected), notifications: injector.notifications.length, ok: runOk },
    invariant: { ...account, total, ok: invariantOk },
    replay,
    deduplicated: {
      rows: input.deduplicated.rows,
      distinctIds: input.deduplicated.distinctIds,
      dataRows: finalAccount.dataRows,
      ok: dedupOk,
    },
    push: pushRate(input.kinesis, input.stream),
    s3: input.s3,
    problems,
  };
}

function describe(expected: ReturnType<typeof expectedOutcome>): string {
  return expected.status === "SUCCEEDED" ? "SUCCEEDED" : `FAILED with ${expected.errors.join(" or ")}, notified`;
}

/** One fault's line: how often it was injected and what the pipeline did. */
function faultLine(name: FaultName, input: FaultCheckInput): FaultLine {
  const { injector, run, account, delivery, kinesis, s3 } = input;
  const spec = FAULTS[name];
  const on = injector.has(name);
  const injected = injector.injected[name];
  const line = (ok: boolean, pipeline: string): FaultLine => ({ name, on, injected, pipeline, expected: spec.outcome, ok: !on || ok });
  if (!on) return line(true, "off");
  // Only the running crawler and duplicate delivery stay armed in the replay.
  const armedInReplay = name === "crawler-running" || name === "duplicate-delivery";
  const path = [...run.path, ...(armedInReplay ? (input.replay?.run.path ?? []) : [])];
  if (injected === 0 && spec.reachedAt && !path.includes(spec.reachedAt)) {
    return line(true, `not reached: the run ended at ${run.path.at(-1) ?? "?"} before ${spec.reachedAt}`);
  }
  const missed = injected === 0 ? "never injected" : "";
  switch (name) {
    case "kinesis-throttle":
      return line(
        injected > 0 && input.pushed === account.staged,
        missed ||
          `retried: ${kinesis.throttledCalls} call(s) and ${kinesis.throttledEntries} entr(ies) throttled, resent by the push (${kinesis.sdkRetries} by the SDK itself); ${input.pushed} of ${account.staged} records accepted`,
      );
    case "s3-errors": {
      const transient = ["SlowDown", "InternalError"].includes(run.error ?? "");
      const codes = Object.entries(s3.injected).map(([code, n]) => `${code} ×${n}`);
      return line(
        injected > 0 && !transient,
        missed ||
          `retried: ${codes.join(", ")}; the SDK retried ${s3.sdkRetries} request(s)${transient ? `, yet the run failed with ${run.error}` : ""}`,
      );
    }
    case "transform-error":
    case "transform-timeout": {
      const ok = injected > 0 && (injector.exhaustedInvocations === 0 || delivery.processingFailed > 0);
      return line(
        ok,
        missed ||
          `retried: ${injector.retriedAttempts} attempt(s) failed and were retried by Firehose; routed: ${injector.exhaustedInvocations} invocation(s) failed 1 + ${input.retries} attempts, their records (${delivery.processingFailed} in all) went to errors/processing-failed/; failed loudly: the run ended ${run.status}${run.error ? ` with ${run.error}` : ""}`,
      );
    }
    case "duplicate-delivery": {
      const final = input.deliveryFinal;
      return line(
        injected > 0 && input.deduplicated.rows === input.deduplicated.distinctIds,
        missed ||
          `deduplicated: ${final.duplicateObjects.length} Parquet object(s) written twice (${final.duplicatedRows} repeated rows); validation counts distinct ids and the deduplicated view shows each event once`,
      );
    }
    case "crawler-running": {
      const starts = path.filter((state) => state === "StartCrawler").length;
      return line(
        injected > 0 && starts >= 2 && (input.crawler?.crawls ?? 0) >= 1,
        missed ||
          `retried: StartCrawler met CrawlerRunningException; the workflow polled until that crawl ended, then started its own (${starts} StartCrawler entries)`,
      );
    }
    case "athena-query-fails": {
      const submissions = run.path.filter((state) => state === "RunValidationQuery").length;
      return line(
        injected > 0 && submissions >= 2 && run.path.includes("CanResubmitValidationQuery"),
        missed || `retried: the FAILED validation query was re-submitted under a new token (${submissions} submissions)`,
      );
    }
    case "landing-replaced": {
      const now = input.landingNow;
      if (injected > 0 && injector.replaced === undefined) return line(true, "not injected: no NDJSON or JSONL landing file to overwrite");
      const reached = run.path.includes("FinalizeBatch");
      const ok = injected > 0 && injector.replaced !== undefined && now?.exists === true && now.hasAddedLines;
      return line(
        ok,
        missed ||
          `left for the next batch: ${injector.replaced?.key ?? "no NDJSON landing file"} was overwritten after the extract; ` +
            (reached
              ? "FinalizeBatch's conditional copy was refused (412 PreconditionFailed) and "
              : "the run ended before FinalizeBatch, so ") +
            `the file ${now?.exists ? "stays in landing/ with its new content" : "is GONE from landing/"}`,
      );
    }
  }
}

/** Whether `key` is still in the bucket and ends with the lines the fault added. */
export async function landingState(s3: S3Client, bucket: string, key: string): Promise<{ exists: boolean; hasAddedLines: boolean }> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await object.Body!.transformToString();
    return { exists: true, hasAddedLines: body.includes('"replaced-0"') };
  } catch {
    return { exists: false, hasAddedLines: false };
  }
}

/** The report's lines about the faults, for the console. */
export function formatFaults(report: FaultsReport): string[] {
  const lines = ["", `faults (rate ${report.rate})`];
  for (const fault of report.faults.filter((f) => f.on)) {
    lines.push(
      `  ${fault.ok ? "ok  " : "FAIL"} ${fault.name.padEnd(20)} injected ${String(fault.injected).padStart(4)}  ${fault.pipeline}`,
    );
  }
  const r = report.run;
  lines.push(
    `  batch run          ${r.status}${r.error ? ` (${r.error})` : ""}, ${r.notifications} notification(s); expected ${r.expected}: ${r.ok ? "as expected" : "NOT as expected"}`,
  );
  const i = report.invariant;
  lines.push(
    `  invariant          ${i.total} landing records = ${i.delivered} delivered + ${i.failed} failed (under errors/, replayable) + ${i.rejectedWithLine} rejected with a line number; lost ${i.lost}${i.ok ? "" : " — LOSS"}`,
  );
  if (report.replay) {
    lines.push(
      `  replay of errors/  ${report.replay.status}${report.replay.error ? ` (${report.replay.error})` : ""}: delivered ${report.replay.deliveredAfter} of ${report.replay.total} valid records`,
    );
  }
  const d = report.deduplicated;
  lines.push(`  deduplicated view  ${d.rows} rows for ${d.distinctIds} distinct event ids (data/ holds ${d.dataRows} rows)`);
  const p = report.push;
  const rates = Object.entries(p.perShard)
    .map(([shard, rate]) => `${shard.replace("shardId-", "")} ${Math.round(rate)}`)
    .join(", ");
  lines.push(
    `  push               ${p.percentOfLimit.toFixed(1)} % of ${p.limitPerShard} records/s per shard over ${p.seconds.toFixed(1)} s (${rates}); ${p.throttledEntries} entries and ${p.throttledCalls} calls throttled`,
  );
  lines.push(
    `  S3                 ${report.s3.requests} requests, ${report.s3.sdkRetries} SDK retries, ${report.s3.preconditionFailed} copies refused by If-Match`,
  );
  for (const problem of report.problems) lines.push(`  PROBLEM: ${problem}`);
  lines.push(report.ok ? "  nothing lost; every fault handled as expected" : "  FAULT REHEARSAL FAILED");
  return lines;
}

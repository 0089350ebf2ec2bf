/**
 * Cost lines of the services around the ingestion path: Glue, Athena, Step Functions and EventBridge
 * Scheduler, CloudWatch, SNS, KMS and QuickSight. One function per service, each reading the month's
 * {@link MonthlyUsage}. Pure.
 */
import { billable, CostLine, gib, line } from "./cost-line";
import { storedDays } from "./ingest-costs";
import { bytes, DAYS_PER_MONTH, HOURS_PER_MONTH, MiB, num, rate, roundUpTo, TiB } from "./units";
import type { MonthlyUsage } from "./usage";
import type { PlannerSettings } from "./workload";

/** Glue: crawler DPU-hours (10-minute minimum per run) and the Data Catalog. */
export function glueCosts(u: MonthlyUsage): CostLine[] {
  const { settings, volumes: v, crawls, assumptions: A } = u;
  const G = u.prices.glue;
  const billedMinutes = Math.max(10, A.crawlerRunSeconds / 60);
  const dpuHours = crawls * (billedMinutes / 60) * A.crawlerDpus;
  const crawlText =
    settings.catalog.partitionProjection || settings.catalog.crawlerSchedule === null
      ? `${num(v.batchCrawls)} batch-run crawls`
      : `(${num(v.scheduledCrawls / DAYS_PER_MONTH)} scheduled + ${num(v.batchCrawls / DAYS_PER_MONTH)} batch) × ${DAYS_PER_MONTH} days = ${num(crawls)} crawls`;
  const catalogObjects = HOURS_PER_MONTH * A.monthsOfData + 2;
  const catalogRequests =
    crawls * A.catalogRequests.perCrawl +
    (v.queries + v.batchRuns) * A.catalogRequests.perQuery +
    HOURS_PER_MONTH * A.catalogRequests.firehosePerHour;
  const objects = billable(catalogObjects, u.prices.freeTiers.glueCatalogObjects, u.free);
  const requests = billable(catalogRequests, u.prices.freeTiers.glueCatalogRequests, u.free);
  return [
    line(
      "Glue",
      "crawler (10-minute minimum per run)",
      dpuHours * G.crawlerDpuHour.usd,
      `${crawlText} × ${num(billedMinutes)} min × ${A.crawlerDpus} DPU = ${num(dpuHours)} DPU-h × ${rate(G.crawlerDpuHour.usd)}`,
      G.crawlerDpuHour,
    ),
    line(
      "Glue",
      "Data Catalog",
      (objects.amount / 100_000) * G.catalogObjectsPer100k.usd + (requests.amount / 1e6) * G.catalogRequestsPerMillion.usd,
      `${objects.text} objects (hourly partitions) ÷ 100,000 × ${rate(G.catalogObjectsPer100k.usd)} + ${requests.text} requests ÷ 1M × ${rate(G.catalogRequestsPerMillion.usd)}`,
      G.catalogObjectsPer100k,
      G.catalogRequestsPerMillion,
    ),
  ];
}

/** Athena's per-query minimum: 10 MB. */
export const ATHENA_MINIMUM_BYTES = 10 * MiB;

/** Bytes Athena bills for a query that scans `scanned` bytes: rounded up to the MB, at least 10 MB. */
export function athenaBilledBytes(scanned: number): number {
  return Math.max(ATHENA_MINIMUM_BYTES, roundUpTo(scanned, MiB));
}

/** Athena: the workload's queries and the batch validation queries. */
export function athenaCosts(u: MonthlyUsage): CostLine[] {
  const { workload, volumes: v, batchRun, parquet, assumptions: A } = u;
  const T = u.prices.athena.perTbScanned;
  const lines: CostLine[] = [];
  const billedScan = athenaBilledBytes(workload.athenaBytesScannedPerQuery);
  const minimumNote =
    workload.athenaBytesScannedPerQuery < ATHENA_MINIMUM_BYTES
      ? ` (10 MB minimum; each scans ${bytes(workload.athenaBytesScannedPerQuery)})`
      : "";
  if (v.queries > 0) {
    const tb = (v.queries * billedScan) / TiB;
    lines.push(
      line(
        "Athena",
        "queries",
        tb * T.usd,
        `${num(workload.athenaQueriesPerDay)} × ${DAYS_PER_MONTH} = ${num(v.queries)} queries × ${bytes(billedScan)}${minimumNote} = ${num(tb, 4)} TiB × ${rate(T.usd)}`,
        T,
      ),
    );
  }
  if (v.batchRuns > 0) {
    const validationBytes = athenaBilledBytes(
      workload.recordsPerBatch * workload.averageRecordBytes * (parquet ? A.parquetRatio : A.gzipRatio),
    );
    const validations = v.batchRuns * batchRun.validationRuns;
    const tb = (validations * validationBytes) / TiB;
    lines.push(
      line(
        "Athena",
        "batch validation queries",
        tb * T.usd,
        `${num(validations)} queries × ${bytes(validationBytes)} (at least 10 MB each) = ${num(tb, 6)} TiB × ${rate(T.usd)}`,
        T,
      ),
    );
  }
  return lines;
}

/** Step Functions transitions and EventBridge Scheduler invocations of the batch runs. */
export function batchSchedulingCosts(u: MonthlyUsage): CostLine[] {
  const { volumes: v, batchRun, prices: P } = u;
  if (v.batchRuns === 0) return [];
  const SF = P.stepFunctions.per1000Transitions;
  const transitions = billable(v.batchRuns * batchRun.transitions, P.freeTiers.stepFunctionsTransitions, u.free);
  const scheduled = u.settings.batch.schedule === null ? 0 : v.batchRuns;
  const EB = P.scheduler.perMillionInvocations;
  const invocations = billable(scheduled, P.freeTiers.schedulerInvocations, u.free);
  return [
    line(
      "Step Functions",
      "state transitions",
      (transitions.amount / 1000) * SF.usd,
      `${num(v.batchRuns)} runs × ${batchRun.transitions} transitions (${batchRun.arithmetic}); ${transitions.text} × ${rate(SF.usd)}/1,000`,
      SF,
    ),
    line(
      "EventBridge Scheduler",
      "invocations",
      (invocations.amount / 1e6) * EB.usd,
      `${invocations.text} scheduled runs × ${rate(EB.usd)}/M`,
      EB,
    ),
  ];
}

/**
 * CloudWatch alarms `MonitoringStage` creates: stream throttling and iterator age, delivery freshness
 * and success, transform invocations and failed records, Parquet conversion failures, errors and
 * throttles of every function, two batch execution alarms (timed out, throttled) and the schedule's dead letters, and the
 * undelivered crawler alert. An estimate kept in step with that construct by hand.
 */
export function estimatedAlarms(settings: PlannerSettings): number {
  if (!settings.monitoring.enabled) return 0;
  const functions = 1 + (settings.batch.enabled ? 4 : 0);
  return 2 + 2 + 2 + (settings.delivery.format === "parquet" ? 1 : 0) + functions * 2 + (settings.batch.enabled ? 3 : 0) + 1;
}

/** Alarms the plan prices: the assumed count, else the estimate. */
const alarmCount = (u: MonthlyUsage) => u.assumptions.alarms ?? estimatedAlarms(u.settings);

/** CloudWatch: logs, the transform's custom metrics, alarms and the dashboard. */
export function cloudWatchCosts(u: MonthlyUsage): CostLine[] {
  const { settings, crawls, assumptions: A, prices: P, free } = u;
  const { transformCalls, batchCalls } = u.invocations;
  const CW = P.cloudwatch;
  const logGb = gib((transformCalls + batchCalls) * A.logBytesPerInvocation + crawls * A.logBytesPerCrawl);
  const ingest = billable(logGb, P.freeTiers.cloudwatchLogsGb, free, 3);
  const logMonths = storedDays(u, settings.logs.retentionDays) / DAYS_PER_MONTH;
  const lines = [
    line(
      "CloudWatch",
      `logs (${settings.logs.retentionDays}-day retention)`,
      ingest.amount * CW.logsIngestGb.usd + logGb * logMonths * CW.logsStorageGbMonth.usd,
      `(${num(transformCalls + batchCalls, 0)} invocations × ${bytes(A.logBytesPerInvocation)} + ${num(crawls)} crawls × ${bytes(A.logBytesPerCrawl)}) = ${num(logGb, 3)} GiB; ingest ${ingest.text} GiB × ${rate(CW.logsIngestGb.usd)} + stored ${num(logGb * logMonths, 3)} GiB-month × ${rate(CW.logsStorageGbMonth.usd)}`,
      CW.logsIngestGb,
      CW.logsStorageGbMonth,
    ),
  ];
  const metrics = billable(A.customMetrics, P.freeTiers.cloudwatchCustomMetrics, free);
  lines.push(
    line(
      "CloudWatch",
      "custom metrics (transform)",
      metrics.amount * CW.customMetricMonth.usd,
      `${metrics.text} metrics × ${rate(CW.customMetricMonth.usd)}`,
      CW.customMetricMonth,
    ),
  );
  const count = alarmCount(u);
  if (count > 0) {
    const alarms = billable(count, P.freeTiers.cloudwatchAlarms, free);
    const source = A.alarms === undefined ? " (estimated from the monitoring settings)" : "";
    lines.push(
      line(
        "CloudWatch",
        "alarms",
        alarms.amount * CW.alarmMonth.usd,
        `${alarms.text} alarms${source} × ${rate(CW.alarmMonth.usd)}`,
        CW.alarmMonth,
      ),
    );
  }
  if (settings.monitoring.enabled) {
    const dashboards = billable(1, P.freeTiers.cloudwatchDashboards, free);
    lines.push(
      line(
        "CloudWatch",
        "dashboard",
        dashboards.amount * CW.dashboardMonth.usd,
        `${dashboards.text} dashboard × ${rate(CW.dashboardMonth.usd)}`,
        CW.dashboardMonth,
      ),
    );
  }
  return lines;
}

/** SNS: the alerts topic's publishes (failed batch runs, alarms) and emails. */
export function snsCosts(u: MonthlyUsage): CostLine[] {
  const { volumes: v, assumptions: A, prices: P, free } = u;
  const count = alarmCount(u);
  const failureNotices = v.batchRuns * A.batchFailureRate;
  const alarmNotices = count * A.notificationsPerAlarm;
  if (!(failureNotices + alarmNotices > 0)) return [];
  const N = P.sns;
  const publishes = failureNotices + alarmNotices;
  const emails = u.settings.monitoring.notificationEmail === undefined ? 0 : publishes;
  const billedPublishes = billable(publishes, P.freeTiers.snsPublishes, free, 1);
  const billedEmails = billable(emails, P.freeTiers.snsEmails, free, 1);
  return [
    line(
      "SNS",
      "alerts topic",
      (billedPublishes.amount / 1e6) * N.publishesPerMillion.usd + (billedEmails.amount / 100_000) * N.emailPer100k.usd,
      `${num(v.batchRuns)} batch runs × ${A.batchFailureRate} failing + ${count} alarms × ${A.notificationsPerAlarm} = ${billedPublishes.text} publishes × ${rate(N.publishesPerMillion.usd)}/M + ${billedEmails.text} emails × ${rate(N.emailPer100k.usd)}/100,000`,
      N.publishesPerMillion,
      N.emailPer100k,
    ),
  ];
}

/** KMS: customer-managed keys and their requests (stream encryption, S3 with bucket keys, cold starts). */
export function kmsCosts(u: MonthlyUsage): CostLine[] {
  const { settings, assumptions: A, prices: P } = u;
  const stackKey = settings.security.encryption === "customer-managed";
  if (!stackKey && settings.stream.kmsKeyArn === undefined) return [];
  const KM = P.kms;
  const { puts, gets } = u.s3;
  const calls = u.invocations.transformCalls + u.invocations.batchCalls;
  const keys = (stackKey ? 1 : 0) + (settings.stream.kmsKeyArn !== undefined ? 1 : 0);
  const kmsShards = settings.stream.mode === "PROVISIONED" ? u.billedShards : u.shards.shards;
  const streamRequests = kmsShards * HOURS_PER_MONTH * A.kmsRequestsPerShardHour;
  const otherRequests = stackKey ? (puts + gets) / 100 + calls / 1000 : 0;
  const kmsRequests = billable(streamRequests + otherRequests, P.freeTiers.kmsRequests, u.free);
  const otherText = stackKey
    ? ` + (${num(puts + gets, 0)} S3 requests ÷ 100 with bucket keys + ${num(calls, 0)} invocations ÷ 1,000 cold starts)`
    : "";
  return [
    line(
      "KMS",
      "customer-managed key",
      keys * KM.keyMonth.usd,
      `${keys} key${keys === 1 ? "" : "s"} × ${rate(KM.keyMonth.usd)} (yearly rotation adds ${rate(KM.keyMonth.usd)} per rotated key version from the second year)`,
      KM.keyMonth,
    ),
    line(
      "KMS",
      "requests",
      (kmsRequests.amount / 10_000) * KM.requestsPer10k.usd,
      `${kmsShards} shard${kmsShards === 1 ? "" : "s"} × ${HOURS_PER_MONTH} h × ${A.kmsRequestsPerShardHour}${otherText} = ${kmsRequests.text} requests × ${rate(KM.requestsPer10k.usd)}/10,000`,
      KM.requestsPer10k,
    ),
  ];
}

/** QuickSight (optional): the given users, else the assumed ones when dashboards are enabled. */
export function quickSightCosts(u: MonthlyUsage): CostLine[] {
  const quickSight = u.quickSight ?? (u.settings.quicksight.enabled ? u.assumptions.quickSightUsers : undefined);
  if (!quickSight) return [];
  const Q = u.prices.quicksight;
  const { authors, readers } = quickSight;
  const assumed = u.quickSight === undefined ? " (assumed users)" : "";
  return [
    line(
      "QuickSight",
      "users",
      authors * Q.authorMonth.usd + readers * Q.readerMonth.usd,
      `${authors} author${authors === 1 ? "" : "s"} × ${rate(Q.authorMonth.usd)} + ${readers} reader${readers === 1 ? "" : "s"} × ${rate(Q.readerMonth.usd)}${assumed}`,
      Q.authorMonth,
      Q.readerMonth,
    ),
  ];
}

/**
 * Text of the capacity CLI: the human-readable report and the JSON document. Pure.
 */
import { CapacityPlan, SERVICES } from "../../capacity";
import { bytes, num, usd } from "../../capacity/units";

/** Where the workload came from. */
export type WorkloadSource = "configuration" | "command line" | "configuration and command line";

/** What the report is about. */
export interface ReportContext {
  readonly stackId: string;
  readonly environment: string;
  readonly workloadSource: WorkloadSource;
}

const LIMIT_NAMES = { bytesIn: "bytes in", recordsIn: "records in", bytesOut: "bytes out" } as const;

/** The plan as JSON: the context, then every field of the plan. */
export function formatPlanJson(plan: CapacityPlan, context: ReportContext): string {
  return `${JSON.stringify({ ...context, ...plan }, null, 2)}\n`;
}

/** The plan as a report for a terminal: recommendation, files, itemised cost, savings, warnings. */
export function formatPlanReport(plan: CapacityPlan, context: ReportContext): string {
  const w = plan.workload;
  const out: string[] = [];
  out.push(`Capacity plan for ${context.stackId} (${plan.region}); workload from the ${context.workloadSource}`);
  out.push(
    `  ${num(w.eventsPerSecond)} events/s average, peak × ${num(w.peakFactor)}; ${num(w.averageRecordBytes)} B per event (max ${num(w.maxRecordBytes)} B); ` +
      `${w.consumers} consumer${w.consumers === 1 ? "" : "s"}; ${w.eventsPerRecord} event${w.eventsPerRecord === 1 ? "" : "s"} per record`,
  );
  out.push(
    `  ${num(w.batchRunsPerDay)} batch run${w.batchRunsPerDay === 1 ? "" : "s"}/day × ${num(w.recordsPerBatch)} records; ` +
      `${num(w.athenaQueriesPerDay)} Athena queries/day × ${bytes(w.athenaBytesScannedPerQuery)}`,
  );
  out.push("");

  const s = plan.shards;
  const configured = s.configured === undefined ? "ON_DEMAND (no shard count)" : `${s.configured} configured`;
  const verdict = s.configured === undefined || s.configured >= s.shards ? "enough" : `too few: set stream.shardCount to ${s.shards}`;
  out.push(`Shards: ${s.shards} needed at peak (${LIMIT_NAMES[s.binding]} binds); ${configured}: ${verdict}`);
  out.push(`  ${s.arithmetic}`);
  const m = plan.streamMode;
  out.push(`Stream mode: ${m.recommended} recommended (configured ${m.configured})`);
  out.push(`  ${m.arithmetic}`);
  const f = plan.files;
  out.push(
    `Files: ${num(f.filesPerHour)} per hour of about ${bytes(f.fileBytes)} each, flushed by ${f.flushedBy}${f.small ? " (small)" : ""}`,
  );
  out.push(`  ${f.arithmetic}`);
  out.push("");

  const tiers = plan.freeTiersApplied ? "free tiers subtracted" : "no free tiers";
  out.push(
    `Monthly cost (${plan.prices.region} list prices taken ${plan.prices.takenOn}, 30-day month, ${tiers}; * = uses an UNCONFIRMED price)`,
  );
  const width = Math.max(...plan.costs.map((l) => l.item.length + 2), 20);
  for (const service of SERVICES) {
    const lines = plan.costs.filter((l) => l.service === service);
    if (lines.length === 0) continue;
    const subtotal = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
    out.push(`  ${service.padEnd(width + 2)}${usd(subtotal).padStart(12)}`);
    for (const l of lines) {
      out.push(`    ${(l.item + (l.unconfirmed ? " *" : "")).padEnd(width)}${usd(l.monthlyUsd).padStart(12)}`);
      out.push(`      ${l.arithmetic}`);
    }
  }
  out.push(`  ${"Total".padEnd(width + 2)}${usd(plan.totalUsd).padStart(12)}`);
  out.push("");

  out.push("Savings");
  for (const saving of plan.savings) {
    const amount = saving.saves
      ? `saves ${usd(saving.monthlyUsd)}/month`
      : saving.monthlyUsd > 0
        ? `no saving (${usd(saving.monthlyUsd)}/month difference)`
        : "no saving";
    out.push(`  - ${saving.title}: ${amount}`);
    out.push(`    ${saving.detail}`);
  }
  if (plan.warnings.length > 0) {
    out.push("");
    out.push("Warnings");
    for (const warning of plan.warnings) out.push(`  - ${warning}`);
  }
  out.push("");
  const a = plan.assumptions;
  out.push(
    `Assumptions (estimates, not AWS figures): Parquet = ${a.parquetRatio} × JSON, gzip = ${a.gzipRatio} × JSON, ` +
      `${a.crawlerDpus} DPU per crawl of ${a.crawlerRunSeconds} s, transform ${a.transformBaseMs} ms + ${a.transformMsPerMiB} ms/MiB, ` +
      `${a.monthsOfData} month of data in the lake. Prices and sources: capacity/prices.ts (${plan.prices.document}).`,
  );
  return `${out.join("\n")}\n`;
}

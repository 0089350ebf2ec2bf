/**
 * Benchmarks the local rehearsal (`npm run rehearse`): wall time and records per second for one batch of
 * 100,000 generated records through the whole pipeline — server start, extract, push, the Firehose
 * stand-in (transform, Parquet via DuckDB), crawler and Athena stand-ins, finalize, lake copy — on
 * kinesalite by default (kinesis-local takes ~500–1,500 records/s, i.e. minutes for this batch; pass
 * `--engine kinesis-local` or set BENCH_REHEARSAL_ENGINE to measure it). Prints figures; asserts nothing
 * about timings. rehearsal/main.ts is bundled with esbuild into dist/ (packages external), as
 * `npm run rehearse` does.
 *
 * Run: node scripts/bench-rehearsal.mjs [--records N] [--engine kinesalite|kinesis-local]
 *   or import { benchRehearsal } from "./bench-rehearsal.mjs".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { bundleTypeScript } from "./bundle-ts.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUTFILE = join(ROOT, "dist", "bench-rehearsal.js");

/** Runs one rehearsal of `records` records on `engine`; returns the figures. */
export async function benchRehearsal({
  records = 100_000,
  engine = process.env.BENCH_REHEARSAL_ENGINE ?? "kinesalite",
  log = console.log,
} = {}) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  await bundleTypeScript(join(ROOT, "rehearsal", "main.ts"), OUTFILE, "warning");
  const require = createRequire(import.meta.url);
  delete require.cache[OUTFILE];
  const { rehearse } = require(OUTFILE);
  const outDir = mkdtempSync(join(tmpdir(), "bench-rehearsal-"));
  const steps = [];
  const started = performance.now();
  // Keep the step lines (with their clock) for the breakdown; drop the rest of the report.
  const output = { write: (text) => steps.push(...text.split("\n").filter((line) => /^\[\s*[\d.]+s\]/.test(line))) };
  try {
    const report = await rehearse({ records, engine, outDir, output });
    const seconds = (performance.now() - started) / 1000;
    const figures = {
      engine: report.engine,
      records,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
      delivered: report.counts.delivered,
      parquetObjects: report.delivery.parquetObjects.length,
      transformInvocations: report.delivery.invocations,
      ok: report.ok,
    };
    log(
      `engine: ${figures.engine}; ${records.toLocaleString("en")} records (${report.counts.rejected} bad lines) through extract, push, Firehose stand-in, crawler, Athena stand-in, finalize`,
    );
    log(
      `rehearsal wall time: ${figures.seconds} s = ${figures.recordsPerSecond.toLocaleString("en")} records/s; ${figures.delivered.toLocaleString("en")} rows in ${figures.parquetObjects} Parquet object(s), ${figures.transformInvocations} transform invocations; ${figures.ok ? "validation passed" : "VALIDATION FAILED"}`,
    );
    log(`steps: ${steps.map((line) => line.replace(/\s+/g, " ").slice(0, 90)).join(" | ")}`);
    return figures;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const figures = await benchRehearsal({
    records: Number(value("--records") ?? 100_000),
    engine: value("--engine") ?? process.env.BENCH_REHEARSAL_ENGINE ?? "kinesalite",
  });
  if (process.env.BENCH_JSON) console.log(JSON.stringify(figures, null, 2));
  process.exit(figures.ok ? 0 : 1);
}

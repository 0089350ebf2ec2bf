/**
 * `npm run bench`: prints the project's speed and size figures. Nothing here fails on a slow machine;
 * targets are printed next to the measured figures.
 *
 *   synth   app synth (node dist/main.js) and `npm run synth`: wall time and peak memory
 *   test    `npm test` wall time
 *   transform, push, rehearsal: see scripts/bench-transform.mjs, bench-push.mjs (the sender, the push
 *           paced to the stream's limit, and the same for 22 s through the rehearsal's shard-limit proxy:
 *           the sustained rate per shard against 1,000 records/s, with zero loss), bench-rehearsal.mjs
 *   batch   the batch as the workflow runs it: bench-batch.mjs (PlanBatch's peak memory over a 100 MB and a
 *           1 GB landing file, ExtractRange's per 64 MiB range and its records/s, SummarizeBatch's merging
 *           the 1 GB file's id lists), then bench-push.mjs (records/s through push, paced against the limit)
 *
 * Pick sections with arguments, e.g. `npm run bench -- synth transform`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 3;
const env = { ...process.env, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1" };

/** Runs a shell command under /usr/bin/time; returns wall seconds and peak RSS (MB) of the largest process. */
function measure(command) {
  const timed = existsSync("/usr/bin/time");
  const result = spawnSync(timed ? "/usr/bin/time" : "bash", timed ? ["-f", "%e %M", "bash", "-c", command] : ["-c", command], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`${command} failed:\n${result.stdout}\n${result.stderr}`);
  const [wall, rssKb] = result.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { seconds: wall, peakMb: timed ? rssKb / 1024 : NaN };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function repeat(label, command, runs, targets) {
  measure(command); // warm-up: file cache, esbuild binary
  const samples = Array.from({ length: runs }, () => measure(command));
  const seconds = median(samples.map((s) => s.seconds));
  const peakMb = median(samples.map((s) => s.peakMb));
  const verdict = (value, target) => (target === undefined ? "" : ` (target ≤ ${target}: ${value <= target ? "met" : "NOT met"})`);
  console.log(
    `${label}: ${seconds.toFixed(2)} s${verdict(seconds, targets.seconds)}, peak ${peakMb.toFixed(0)} MB${verdict(peakMb, targets.mb)}  [median of ${runs}]`,
  );
  return { seconds, peakMb };
}

const sections = process.argv.slice(2);
const wanted = (name) => sections.length === 0 || sections.includes(name);
const figures = {};

if (wanted("synth")) {
  console.log("== synth (full default configuration: every environment) ==");
  spawnSync("node", ["scripts/build-app.mjs"], { cwd: ROOT, env, stdio: "inherit" });
  figures.appSynth = repeat("app synth: node dist/main.js", "node dist/main.js > /dev/null", RUNS, { seconds: 1.0, mb: 150 });
  figures.npmSynth = repeat("npm run synth", "npm run --silent synth > /dev/null", RUNS, { seconds: 4.5 });
}
if (wanted("test")) {
  console.log("== tests ==");
  figures.test = repeat("npm test", "npm test > /dev/null 2>&1", 1, { seconds: 60 });
}
if (wanted("transform")) {
  console.log("== transform handler ==");
  const { benchTransform } = await import("./bench-transform.mjs");
  figures.transform = await benchTransform();
}
if (wanted("push") && existsSync(resolve(ROOT, "scripts/bench-push.mjs"))) {
  console.log("== batch push ==");
  const { benchPush } = await import("./bench-push.mjs");
  figures.push = await benchPush();
}
if (wanted("rehearsal")) {
  console.log("== local rehearsal ==");
  const { benchRehearsal } = await import("./bench-rehearsal.mjs");
  figures.rehearsal = await benchRehearsal();
}
if (wanted("batch")) {
  console.log("== batch: PlanBatch, ExtractRange and SummarizeBatch on generated landing files ==");
  const { benchBatch } = await import("./bench-batch.mjs");
  figures.batch = await benchBatch();
  if (!figures.push) {
    console.log("== batch: push (paced to the stream's write capacity) ==");
    const { benchPush } = await import("./bench-push.mjs");
    figures.push = await benchPush();
  }
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(figures, null, 2));

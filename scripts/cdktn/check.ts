/**
 * `npm run check:cdktn`: proves that this checkout moves to CDK Terrain (cdktn) unchanged.
 *
 * In a temporary copy of the checkout's files (git ls-files: tracked and new files, as they are on disk;
 * no node_modules, no build output), it runs the migration (`npm run migrate:cdktn`), installs from the
 * migrated lock file with `npm ci`, type-checks, synthesizes every environment with cdktn and compares the
 * Terraform with the cdktf synth of the checkout, then runs the unit tests. Only the differences listed in
 * compare.ts may appear; it prints them, and exits 1 on any other difference or failed step.
 * `--keep` leaves the copy in place.
 */
import { ChildProcess, spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { allowedBecause, compareSynthOutputs, describeDifference, isAllowed } from "./compare";
import { migrateCheckout } from "./migrate";

class StepFailed extends Error {}

/** Runs a command; resolves with its output, or rejects with the output's tail when it exits non-zero. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new StepFailed(`${command} ${args.join(" ")} exited with ${code}:\n${output.split("\n").slice(-40).join("\n")}`));
    });
  });
}

/** Copies the checkout's files (what git would commit, as on disk) into `copy`. */
function copyCheckout(root: string, copy: string): number {
  let files: string;
  try {
    files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
      stdio: "pipe",
    });
  } catch (error) {
    throw new StepFailed(
      `check:cdktn copies the files git lists, so it runs in a git checkout: git ls-files failed in ${root} (${(error as Error).message})`,
    );
  }
  const listed = files.split("\0").filter((file) => file !== "" && existsSync(join(root, file)) && lstatSync(join(root, file)).isFile());
  for (const file of listed) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(root, file), join(copy, file));
  }
  return listed.length;
}

/** Whether this Node.js satisfies a `>=x.y.z` engines range. */
function nodeSatisfies(range: string | undefined): boolean {
  const min = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range ?? "");
  if (!min) return true;
  const have = process.versions.node.split(".").map(Number);
  const want = min.slice(1).map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

const SYNTH_ENV = { CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1" };

/**
 * Synthesizes the migrated copy into `outdir` with the cdktn CLI; when this Node.js is older than the CLI
 * requires, runs the app command of cdktf.json the way the CLI does (same environment variables), so the
 * Terraform comes from the cdktn library either way. Returns how it synthesized.
 */
async function synthCdktn(copy: string, outdir: string): Promise<string> {
  const engines = (JSON.parse(readFileSync(join(copy, "node_modules/cdktn-cli/package.json"), "utf8")) as { engines?: { node?: string } })
    .engines;
  if (nodeSatisfies(engines?.node)) {
    await run(join(copy, "node_modules/.bin/cdktn"), ["synth", "--output", outdir], { cwd: copy, env: SYNTH_ENV });
    return "cdktn synth";
  }
  const config = JSON.parse(readFileSync(join(copy, "cdktf.json"), "utf8")) as { app: string; context?: Record<string, unknown> };
  await run("sh", ["-c", config.app], {
    cwd: copy,
    env: { ...SYNTH_ENV, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify({ ...config.context, cdktfRelativeModules: [] }) },
  });
  return `the app command of cdktf.json with the cdktn library, as the CLI runs it (cdktn-cli needs Node.js ${engines?.node}; this is ${process.version})`;
}

/** Compares the two synth outputs; prints the allowed differences and returns whether there was no other. */
function compare(cdktfOut: string, cdktnOut: string): boolean {
  const differences = compareSynthOutputs(cdktfOut, cdktnOut);
  const allowed = differences.filter(isAllowed);
  const other = differences.filter((d) => !isAllowed(d));
  const stacks = JSON.parse(readFileSync(join(cdktfOut, "manifest.json"), "utf8")) as { stacks: Record<string, unknown> };
  console.log(`  stacks compared: ${Object.keys(stacks.stacks).join(", ")}`);
  console.log(`  allowed differences (${allowed.length}):`);
  for (const d of allowed) console.log(`    ${describeDifference(d)}  [${allowedBecause(d)}]`);
  if (other.length > 0) {
    console.log(`  OTHER DIFFERENCES (${other.length}):`);
    for (const d of other.slice(0, 50)) console.log(`    ${describeDifference(d)}`);
  }
  return other.length === 0;
}

async function step<T>(timings: [string, number][], name: string, body: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  console.log(`▶ ${name}`);
  const result = await body();
  timings.push([name, (performance.now() - start) / 1000]);
  return result;
}

async function check(root: string, work: string, timings: [string, number][]): Promise<boolean> {
  const copy = join(work, "copy");
  const [cdktfOut, cdktnOut] = [join(work, "cdktf.out"), join(work, "cdktn.out")];
  // The cdktf synth of the checkout runs while the copy is prepared and installed.
  const cdktfSynth = run(join(root, "node_modules/.bin/cdktf"), ["synth", "--output", cdktfOut], { cwd: root, env: SYNTH_ENV });
  cdktfSynth.catch(() => undefined);
  await step(timings, "copy the checkout", () => console.log(`  ${copyCheckout(root, copy)} files → ${copy}`));
  await step(timings, "migrate the copy to CDK Terrain (npm run migrate:cdktn)", () => {
    const result = migrateCheckout(copy, { lock: true });
    for (const change of result.packageChanges) console.log(`  ${change}`);
    console.log(`  ${[...result.files.values()].reduce((a, b) => a + b, 0)} module specifiers in ${result.files.size} files`);
  });
  await step(timings, "npm ci (migrated lock file)", () =>
    run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: copy }),
  );
  await step(timings, "cdktf synth of the checkout (the rest of it, as it ran alongside)", () => cdktfSynth);
  await step(timings, "type-check (tsc --noEmit)", () =>
    run(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit"], { cwd: copy }),
  );
  const how = await step(timings, "synthesize every environment with cdktn", () => synthCdktn(copy, cdktnOut));
  console.log(`  with ${how}`);
  const same = await step(timings, "compare the Terraform", () => compare(cdktfOut, cdktnOut));
  const tests = await step(timings, "unit tests (jest --selectProjects unit)", () =>
    run(process.execPath, ["node_modules/jest/bin/jest.js", "--selectProjects", "unit"], { cwd: copy, env: { CHECKPOINT_DISABLE: "1" } }),
  );
  console.log(
    `  ${tests
      .split("\n")
      .filter((line) => /^(Tests|Test Suites):/.test(line))
      .join("; ")}`,
  );
  return same;
}

/**
 * Removes the copy after this process ends: deleting its node_modules (about 1 GB in many small files)
 * takes longer than any step of the check on a busy machine, and nothing waits for it.
 */
function removeInBackground(work: string): void {
  spawn("rm", ["-rf", work], { detached: true, stdio: "ignore" }).unref();
}

const USAGE = "usage: npm run check:cdktn [-- --keep]";

export async function main(args: string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== "--keep");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown.join(" ")}\n${USAGE}\n`);
    return 2;
  }
  const root = process.cwd();
  const work = mkdtempSync(join(tmpdir(), "check-cdktn-"));
  const timings: [string, number][] = [];
  const start = performance.now();
  let ok = false;
  try {
    ok = await check(root, work, timings);
  } catch (error) {
    console.error(error instanceof StepFailed ? `✗ ${error.message}` : error);
  } finally {
    if (args.includes("--keep")) console.log(`kept ${work}`);
    else removeInBackground(work);
  }
  console.log("Time per step:");
  for (const [name, seconds] of timings) console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${name}`);
  console.log(`  ${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s  total`);
  console.log(ok ? "check:cdktn passed: the checkout moves to CDK Terrain with only the differences above." : "check:cdktn FAILED.");
  return ok ? 0 : 1;
}

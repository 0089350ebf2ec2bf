/**
 * `npm run synth:hcl [-- --output <dir>]`: every shipped environment in Terraform's native syntax (HCL),
 * one `main.tf` per stack in `<dir>/stacks/<stack>/` (default `cdktf.out.hcl`), next to the Lambda zips
 * (`assets/`) that it names by relative path, as `cdktf synth` lays them out. The app runs here as
 * `cdktf synth` runs it, the JSON synth is written, and each `cdk.tf.json` is rewritten as `main.tf`
 * (render.ts) with the block paths of cdktf's provider classes (blocks.ts); the JSON is then removed, as
 * Terraform would read both and declare everything twice. `cdktf synth --hcl` is not used: it writes
 * invalid HCL for this project (https://github.com/hashicorp/terraform-cdk/issues/3911).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { captureBlockPaths } from "./blocks";
import { renderHcl, type Json } from "./render";

const USAGE = "usage: npm run synth:hcl [-- --output <dir>]   (default cdktf.out.hcl)";

function parseArgs(args: string[]): string | undefined {
  if (args.length === 0) return "cdktf.out.hcl";
  if (args.length === 2 && args[0] === "--output" && args[1] !== "") return args[1];
  return undefined;
}

/** Clears a previous HCL synth (a folder with a manifest.json) and refuses any other non-empty folder. */
function prepareOutdir(outdir: string): void {
  if (!existsSync(outdir)) return;
  if (readdirSync(outdir).length > 0 && !existsSync(join(outdir, "manifest.json"))) {
    throw new Error(`${outdir} exists and is not the output of a synth (no manifest.json): choose another --output`);
  }
  rmSync(outdir, { recursive: true, force: true });
}

export function main(args: string[]): number {
  const output = parseArgs(args);
  if (output === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const root = process.cwd();
  const outdir = resolve(root, output);
  try {
    prepareOutdir(outdir);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  execFileSync(process.execPath, [join(root, "scripts/build-app.mjs")], { cwd: root, stdio: "inherit" });
  // The environment `cdktf synth` gives the app (cdktf.json has no context).
  process.env.CDKTF_OUTDIR = outdir;
  process.env.CDKTF_CONTEXT_JSON ??= JSON.stringify({ cdktfRelativeModules: [] });
  const appBundle = join(root, "dist/main.js");
  const paths = captureBlockPaths(() => createRequire(appBundle)(appBundle));
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string; workingDirectory: string }>;
  };
  for (const [stack, { synthesizedStackPath, workingDirectory }] of Object.entries(manifest.stacks)) {
    const blocks = paths.get(stack);
    if (blocks === undefined) throw new Error(`stack ${stack} is in manifest.json but not in the app`);
    const jsonFile = join(outdir, synthesizedStackPath);
    const hcl = renderHcl(JSON.parse(readFileSync(jsonFile, "utf8")) as Record<string, Json>, blocks);
    writeFileSync(join(outdir, workingDirectory, "main.tf"), hcl);
    rmSync(jsonFile);
    console.log(`stack ${stack}: ${join(output, workingDirectory, "main.tf")}`);
  }
  return 0;
}

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { buildSync, type BuildOptions } from "esbuild";
import { zipSync } from "fflate";

/** The project root: the nearest folder above this file that holds cdktf.json. */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdktf.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export interface BundledHandlerProps {
  /** Handler entry, relative to the project root, e.g. `handlers/transform/index.ts`. */
  readonly entry: string;
}

const bundled = new Map<string, string>();

/** Bundles one handler with esbuild (Node.js 22, CommonJS, minified) at synth; exposes the zip asset. */
export class BundledHandler extends Construct {
  public readonly asset: TerraformAsset;

  constructor(scope: Construct, id: string, props: BundledHandlerProps) {
    super(scope, id);
    // A FILE asset of our own zip: cdktf's ARCHIVE type spawns a Node.js process per archive.
    this.asset = new TerraformAsset(this, "asset", { path: bundleHandler(props.entry), type: AssetType.FILE });
  }
}

/** Fixed timestamp inside the zip, so the same code always gives the same bytes and hash. */
const ZIP_MTIME = new Date("2020-01-01T00:00:00Z");

/**
 * The esbuild options of a deployed handler bundle (Node.js 22, CommonJS, minified, AWS SDK external).
 * The benchmarks build with these too, so they measure the code that is deployed.
 */
export function handlerBuildOptions(entryPath: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPath],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    // Prefer ES module builds so unused Powertools and SDK code is tree-shaken away.
    mainFields: ["module", "main"],
    // The Node.js 22 Lambda runtime ships AWS SDK v3; bundling it would add ~450 KB per function.
    external: ["@aws-sdk/*"],
    legalComments: "none",
    logLevel: "error",
  };
}

/**
 * Set by the test suite's global setup after it has bundled every handler once: processes that see it
 * reuse the zips in `.build/handlers/` instead of rebuilding them. Synth never sets it.
 */
export const PREBUILT_BUNDLES_ENV = "DATALAKE_PREBUILT_HANDLER_BUNDLES";

/** Bundles `entry` into `.build/handlers/<name>/index.js` and zips it once per process; returns the zip path. */
export function bundleHandler(entry: string): string {
  const cached = bundled.get(entry);
  if (cached) return cached;
  const name = path.basename(path.dirname(entry));
  const outdir = path.join(PROJECT_ROOT, ".build", "handlers", name);
  const prebuilt = path.join(outdir, "function.zip");
  if (process.env[PREBUILT_BUNDLES_ENV] === "1" && existsSync(prebuilt)) {
    bundled.set(entry, prebuilt);
    return prebuilt;
  }
  buildSync(handlerBuildOptions(path.join(PROJECT_ROOT, entry), path.join(outdir, "index.js")));
  const zipPath = path.join(outdir, "function.zip");
  const code = readFileSync(path.join(outdir, "index.js"));
  writeFileSync(zipPath, zipSync({ "index.js": [code, { mtime: ZIP_MTIME, level: 9 }] }));
  bundled.set(entry, zipPath);
  return zipPath;
}

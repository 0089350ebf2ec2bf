import { existsSync } from "node:fs";
import * as path from "node:path";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { buildSync } from "esbuild";

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
    this.asset = new TerraformAsset(this, "asset", { path: bundleHandler(props.entry), type: AssetType.ARCHIVE });
  }
}

/** Bundles `entry` into `.build/handlers/<name>/index.js` once per process; returns the folder. */
export function bundleHandler(entry: string): string {
  const cached = bundled.get(entry);
  if (cached) return cached;
  const name = path.basename(path.dirname(entry));
  const outdir = path.join(PROJECT_ROOT, ".build", "handlers", name);
  buildSync({
    entryPoints: [path.join(PROJECT_ROOT, entry)],
    outfile: path.join(outdir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    // Prefer ES module builds so unused Powertools and SDK code is tree-shaken away.
    mainFields: ["module", "main"],
    legalComments: "none",
    logLevel: "error",
  });
  bundled.set(entry, outdir);
  return outdir;
}

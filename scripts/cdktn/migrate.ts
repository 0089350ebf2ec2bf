/**
 * `npm run migrate:cdktn`: switches this checkout from cdktf to CDK Terrain (cdktn) in place.
 *
 * cdktn-cli has no migrate command (its upgrade guide lists the steps by hand), so this does them:
 * package.json (dependencies renamed and pinned, constructs raised to cdktn's peer range, npm scripts
 * calling the cdktf CLI, engines.node raised to what cdktn-cli needs), every module specifier in the
 * project's TypeScript and JavaScript, then package-lock.json (`npm install --package-lock-only`, which
 * leaves node_modules alone). cdktf.json needs no change: cdktn reads it. Run `npm ci` afterwards.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { migratePackageJson, PackageJson, rewriteImports } from "./rewrite";

/** Folders that hold no project source: generated output, dependencies, tool caches. */
const SKIPPED_DIRS = new Set(["node_modules", ".git", "cdktf.out", "dist", ".build", ".gen", "coverage", "reports", ".stryker-tmp"]);
const SOURCE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) yield* sourceFiles(path);
    else if (entry.isFile() && SOURCE_EXTENSIONS.has(extname(entry.name))) yield path;
  }
}

export interface MigrationResult {
  readonly packageChanges: string[];
  /** Project-relative path → number of module specifiers renamed in it. */
  readonly files: Map<string, number>;
}

/** Rewrites package.json and the sources under `root`; with `lock`, also package-lock.json (needs the registry). */
export function migrateCheckout(root: string, options: { lock: boolean }): MigrationResult {
  const packagePath = join(root, "package.json");
  const { pkg, changes } = migratePackageJson(JSON.parse(readFileSync(packagePath, "utf8")) as PackageJson);
  if (changes.length > 0) writeFileSync(packagePath, JSON.stringify(pkg, null, 2) + "\n");
  const files = new Map<string, number>();
  for (const file of sourceFiles(root)) {
    const source = readFileSync(file, "utf8");
    const { text, count } = rewriteImports(source, file);
    if (count > 0) {
      writeFileSync(file, text);
      files.set(relative(root, file), count);
    }
  }
  if (options.lock && changes.length > 0) {
    execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return { packageChanges: changes, files };
}

const USAGE = "usage: npm run migrate:cdktn [-- --no-lock]";

/** The CLI: migrates the project this script belongs to (the current directory). */
export function main(args: string[]): number {
  const unknown = args.filter((arg) => arg !== "--no-lock");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown.join(" ")}\n${USAGE}\n`);
    return 2;
  }
  const lock = !args.includes("--no-lock");
  const result = migrateCheckout(process.cwd(), { lock });
  if (result.packageChanges.length === 0 && result.files.size === 0) {
    console.log("Nothing to change: this checkout already uses CDK Terrain.");
    return 0;
  }
  console.log("package.json:");
  for (const change of result.packageChanges) console.log(`  ${change}`);
  const renamed = [...result.files.values()].reduce((a, b) => a + b, 0);
  console.log(`Renamed ${renamed} module specifiers in ${result.files.size} files.`);
  console.log(lock ? "package-lock.json updated. Now run: npm ci" : "package-lock.json not updated (--no-lock).");
  return 0;
}

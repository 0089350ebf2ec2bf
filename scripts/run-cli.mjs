// Runs one of the project's TypeScript CLIs: `node scripts/run-cli.mjs <cli> [args…]`.
// Plain node cannot run TypeScript, so the CLI is bundled first with esbuild (packages stay external:
// only the project's own code is transpiled, in milliseconds) into dist/, then run in this process
// with the remaining arguments. The CLI's exit code becomes this process's exit code.
import { build } from "esbuild";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLIS = { batch: "scripts/batch-cli.ts", capacity: "scripts/capacity.ts" };

const [cli, ...args] = process.argv.slice(2);
const entry = CLIS[cli];
if (entry === undefined) {
  process.stderr.write(`usage: node scripts/run-cli.mjs <${Object.keys(CLIS).join("|")}> [args…]\n`);
  process.exit(2);
}

const outfile = join(ROOT, "dist", `${cli}-cli.js`);
try {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "inline",
    logLevel: "silent",
  });
} catch (error) {
  // esbuild's errors name the file and line; a stack of this script would add nothing.
  process.stderr.write(`Could not build ${entry}:\n${error.errors?.map((e) => `  ${e.location?.file ?? ""}:${e.location?.line ?? ""} ${e.text}`).join("\n") ?? error.message}\n`);
  process.exit(1);
}

// The SDK warns on every run that releases from 2027 on need Node 22; an operator can't act on that here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.setSourceMapsEnabled(true);
const { main } = createRequire(import.meta.url)(outfile);
process.exitCode = await main(args);

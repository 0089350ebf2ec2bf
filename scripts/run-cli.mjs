// Runs one of the project's TypeScript CLIs: `node scripts/run-cli.mjs <cli> [args…]`.
// Plain node cannot run TypeScript, so the CLI is bundled first (bundle-ts.mjs) into dist/, then run in
// this process with the remaining arguments. The CLI's exit code becomes this process's exit code.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleTypeScript } from "./bundle-ts.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Each CLI's entry. `exit`: end the process as soon as the CLI returns, for the rehearsal, whose SDK
 * clients and local servers would otherwise keep idle sockets open for a while.
 */
const CLIS = {
  batch: { entry: "scripts/batch-cli.ts", out: "batch-cli.js" },
  capacity: { entry: "scripts/capacity.ts", out: "capacity-cli.js" },
  rehearse: { entry: "rehearsal/main.ts", out: "rehearse.js", exit: true },
  "migrate-cdktn": { entry: "scripts/cdktn/migrate.ts", out: "migrate-cdktn.js" },
  "check-cdktn": { entry: "scripts/cdktn/check.ts", out: "check-cdktn.js", exit: true },
  "synth-hcl": { entry: "scripts/hcl/synth.ts", out: "synth-hcl.js" },
};

const [cli, ...args] = process.argv.slice(2);
const target = CLIS[cli];
if (target === undefined) {
  process.stderr.write(`usage: node scripts/run-cli.mjs <${Object.keys(CLIS).join("|")}> [args…]\n`);
  process.exit(2);
}

const { entry } = target;
const outfile = join(ROOT, "dist", target.out);
try {
  await bundleTypeScript(join(ROOT, entry), outfile);
} catch (error) {
  // esbuild's errors name the file and line; a stack of this script would add nothing.
  process.stderr.write(
    `Could not build ${entry}:\n${error.errors?.map((e) => `  ${e.location?.file ?? ""}:${e.location?.line ?? ""} ${e.text}`).join("\n") ?? error.message}\n`,
  );
  process.exit(1);
}

// The SDK warns on every run that releases from 2027 on need Node 22; an operator can't act on that here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.setSourceMapsEnabled(true);
const { main } = createRequire(import.meta.url)(outfile);
const code = await main(args);
if (target.exit) process.exit(code);
process.exitCode = code;

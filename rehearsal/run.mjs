// `npm run rehearse [-- options]`: bundles rehearsal/main.ts with esbuild (packages stay external: only the
// project's own TypeScript — the real handlers, the state machine builder, the stand-ins — is transpiled)
// into dist/rehearse.js, then runs it in this process. The rehearsal's exit code becomes this process's.
import { build } from "esbuild";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(ROOT, "dist", "rehearse.js");
try {
  await build({
    entryPoints: [join(ROOT, "rehearsal", "main.ts")],
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
  process.stderr.write(`Could not build rehearsal/main.ts:\n${error.errors?.map((e) => `  ${e.location?.file ?? ""}:${e.location?.line ?? ""} ${e.text}`).join("\n") ?? error.message}\n`);
  process.exit(1);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.setSourceMapsEnabled(true);
const { main } = createRequire(import.meta.url)(outfile);
process.exit(await main(process.argv.slice(2)));

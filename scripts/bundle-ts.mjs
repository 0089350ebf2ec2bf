// Bundles one of the project's TypeScript entries for plain node. Packages stay external: only the
// project's own code is transpiled, which takes milliseconds. Shared by the app build, run-cli and the
// benchmarks, which also take the deployed handlers' esbuild options from here.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles `entry` into the CommonJS file `outfile` (Node 20, inline source map). */
export async function bundleTypeScript(entry, outfile, logLevel = "silent") {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "inline",
    logLevel,
  });
}

/**
 * The esbuild options the stack bundles a handler with (`handlerBuildOptions` of
 * stacks/constructs/bundled-handler.ts), for `entry` into `outfile`: a benchmark built with them
 * measures the deployed code.
 */
export async function deployedHandlerOptions(entry, outfile) {
  const module = join(ROOT, "dist", "bundled-handler.js");
  await bundleTypeScript(join(ROOT, "stacks", "constructs", "bundled-handler.ts"), module);
  const { handlerBuildOptions } = createRequire(import.meta.url)(module);
  return handlerBuildOptions(entry, outfile);
}

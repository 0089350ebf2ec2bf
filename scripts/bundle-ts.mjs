// Bundles one of the project's TypeScript entries for plain node. Packages stay external: only the
// project's own code is transpiled, which takes milliseconds. Shared by the app build and run-cli.
import { build } from "esbuild";

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

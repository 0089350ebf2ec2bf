// Compiles the cdktf app (main.ts and what it imports) into dist/main.js for `cdktf synth`.
// Packages stay external: only the project's own TypeScript is transpiled, which takes milliseconds.
import { build } from "esbuild";

await build({
  entryPoints: ["main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "inline",
  logLevel: "error",
});

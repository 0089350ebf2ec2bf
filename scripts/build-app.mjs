// Compiles the cdktf app (main.ts and what it imports) into dist/main.js for `cdktf synth`.
import { bundleTypeScript } from "./bundle-ts.mjs";

await bundleTypeScript("main.ts", "dist/main.js", "error");

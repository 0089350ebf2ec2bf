/**
 * Bundles every handler once, before the test workers start, and tells the workers to reuse those
 * bundles: each synthesized stack otherwise rebuilds and zips all five handlers in every worker,
 * and workers writing the same `.build/handlers/` files at once could read a half-written zip.
 * The bundles are built by the same `bundleHandler` that synth uses.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { bundleHandler, PREBUILT_BUNDLES_ENV, PROJECT_ROOT } from "../stacks/constructs/bundled-handler";

export default function globalSetup(): void {
  const handlers = readdirSync(path.join(PROJECT_ROOT, "handlers"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "shared")
    .map((entry) => `handlers/${entry.name}/index.ts`);
  for (const entry of handlers) bundleHandler(entry);
  process.env[PREBUILT_BUNDLES_ENV] = "1";
}

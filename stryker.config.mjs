// @ts-check
/**
 * Mutation testing (`npm run mutation`, not part of `npm test`: it takes minutes). Stryker mutates the
 * logic that decides behaviour — the handlers' pure logic, the record validation, the workflow builder
 * and the configuration rules — and runs the unit tests against each mutant (the integration tests start
 * servers and child processes, too slow to run per mutant). Reports go to reports/mutation/.
 * Narrow a run with `npx stryker run --mutate 'handlers/push/logic.ts'`.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const jestConfig = require("./jest.config.js");
const unit = jestConfig.projects.find((/** @type {{ displayName: string }} */ project) => project.displayName === "unit");
// The `unit` project, flattened to a single-project config (Stryker wraps its test environment for per-test coverage).
const { displayName: _displayName, ...unitProject } = unit;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "jest",
  jest: {
    projectType: "custom",
    config: {
      testTimeout: jestConfig.testTimeout,
      // Bundles the handlers in the first run only (each mutant is a Jest run of its own).
      globalSetup: "<rootDir>/__tests__/support/stryker-global-setup.ts",
      ...unitProject,
      // small-pieces measures the source text, which Stryker rewrites with its mutants: it always fails there.
      testPathIgnorePatterns: [...unitProject.testPathIgnorePatterns, "<rootDir>/__tests__/handlers/small-pieces.test.ts"],
    },
    // Only the test files that import the mutated file are loaded for each mutant (the default, stated).
    enableFindRelatedTests: true,
  },
  coverageAnalysis: "perTest",
  // Many suites synthesize their stacks in beforeAll, so the code they run counts as "static" (not tied
  // to one test) and each such mutant would rerun every related suite: hours on two cores. Ignored, and
  // reported as such.
  ignoreStatic: true,
  concurrency: 2,
  tempDirName: ".stryker-tmp",
  mutate: [
    "handlers/transform/logic.ts",
    "handlers/push/logic.ts",
    "handlers/delivery-check/logic.ts",
    "handlers/finalize/logic.ts",
    "handlers/extract/*.ts",
    "!handlers/extract/index.ts",
    "!handlers/extract/s3-store.ts",
    // The hand-written JSON scanner the replay decoder still uses.
    "!handlers/extract/json-scan.ts",
    "handlers/shared/record-validation.ts",
    "state-machines/**/*.ts",
    "stacks/config/rules/**/*.ts",
    "stacks/config/field-rules.ts",
  ],
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 10000,
};

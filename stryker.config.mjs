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
const { displayName: _displayName, testMatch: _testMatch, testPathIgnorePatterns: _ignored, ...unitProject } = unit;

/**
 * The stack-free suites: they call the mutated code directly (configuration rules on settings objects,
 * the workflow builder on props, the handlers' logic with fakes), so a mutant reruns only the few tests
 * that reach it, in milliseconds. The suites that synthesize stacks are left out: a mutant of the rules
 * or the builder would rerun hundreds of them (~1 s each). `small-pieces` measures the source text, which
 * Stryker rewrites with its mutants, and `transform-timestamp-formats` synthesizes a stack.
 */
const FAST_SUITES = [
  "<rootDir>/__tests__/handlers/**/*.test.ts",
  "<rootDir>/__tests__/state-machines/**/*.test.ts",
  "<rootDir>/__tests__/config/**/*.test.ts",
  "<rootDir>/__tests__/contract/**/*.test.ts",
  "<rootDir>/__tests__/rehearsal/distributed-map.test.ts",
  "<rootDir>/__tests__/rehearsal/map-task-timeout.test.ts",
  "<rootDir>/__tests__/capacity/batch-push.test.ts",
  "<rootDir>/__tests__/stacks/config.test.ts",
  "<rootDir>/__tests__/stacks/batch-timing.test.ts",
];

/**
 * `MUTATION_SUITES=<glob>,<glob>` narrows the suites for one run, e.g. the record validation's own
 * suites: its module-level patterns and limits are "static" mutants, each rerunning every selected suite.
 */
const suites = process.env.MUTATION_SUITES ? process.env.MUTATION_SUITES.split(",").map((glob) => `<rootDir>/${glob}`) : FAST_SUITES;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "jest",
  jest: {
    projectType: "custom",
    config: {
      testTimeout: jestConfig.testTimeout,
      ...unitProject,
      // No handler bundles and no cdktf matchers: none of these suites synthesizes a stack.
      globalSetup: undefined,
      setupFilesAfterEnv: [],
      // The source folders too: --findRelatedTests follows imports through the files Jest has mapped, so
      // with only __tests__ mapped a rule reached through stacks/config/index.ts finds no test.
      roots: ["__tests__", "capacity", "contract", "handlers", "rehearsal", "scripts", "stacks", "state-machines"].map(
        (folder) => `<rootDir>/${folder}`,
      ),
      testMatch: suites,
      testPathIgnorePatterns: [
        "/node_modules/",
        "<rootDir>/__tests__/handlers/small-pieces.test.ts",
        "<rootDir>/__tests__/handlers/transform-timestamp-formats.test.ts",
      ],
    },
    // Only the test files that import the mutated file are loaded for each mutant (the default, stated).
    enableFindRelatedTests: true,
  },
  coverageAnalysis: "perTest",
  // Code run while a suite loads (module-level patterns, limits and state names; a suite's beforeAll)
  // is not tied to one test: each such "static" mutant reruns every selected suite, which dominates the
  // run time. They are reported as ignored; `MUTATION_STATIC=1` runs them too (with MUTATION_SUITES
  // narrowed to the module's own suites, it stays within minutes).
  ignoreStatic: process.env.MUTATION_STATIC !== "1",
  // Two cores: one runner leaves the other for the rest of the machine (`--concurrency 2` when idle).
  concurrency: 1,
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
    // Nested values (array, map, struct) are validated by these two.
    "handlers/shared/nested-coercion.ts",
    "contract/glue-type.ts",
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

/**
 * Two projects, chosen by folder:
 * - `unit`: everything under __tests__/ except __tests__/integration/ (`npm run test:unit`, kept under 20 s);
 * - `integration`: __tests__/integration/, the suites that start servers (kinesalite, s3rver), child
 *   processes (the CLIs, dependency-cruiser) or DuckDB, and those that judge every configuration's whole
 *   stack with a simulator or model (IAM simulation, plan stability) (`npm run test:integration`).
 * `npm test` runs both. Transpile-only (esbuild) transform: type-checking happens once, in `tsc --noEmit`.
 * One worker per core: Jest's default (cores - 1) runs everything in one process on a 2-core machine.
 */
const shared = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  transform: { "^.+\\.ts$": "esbuild-jest-transform" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
};

module.exports = {
  testTimeout: 60000,
  // Bundles the handlers once for all workers (see the file).
  globalSetup: "<rootDir>/__tests__/global-setup.ts",
  maxWorkers: "100%",
  projects: [
    {
      ...shared,
      displayName: "unit",
      testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/integration/"],
    },
    {
      ...shared,
      displayName: "integration",
      testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"],
    },
  ],
};

/**
 * The arrows between the top-level modules (checked by `npm run lint:deps` and __tests__/integration/architecture.test.ts):
 * main → stacks → constructs → contract; stacks → state-machines → contract; handlers → contract;
 * capacity → stacks/config types, state-machines, contract (pure, no cdktf); scripts and rehearsal → anything but constructs. contract/ imports nothing of the project, and
 * nothing but scripts/, rehearsal/ and the tests imports scripts/ or rehearsal/.
 */
const PROJECT = "^(main\\.ts|pipeline\\.config\\.ts|contract/|capacity/|handlers/|stacks/|state-machines/|scripts/|rehearsal/|__tests__/)";
// cdktf, or its continuation CDK Terrain (cdktn) after `npm run migrate:cdktn`.
const CDKTF = "(^|/)node_modules/(cdktf|cdktn|@cdktf/[^/]+|@cdktn/[^/]+|constructs)/";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "contract-is-self-contained",
      comment: "contract/ holds what the infrastructure and the runtime share; it imports nothing of either.",
      severity: "error",
      from: { path: "^contract/" },
      to: { path: PROJECT, pathNot: "^contract/" },
    },
    {
      name: "contract-has-no-cdktf",
      comment: "contract/ is loaded by the deployed functions: no cdktf, no constructs.",
      severity: "error",
      from: { path: "^contract/" },
      to: { path: CDKTF },
    },
    {
      name: "handlers-import-contract-only",
      comment: "Handlers import contract/ and their own modules (handlers/shared among them), never infrastructure or tools.",
      severity: "error",
      from: { path: "^handlers/" },
      to: { path: "^(main\\.ts|pipeline\\.config\\.ts|stacks/|state-machines/|scripts/|rehearsal/)" },
    },
    {
      name: "handlers-have-no-cdktf",
      comment: "Handlers are bundled into Lambda functions: cdktf has no place in them.",
      severity: "error",
      from: { path: "^handlers/" },
      to: { path: CDKTF },
    },
    {
      name: "stacks-import-no-runtime",
      comment: "Stacks take what they share with the functions from contract/; handlers/ is named only as bundling entry paths (strings).",
      severity: "error",
      from: { path: "^stacks/" },
      to: { path: "^(handlers|scripts|rehearsal)/" },
    },
    {
      name: "state-machines-import-contract-only",
      comment: "The workflow builder is pure: it imports contract/ and nothing else of the project.",
      severity: "error",
      from: { path: "^state-machines/" },
      to: { path: PROJECT, pathNot: "^(contract|state-machines)/" },
    },
    {
      name: "state-machines-have-no-cdktf",
      severity: "error",
      from: { path: "^state-machines/" },
      to: { path: CDKTF },
    },
    {
      name: "tools-never-load-constructs",
      comment: "The operator CLI and the rehearsal must not load cdktf through the constructs.",
      severity: "error",
      from: { path: "^(scripts|rehearsal)/" },
      to: { path: "^stacks/constructs/" },
    },
    {
      name: "rehearsal-never-reaches-cdktf",
      comment: "The local stand-ins load the handlers and the workflow builder, never cdktf (not even through stacks/config).",
      severity: "error",
      from: { path: "^rehearsal/" },
      to: { path: CDKTF, reachable: true },
    },
    {
      name: "capacity-is-pure",
      comment: "The capacity planner is arithmetic on plain values: no cdktf, no constructs, no runtime code.",
      severity: "error",
      from: { path: "^capacity/" },
      to: { path: "^(stacks/constructs|handlers|scripts|rehearsal)/|" + CDKTF },
    },
    {
      name: "nothing-imports-tools",
      comment: "scripts/ and rehearsal/ are entry points: only they and the tests import them.",
      severity: "error",
      from: { pathNot: "^(scripts|rehearsal|__tests__)/" },
      to: { path: "^(scripts|rehearsal)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(cdktf\\.out|dist|\\.build)/" },
  },
};

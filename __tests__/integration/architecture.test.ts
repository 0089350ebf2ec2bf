/**
 * The dependency arrows of .dependency-cruiser.cjs hold over the whole project, and the rules do
 * fire: a fixture with one wrong-way import per rule is caught.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const CHECK = join(ROOT, "scripts/check-dependencies.mjs");

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

function check(baseDir: string, paths: readonly string[]): { modules: number; violations: Violation[] } {
  const out = execFileSync(process.execPath, [CHECK, "--base-dir", baseDir, "--config", CONFIG, ...paths], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out);
}

describe("the dependency rules", () => {
  it("hold over the project", () => {
    const result = check(ROOT, ["main.ts", "contract", "handlers", "stacks", "state-machines", "scripts", "rehearsal"]);
    expect(result.modules).toBeGreaterThan(100);
    expect(result.violations).toEqual([]);
  });

  it("fire on a module graph that breaks them", () => {
    const dir = mkdtempSync(join(tmpdir(), "depcruise-fixture-"));
    const files: Record<string, string> = {
      "contract/shared.ts": 'import { stack } from "../stacks/stack";\nexport const shared = stack;\n',
      "stacks/stack.ts": 'import { logic } from "../handlers/fn/logic";\nexport const stack = logic;\n',
      "stacks/constructs/stage.ts": "export const stage = 1;\n",
      "handlers/fn/logic.ts": 'import { run } from "../../scripts/cli";\nexport const logic = run;\n',
      "state-machines/workflow.ts": 'import { stack } from "../stacks/stack";\nexport const workflow = stack;\n',
      "scripts/cli.ts": 'import { stage } from "../stacks/constructs/stage";\nexport const run = stage;\n',
      "rehearsal/rehearse.ts": 'import { stage } from "../stacks/constructs/stage";\nexport const rehearse = stage;\n',
      "handlers/fn/infra.ts": 'import { Fn } from "cdktf";\nexport const infra = Fn;\n',
      "rehearsal/standin.ts": 'import { infra } from "../handlers/fn/infra";\nexport const standin = infra;\n',
      "node_modules/cdktf/package.json": '{ "name": "cdktf", "main": "index.js" }\n',
      "node_modules/cdktf/index.js": "exports.Fn = {};\n",
    };
    try {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const violations = check(dir, ["contract", "stacks", "handlers", "state-machines", "scripts", "rehearsal"]).violations;
      const found = (from: string) =>
        violations
          .filter((v) => v.from === from)
          .map((v) => v.rule)
          .sort();
      expect(found("contract/shared.ts")).toEqual(["contract-is-self-contained"]);
      expect(found("stacks/stack.ts")).toEqual(["stacks-import-no-runtime"]);
      expect(found("handlers/fn/logic.ts")).toEqual(["handlers-import-contract-only", "nothing-imports-tools"]);
      expect(found("state-machines/workflow.ts")).toEqual(["state-machines-import-contract-only"]);
      expect(found("scripts/cli.ts")).toEqual(["tools-never-load-constructs"]);
      expect(found("rehearsal/rehearse.ts")).toEqual(["tools-never-load-constructs"]);
      expect(found("handlers/fn/infra.ts")).toEqual(["handlers-have-no-cdktf"]);
      expect(found("rehearsal/standin.ts")).toEqual(["rehearsal-never-reaches-cdktf"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `npm run migrate:cdktn`: the rewriting of package.json, npm scripts and module specifiers on sample
 * text. Package names and versions follow CDK Terrain's upgrade guide
 * (https://cdktn.io/docs/release/upgrade-guide-v0-22) and the packages' own package.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateCheckout } from "../../scripts/cdktn/migrate";
import {
  CDKTN_CLI_NODE,
  CDKTN_VERSION,
  migratePackageJson,
  renamedSpecifier,
  rewriteImports,
  rewriteScript,
  RENAMES,
} from "../../scripts/cdktn/rewrite";

const PROJECT = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8"));

describe("module specifiers", () => {
  it("renames cdktf, its subpaths, the CLI and every @cdktf/ package", () => {
    expect(renamedSpecifier("cdktf")).toBe("cdktn");
    expect(renamedSpecifier("cdktf/lib/testing/adapters/jest")).toBe("cdktn/lib/testing/adapters/jest");
    expect(renamedSpecifier("@cdktf/provider-aws/lib/s3-bucket")).toBe("@cdktn/provider-aws/lib/s3-bucket");
    expect(renamedSpecifier("@cdktf/hcl2json")).toBe("@cdktn/hcl2json");
    expect(renamedSpecifier("cdktf-cli")).toBe("cdktn-cli");
  });

  it("leaves other packages and look-alikes alone", () => {
    for (const specifier of [
      "constructs",
      "cdktf-extra",
      "cdktfx",
      "./cdktf",
      "@aws-sdk/client-s3",
      "cdktn",
      "@cdktn/provider-aws/lib/x",
    ]) {
      expect(renamedSpecifier(specifier)).toBeUndefined();
    }
  });
});

describe("rewriteImports", () => {
  const SAMPLE = [
    '// The app is built with "cdktf"; synth writes cdktf.out/.',
    'import { App, TerraformStack } from "cdktf";',
    "import 'cdktf/lib/testing/adapters/jest';",
    'import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";',
    'export { Fn } from "cdktf";',
    'import type { Construct } from "constructs";',
    'import cli = require("cdktf-cli");',
    'const lazy = require("cdktf");',
    'const later = import("@cdktf/hcl2json");',
    'jest.mock("@cdktf/provider-aws/lib/provider");',
    'type T = import("cdktf").TerraformStack;',
    "const fixture = 'import { Fn } from \"cdktf\";\\n';",
    'const out = "cdktf.out/stacks"; const pkg = "cdktf";',
  ].join("\n");

  it("renames every module specifier, keeping the quote style", () => {
    const { text, count } = rewriteImports(SAMPLE);
    expect(count).toBe(9);
    expect(text).toContain('import { App, TerraformStack } from "cdktn";');
    expect(text).toContain("import 'cdktn/lib/testing/adapters/jest';");
    expect(text).toContain('from "@cdktn/provider-aws/lib/s3-bucket"');
    expect(text).toContain('export { Fn } from "cdktn";');
    expect(text).toContain('import cli = require("cdktn-cli");');
    expect(text).toContain('require("cdktn")');
    expect(text).toContain('import("@cdktn/hcl2json")');
    expect(text).toContain('jest.mock("@cdktn/provider-aws/lib/provider")');
    expect(text).toContain('import("cdktn").TerraformStack');
  });

  it("leaves comments, other packages, fixture strings and plain strings as they are", () => {
    const { text } = rewriteImports(SAMPLE);
    expect(text).toContain('// The app is built with "cdktf"; synth writes cdktf.out/.');
    expect(text).toContain('from "constructs"');
    expect(text).toContain("const fixture = 'import { Fn } from \"cdktf\";\\n';");
    expect(text).toContain('const out = "cdktf.out/stacks"; const pkg = "cdktf";');
  });

  it("changes nothing in already migrated text", () => {
    const once = rewriteImports(SAMPLE).text;
    expect(rewriteImports(once)).toEqual({ text: once, count: 0 });
  });
});

describe("npm scripts", () => {
  it("call the cdktn CLI instead of the cdktf CLI", () => {
    expect(rewriteScript("CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=1 cdktf synth")).toBe(
      "CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=1 cdktn synth",
    );
    expect(rewriteScript("cdktf deploy && npx cdktf output")).toBe("cdktn deploy && npx cdktn output");
    expect(rewriteScript("cdktf")).toBe("cdktn");
  });

  it("keep paths and file names that contain cdktf", () => {
    expect(rewriteScript("rm -rf cdktf.out && cat cdktf.json && node scripts/cdktf-helper.mjs")).toBe(
      "rm -rf cdktf.out && cat cdktf.json && node scripts/cdktf-helper.mjs",
    );
  });
});

describe("migratePackageJson", () => {
  const sample = {
    name: "app",
    engines: { node: ">=20" },
    scripts: { synth: "cdktf synth", test: "jest" },
    dependencies: { "@cdktf/provider-aws": "21.22.1", cdktf: "0.21.0", "cdktf-cli": "0.21.0", constructs: "10.4.2", zod: "3.25.76" },
    devDependencies: { "@cdktf/hcl2json": "0.21.0", jest: "30.5.2" },
  };

  it("renames and pins the packages, raises constructs into cdktn's peer range and engines.node to cdktn-cli's", () => {
    const { pkg, changes } = migratePackageJson(sample);
    expect(pkg.dependencies).toEqual({
      "@cdktn/provider-aws": RENAMES["@cdktf/provider-aws"].version,
      cdktn: CDKTN_VERSION,
      "cdktn-cli": CDKTN_VERSION,
      constructs: "10.6.0",
      zod: "3.25.76",
    });
    expect(pkg.devDependencies).toEqual({ "@cdktn/hcl2json": CDKTN_VERSION, jest: "30.5.2" });
    expect(pkg.scripts).toEqual({ synth: "cdktn synth", test: "jest" });
    expect(pkg.engines).toEqual({ node: CDKTN_CLI_NODE });
    expect(changes).toContain("dependencies: cdktf@0.21.0 → cdktn@0.24.0");
    expect(sample.dependencies.cdktf).toBe("0.21.0"); // the input is left as it was
  });

  it("keeps a constructs version already in the range, and changes nothing the second time", () => {
    const once = migratePackageJson({ ...sample, dependencies: { ...sample.dependencies, constructs: "10.7.2" } }).pkg;
    expect(once.dependencies?.constructs).toBe("10.7.2");
    expect(migratePackageJson(once)).toEqual({ pkg: once, changes: [] });
  });

  it("refuses a prebuilt provider it has no CDK Terrain release for, naming it", () => {
    expect(() => migratePackageJson({ dependencies: { "@cdktf/provider-google": "16.0.0" } })).toThrow(
      /no CDK Terrain release is known for @cdktf\/provider-google/,
    );
  });

  it("covers every cdktf package this project depends on", () => {
    const { pkg } = migratePackageJson(PROJECT);
    const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    expect(names.filter((name) => /^(cdktf|cdktf-cli|@cdktf\/.*)$/.test(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(["cdktn", "cdktn-cli", "@cdktn/provider-aws"]));
  });
});

describe("migrateCheckout", () => {
  it("rewrites package.json and the sources of a folder, skipping node_modules and generated output", () => {
    const root = mkdtempSync(join(tmpdir(), "migrate-cdktn-"));
    try {
      writeFileSync(join(root, "package.json"), JSON.stringify({ dependencies: { cdktf: "0.21.0" }, scripts: { synth: "cdktf synth" } }));
      mkdirSync(join(root, "stacks"));
      mkdirSync(join(root, "node_modules/x"), { recursive: true });
      mkdirSync(join(root, "cdktf.out"));
      writeFileSync(join(root, "stacks/a.ts"), 'import { App } from "cdktf";\n');
      writeFileSync(join(root, "node_modules/x/index.js"), 'require("cdktf");\n');
      writeFileSync(join(root, "cdktf.out/b.js"), 'require("cdktf");\n');
      const result = migrateCheckout(root, { lock: false });
      expect([...result.files.entries()]).toEqual([["stacks/a.ts", 1]]);
      expect(readFileSync(join(root, "stacks/a.ts"), "utf8")).toBe('import { App } from "cdktn";\n');
      expect(readFileSync(join(root, "node_modules/x/index.js"), "utf8")).toBe('require("cdktf");\n');
      expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8"))).toEqual({
        dependencies: { cdktn: CDKTN_VERSION },
        scripts: { synth: "cdktn synth" },
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

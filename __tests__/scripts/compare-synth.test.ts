/**
 * `npm run check:cdktn` compares the cdktf and the CDK Terrain synth: which differences it lets through
 * (the provider version and source, the CDK's own version stamps) and that it catches any other.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareSynthOutputs, isAllowed, jsonDifferences } from "../../scripts/cdktn/compare";

const STACK = "stacks/dev/cdk.tf.json";

function terraform(overrides: { version?: string; source?: string; stamp?: string; bucket?: string } = {}) {
  return {
    "//": { metadata: { backend: "local", stackName: "dev", version: overrides.stamp ?? "0.21.0" } },
    terraform: { required_providers: { aws: { source: overrides.source ?? "aws", version: overrides.version ?? "6.25.0" } } },
    resource: { aws_s3_bucket: { lake: { bucket_prefix: overrides.bucket ?? "lake-", force_destroy: true } } },
  };
}

describe("jsonDifferences", () => {
  it("names each differing leaf by its dotted path, absent values included", () => {
    expect(jsonDifferences({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3] }, d: 1 }, "f.json")).toEqual([
      { file: "f.json", path: "a.b.1", cdktf: 2, cdktn: 3 },
      { file: "f.json", path: "c", cdktf: 1, cdktn: undefined },
      { file: "f.json", path: "d", cdktf: undefined, cdktn: 1 },
    ]);
    expect(jsonDifferences({ a: [] }, { a: {} }, "f.json")).toHaveLength(1);
  });
});

describe("the allowed differences", () => {
  it("are the provider version and source and the CDK version stamp", () => {
    const moved = terraform({ version: "6.66.0", source: "hashicorp/aws", stamp: "0.24.0" });
    const differences = jsonDifferences(terraform(), moved, STACK);
    expect(differences.map((d) => d.path).sort()).toEqual([
      "//.metadata.version",
      "terraform.required_providers.aws.source",
      "terraform.required_providers.aws.version",
    ]);
    expect(differences.every(isAllowed)).toBe(true);
  });

  it("do not cover a resource argument, another metadata field, or the same path in another file", () => {
    expect(jsonDifferences(terraform(), terraform({ bucket: "other-" }), STACK).filter((d) => !isAllowed(d))).toHaveLength(1);
    const backend = jsonDifferences({ "//": { metadata: { backend: "local" } } }, { "//": { metadata: { backend: "cloud" } } }, STACK);
    expect(backend.filter(isAllowed)).toEqual([]);
    expect(isAllowed({ file: "stacks/dev/other.json", path: "terraform.required_providers.aws.version", cdktf: "1", cdktn: "2" })).toBe(
      false,
    );
  });
});

describe("compareSynthOutputs", () => {
  it("compares JSON as JSON and other files (the Lambda zips) byte for byte, and reports a missing file", () => {
    const root = mkdtempSync(join(tmpdir(), "compare-synth-"));
    try {
      const write = (dir: string, file: string, content: string) => {
        mkdirSync(join(root, dir, file, ".."), { recursive: true });
        writeFileSync(join(root, dir, file), content);
      };
      write("a", STACK, JSON.stringify(terraform()));
      write("b", STACK, JSON.stringify(terraform(), null, 2)); // formatting is no difference
      write("a", "stacks/dev/assets/fn/x.zip", "zip-1");
      write("b", "stacks/dev/assets/fn/x.zip", "zip-2");
      write("a", "stacks/dev/assets/fn/y.zip", "only in cdktf");
      const differences = compareSynthOutputs(join(root, "a"), join(root, "b"));
      expect(differences.map((d) => `${d.file} ${d.path}`)).toEqual([
        "stacks/dev/assets/fn/x.zip (content sha256)",
        "stacks/dev/assets/fn/y.zip (file)",
      ]);
      expect(differences.some(isAllowed)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/**
 * `npm run synth:hcl` on small inputs: strings of Terraform's JSON syntax as HCL quoted templates, blocks
 * versus arguments from cdktf's provider classes, and the rendering, each read back with HashiCorp's HCL
 * parser (@cdktf/hcl2json), which returns a string holding a template sequence in the JSON syntax's form.
 */
import { parse } from "@cdktf/hcl2json";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { App, TerraformStack, Testing } from "cdktf";
import { stackBlockPaths } from "../../scripts/hcl/blocks";
import { aligned, pathKey, renderHcl, type BlockPaths, type Json } from "../../scripts/hcl/render";
import { quoteTemplate, soleInterpolation } from "../../scripts/hcl/template";

const NO_BLOCKS: BlockPaths = { blocks: new Set(), arguments: new Set() };

/** The value HCL's parser reads from `a = <expression>`. */
async function read(expression: string): Promise<Json> {
  return ((await parse("a.tf", `a = ${expression}\n`)) as { a: Json }).a;
}

describe("quoteTemplate: a JSON-syntax string as a quoted template", () => {
  it("escapes quotes, backslashes and control characters in the literal text", () => {
    expect(quoteTemplate('say "hi" \\ done\n\t\u0001')).toBe('"say \\"hi\\" \\\\ done\\n\\t\\u0001"');
  });

  it("keeps ${…} sequences as they are, with the quotes of the expression inside them", () => {
    const policy = '{"Resource":"${aws_s3_bucket.b.arn}/*","k":"${jsonencode({"a" = "}"})}"}';
    expect(quoteTemplate(policy)).toBe('"{\\"Resource\\":\\"${aws_s3_bucket.b.arn}/*\\",\\"k\\":\\"${jsonencode({"a" = "}"})}\\"}"');
  });

  // https://developer.hashicorp.com/terraform/language/expressions/strings: $${ and %%{ are literal in both syntaxes.
  it.each([
    ["plain text", "lake-events"],
    ["quotes, backslash, newline, tab, control character", 'a "b" \\ c\nd\te\u0001'],
    ["an IAM policy holding references", '{"Version":"2012-10-17","Resource":["${aws_s3_bucket.b.arn}/*"]}'],
    ["a nested string with a brace in an interpolation", 'x ${jsonencode({"a" = "}"})} "y"'],
    ["escaped template sequences", 'literal $${not.a.reference} and %%{not_a_directive} "q"'],
    ["a directive", '%{if var.on}"on"%{endif}'],
    ["unicode", "page_view, click, purchase, …"],
  ])("means the same to HCL's parser as in the JSON: %s", async (_name, text) => {
    const parsed = await read(quoteTemplate(text));
    // hcl2json writes a directive back without its inner spaces; there are none here, so the text is returned as it is.
    expect(parsed).toBe(text);
  });

  it("rejects an unterminated sequence and one that spans lines, naming the text", () => {
    expect(() => quoteTemplate("arn:${aws_s3_bucket.b.arn")).toThrow(/unterminated template sequence.*arn:/);
    expect(() => quoteTemplate("${a +\nb}")).toThrow(/spans lines/);
  });

  it("finds a string that is one interpolation, which may be written bare", async () => {
    expect(soleInterpolation("${aws_s3_bucket.b.arn}")).toBe("aws_s3_bucket.b.arn");
    expect(await read("aws_s3_bucket.b.arn")).toBe(await read(quoteTemplate("${aws_s3_bucket.b.arn}")));
    for (const text of ["${a}${b}", "x${a}", "${a}x", "${~ a}", "plain", "${a"]) expect(soleInterpolation(text)).toBeUndefined();
  });
});

describe("aligned", () => {
  it("aligns the = of each run of one-line arguments, a multi-line item ending the run", () => {
    expect(aligned([["  a = 1"], ['  "bbb" = 2'], ["  c = [", "  ]"], ["  dd = 3"], ["  e = 4"]])).toEqual([
      "  a     = 1",
      '  "bbb" = 2',
      "  c = [",
      "  ]",
      "  dd = 3",
      "  e  = 4",
    ]);
  });
});

describe("stackBlockPaths: blocks and object arguments from the provider classes", () => {
  function stack(): { app: App; stack: TerraformStack } {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    new AwsProvider(stack, "aws", { region: "eu-west-1", defaultTags: [{ tags: { project: "lake" } }] });
    new S3BucketLifecycleConfiguration(stack, "lc", {
      bucket: "b",
      rule: [
        { id: "one", status: "Enabled", filter: [{}], expiration: [{ days: 7 }] },
        { id: "two", status: "Enabled", filter: [{ prefix: "tmp/" }], expiration: [{ days: 1 }] },
      ],
    });
    new LambdaFunction(stack, "fn", {
      functionName: "f",
      role: "arn:aws:iam::123456789012:role/r",
      environment: { variables: { SETTINGS: '{"a":"${b}"}' } },
      tags: { team: "data" },
      lifecycle: { ignoreChanges: ["tags"] },
    });
    return { app, stack };
  }

  it("names the nested blocks and the map arguments as the provider schema has them", () => {
    const { app } = stack();
    const paths = stackBlockPaths(app).get("s")!;
    const lc = ["resource", "aws_s3_bucket_lifecycle_configuration", "lc"];
    expect([...paths.blocks].sort()).toEqual(
      [
        pathKey(["provider", "aws", "default_tags"]),
        pathKey([...lc, "rule"]),
        pathKey([...lc, "rule", "expiration"]),
        pathKey([...lc, "rule", "filter"]),
        pathKey(["resource", "aws_lambda_function", "fn", "environment"]),
      ].sort(),
    );
    expect(paths.arguments).toEqual(
      new Set([
        pathKey(["provider", "aws", "default_tags", "tags"]),
        pathKey(["resource", "aws_lambda_function", "fn", "environment", "variables"]),
        pathKey(["resource", "aws_lambda_function", "fn", "tags"]),
      ]),
    );
  });

  it("renders the stack's JSON synth as HCL that reads back as blocks, maps and references", async () => {
    const { app, stack: s } = stack();
    const json = JSON.parse(Testing.synth(s)) as Record<string, Json>;
    const hcl = renderHcl(json, stackBlockPaths(app).get("s")!);
    const parsed = (await parse("main.tf", hcl)) as Record<string, Record<string, Record<string, Record<string, Json>[]>>>;
    const lc = parsed.resource.aws_s3_bucket_lifecycle_configuration.lc[0] as { rule: { id: string; filter: Json[] }[] };
    expect(lc.rule.map((r) => r.id)).toEqual(["one", "two"]);
    expect(lc.rule[1].filter).toEqual([{ prefix: "tmp/" }]);
    const fn = parsed.resource.aws_lambda_function.fn[0] as Record<string, Json>;
    expect(fn.environment).toEqual([{ variables: { SETTINGS: '{"a":"${b}"}' } }]);
    expect(fn.tags).toEqual({ team: "data" });
    expect(fn.lifecycle).toEqual([{ ignore_changes: ["${tags}"] }]);
    expect((parsed.provider as unknown as { aws: { default_tags: Json }[] }).aws[0].default_tags).toEqual([{ tags: { project: "lake" } }]);
  });
});

describe("renderHcl", () => {
  it("writes the terraform block: required_providers, a labeled backend, the cloud block's workspaces", async () => {
    const local = renderHcl(
      { terraform: { backend: { local: { path: "../../x.tfstate" } }, required_providers: { aws: { source: "aws", version: "6.25.0" } } } },
      NO_BLOCKS,
    );
    expect(await parse("main.tf", local)).toEqual({
      terraform: [
        { backend: { local: [{ path: "../../x.tfstate" }] }, required_providers: [{ aws: { source: "aws", version: "6.25.0" } }] },
      ],
    });
    const cloud = renderHcl({ terraform: { cloud: { organization: "acme", workspaces: { name: "lake-prod" } } } }, NO_BLOCKS);
    expect(await parse("main.tf", cloud)).toEqual({
      terraform: [{ cloud: [{ organization: "acme", workspaces: [{ name: "lake-prod" }] }] }],
    });
  });

  it("writes depends_on and provider as bare references, and leaves out the JSON syntax's // comments", async () => {
    const hcl = renderHcl(
      {
        "//": { metadata: {} },
        resource: { aws_s3_bucket: { b: { "//": { path: "x" }, bucket: "b", depends_on: ["aws_iam_role.r"], provider: "aws.eu" } } },
      },
      NO_BLOCKS,
    );
    expect(hcl).toContain("depends_on = [aws_iam_role.r]");
    expect(hcl).toContain("provider   = aws.eu");
    expect(hcl).not.toContain("//");
  });

  it("rejects an object the provider classes do not describe, naming its path", () => {
    const config = { resource: { aws_s3_bucket: { b: { mystery: { a: 1 } } } } };
    expect(() => renderHcl(config, NO_BLOCKS)).toThrow(
      "resource.aws_s3_bucket.b.mystery: an object that the provider classes call neither a block nor an argument",
    );
  });

  it("rejects a top-level kind it does not write, and a reference that is not one", () => {
    expect(() => renderHcl({ module: { m: { source: "./m" } } }, NO_BLOCKS)).toThrow(/module.*not supported/);
    expect(() => renderHcl({ resource: { t: { n: { depends_on: ["not a reference"] } } } }, NO_BLOCKS)).toThrow(
      'resource.t.n.depends_on.0: "not a reference" is not a reference',
    );
  });
});

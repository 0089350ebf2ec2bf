/**
 * A stack's Terraform, from the JSON synth (`cdk.tf.json`, Terraform's JSON syntax) to the native syntax
 * (HCL), argument for argument.
 *
 * The JSON syntax writes a nested block and an object- or map-typed argument the same way, as a JSON object
 * (or a list of objects), and only the provider schema tells them apart
 * (https://developer.hashicorp.com/terraform/language/syntax/json#nested-block-mapping). The writer is
 * therefore given the paths of the nested blocks (blocks.ts takes them from cdktf's generated provider
 * classes); everything else in a body is an argument. Terraform's own blocks and meta-arguments (the
 * `terraform` block, `lifecycle`, `depends_on`, `provider`) follow the language's fixed rules. An object
 * whose kind is known neither way is an error that names it, never a guess.
 */
import { quoteTemplate, soleInterpolation } from "./template";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * What the provider classes say about the objects in a body, by path (`pathKey`: labels and argument
 * names, no list indices): which are nested blocks, and which are arguments of an object, map or list type.
 */
export interface BlockPaths {
  readonly blocks: ReadonlySet<string>;
  readonly arguments: ReadonlySet<string>;
}

const NONE: BlockPaths = { blocks: new Set(), arguments: new Set() };

/** `["resource", "aws_lambda_function", "fn", "environment"]` → the key used in BlockPaths. */
export function pathKey(path: readonly string[]): string {
  return path.join(" ");
}

const INDENT = "  ";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** A reference (a traversal), as depends_on, provider and lifecycle's lists hold them in the JSON syntax. */
const TRAVERSAL = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"\\]*"\])*$/;
/** Top-level block types the writer knows; anything else in the JSON is an error rather than silently dropped. */
const TOP_LEVEL = ["terraform", "provider", "variable", "locals", "data", "resource", "output"];

const isObject = (value: Json | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

function fail(path: readonly string[], message: string): never {
  throw new Error(`${path.join(".")}: ${message}`);
}

function identifier(name: string, path: readonly string[]): string {
  if (!IDENTIFIER.test(name)) fail(path, `"${name}" is not a valid argument or block name`);
  return name;
}

/** A block label: a literal string in HCL, where `${` or `%{` would not mean what the JSON key says. */
function label(name: string): string {
  if (/[$%]\{/.test(name)) throw new Error(`block label "${name}" holds a template sequence, which a label cannot`);
  return quoteTemplate(name);
}

/**
 * An argument's value as a native expression: a string that is one `${…}` as that expression, bare (as
 * `terraform fmt` writes it), any other string as a quoted template, lists as tuples, objects with quoted keys.
 */
export function expression(value: Json, indent: string, path: readonly string[]): string {
  if (typeof value === "string") return soleInterpolation(value) ?? quoteTemplate(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(path, `${value} is not a number Terraform can read`);
    return String(value);
  }
  if (typeof value === "boolean" || value === null) return String(value);
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item, i) => `${inner}${expression(item, inner, [...path, String(i)])},\n`).join("")}${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  // Object keys are quoted: a quoted key is a template, as a property name of the JSON syntax is.
  const items = entries.map(([k, v]) => `${inner}${quoteTemplate(k)} = ${expression(v, inner, [...path, k])}`.split("\n"));
  return `{\n${aligned(items).join("\n")}\n${indent}}`;
}

/** A reference written bare, as the native syntax requires for depends_on and the like. */
function reference(value: Json, path: readonly string[]): string {
  if (typeof value !== "string") fail(path, `expected a reference, got ${JSON.stringify(value)}`);
  const bare = value.replace(/^\$\{(.*)\}$/s, "$1");
  if (!TRAVERSAL.test(bare)) fail(path, `"${value}" is not a reference`);
  return bare;
}

function references(value: Json, path: readonly string[]): string {
  if (!Array.isArray(value)) fail(path, `expected a list of references, got ${JSON.stringify(value)}`);
  return `[${value.map((item, i) => reference(item, [...path, String(i)])).join(", ")}]`;
}

/** An argument's line up to its `=`: the indent and the name or quoted key. */
const ASSIGNMENT = /^(\s*)("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*) = /;

/**
 * The items' lines, with the `=` of each run of one-line arguments aligned, as `terraform fmt` writes them
 * (a block or an argument spanning lines ends a run).
 */
export function aligned(items: readonly string[][]): string[] {
  const out: string[] = [];
  let run: RegExpMatchArray[] = [];
  const flush = () => {
    const width = Math.max(...run.map((m) => m[2].length));
    for (const m of run) out.push(`${m[1]}${m[2].padEnd(width)} = ${m.input!.slice(m[0].length)}`);
    run = [];
  };
  for (const lines of items) {
    const match = lines.length === 1 ? ASSIGNMENT.exec(lines[0]) : null;
    if (match) {
      run.push(match);
      continue;
    }
    if (run.length > 0) flush();
    out.push(...lines);
  }
  if (run.length > 0) flush();
  return out;
}

/** Argument lines (each possibly spanning lines), aligned. */
function assignments(lines: readonly string[]): string[] {
  return aligned(lines.map((line) => line.split("\n")));
}

function block(header: string, lines: string[], indent: string): string[] {
  return [`${indent}${header} {`, ...lines, `${indent}}`];
}

/** One nested block per body: a JSON object is one block, a list of objects is one block each. */
function nestedBlocks(name: string, value: Json, indent: string, path: readonly string[], blocks: BlockPaths): string[] {
  const bodies = Array.isArray(value) ? value : [value];
  return bodies.flatMap((body, i) => {
    if (!isObject(body)) fail([...path, String(i)], `a block's body must be an object, got ${JSON.stringify(body)}`);
    return block(name, bodyLines(body, indent + INDENT, path, blocks), indent);
  });
}

type Special = (value: Json, indent: string, path: readonly string[], blocks: BlockPaths) => string[];

const attribute =
  (render: (value: Json, path: readonly string[]) => string): Special =>
  (value, indent, path) => [`${indent}${path.at(-1)} = ${render(value, path)}`];

/** An argument that is an expression whatever its value's shape (an output's value, a variable's default). */
const expressionAttribute: Special = (value, indent, path) => [`${indent}${path.at(-1)} = ${expression(value, indent, path)}`];

/** The lifecycle meta-argument block (https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle). */
const LIFECYCLE: Record<string, Special> = {
  ignore_changes: attribute((v, p) => (v === "all" ? "all" : references(v, p))),
  replace_triggered_by: attribute(references),
};

/** Meta-arguments of resources and data sources whose JSON form differs from an ordinary argument's. */
const RESOURCE_META: Record<string, Special> = {
  count: expressionAttribute,
  for_each: expressionAttribute,
  depends_on: attribute(references),
  provider: attribute(reference),
  lifecycle: (value, indent, path) => {
    if (!isObject(value)) fail(path, "lifecycle must be an object");
    return block("lifecycle", specialBodyLines(value, indent + INDENT, path, LIFECYCLE), indent);
  },
  provisioner: (_v, _i, path) => fail(path, "provisioners are not supported by this writer"),
  connection: (_v, _i, path) => fail(path, "connection blocks are not supported by this writer"),
  dynamic: (_v, _i, path) => fail(path, "dynamic blocks are not supported by this writer"),
};

/** A body whose keys follow fixed rules (`special`), and whose other keys are plain arguments. */
function specialBodyLines(
  body: JsonObject,
  indent: string,
  path: readonly string[],
  special: Record<string, Special>,
  blocks: BlockPaths = NONE,
): string[] {
  const items = Object.entries(body).map(([name, value]) => {
    if (name === "//") return []; // a comment in the JSON syntax
    const rule = special[name];
    const here = [...path, name];
    return rule ? rule(value, indent, here, blocks) : argumentOrBlock(name, value, indent, here, blocks);
  });
  return aligned(items.filter((lines) => lines.length > 0).map((lines) => lines.join("\n").split("\n")));
}

function argumentOrBlock(name: string, value: Json, indent: string, path: readonly string[], blocks: BlockPaths): string[] {
  identifier(name, path);
  const key = pathKey(path);
  if (blocks.blocks.has(key)) return nestedBlocks(name, value, indent, path, blocks);
  const objects = isObject(value) || (Array.isArray(value) && value.length > 0 && value.every(isObject));
  if (objects && !blocks.arguments.has(key)) fail(path, "an object that the provider classes call neither a block nor an argument");
  return [`${indent}${name} = ${expression(value, indent, path)}`];
}

/** The lines of a body: arguments and nested blocks, as `blocks` says. */
function bodyLines(body: JsonObject, indent: string, path: readonly string[], blocks: BlockPaths): string[] {
  return specialBodyLines(body, indent, path, {}, blocks);
}

function terraformBlock(body: JsonObject): string[] {
  const path = ["terraform"];
  const lines = specialBodyLines(body, INDENT, path, {
    required_providers: (value, indent, here) => {
      if (!isObject(value)) fail(here, "required_providers must be an object");
      return block(
        "required_providers",
        assignments(
          Object.entries(value).map(
            ([name, req]) => `${indent}${INDENT}${identifier(name, here)} = ${expression(req, indent + INDENT, [...here, name])}`,
          ),
        ),
        indent,
      );
    },
    backend: (value, indent, here) => {
      if (!isObject(value)) fail(here, "backend must be an object");
      return Object.entries(value).flatMap(([type, config]) => {
        if (!isObject(config)) fail([...here, type], "a backend's configuration must be an object");
        return block(`backend ${label(type)}`, scalarLines(config, indent + INDENT, [...here, type]), indent);
      });
    },
    // https://developer.hashicorp.com/terraform/cli/cloud/settings#the-cloud-block: workspaces is a nested block.
    cloud: (value, indent, here) => {
      if (!isObject(value)) fail(here, "cloud must be an object");
      const { workspaces, ...rest } = value;
      const nested =
        workspaces === undefined
          ? []
          : block("workspaces", scalarLines(workspaces, indent + INDENT + INDENT, [...here, "workspaces"]), indent + INDENT);
      return block("cloud", [...scalarLines(rest, indent + INDENT, here), ...nested], indent);
    },
  });
  return block("terraform", lines, "");
}

/** A body of plain arguments only (backend and cloud settings): an object in it would be ambiguous. */
function scalarLines(body: Json, indent: string, path: readonly string[]): string[] {
  if (!isObject(body)) fail(path, "expected an object");
  return assignments(
    Object.entries(body).map(([name, value]) => {
      if (isObject(value)) fail([...path, name], "an object in a backend or cloud block is not supported by this writer");
      return `${indent}${identifier(name, [...path, name])} = ${expression(value, indent, [...path, name])}`;
    }),
  );
}

/** `resource: { type: { name: body } }` or `data: …`: one labeled block per name. */
function labeledBlocks(kind: string, value: Json, blocks: BlockPaths): string[][] {
  if (!isObject(value)) fail([kind], "expected an object");
  return Object.entries(value).flatMap(([type, named]) => {
    if (!isObject(named)) fail([kind, type], "expected an object of names");
    return Object.entries(named).map(([name, body]) => {
      if (!isObject(body)) fail([kind, type, name], "expected an object");
      return block(`${kind} ${label(type)} ${label(name)}`, specialBodyLines(body, INDENT, [kind, type, name], RESOURCE_META, blocks), "");
    });
  });
}

function topLevel(kind: string, value: Json, blocks: BlockPaths): string[][] {
  switch (kind) {
    case "terraform":
      if (!isObject(value)) fail([kind], "expected an object");
      return [terraformBlock(value)];
    case "provider":
      if (!isObject(value)) fail([kind], "expected an object");
      return Object.entries(value).flatMap(([name, configs]) =>
        (Array.isArray(configs) ? configs : [configs]).map((config) => {
          if (!isObject(config)) fail([kind, name], "expected an object");
          return block(`provider ${label(name)}`, bodyLines(config, INDENT, [kind, name], blocks), "");
        }),
      );
    case "resource":
    case "data":
      return labeledBlocks(kind, value, blocks);
    case "output":
    case "variable":
      if (!isObject(value)) fail([kind], "expected an object");
      return Object.entries(value).map(([name, body]) => {
        if (!isObject(body)) fail([kind, name], "expected an object");
        const special: Record<string, Special> =
          kind === "output"
            ? { value: expressionAttribute, depends_on: attribute(references) }
            : { type: attribute(typeExpression), default: expressionAttribute };
        return block(`${kind} ${label(name)}`, specialBodyLines(body, INDENT, [kind, name], special, blocks), "");
      });
    case "locals":
      if (!isObject(value)) fail([kind], "expected an object");
      return [
        block(
          "locals",
          assignments(
            Object.entries(value).map(([name, v]) => `${INDENT}${identifier(name, [kind, name])} = ${expression(v, INDENT, [kind, name])}`),
          ),
          "",
        ),
      ];
    default:
      return fail([kind], `top-level "${kind}" is not supported by this writer (it writes ${TOP_LEVEL.join(", ")})`);
  }
}

/** A variable's type: a type expression, which the JSON syntax writes as a string (`"list(string)"`). */
function typeExpression(value: Json, path: readonly string[]): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_(),\s{}=[\]]+$/.test(value))
    fail(path, `${JSON.stringify(value)} is not a type expression`);
  return value;
}

/** The whole stack in the native syntax: the terraform block first, then the rest in the JSON's order. */
export function renderHcl(config: JsonObject, blocks: BlockPaths): string {
  const kinds = Object.keys(config).filter((k) => k !== "//");
  const ordered = [...kinds.filter((k) => k === "terraform"), ...kinds.filter((k) => k !== "terraform")];
  const rendered = ordered.flatMap((kind) => topLevel(kind, config[kind], blocks));
  return `${rendered.map((lines) => lines.join("\n")).join("\n\n")}\n`;
}

/**
 * The rewriting that moves a checkout from cdktf to CDK Terrain (cdktn), as pure functions over text and
 * package.json objects: package names and versions, the CLI in npm scripts, and module specifiers in
 * source files. CDK Terrain keeps cdktf.json, cdktf.out/ and the CDKTF_* environment variables, so
 * nothing else is renamed (https://cdktn.io/docs/release/upgrade-guide-v0-22, "What Stays the Same").
 */
import ts from "typescript";

/** The CDK Terrain release the migration moves to; its toolchain packages (@cdktn/hcl2json, …) share it. */
export const CDKTN_VERSION = "0.24.0";

/** Node.js that cdktn-cli 0.24.0 declares in its `engines` (it calls APIs Node 20 lacks). */
export const CDKTN_CLI_NODE = ">=22.19.0";

/** Package renames with the exact version to pin: the CDK itself, its CLI and the prebuilt AWS provider. */
export const RENAMES: Readonly<Record<string, { readonly name: string; readonly version: string }>> = {
  cdktf: { name: "cdktn", version: CDKTN_VERSION },
  "cdktf-cli": { name: "cdktn-cli", version: CDKTN_VERSION },
  // 25.7.0 pins hashicorp/aws 6.66.0 (its package.json "cdktf.provider" entry).
  "@cdktf/provider-aws": { name: "@cdktn/provider-aws", version: "25.7.0" },
};

/** cdktn 0.24.0 and @cdktn/provider-aws 25.7.0 both require constructs ">=10.6.0 <10.8.0" (peer dependency). */
export const CONSTRUCTS = { range: { min: "10.6.0", below: "10.8.0" }, version: "10.6.0" } as const;

/** The cdktn name of a cdktf package, or undefined when `name` is not a cdktf package. */
export function renamedPackage(name: string): string | undefined {
  if (name in RENAMES) return RENAMES[name].name;
  const scoped = /^@cdktf\/(.+)$/.exec(name);
  return scoped ? `@cdktn/${scoped[1]}` : undefined;
}

/** A module specifier with its package renamed (`cdktf/lib/x` → `cdktn/lib/x`), or undefined when it is not cdktf's. */
export function renamedSpecifier(specifier: string): string | undefined {
  const match = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const renamed = renamedPackage(match[1]);
  return renamed === undefined ? undefined : renamed + (match[2] ?? "");
}

/** The version to pin for a renamed package; a prebuilt provider without a known release is an error. */
function targetVersion(from: string, to: string): string {
  if (from in RENAMES) return RENAMES[from].version;
  if (/^@cdktn\/provider-/.test(to)) {
    throw new Error(`package.json: no CDK Terrain release is known for ${from}; add it to RENAMES in scripts/cdktn/rewrite.ts`);
  }
  return CDKTN_VERSION;
}

/** Whether an exact version `x.y.z` lies in [min, below). */
function inRange(version: string, min: string, below: string): boolean {
  const parts = (v: string) => v.split(".").map(Number);
  const compare = (a: number[], b: number[]) => a.reduce((acc, n, i) => acc || n - (b[i] ?? 0), 0);
  return compare(parts(version), parts(min)) >= 0 && compare(parts(version), parts(below)) < 0;
}

/** An npm script with the cdktf CLI replaced by the cdktn CLI (`cdktf synth` → `cdktn synth`); `cdktf.out`, `cdktf.json` stay. */
export function rewriteScript(command: string): string {
  return command.replace(/(^|[\s;&|(])cdktf(?=\s|$)/g, "$1cdktn");
}

export interface PackageJson {
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** package.json moved to CDK Terrain, with one line per change; the input is not modified. */
export function migratePackageJson(input: PackageJson): { pkg: PackageJson; changes: string[] } {
  const pkg: PackageJson = structuredClone(input);
  const changes: string[] = [];
  for (const field of ["dependencies", "devDependencies"] as const) {
    const deps = pkg[field];
    if (!deps) continue;
    const entries = Object.entries(deps).map(([name, version]): [string, string] => {
      const renamed = renamedPackage(name);
      if (renamed === undefined) return [name, version];
      const pinned = targetVersion(name, renamed);
      changes.push(`${field}: ${name}@${version} → ${renamed}@${pinned}`);
      return [renamed, pinned];
    });
    const constructs = entries.find(([name]) => name === "constructs");
    if (constructs && !inRange(constructs[1], CONSTRUCTS.range.min, CONSTRUCTS.range.below)) {
      changes.push(
        `${field}: constructs@${constructs[1]} → constructs@${CONSTRUCTS.version} (cdktn needs >=${CONSTRUCTS.range.min} <${CONSTRUCTS.range.below})`,
      );
      constructs[1] = CONSTRUCTS.version;
    }
    pkg[field] = Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  for (const [name, command] of Object.entries(pkg.scripts ?? {})) {
    const rewritten = rewriteScript(command);
    if (rewritten !== command) {
      changes.push(`scripts.${name}: ${command} → ${rewritten}`);
      pkg.scripts![name] = rewritten;
    }
  }
  if (pkg.engines?.node !== undefined && pkg.engines.node !== CDKTN_CLI_NODE && changes.length > 0) {
    changes.push(`engines.node: ${pkg.engines.node} → ${CDKTN_CLI_NODE} (what cdktn-cli ${CDKTN_VERSION} requires)`);
    pkg.engines.node = CDKTN_CLI_NODE;
  }
  return { pkg, changes };
}

/** The string literals of `source` that name a module: import/export declarations, `import x = require()`, `require()`, `import()`, `jest.mock()`-style calls. */
function moduleSpecifiers(source: string, fileName: string): { start: number; end: number; text: string }[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false);
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === "require") ||
        (ts.isPropertyAccessExpression(callee) &&
          ["jest", "require"].includes(callee.expression.getText(file)) &&
          ["mock", "unmock", "doMock", "requireActual", "requireMock", "resolve"].includes(callee.name.text));
      if (loads) found.push(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.map((literal) => ({ start: literal.getStart(file), end: literal.end, text: literal.text }));
}

/**
 * `source` with every cdktf module specifier renamed, and how many were. Only specifiers are touched
 * (found with TypeScript's parser), so text that merely mentions "cdktf" — comments, fixture strings,
 * `cdktf.out` paths — stays as it is.
 */
export function rewriteImports(source: string, fileName = "file.ts"): { text: string; count: number } {
  const edits = moduleSpecifiers(source, fileName)
    .map((literal) => ({ ...literal, renamed: renamedSpecifier(literal.text) }))
    .filter((edit) => edit.renamed !== undefined)
    .sort((a, b) => b.end - a.end);
  let text = source;
  for (const { start, end, renamed } of edits) {
    const quote = source[start];
    text = text.slice(0, start) + quote + renamed + quote + text.slice(end);
  }
  return { text, count: edits.length };
}

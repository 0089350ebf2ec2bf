/**
 * Small pieces: no file of handlers/ over 400 lines and no function (declaration, method, arrow or
 * function expression) over 80, measured on the TypeScript syntax tree.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const ROOT = join(__dirname, "..", "..");
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every function of a file with its line count, longest first. */
export function functionLengths(path: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = (node as ts.FunctionLikeDeclaration).name?.getText(source) ?? `<anonymous at line ${first + 1}>`;
      found.push({ name: `${relative(ROOT, path)}: ${name}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.sort((a, b) => b.lines - a.lines);
}

const files = sourceFiles(join(ROOT, "handlers"));

it("finds the handler sources", () => {
  expect(files.length).toBeGreaterThan(10);
});

it.each(files.map((path) => [relative(ROOT, path), path]))("%s is at most 400 lines", (_name, path) => {
  expect(readFileSync(path, "utf8").split("\n").length).toBeLessThanOrEqual(MAX_FILE_LINES);
});

it("has no function over 80 lines", () => {
  const long = files.flatMap(functionLengths).filter((fn) => fn.lines > MAX_FUNCTION_LINES);
  expect(long).toEqual([]);
});

it("measures a function's lines (a measure that can fail)", () => {
  const lengths = functionLengths(join(ROOT, "handlers", "extract", "extract-batch.ts"));
  expect(lengths.find((fn) => fn.name.endsWith(": extractBatch"))?.lines).toBeGreaterThan(20);
});

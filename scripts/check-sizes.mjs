// Reports files over 400 lines and functions over 80 lines in deployed code; exits 1 when any exist.
// Usage: node scripts/check-sizes.mjs [dir or file ...]   (default: stacks)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["stacks"];

function* tsFiles(dir) {
  if (!statSync(dir).isDirectory()) {
    yield dir;
    return;
  }
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) yield path;
  }
}

const isFunction = (n) =>
  ts.isFunctionDeclaration(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isArrowFunction(n) ||
  ts.isFunctionExpression(n) ||
  ts.isGetAccessor(n);

const files = [];
const functions = [];
for (const root of roots) {
  for (const file of tsFiles(root)) {
    const text = readFileSync(file, "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    files.push({ file, lines: source.getLineAndCharacterOfPosition(text.length).line + 1 });
    const visit = (node) => {
      if (isFunction(node) && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.end).line;
        const name =
          node.name?.getText(source) ??
          (ts.isConstructorDeclaration(node)
            ? "constructor"
            : ts.isVariableDeclaration(node.parent)
              ? node.parent.name.getText(source)
              : "(anonymous)");
        functions.push({ where: `${file}:${start + 1} ${name}`, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
files.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
const bigFiles = files.filter((f) => f.lines > MAX_FILE_LINES);
const bigFunctions = functions.filter((f) => f.lines > MAX_FUNCTION_LINES);
console.log(
  `largest file: ${files[0]?.file} (${files[0]?.lines} lines); largest function: ${functions[0]?.where} (${functions[0]?.lines} lines)`,
);
for (const f of bigFiles) console.log(`file over ${MAX_FILE_LINES} lines: ${f.file} (${f.lines})`);
for (const f of bigFunctions) console.log(`function over ${MAX_FUNCTION_LINES} lines: ${f.where} (${f.lines})`);
process.exit(bigFiles.length + bigFunctions.length > 0 ? 1 : 0);

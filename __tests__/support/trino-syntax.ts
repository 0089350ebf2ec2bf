/**
 * Trino syntax checking for tests, with dt-sql-parser's `TrinoSQL` (the grammar of Athena engine v3).
 * dt-sql-parser's dist is extensionless ESM that plain Node cannot load, so the first call bundles it
 * with esbuild into `.build/trino-sql/trino.cjs` (reused while newer than the installed package) and
 * requires the bundle. Concurrent jest workers each write a private temporary file and rename it
 * into place, so none ever requires a half-written bundle.
 */
import { buildSync } from "esbuild";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

interface ParserError {
  readonly startLine: number;
  readonly startColumn: number;
  readonly message: string;
}

interface TrinoParser {
  validate(sql: string): ParserError[];
}

const PROJECT_ROOT = resolve(__dirname, "..", "..");
const PACKAGE_JSON = join(PROJECT_ROOT, "node_modules", "dt-sql-parser", "package.json");
const OUT_DIR = join(PROJECT_ROOT, ".build", "trino-sql");
const OUTFILE = join(OUT_DIR, "trino.cjs");

let parser: TrinoParser | undefined;

/** Path of the bundled parser, building it first unless it is newer than the installed dt-sql-parser. */
export function trinoParserBundle(): string {
  if (existsSync(OUTFILE) && statSync(OUTFILE).mtimeMs > statSync(PACKAGE_JSON).mtimeMs) return OUTFILE;
  mkdirSync(OUT_DIR, { recursive: true });
  const temporary = `${OUTFILE}.${process.pid}.${Date.now()}.tmp`;
  try {
    buildSync({
      stdin: { contents: "export { TrinoSQL } from 'dt-sql-parser';", resolveDir: PROJECT_ROOT, loader: "js", sourcefile: "trino-entry.js" },
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: temporary,
      logLevel: "error",
    });
    renameSync(temporary, OUTFILE);
  } finally {
    rmSync(temporary, { force: true });
  }
  return OUTFILE;
}

/** Trino syntax errors in `sql` as `line L, column C: message`; empty when the SQL parses. */
export function trinoSyntaxErrors(sql: string): string[] {
  if (!parser) {
    const { TrinoSQL } = require(trinoParserBundle()) as { TrinoSQL: new () => TrinoParser };
    parser = new TrinoSQL();
  }
  return parser.validate(sql).map((error) => `line ${error.startLine}, column ${error.startColumn}: ${error.message}`);
}

/**
 * Trino grammar check (Athena engine v3 is Trino) with dt-sql-parser's TrinoSQL, so the Athena stand-in
 * can tell "Athena would reject this SQL" from "DuckDB cannot run this Trino SQL". dt-sql-parser ships
 * extensionless ESM that plain Node cannot load, so the first use bundles it with esbuild into
 * `.build/trino-sql/trino.cjs` (reused while newer than the installed package; written to a temporary
 * file and renamed, so concurrent runs and jest workers never load half a bundle). The tests' syntax
 * check loads the same bundle.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

interface TrinoParser {
  validate(sql: string): Array<{ startLine: number; startColumn: number; message: string }>;
}

let parser: TrinoParser | undefined;
let unavailable: string | undefined;

/**
 * Trino syntax errors in `sql` as `line L:C: message` (empty when it parses), or undefined when the
 * parser cannot be loaded here (the reason is in {@link trinoCheckUnavailable}).
 */
export function trinoSyntaxErrors(sql: string, projectRoot: string): string[] | undefined {
  if (!parser && unavailable === undefined) {
    try {
      const { TrinoSQL } = require(trinoParserBundle(projectRoot)) as { TrinoSQL: new () => TrinoParser };
      parser = new TrinoSQL();
    } catch (error) {
      unavailable = (error as Error).message.split("\n")[0];
    }
  }
  if (!parser) return undefined;
  return parser.validate(sql).map((e) => `line ${e.startLine}:${e.startColumn}: ${e.message}`);
}

/** Why the Trino check could not run, if it could not. */
export function trinoCheckUnavailable(): string | undefined {
  return unavailable;
}

/** Path of the bundled TrinoSQL parser under `root`, building it first unless it is newer than the installed package. */
export function trinoParserBundle(root: string): string {
  // Resolved as Node.js resolves it (node_modules may sit above `root`, as in a mutation-testing sandbox).
  const packageJson = require.resolve("dt-sql-parser/package.json", { paths: [root] });
  const outDir = join(root, ".build", "trino-sql");
  const outfile = join(outDir, "trino.cjs");
  if (existsSync(outfile) && statSync(outfile).mtimeMs > statSync(packageJson).mtimeMs) return outfile;
  mkdirSync(outDir, { recursive: true });
  const temporary = `${outfile}.${process.pid}.${Date.now()}.tmp`;
  // esbuild is a dependency of the project (the Lambda bundles); loaded only when needed.

  const { buildSync } = require("esbuild") as typeof import("esbuild");
  try {
    buildSync({
      stdin: { contents: "export { TrinoSQL } from 'dt-sql-parser';", resolveDir: root, loader: "js", sourcefile: "trino-entry.js" },
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: temporary,
      logLevel: "error",
    });
    renameSync(temporary, outfile);
  } finally {
    rmSync(temporary, { force: true });
  }
  return outfile;
}

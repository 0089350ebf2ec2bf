/**
 * Trino syntax checking for tests, with dt-sql-parser's `TrinoSQL` (the grammar of Athena engine v3),
 * loaded from the bundle the rehearsal's Athena stand-in builds (`rehearsal/trino-check.ts`): the
 * package's dist is extensionless ESM that plain Node cannot load.
 */
import { resolve } from "node:path";
import { trinoParserBundle as bundleUnder } from "../../rehearsal/trino-check";

interface ParserError {
  readonly startLine: number;
  readonly startColumn: number;
  readonly message: string;
}

interface TrinoParser {
  validate(sql: string): ParserError[];
}

const PROJECT_ROOT = resolve(__dirname, "..", "..");

let parser: TrinoParser | undefined;

/** Path of the bundled parser, building it first unless it is newer than the installed dt-sql-parser. */
export function trinoParserBundle(): string {
  return bundleUnder(PROJECT_ROOT);
}

/** Trino syntax errors in `sql` as `line L, column C: message`; empty when the SQL parses. */
export function trinoSyntaxErrors(sql: string): string[] {
  if (!parser) {
    const { TrinoSQL } = require(trinoParserBundle()) as { TrinoSQL: new () => TrinoParser };
    parser = new TrinoSQL();
  }
  return parser.validate(sql).map((error) => `line ${error.startLine}, column ${error.startColumn}: ${error.message}`);
}

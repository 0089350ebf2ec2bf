/**
 * Runs dependency-cruiser's API over the project with the rules of .dependency-cruiser.cjs and prints
 * the violations as JSON ({ modules, violations: [{ rule, from, to }] }). dependency-cruiser is an ES
 * module, so the jest suite (CommonJS) runs this in a child process.
 *
 *   node scripts/check-dependencies.mjs [--base-dir DIR] [--config FILE] PATH...
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { cruise } from "dependency-cruiser";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "base-dir": { type: "string" }, config: { type: "string", default: ".dependency-cruiser.cjs" } },
});
const baseDir = resolve(values["base-dir"] ?? process.cwd());
const configFile = resolve(values.config);
const { forbidden, options } = createRequire(import.meta.url)(configFile);
process.chdir(baseDir);
const tsConfigFile = options.tsConfig?.fileName;
let tsConfig;
try {
  tsConfig = tsConfigFile ? extractTSConfig(resolve(baseDir, tsConfigFile)) : undefined;
} catch {
  tsConfig = undefined; // a fixture without a tsconfig.json
}
const result = await cruise(
  positionals,
  { ...options, tsConfig: tsConfig ? { fileName: tsConfigFile } : undefined, ruleSet: { forbidden }, validate: true, outputType: "json" },
  {},
  { tsConfig },
);
const output = typeof result.output === "string" ? JSON.parse(result.output) : result.output;
const violations = output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
process.stdout.write(`${JSON.stringify({ modules: output.modules.length, violations })}\n`);

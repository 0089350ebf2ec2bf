/**
 * The schema lock as synth applies it: the app (main.ts, bundled as `npm run synth` bundles it) run
 * against a lock file in a temporary folder (SCHEMA_LOCK_PATH), never the committed one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
let dir: string;
let app: string;

beforeAll(() => {
  mkdirSync(join(ROOT, ".build"), { recursive: true });
  dir = mkdtempSync(join(ROOT, ".build", "schema-lock-"));
  app = join(dir, "main.js");
  execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { bundleTypeScript } from "./scripts/bundle-ts.mjs"; await bundleTypeScript("main.ts", ${JSON.stringify(app)}, "error");`,
    ],
    { cwd: ROOT },
  );
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synth(lockPath: string, accept?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, SCHEMA_LOCK_PATH: lockPath, CDKTF_OUTDIR: join(dir, "out"), CHECKPOINT_DISABLE: "1" };
  delete env.SCHEMA_LOCK_ACCEPT;
  if (accept) env.SCHEMA_LOCK_ACCEPT = accept;
  return spawnSync(process.execPath, [app], { cwd: ROOT, env, encoding: "utf8" });
}

/** The committed lock with one column of the dev environment given another type. */
function lockWith(column: string, type: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, "schema.lock.json"), "utf8"));
  const entry = lock.environments.dev.columns.find((c: { name: string }) => c.name === column);
  entry.type = type;
  const path = join(dir, `lock-${column}-${type.replace(/\W/g, "")}.json`);
  writeFileSync(path, JSON.stringify(lock, null, 2));
  return path;
}

describe("synth and the schema lock", () => {
  it("passes with the committed lock and writes nothing", () => {
    const path = join(dir, "committed.json");
    const committed = readFileSync(join(ROOT, "schema.lock.json"), "utf8");
    writeFileSync(path, committed);
    const result = synth(path);
    expect(result.status).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(committed);
  }, 60_000);

  it("stops on a breaking change, naming the column, both types, why and the way out, and leaves the lock as it was", () => {
    const path = lockWith("revenue", "double");
    const before = readFileSync(path, "utf8");
    const result = synth(path);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("[dev] revenue: type changed (double → decimal(12,2)). Why old files break:");
    expect(result.stderr).toContain('SCHEMA_LOCK_ACCEPT="dev:revenue"');
    expect(readFileSync(path, "utf8")).toBe(before);
  }, 60_000);

  it("records an accepted breaking change, and a safe change, in the lock", () => {
    const breaking = lockWith("revenue", "double");
    expect(synth(breaking, "dev:revenue").status).toBe(0);
    const revenue = (path: string) =>
      JSON.parse(readFileSync(path, "utf8")).environments.dev.columns.find((c: { name: string }) => c.name === "revenue");
    expect(revenue(breaking).type).toBe("decimal(12,2)");

    const widened = lockWith("duration_ms", "int");
    const result = synth(widened);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("schema [dev] duration_ms: widened (safe)");
    expect(
      JSON.parse(readFileSync(widened, "utf8")).environments.dev.columns.find((c: { name: string }) => c.name === "duration_ms").type,
    ).toBe("bigint");
  }, 120_000);
});

/**
 * The documentation: a short README, links and anchors that resolve, and a configuration reference
 * that lists every setting with the default the code applies.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import { pipelineConfig } from "../pipeline.config";
import { DEFAULT_SHARD_COUNT, settingsSchema } from "../stacks/config";

const ROOT = resolve(__dirname, "..");

/** One leaf setting of the configuration: its dotted path and its default, if it has one. */
interface Leaf {
  readonly path: string;
  readonly hasDefault: boolean;
  readonly default?: unknown;
}

/**
 * Every leaf setting with its default: the one place that reads the configuration's definition, so it
 * is easy to repoint. Paths and defaults come from the zod schema (`settingsSchema`); a PROVISIONED
 * stream's shard count defaults to `DEFAULT_SHARD_COUNT`, and `namePrefix` and `region` come from the
 * shipped file. Arrays, records and `schema` are one leaf.
 */
function configurationLeaves(): Leaf[] {
  const given: Record<string, unknown> = {
    namePrefix: pipelineConfig.defaults.namePrefix,
    region: pipelineConfig.defaults.region,
    "stream.shardCount": DEFAULT_SHARD_COUNT,
  };
  return schemaLeaves(settingsSchema, "").map((leaf) =>
    leaf.path in given ? { path: leaf.path, hasDefault: true, default: given[leaf.path] } : leaf,
  );
}

/** The leaves under a zod schema, looking through defaults, optionals, nullables and refinements. */
function schemaLeaves(schema: z.ZodTypeAny, path: string): Leaf[] {
  let node = schema;
  let found: { default: unknown } | undefined;
  for (;;) {
    if (node instanceof z.ZodDefault) {
      found ??= { default: node._def.defaultValue() };
      node = node._def.innerType;
    } else if (node instanceof z.ZodOptional || node instanceof z.ZodNullable) node = node.unwrap();
    else if (node instanceof z.ZodEffects) node = node.innerType();
    else break;
  }
  if (node instanceof z.ZodObject && path !== "schema") {
    return Object.entries(node.shape as Record<string, z.ZodTypeAny>).flatMap(([key, child]) =>
      schemaLeaves(child, path === "" ? key : `${path}.${key}`),
    );
  }
  return [found ? { path, hasDefault: true, default: found.default } : { path, hasDefault: false }];
}

function read(file: string): string {
  return readFileSync(join(ROOT, file), "utf8");
}

const DOC_FILES = [
  "README.md",
  "rehearsal/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** The text with fenced code blocks blanked, so `#` comments and code are not headings or links. */
function withoutCode(markdown: string): string {
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (line.startsWith("```")) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line;
    })
    .join("\n");
}

/** GitHub's heading anchor: lower case, punctuation dropped (except - and _), spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const match of withoutCode(read(file)).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = slug(match[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

function links(file: string): string[] {
  const text = withoutCode(read(file)).replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe("README", () => {
  it("has at most 300 lines", () => {
    const lines = read("README.md").replace(/\n$/, "").split("\n");
    expect(lines.length).toBeLessThanOrEqual(300);
  });

  it("gives as its test command exactly what CI runs (.ci/run)", () => {
    const readmeCommand = read("README.md")
      .split("\n")
      .find((line) => line.startsWith("npm ci && npm test"))
      ?.replace(/#.*$/, "")
      .trim();
    const ciCommand = read(".ci/run")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"))
      .at(-1);
    expect(readmeCommand).toBeDefined();
    expect(readmeCommand).toBe(ciCommand);
    expect(readmeCommand).toContain("npm run check:cdktn");
  });

  it("links every page of docs/", () => {
    const linked = new Set(links("README.md").map((l) => l.split("#")[0]));
    const pages = DOC_FILES.filter((f) => f.startsWith("docs/"));
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});

describe("links between the documentation pages", () => {
  it.each(DOC_FILES)("every relative link and anchor in %s resolves", (file) => {
    const broken: string[] = [];
    for (const link of links(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      const [target, anchor] = link.split("#");
      const targetFile = target === "" ? file : relative(ROOT, resolve(ROOT, dirname(file), target));
      if (!existsSync(join(ROOT, targetFile))) broken.push(`${link}: no file ${targetFile}`);
      else if (anchor !== undefined && (!targetFile.endsWith(".md") || !anchors(targetFile).has(anchor))) {
        broken.push(`${link}: no heading #${anchor} in ${targetFile}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("finds broken links and anchors (the check can fail)", () => {
    expect(slug("Arrival-time or event-time partitions")).toBe("arrival-time-or-event-time-partitions");
    expect(slug("Worked example: 100 events/s of 1 KB")).toBe("worked-example-100-eventss-of-1-kb");
    expect(slug("`rehearsal/` — a local batch")).toBe("rehearsal--a-local-batch");
    expect(anchors("docs/configuration.md").has("event-schema")).toBe(true);
    expect(anchors("docs/configuration.md").has("no-such-heading")).toBe(false);
  });
});

/** The rows of the configuration reference table: the paths each documents, and its default cell per path. */
function referenceRows(): { paths: string[]; wildcard?: string; defaults: string[]; row: string }[] {
  const lines = read("docs/configuration.md").split("\n");
  const header = lines.findIndex((l) => /^\| field \| default \|/.test(l));
  expect(header).toBeGreaterThanOrEqual(0);
  const rows = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    const names = [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const first = names[0];
    if (first.endsWith(".*")) {
      rows.push({ paths: [], wildcard: first.slice(0, -1), defaults: [cells[1]], row: line });
      continue;
    }
    const group = first.includes(".") ? first.slice(0, first.lastIndexOf(".") + 1) : "";
    const paths = names.map((n, i) => (i === 0 || n.includes(".") ? n : group + n));
    const defaults = paths.length > 1 ? cells[1].split(" / ") : [cells[1]];
    rows.push({ paths, defaults, row: line });
  }
  return rows;
}

/** The row's default cell for `path`, or undefined when no row documents it. */
function documentedDefault(path: string): string | undefined {
  for (const row of referenceRows()) {
    const at = row.paths.indexOf(path);
    if (at >= 0)
      return row.paths.length === row.defaults.length ? row.defaults[at] : `(${row.paths.length} paths, ${row.defaults.length} defaults)`;
    if (row.wildcard && path.startsWith(row.wildcard) && row.row.includes(`\`${path.slice(row.wildcard.length)}\``)) {
      return row.defaults[0];
    }
  }
  return undefined;
}

/** Whether a default cell states `value`: its first code span or word, e.g. `` `128` (dev: 7) ``, `1073741824 (1 GiB)`. */
function statesDefault(cell: string, value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return cell.includes("`[]`");
  if (typeof value === "object" && value !== null) return Object.keys(value).length > 0 || cell.includes("`{}`");
  const first = /^`([^`]+)`/.exec(cell)?.[1] ?? cell.split(/\s+/)[0];
  return first === String(value);
}

describe("the configuration reference (docs/configuration.md)", () => {
  const leaves = configurationLeaves();

  it("derives the settings from the code, optional ones included", () => {
    const paths = leaves.map((l) => l.path);
    expect(paths).toEqual(
      expect.arrayContaining(["namePrefix", "stream.kmsKeyArn", "names.stream", "workload.eventsPerSecond", "schema", "tags"]),
    );
    expect(paths.filter((p) => p.startsWith("schema."))).toEqual([]);
    expect(leaves.find((l) => l.path === "batch.recordsPerChunk")).toEqual({
      path: "batch.recordsPerChunk",
      hasDefault: true,
      default: 5000,
    });
  });

  it("lists every setting", () => {
    expect(leaves.filter((l) => documentedDefault(l.path) === undefined).map((l) => l.path)).toEqual([]);
  });

  it("prints each setting's default as the code has it", () => {
    const wrong = leaves
      .filter((l) => l.hasDefault)
      .map((l) => ({ path: l.path, code: l.default, documented: documentedDefault(l.path) }))
      .filter((d) => d.documented !== undefined && !statesDefault(d.documented, d.code));
    expect(wrong).toEqual([]);
  });

  it('says "unset" or "derived" for a setting without a default', () => {
    const wrong = leaves
      .filter((l) => !l.hasDefault)
      .map((l) => ({ path: l.path, documented: documentedDefault(l.path) }))
      .filter((d) => d.documented !== undefined && !/\b(unset|derived)\b/i.test(d.documented));
    expect(wrong).toEqual([]);
  });

  it("reads the shorthand rows (the check can fail)", () => {
    expect(documentedDefault("transform.timeoutSeconds")).toBe("`120`");
    expect(documentedDefault("quicksight.principalArn")).toBe("unset");
    expect(documentedDefault("no.such.setting")).toBeUndefined();
    expect(statesDefault("`1073741824` (1 GiB)", 1_073_741_824)).toBe(true);
    expect(statesDefault("`168` (dev: 24)", 168)).toBe(true);
    expect(statesDefault("`168` (dev: 24)", 24)).toBe(false);
    expect(statesDefault("`[]`", [])).toBe(true);
  });
});

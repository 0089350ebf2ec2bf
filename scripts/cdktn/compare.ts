/**
 * Compares two synth outputs (cdktf.out/ folders): the cdktf synth of a checkout and the CDK Terrain
 * synth of the same code. Every stack's Terraform JSON must be equal but for the differences named in
 * ALLOWED; the stack folders must hold the same files (the Lambda zips) byte for byte.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One difference: where (file and JSON path) and the two values (undefined: absent). */
export interface Difference {
  readonly file: string;
  readonly path: string;
  readonly cdktf: unknown;
  readonly cdktn: unknown;
}

/**
 * The differences a move to CDK Terrain may make, each with why it changes nothing Terraform does.
 * Paths are dotted JSON paths; `*` matches one key.
 */
export const ALLOWED: readonly { readonly file: RegExp; readonly path: RegExp; readonly why: string }[] = [
  {
    file: /^stacks\/[^/]+\/cdk\.tf\.json$/,
    path: /^terraform\.required_providers\.[^.]+\.version$/,
    why: "the provider version the prebuilt provider package pins: the point of the move",
  },
  {
    file: /^stacks\/[^/]+\/cdk\.tf\.json$/,
    path: /^terraform\.required_providers\.[^.]+\.source$/,
    // hashicorp/terraform internal/addrs/provider.go, ParseProviderSourceString: a source without a namespace gets "hashicorp".
    why: 'the provider source written out in full: Terraform reads a bare "aws" as hashicorp/aws, the same provider',
  },
  {
    file: /^stacks\/[^/]+\/cdk\.tf\.json$/,
    path: /^\/\/\.metadata\.version$/,
    why: 'the CDK library version in the "//" block, which Terraform reads as a comment',
  },
  {
    file: /^manifest\.json$/,
    path: /^version$/,
    why: "the CDK library version in the CLI's list of stacks, which Terraform never reads",
  },
];

/** Every leaf where `a` and `b` differ, as dotted paths (array indices as numbers). */
export function jsonDifferences(a: unknown, b: unknown, file: string, path = ""): Difference[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) => jsonDifferences(a[key], b[key], file, path === "" ? key : `${path}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ file, path, cdktf: a, cdktn: b }];
}

/** Whether ALLOWED names this difference. */
export function isAllowed(difference: Difference): boolean {
  return ALLOWED.some((rule) => rule.file.test(difference.file) && rule.path.test(difference.path));
}

/** The reason ALLOWED gives for a difference. */
export function allowedBecause(difference: Difference): string {
  return ALLOWED.find((rule) => rule.file.test(difference.file) && rule.path.test(difference.path))?.why ?? "";
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** All differences between two synth outputs: JSON files compared as JSON, other files by content. */
export function compareSynthOutputs(cdktfDir: string, cdktnDir: string): Difference[] {
  const files = [...new Set([...filesUnder(cdktfDir), ...filesUnder(cdktnDir)])].sort();
  return files.flatMap((file): Difference[] => {
    const [a, b] = [join(cdktfDir, file), join(cdktnDir, file)];
    if (!existsSync(a) || !existsSync(b))
      return [{ file, path: "(file)", cdktf: existsSync(a) ? "present" : undefined, cdktn: existsSync(b) ? "present" : undefined }];
    if (file.endsWith(".json")) return jsonDifferences(JSON.parse(readFileSync(a, "utf8")), JSON.parse(readFileSync(b, "utf8")), file);
    const [hashA, hashB] = [sha256(a), sha256(b)];
    return hashA === hashB ? [] : [{ file, path: "(content sha256)", cdktf: hashA, cdktn: hashB }];
  });
}

/** One line for a difference: file, path and both values (long values cut). */
export function describeDifference(difference: Difference): string {
  const show = (v: unknown) => {
    const text = v === undefined ? "(absent)" : JSON.stringify(v);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  };
  return `${difference.file} ${difference.path}: ${show(difference.cdktf)} → ${show(difference.cdktn)}`;
}

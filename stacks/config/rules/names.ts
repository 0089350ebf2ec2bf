/**
 * Rules on physical names: the prefix, every resolved name and every name built from a template. They
 * read the resolved names, so they run after the schema. `namePrefix` is checked here, not in the
 * schema, because a bad prefix must silence the derived-name problems it would cause.
 */
import { LIMITS, NAME_LIMITS } from "../limits";
import { derivedNames, nameProblem, type DerivedNameField } from "../names";
import type { ProblemList } from "../problems";
import type { BucketName, ResolvedNames } from "../resolve";
import type { PipelineSettings } from "../settings";

export function checkNamePrefix(p: ProblemList, s: PipelineSettings): void {
  p.pattern("namePrefix", s.namePrefix, {
    pattern: /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    allowed: "2–32 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen",
    fix: 'choose a short lower-case prefix such as "acme-lake"',
  });
}

/** Each resolved name against its AWS limit; a derived name's fix says how to shorten it. */
export function checkNames(p: ProblemList, s: PipelineSettings, n: ResolvedNames): void {
  const derived = (field: keyof PipelineSettings["names"]) => s.names[field] === undefined;
  const glue = "(lower-case letters, digits, underscores)";
  p.name("names.stream", n.stream, LIMITS.stream.name, { what: "Kinesis stream name", derived: derived("stream") });
  p.name("names.deliveryStream", n.deliveryStream, LIMITS.delivery.name, {
    what: "Firehose stream name",
    derived: derived("deliveryStream"),
  });
  p.name("names.transformFunction", n.transformFunction, LIMITS.lambda.name, {
    what: "Lambda function name",
    derived: derived("transformFunction"),
  });
  checkBucket(p, "names.lakeBucket", n.lakeBucket);
  checkBucket(p, "names.resultsBucket", n.resultsBucket);
  if (s.security.accessLogging) checkBucket(p, "names.accessLogBucket", n.accessLogBucket);
  p.name("names.database", n.database, LIMITS.glue.name, { what: `Glue database name ${glue}`, derived: derived("database") });
  p.name("catalog.tableName", n.table, LIMITS.glue.name, { what: `Glue table name ${glue}`, derived: false });
  p.name("names.workgroup", n.workgroup, LIMITS.athena.workgroup, {
    what: "Athena workgroup name",
    derived: derived("workgroup"),
  });
  p.name("names.crawler", n.crawler, NAME_LIMITS.glueCrawler, { what: "Glue crawler name", derived: derived("crawler") });
  p.name("names.stateMachine", n.stateMachine, NAME_LIMITS.stateMachine, {
    what: "Step Functions state machine name",
    derived: derived("stateMachine"),
  });
  checkDerivedNames(p, s, n);
}

/** What an exact bucket name breaks of S3's naming rules. */
function bucketNameProblems(name: string): string[] {
  const rule = LIMITS.bucket;
  const problems: string[] = [];
  if (name.length < rule.minLength || name.length > rule.maxLength) problems.push(`${rule.minLength}–${rule.maxLength} characters`);
  if (!rule.pattern.test(name)) {
    problems.push("only lower-case letters, digits and hyphens, starting and ending with a letter or digit (no dots: they break TLS)");
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) problems.push("not shaped like an IP address");
  if (name.startsWith("xn--") || name.startsWith("sthree-")) problems.push("not starting with xn-- or sthree-");
  if (/(-s3alias|--ol-s3|--x-s3)$/.test(name)) problems.push("not ending with -s3alias, --ol-s3 or --x-s3");
  return problems;
}

function checkBucket(p: ProblemList, field: string, bucket: BucketName): void {
  if ("name" in bucket) {
    const problems = bucketNameProblems(bucket.name);
    if (problems.length === 0) return;
    const fix = `choose a globally unique name that follows the rules, or remove ${field} to let Terraform generate one`;
    p.add(field, bucket.name, `an S3 bucket name with ${problems.join("; ")}`, fix);
    return;
  }
  const max = LIMITS.bucket.prefixMaxLength;
  if (bucket.prefix.length > max || !/^[a-z0-9][a-z0-9-]*$/.test(bucket.prefix)) {
    const allowed =
      `a derived bucket prefix of at most ${max} lower-case letters, digits and hyphens ` + "(Terraform adds a 26-character unique suffix)";
    p.add(field, bucket.prefix, allowed, `shorten namePrefix, or set ${field} to an exact bucket name`);
  }
}

/**
 * Every name built from a template (roles, policies, log groups, alarms, …) against its AWS limit;
 * one problem per field, received being the field's value and the longest name built from it that
 * does not fit named in `allowed`. Fields whose own value is already reported are skipped.
 */
function checkDerivedNames(p: ProblemList, s: PipelineSettings, n: ResolvedNames): void {
  if (p.has("namePrefix")) return;
  const failures = new Map<DerivedNameField, { value: string; problem: string }>();
  for (const name of derivedNames(s, p.environment, n)) {
    if (p.has(name.field)) continue;
    const problem = nameProblem(name.kind, name.value);
    const previous = failures.get(name.field);
    if (problem && (!previous || name.value.length > previous.value.length)) failures.set(name.field, { value: name.value, problem });
  }
  for (const [field, { problem }] of failures) {
    p.add(field, fieldValue(field, s, n), `a value short enough for every name built from it: ${problem}`, derivedNameFix(field));
  }
}

/** The value a derived-name problem shows as received: the field's resolved value. */
function fieldValue(field: DerivedNameField, s: PipelineSettings, n: ResolvedNames): string {
  switch (field) {
    case "namePrefix":
      return s.namePrefix;
    case "catalog.tableName":
      return n.table;
    case "names.transformFunction":
      return n.transformFunction;
    case "names.deliveryStream":
      return n.deliveryStream;
    case "names.crawler":
      return n.crawler;
    case "names.stateMachine":
      return n.stateMachine;
  }
}

function derivedNameFix(field: DerivedNameField): string {
  if (field === "namePrefix") return "shorten namePrefix or the environment name";
  const origin = field.startsWith("names.") ? " (derived from namePrefix and the environment name when unset)" : "";
  return `shorten ${field}${origin}`;
}

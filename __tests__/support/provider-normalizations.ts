/**
 * What the AWS provider writes to state when it reads a resource back, for every resource type the
 * stacks synthesize: the one list of read-back normalizations the plan-stability test applies
 * (`__tests__/stacks/plan-stability.test.ts`).
 *
 * A plan settles when, for every attribute the configuration sets, the state read back after apply
 * equals the configured value (or is equivalent to it under the attribute's DiffSuppressFunc /
 * StateFunc). Each normalization below is one documented behaviour of AWS or of the provider, with
 * its source (a provider source file, as read, or a documentation URL): `readBack` turns a
 * synthesized resource into the state the provider would store, `compare` is the equivalence the
 * provider applies to one attribute. Every resource type the stacks can synthesize has an entry,
 * either with normalizations or with what was checked and why none applies. Provider: hashicorp/aws
 * 6.x (the version pinned by @cdktf/provider-aws); paths are in hashicorp/terraform-provider-aws.
 */

/** A resource block of the synthesized JSON (meta-arguments removed). */
export type Block = Record<string, any>;

/** One behaviour of AWS or the provider that shapes what is read back into state. */
export interface Normalization {
  /** What happens, in one sentence. */
  readonly behaviour: string;
  /** Provider source file (hashicorp/terraform-provider-aws) or documentation URL. */
  readonly source: string;
  /** The configured resource (references resolved) → the state the provider stores after reading AWS back. Pure. */
  readonly readBack?: (resource: Block) => Block;
  /** An attribute (dot path, list positions left out) the provider compares by an equivalence instead of equality. */
  readonly compare?: { readonly path: string; readonly equivalent: (configured: unknown, state: unknown) => boolean };
}

/** The review of one resource type. */
export interface ReviewedType {
  /** The provider source files (or docs) read for this type. */
  readonly sources: readonly string[];
  readonly normalizations: readonly Normalization[];
  /** For a type without normalizations: what was checked, and why nothing set here is rewritten on read. */
  readonly reviewed?: string;
  /** Attributes that are sets (TypeSet): compared without order. */
  readonly sets?: readonly string[];
  /** Attributes that are maps: compared whole (an extra key in state is a change). */
  readonly maps?: readonly string[];
}

const PROVIDER = "hashicorp/terraform-provider-aws";
const src = (path: string) => `${PROVIDER} ${path}`;

// ── small structural helpers ─────────────────────────────────────────────────────────────────────

/** A nested block as a list, whether cdktf wrote it as an object (MaxItems 1) or a list. */
export function blockList(value: unknown): Block[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Block[];
}

/** Applies `f` to each element of a nested block, keeping cdktf's shape (object or list). */
function mapBlocks(value: unknown, f: (block: Block) => Block): unknown {
  if (value === undefined || value === null) return value;
  return Array.isArray(value) ? value.map((b: Block) => f(b)) : f(value as Block);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

/**
 * terraform-plugin-sdk `structure.NormalizeJsonString`: Go's json.Unmarshal then json.Marshal, i.e.
 * keys sorted, no whitespace, and `<`, `>`, `&` escaped as \u003c, \u003e, \u0026.
 */
export function normalizeJsonString(text: string): string {
  return JSON.stringify(sortKeys(JSON.parse(text)))
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
}

/** `verify.SuppressEquivalentJSONDiffs`: equal once both are parsed (key order, whitespace, 1 vs 1.0 ignored). */
export function jsonStringsEquivalent(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return a === b;
  try {
    return jsonEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
}

// ── IAM policy documents (github.com/hashicorp/awspolicyequivalence, aws_policy_equivalence.go) ────

const AWS_POLICY_EQUIVALENCE =
  "github.com/hashicorp/awspolicyequivalence aws_policy_equivalence.go (PoliciesAreEquivalent), used by internal/verify SuppressEquivalentPolicyDiffs and PolicyToSet";

/** newStringSet: nil → [], a string → [it], an array of strings → it; anything else → null (never equal). */
function stringSet(members: unknown): string[] | null {
  if (members === undefined || members === null) return [];
  if (typeof members === "string") return [members];
  if (Array.isArray(members)) return members.every((m) => typeof m === "string") ? (members as string[]) : null;
  return null;
}

function setsEqual(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return false;
  if (a.length !== b.length) return false;
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

const ACCOUNT_ID = /^[0-9]{12}$/;

/** stringPrincipalsEqual: equal strings, or an account id and its `arn:…:iam::<id>:root`. */
function stringPrincipalsEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  if (a === b) return true;
  const root = (id: string, arn: string) => new RegExp(`^arn:[^:]+:iam::${id}:root$`).test(arn);
  return (ACCOUNT_ID.test(a) && root(a, b)) || (ACCOUNT_ID.test(b) && root(b, a));
}

function mapPrincipalsEqual(a: unknown, b: unknown): boolean {
  const normalize = (p: unknown): Map<string, string[] | null> => {
    const out = new Map<string, string[] | null>();
    if (p !== null && typeof p === "object" && !Array.isArray(p)) {
      for (const [k, v] of Object.entries(p)) {
        const set = stringSet(v);
        if (set === null || set.length > 0) out.set(k, set);
      }
    }
    return out;
  };
  const na = normalize(a);
  const nb = normalize(b);
  const principalSetsEqual = (x: string[] | null, y: string[] | null) =>
    x !== null && y !== null && x.length === y.length && x.every((p) => y.some((q) => stringPrincipalsEqual(p, q)));
  for (const [k, v] of na) if (!nb.has(k) || !principalSetsEqual(v, nb.get(k)!)) return false;
  for (const [k, v] of nb) if (!na.has(k) || !principalSetsEqual(v, na.get(k)!)) return false;
  return true;
}

function conditionsEqual(a: unknown, b: unknown): boolean {
  const ca = (a ?? undefined) as Record<string, Record<string, unknown>> | undefined;
  const cb = (b ?? undefined) as Record<string, Record<string, unknown>> | undefined;
  if ((ca === undefined) !== (cb === undefined)) return false;
  if (ca === undefined || cb === undefined) return true;
  if (Object.keys(ca).length !== Object.keys(cb).length) return false;
  const oneWay = (x: Record<string, Record<string, unknown>>, y: Record<string, Record<string, unknown>>) =>
    Object.entries(x).every(([op, inner]) => {
      const other = y[op];
      if (!other) return false;
      return Object.entries(inner).every(([key, value]) => key in other && setsEqual(stringSet(value), stringSet(other[key])));
    });
  return oneWay(ca, cb) && oneWay(cb, ca);
}

function statementsEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if ((a.Sid ?? "") !== (b.Sid ?? "")) return false;
  if (String(a.Effect ?? "").toLowerCase() !== String(b.Effect ?? "").toLowerCase()) return false;
  for (const key of ["Action", "NotAction", "Resource", "NotResource"]) {
    const x = stringSet(a[key]);
    const y = stringSet(b[key]);
    // stringSlicesEqualIgnoreOrder on the slices (nil slices compare equal to each other)
    if (x === null || y === null) {
      if (!(x === null && y === null)) return false;
      continue;
    }
    if (x.length !== y.length || [...x].sort().join("\u0000") !== [...y].sort().join("\u0000")) return false;
  }
  if (!conditionsEqual(a.Condition, b.Condition)) return false;
  for (const key of ["Principal", "NotPrincipal"]) {
    if (a[key] !== undefined || b[key] !== undefined) {
      if (!(stringPrincipalsEqual(a[key], b[key]) || mapPrincipalsEqual(a[key], b[key]))) return false;
    }
  }
  return true;
}

/** awspolicyequivalence.PoliciesAreEquivalent, ported: structure compared, order and single-element arrays ignored. */
export function policiesEquivalent(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  if (a.trim() === "" && b.trim() === "") return true;
  let pa: Record<string, unknown>;
  let pb: Record<string, unknown>;
  try {
    pa = JSON.parse(a);
    pb = JSON.parse(b);
  } catch {
    return false;
  }
  if ((pa.Version ?? "") !== (pb.Version ?? "") || (pa.Id ?? "") !== (pb.Id ?? "")) return false;
  const statements = (p: Record<string, unknown>) =>
    (Array.isArray(p.Statement) ? p.Statement : p.Statement && typeof p.Statement === "object" ? [p.Statement] : null) as
      Record<string, unknown>[] | null;
  const sa = statements(pa);
  const sb = statements(pb);
  if (!sa || !sb || sa.length !== sb.length) return false;
  return sa.every((s) => sb.some((t) => statementsEqual(s, t))) && sb.every((t) => sa.some((s) => statementsEqual(t, s)));
}

/**
 * The policy as an AWS endpoint may return it: compact, with single-element arrays returned as plain
 * strings (the behaviour awspolicyequivalence exists to absorb).
 */
export function policyAsReturnedByAws(text: string): string {
  const collapse = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 && typeof v[0] === "string" ? v[0] : v);
  const doc = JSON.parse(text) as { Statement: unknown };
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Record<string, unknown>[];
  const returned = statements.map((s) => {
    const out: Record<string, unknown> = { ...s };
    for (const key of ["Action", "NotAction", "Resource", "NotResource"]) if (key in out) out[key] = collapse(out[key]);
    for (const key of ["Principal", "NotPrincipal"]) {
      const p = out[key];
      if (p && typeof p === "object" && !Array.isArray(p))
        out[key] = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, collapse(v)]));
    }
    if (out.Condition && typeof out.Condition === "object") {
      out.Condition = Object.fromEntries(
        Object.entries(out.Condition as Record<string, Record<string, unknown>>).map(([op, inner]) => [
          op,
          Object.fromEntries(Object.entries(inner).map(([k, v]) => [k, collapse(v)])),
        ]),
      );
    }
    return out;
  });
  return JSON.stringify({ ...doc, Statement: returned });
}

/**
 * `verify.PolicyToSet(configured, fromAws)`: keeps the configured document (normalized) when it is
 * equivalent to what AWS returned, else stores AWS's.
 */
export function policyToSet(configured: string, fromAws: string): string {
  return policiesEquivalent(configured, fromAws) ? normalizeJsonString(configured) : normalizeJsonString(fromAws);
}

function policyNormalization(attribute: string, file: string): Normalization {
  return {
    behaviour: `${attribute}: AWS returns the policy document reformatted (single-element arrays as strings); the provider stores the configured document when the two are equivalent and compares them by policy equivalence`,
    source: `${src(file)}; ${AWS_POLICY_EQUIVALENCE}`,
    readBack: (r) =>
      typeof r[attribute] === "string" ? { ...r, [attribute]: policyToSet(r[attribute], policyAsReturnedByAws(r[attribute])) } : r,
    compare: { path: attribute, equivalent: policiesEquivalent },
  };
}

// ── Firehose (internal/service/firehose/delivery_stream.go) ──────────────────────────────────────

const FIREHOSE = src("internal/service/firehose/delivery_stream.go");

/**
 * `defaultProcessorParameters` for a Lambda processor on a destination other than Splunk: the values
 * flattenProcessingConfiguration leaves out of state when AWS returns exactly this string (`==`, so
 * "1.0" is kept while "1" is dropped). `RoleArn` is dropped when it equals the destination's role.
 */
export const FIREHOSE_DEFAULT_LAMBDA_PARAMETERS: Readonly<Record<string, string>> = {
  NumberOfRetries: "3",
  BufferIntervalInSeconds: "60",
  BufferSizeInMBs: "1",
};

function dropDefaultProcessorParameters(destination: Block): Block {
  const roleArn = destination.role_arn as string | undefined;
  return {
    ...destination,
    processing_configuration: mapBlocks(destination.processing_configuration, (pc) => ({
      ...pc,
      processors: mapBlocks(pc.processors, (p) =>
        p.type !== "Lambda"
          ? p
          : {
              ...p,
              parameters: blockList(p.parameters).filter((param) => {
                const name = param.parameter_name as string;
                const value = String(param.parameter_value);
                if (name === "RoleArn" && roleArn !== undefined && value === roleArn) return false;
                return FIREHOSE_DEFAULT_LAMBDA_PARAMETERS[name] !== value;
              }),
            },
      ),
    })),
  };
}

// ── Glue ─────────────────────────────────────────────────────────────────────────────────────────

/** The grouping policy AWS gives every catalog-target crawler. */
export const CATALOG_TARGET_GROUPING = { TableGroupingPolicy: "CombineCompatibleSchemas" } as const;

const lower = (v: unknown) => (typeof v === "string" && !v.includes("${") ? v.toLowerCase() : v);
const lowerColumnNames = (columns: unknown) =>
  columns === undefined ? columns : blockList(columns).map((c) => ({ ...c, name: lower(c.name) }));

/** Glue crawler `role`: the API returns the role name; an ARN in configuration is suppressed when its `role/<path/name>` matches. */
function roleNameFromArn(value: string): string {
  const match = /^arn:[^:]+:iam::[0-9]*:(role\/.+)$/.exec(value);
  return match ? match[1]!.replace(/^role\//, "") : value;
}

// ── EventBridge (internal/service/events/rule.go, ruleEventPatternJSONDecoder) ────────────────────

/** Go json.Marshal of the parsed pattern (keys sorted), with `<`, `>`, `&` un-escaped again. */
export function eventPatternDecoded(text: string): string {
  return JSON.stringify(sortKeys(JSON.parse(text)));
}

// ── the list ─────────────────────────────────────────────────────────────────────────────────────

export const PROVIDER_NORMALIZATIONS: Readonly<Record<string, ReviewedType>> = {
  aws_kinesis_firehose_delivery_stream: {
    sources: [FIREHOSE],
    sets: ["extended_s3_configuration.processing_configuration.processors.parameters"],
    normalizations: [
      {
        behaviour:
          'Lambda processor parameters equal to Firehose\'s defaults (NumberOfRetries "3", BufferIntervalInSeconds "60", BufferSizeInMBs "1", RoleArn = the destination role) are left out of state on read (string comparison)',
        source: `${FIREHOSE} (flattenProcessingConfiguration, defaultProcessorParameters)`,
        readBack: (r) => ({ ...r, extended_s3_configuration: mapBlocks(r.extended_s3_configuration, dropDefaultProcessorParameters) }),
      },
      {
        behaviour: "destination is stored lower-cased (StateFunc strings.ToLower on configuration and state alike)",
        source: `${FIREHOSE} (schema: destination StateFunc)`,
        readBack: (r) => ({ ...r, destination: lower(r.destination) }),
        compare: { path: "destination", equivalent: (c, s) => lower(c) === s },
      },
      {
        behaviour: "CloudWatch logging options: the log group and stream names are read back only while logging is enabled",
        source: `${FIREHOSE} (flattenCloudWatchLoggingOptions)`,
        readBack: (r) => ({
          ...r,
          extended_s3_configuration: mapBlocks(r.extended_s3_configuration, (d) => {
            const off = (o: Block) => (o.enabled ? o : { enabled: false });
            return {
              ...d,
              cloudwatch_logging_options: mapBlocks(d.cloudwatch_logging_options, off),
              s3_backup_configuration: mapBlocks(d.s3_backup_configuration, (b) => ({
                ...b,
                cloudwatch_logging_options: mapBlocks(b.cloudwatch_logging_options, off),
              })),
            };
          }),
        }),
      },
      {
        behaviour: "OpenX JSON SerDe case_insensitive: AWS omits the default and the provider reads it back as true",
        source: `${FIREHOSE} (flattenOpenXJSONSerDe)`,
        readBack: (r) => ({
          ...r,
          extended_s3_configuration: mapBlocks(r.extended_s3_configuration, (d) => ({
            ...d,
            data_format_conversion_configuration: mapBlocks(d.data_format_conversion_configuration, (c) => ({
              ...c,
              input_format_configuration: mapBlocks(c.input_format_configuration, (i) => ({
                ...i,
                deserializer: mapBlocks(i.deserializer, (s) => ({
                  ...s,
                  open_x_json_ser_de: mapBlocks(s.open_x_json_ser_de, (o) => ({ ...o, case_insensitive: o.case_insensitive ?? true })),
                })),
              })),
            })),
          })),
        }),
      },
    ],
  },

  aws_glue_crawler: {
    sources: [src("internal/service/glue/crawler.go"), src("website/docs/r/glue_crawler.html.markdown")],
    normalizations: [
      {
        behaviour:
          'AWS adds Grouping.TableGroupingPolicy = "CombineCompatibleSchemas" to the configuration of a catalog-target crawler ("configuration for catalog target crawlers will have … by default")',
        source: src("website/docs/r/glue_crawler.html.markdown (Catalog Target note)"),
        readBack: (r) => {
          if (blockList(r.catalog_target).length === 0) return r;
          const configuration = typeof r.configuration === "string" ? JSON.parse(r.configuration) : { Version: 1 };
          return {
            ...r,
            configuration: JSON.stringify({ ...configuration, Grouping: { ...CATALOG_TARGET_GROUPING, ...configuration.Grouping } }),
          };
        },
      },
      {
        behaviour: "configuration is stored as NormalizeJsonString and compared as JSON (SuppressEquivalentJSONDiffs)",
        source: src("internal/service/glue/crawler.go (schema: configuration)"),
        readBack: (r) => (typeof r.configuration === "string" ? { ...r, configuration: normalizeJsonString(r.configuration) } : r),
        compare: { path: "configuration", equivalent: jsonStringsEquivalent },
      },
      {
        behaviour:
          "role: the Glue API returns the role name; a configured ARN is suppressed when its role/<path/name> equals the stored name",
        source: src('internal/service/glue/crawler.go (schema: role DiffSuppressFunc, "Glue API always returns name")'),
        readBack: (r) => (typeof r.role === "string" ? { ...r, role: roleNameFromArn(r.role) } : r),
        compare: {
          path: "role",
          equivalent: (c, s) => c === s || (typeof c === "string" && c.startsWith("arn:") && roleNameFromArn(c) === s),
        },
      },
    ],
  },

  aws_glue_catalog_table: {
    sources: [
      src("internal/service/glue/catalog_table.go"),
      "https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html",
      "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html",
    ],
    maps: ["parameters", "storage_descriptor.parameters", "storage_descriptor.ser_de_info.parameters"],
    normalizations: [
      {
        behaviour:
          'Glue folds the table name and database name to lower case when it stores them (TableInput.Name: "folded to lowercase when it is stored"); the provider has no StateFunc for them (it rejects upper case in name only)',
        source:
          "https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html; " +
          src("internal/service/glue/catalog_table.go (schema: name, database_name)"),
        readBack: (r) => ({ ...r, name: lower(r.name), database_name: lower(r.database_name) }),
      },
      {
        behaviour:
          "Glue stores column and partition key names in lower case; the provider compares them as configured, so a mixed-case name never settles",
        source:
          "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html; " +
          src("internal/service/glue/catalog_table.go (columns.name, partition_keys.name: no StateFunc)"),
        readBack: (r) => ({
          ...r,
          partition_keys: lowerColumnNames(r.partition_keys),
          storage_descriptor: mapBlocks(r.storage_descriptor, (sd) => ({ ...sd, columns: lowerColumnNames(sd.columns) })),
        }),
      },
    ],
  },

  aws_glue_catalog_database: {
    sources: ["https://docs.aws.amazon.com/glue/latest/webapi/API_DatabaseInput.html", src("internal/service/glue/catalog_database.go")],
    normalizations: [
      {
        behaviour: "Glue folds the database name to lower case when it stores it (DatabaseInput.Name)",
        source: "https://docs.aws.amazon.com/glue/latest/webapi/API_DatabaseInput.html",
        readBack: (r) => ({ ...r, name: lower(r.name) }),
      },
    ],
  },

  aws_iam_role: {
    sources: [src("internal/service/iam/role.go")],
    normalizations: [
      policyNormalization(
        "assume_role_policy",
        "internal/service/iam/role.go (assume_role_policy: SuppressEquivalentPolicyDiffs, PolicyToSet)",
      ),
    ],
  },
  aws_iam_role_policy: {
    sources: [src("internal/service/iam/role_policy.go")],
    normalizations: [
      policyNormalization("policy", "internal/service/iam/role_policy.go (policy: SuppressEquivalentPolicyDiffs, PolicyToSet)"),
    ],
  },
  aws_s3_bucket_policy: {
    sources: [src("internal/service/s3/bucket_policy.go")],
    normalizations: [
      policyNormalization("policy", "internal/service/s3/bucket_policy.go (policy: SuppressEquivalentPolicyDiffs, PolicyToSet)"),
    ],
  },
  aws_sns_topic_policy: {
    sources: [src("internal/service/sns/topic_policy.go")],
    normalizations: [
      policyNormalization("policy", "internal/service/sns/topic_policy.go (policy: SuppressEquivalentPolicyDiffs, PolicyToSet)"),
    ],
  },
  aws_kms_key: {
    sources: [src("internal/service/kms/key.go")],
    normalizations: [policyNormalization("policy", "internal/service/kms/key.go (policy: SuppressEquivalentPolicyDiffs, PolicyToSet)")],
  },

  aws_cloudwatch_dashboard: {
    sources: [src("internal/service/cloudwatch/dashboard.go")],
    normalizations: [
      {
        behaviour: "dashboard_body is stored as NormalizeJsonString and compared as JSON (SuppressEquivalentJSONDiffs)",
        source: src("internal/service/cloudwatch/dashboard.go (schema: dashboard_body)"),
        readBack: (r) => ({ ...r, dashboard_body: normalizeJsonString(r.dashboard_body) }),
        compare: { path: "dashboard_body", equivalent: jsonStringsEquivalent },
      },
    ],
  },

  aws_cloudwatch_event_rule: {
    sources: [src("internal/service/events/rule.go")],
    normalizations: [
      {
        behaviour: "event_pattern is re-marshalled (keys sorted, <>& un-escaped) by a StateFunc on configuration and state alike",
        source: src("internal/service/events/rule.go (event_pattern StateFunc, ruleEventPatternJSONDecoder)"),
        readBack: (r) => (typeof r.event_pattern === "string" ? { ...r, event_pattern: eventPatternDecoded(r.event_pattern) } : r),
        compare: { path: "event_pattern", equivalent: (c, s) => typeof c === "string" && eventPatternDecoded(c) === s },
      },
    ],
  },

  aws_kinesis_stream: {
    sources: [src("internal/service/kinesis/stream.go")],
    sets: ["shard_level_metrics"],
    normalizations: [
      {
        behaviour: "encryption_type is compared case-insensitively (DiffSuppressFunc strings.EqualFold)",
        source: src("internal/service/kinesis/stream.go (schema: encryption_type)"),
        compare: {
          path: "encryption_type",
          equivalent: (c, s) => typeof c === "string" && typeof s === "string" && c.toLowerCase() === s.toLowerCase(),
        },
      },
    ],
    reviewed:
      "kms_key_id, retention_period, shard_count (provisioned) and stream_mode_details are read back as set; shard_level_metrics is a set; shard_count is read as null on demand, where it must not be set",
  },

  aws_s3_bucket_lifecycle_configuration: {
    sources: [src("internal/service/s3/bucket_lifecycle_configuration.go")],
    normalizations: [
      {
        behaviour:
          'an empty filter {} is read back with prefix "" and object sizes null, and expiration.days / expired_object_delete_marker are computed legacy values when unset (plan modifiers keep them out of the plan)',
        source: src("internal/service/s3/bucket_lifecycle_configuration.go (emptyFilterPlanModifier, LegacyValue plan modifiers)"),
        readBack: (r) => ({
          ...r,
          rule: blockList(r.rule).map((rule) => ({
            ...rule,
            filter: rule.filter === undefined ? rule.filter : mapBlocks(rule.filter, (f) => ({ prefix: "", ...f })),
            expiration:
              rule.expiration === undefined
                ? rule.expiration
                : mapBlocks(rule.expiration, (e) => ({ days: 0, expired_object_delete_marker: false, ...e })),
          })),
        }),
      },
    ],
  },

  aws_sfn_state_machine: {
    sources: [src("internal/service/sfn/state_machine.go")],
    normalizations: [],
    reviewed:
      "definition has no StateFunc or DiffSuppressFunc: it is stored as DescribeStateMachine returns it and compared as a string, so it settles only because Step Functions returns the definition as submitted (the stack submits compact JSON); logging, tracing and encryption blocks are read back as set",
  },

  aws_lambda_function: {
    sources: [src("internal/service/lambda/function.go")],
    maps: ["environment.variables"],
    normalizations: [],
    reviewed:
      "source_code_hash and filename are kept from configuration on read; tracing_config is read back as set (PassThrough only when unset); environment variables, kms_key_arn, role, memory, timeout and architectures are read back as sent",
  },

  aws_kms_alias: {
    sources: [src("internal/service/kms/alias.go")],
    normalizations: [
      {
        behaviour:
          "target_key_id is read back as the key id (ListAliases TargetKeyId); a configured key ARN is suppressed when it names the same key (KeyARNOrIDEqual)",
        source: src("internal/service/kms/alias.go (target_key_id DiffSuppressFunc suppressEquivalentKeyARNOrID)"),
        readBack: (r) =>
          typeof r.target_key_id === "string"
            ? { ...r, target_key_id: r.target_key_id.replace(/^arn:[^:]+:kms:[^:]*:[0-9]*:key\//, "") }
            : r,
        compare: {
          path: "target_key_id",
          equivalent: (c, s) => typeof c === "string" && c.replace(/^arn:[^:]+:kms:[^:]*:[0-9]*:key\//, "") === s,
        },
      },
    ],
  },

  aws_cloudwatch_metric_alarm: {
    sources: [src("internal/service/cloudwatch/metric_alarm.go")],
    sets: ["alarm_actions", "ok_actions", "insufficient_data_actions", "metric_query"],
    maps: ["dimensions", "metric_query.metric.dimensions"],
    normalizations: [],
    reviewed:
      'every attribute is read back from DescribeAlarms as sent: actions and metric_query are sets, dimensions a map read back whole; treat_missing_data is read as "missing" only when AWS returns none, and the stack always sets it',
  },

  aws_cloudwatch_event_target: {
    sources: [src("internal/service/events/target.go")],
    maps: ["input_transformer.input_paths"],
    normalizations: [],
    reviewed:
      "input_transformer.input_template is a plain string (no StateFunc or JSON normalization) and input_paths a map, both read back as sent",
  },

  aws_athena_workgroup: {
    sources: [src("internal/service/athena/workgroup.go")],
    normalizations: [],
    reviewed:
      "configuration is flattened from GetWorkGroup as sent (bytes_scanned_cutoff_per_query, enforce_workgroup_configuration, publish_cloudwatch_metrics_enabled, result_configuration); effective_engine_version is computed and never configured; force_destroy is kept from configuration",
  },

  aws_sqs_queue: {
    sources: [src("internal/service/sqs/queue.go")],
    normalizations: [],
    reviewed:
      "attributes read back from GetQueueAttributes as sent; kms_master_key_id and sqs_managed_sse_enabled conflict and the stack sets exactly one; kms_data_key_reuse_period_seconds is computed and not set; policy/redrive policies are not set",
  },

  aws_sns_topic: {
    sources: [src("internal/service/sns/topic.go")],
    normalizations: [],
    reviewed:
      "only name and kms_master_key_id are set, both read back as sent; policy is optional+computed and left to aws_sns_topic_policy, so the topic's own read-back of it is never compared",
  },

  aws_s3_bucket_server_side_encryption_configuration: {
    sources: [src("internal/service/s3/bucket_server_side_encryption_configuration.go")],
    sets: ["rule"],
    normalizations: [],
    reviewed:
      "rule is a set flattened from GetBucketEncryption as sent (sse_algorithm, kms_master_key_id as configured, bucket_key_enabled read back false when not set, equal to the unset value in the set hash)",
  },

  aws_quicksight_analysis: {
    sources: [
      src("internal/service/quicksight/analysis.go"),
      "https://github.com/hashicorp/terraform-provider-aws/issues/36733",
      "https://github.com/hashicorp/terraform-provider-aws/issues/41878",
    ],
    normalizations: [],
    reviewed:
      "not modelled: the definition is flattened from DescribeAnalysisDefinition and open provider issues report perpetual diffs in some visual blocks (conditional formatting, data set identifier declarations); the analysis here declares one data set and uses one line chart, one bar chart and one KPI visual without conditional formatting; watch the first plan after enabling QuickSight",
  },

  aws_quicksight_data_set: {
    sources: [src("internal/service/quicksight/data_set.go")],
    normalizations: [],
    reviewed:
      "permissions and physical_table_map are read back from DescribeDataSet as sent; no StateFunc or equivalence applies to the attributes set here",
  },

  aws_quicksight_data_source: {
    sources: [src("internal/service/quicksight/data_source.go")],
    normalizations: [],
    reviewed: "parameters.athena.work_group and permission are read back as sent; ssl_properties is computed and not set",
  },

  aws_glue_security_configuration: {
    sources: [src("internal/service/glue/security_configuration.go")],
    normalizations: [],
    reviewed:
      "every attribute forces replacement and is read back from GetSecurityConfiguration as sent (encryption modes and the key ARN)",
  },

  aws_athena_named_query: {
    sources: [src("internal/service/athena/named_query.go")],
    normalizations: [],
    reviewed: "name, database, workgroup, description and query force replacement and are read back from GetNamedQuery as sent",
  },

  aws_cloudwatch_log_group: {
    sources: [src("internal/service/logs/group.go")],
    normalizations: [],
    reviewed:
      "name, retention_in_days and kms_key_id (a key ARN) are read back from DescribeLogGroups as sent; log_group_class is computed and not set",
  },

  aws_cloudwatch_log_stream: {
    sources: [src("internal/service/logs/stream.go")],
    normalizations: [],
    reviewed: "name and log_group_name force replacement and are read back as sent",
  },

  aws_s3_bucket: {
    sources: [src("internal/service/s3/bucket.go")],
    normalizations: [],
    reviewed:
      "only bucket_prefix (generates the name) and force_destroy (kept from configuration, not read from AWS) are set; every other attribute is computed",
  },

  aws_s3_bucket_ownership_controls: {
    sources: [src("internal/service/s3/bucket_ownership_controls.go")],
    normalizations: [],
    reviewed: "rule.object_ownership is read back from GetBucketOwnershipControls as sent",
  },

  aws_s3_bucket_public_access_block: {
    sources: [src("internal/service/s3/bucket_public_access_block.go")],
    normalizations: [],
    reviewed: "the four booleans are read back from GetPublicAccessBlock as sent",
  },

  aws_s3_bucket_versioning: {
    sources: [src("internal/service/s3/bucket_versioning.go")],
    normalizations: [],
    reviewed: "versioning_configuration.status is read back from GetBucketVersioning as sent (Enabled); mfa_delete is computed and not set",
  },

  aws_scheduler_schedule: {
    sources: [src("internal/service/scheduler/schedule.go")],
    normalizations: [],
    reviewed:
      "target.input is a plain string stored as returned (no JSON normalization); retry_policy and schedule_expression_timezone are set explicitly, so their schema defaults never apply",
  },
};

/** Meta-arguments: not attributes of the resource, never in state. */
const META_ARGUMENTS = new Set(["//", "depends_on", "lifecycle", "provider", "count", "for_each", "provisioner", "connection"]);

/** The resource's attributes only. */
export function attributesOf(resource: Block): Block {
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !META_ARGUMENTS.has(k)));
}

/** What the provider stores for `resource` (type `type`) after reading it back: every normalization applied in order. */
export function readBack(type: string, resource: Block): Block {
  const reviewed = PROVIDER_NORMALIZATIONS[type];
  if (!reviewed) throw new Error(`${type} has not been reviewed for read-back normalizations`);
  return reviewed.normalizations.reduce((state, n) => (n.readBack ? n.readBack(state) : state), attributesOf(resource));
}

/** One attribute a second plan would change. */
export interface AttributeChange {
  readonly path: string;
  readonly configured: unknown;
  readonly state: unknown;
}

/**
 * The attributes a plan would change, computed like Terraform's: every attribute the configuration
 * sets must equal the state (or be equivalent under its `compare`); attributes left unset (optional,
 * computed or defaulted) are not compared; nested blocks compare the attributes they set; sets
 * compare without order; maps compare whole.
 */
export function planChanges(type: string, configured: Block, state: Block): AttributeChange[] {
  const reviewed = PROVIDER_NORMALIZATIONS[type];
  if (!reviewed) throw new Error(`${type} has not been reviewed for read-back normalizations`);
  const compares = new Map(reviewed.normalizations.filter((n) => n.compare).map((n) => [n.compare!.path, n.compare!.equivalent]));
  const sets = new Set(reviewed.sets ?? []);
  const maps = new Set(["tags", ...(reviewed.maps ?? [])]);
  const out: AttributeChange[] = [];

  const walk = (path: string, shown: string, cfg: unknown, st: unknown, sink: AttributeChange[]) => {
    if (cfg === undefined || cfg === null) return;
    const equivalent = compares.get(path);
    if (equivalent) {
      if (!equivalent(cfg, st)) sink.push({ path: shown, configured: cfg, state: st });
      return;
    }
    if (Array.isArray(cfg)) {
      const stList = st === undefined || st === null ? [] : Array.isArray(st) ? st : [st];
      if (stList.length !== cfg.length) {
        sink.push({ path: shown, configured: cfg, state: st });
        return;
      }
      if (sets.has(path)) {
        const used = new Set<number>();
        for (const element of cfg) {
          const match = stList.findIndex((candidate, j) => {
            if (used.has(j)) return false;
            const probe: AttributeChange[] = [];
            walk(path, shown, element, candidate, probe);
            return probe.length === 0;
          });
          if (match < 0) {
            sink.push({ path: shown, configured: cfg, state: st });
            return;
          }
          used.add(match);
        }
        return;
      }
      cfg.forEach((element, i) => walk(path, `${shown}[${i}]`, element, stList[i], sink));
      return;
    }
    if (typeof cfg === "object") {
      const stObject = Array.isArray(st) && st.length === 1 ? st[0] : st;
      if (stObject === undefined || stObject === null || typeof stObject !== "object") {
        sink.push({ path: shown, configured: cfg, state: st });
        return;
      }
      if (maps.has(path)) {
        if (!jsonEqual(cfg, stObject)) sink.push({ path: shown, configured: cfg, state: st });
        return;
      }
      for (const [key, value] of Object.entries(cfg as Block)) {
        walk(path ? `${path}.${key}` : key, shown ? `${shown}.${key}` : key, value, (stObject as Block)[key], sink);
      }
      return;
    }
    if (cfg !== st) sink.push({ path: shown, configured: cfg, state: st });
  };

  walk("", "", attributesOf(configured), state, out);
  return out;
}

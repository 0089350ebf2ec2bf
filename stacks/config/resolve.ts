/**
 * The one place physical names and the Terraform backend are worked out from the settings. Every
 * construct, the rehearsal and the CLIs read `config.resolvedNames` instead of rebuilding a name.
 */
import { physicalName, type BatchFunctionName } from "../../contract/names";
import type { ProblemList } from "./problems";
import type { PipelineSettings } from "./settings";

/** An exact bucket name, or a prefix Terraform completes with a unique suffix. */
export type BucketName = { readonly name: string } | { readonly prefix: string };

/** Physical names of one environment, derived from `namePrefix` unless overridden in `names`. */
export interface ResolvedNames {
  /** `<namePrefix>-<environment>`: the start of every name built from a template. */
  readonly base: string;
  readonly stream: string;
  readonly deliveryStream: string;
  readonly transformFunction: string;
  readonly lakeBucket: BucketName;
  readonly resultsBucket: BucketName;
  readonly accessLogBucket: BucketName;
  readonly database: string;
  readonly table: string;
  readonly workgroup: string;
  /** The batch validation query's own workgroup, `<prefix>-<env>-batch-validation`. */
  readonly batchValidationWorkgroup: string;
  readonly crawler: string;
  readonly stateMachine: string;
  /** The batch functions' names, `<base>-batch-<name>` (the functions exist only with `batch.enabled`). */
  readonly batchFunctions: Readonly<Record<BatchFunctionName, string>>;
  /** The alerts topic, `<base>-alerts`. */
  readonly alertsTopic: string;
  /** The batch schedule's dead-letter queue, `<base>-batch-schedule-dlq`. */
  readonly scheduleDeadLetterQueue: string;
  /** The stack key's alias without `alias/` (used with `security.encryption: customer-managed`). */
  readonly keyAlias: string;
}

/** Where the stack's Terraform state lives. */
export type BackendChoice =
  | { readonly kind: "cloud"; readonly organization: string; readonly workspace: string; readonly hostname: string }
  | { readonly kind: "local"; readonly reason: string };

/** Every physical name of one environment. */
export function resolveNames(s: PipelineSettings, environment: string): ResolvedNames {
  const base = `${s.namePrefix}-${environment}`;
  const bucket = (exact: string | undefined, role: string): BucketName =>
    exact !== undefined ? { name: exact } : { prefix: `${base}-${role}-` };
  return {
    base,
    stream: s.names.stream ?? `${base}-events`,
    deliveryStream: s.names.deliveryStream ?? `${base}-delivery`,
    transformFunction: s.names.transformFunction ?? `${base}-transform`,
    lakeBucket: bucket(s.names.lakeBucket, "lake"),
    resultsBucket: bucket(s.names.resultsBucket, "results"),
    accessLogBucket: bucket(s.names.accessLogBucket, "access-logs"),
    database: s.names.database ?? base.replace(/-/g, "_"),
    table: s.catalog.tableName,
    workgroup: s.names.workgroup ?? base,
    batchValidationWorkgroup: physicalName.batchValidationWorkgroup(base),
    crawler: s.names.crawler ?? `${base}-partitions`,
    stateMachine: s.names.stateMachine ?? `${base}-batch`,
    batchFunctions: {
      extract: physicalName.batchFunction(base, "extract"),
      push: physicalName.batchFunction(base, "push"),
      "delivery-check": physicalName.batchFunction(base, "delivery-check"),
      finalize: physicalName.batchFunction(base, "finalize"),
    },
    alertsTopic: physicalName.alertsTopic(base),
    scheduleDeadLetterQueue: physicalName.scheduleDeadLetterQueue(base),
    keyAlias: physicalName.keyAlias(base),
  };
}

/** Terraform Cloud when an organization is known (settings, then `TF_CLOUD_ORGANIZATION`), else local state. */
export function chooseBackend(problems: ProblemList, s: PipelineSettings, environment: string, env: NodeJS.ProcessEnv): BackendChoice {
  const organization = s.terraformCloud.organization ?? env.TF_CLOUD_ORGANIZATION?.trim();
  const workspace = s.terraformCloud.workspace.replace(/\{prefix\}/g, s.namePrefix).replace(/\{env\}/g, environment);
  problems.pattern("terraformCloud.workspace", workspace, {
    pattern: /^[A-Za-z0-9_-]{1,90}$/,
    allowed: "1–90 letters, digits, - and _ after {prefix} and {env} are replaced",
    fix: "use only letters, digits, - and _ around {prefix} and {env}",
    received: s.terraformCloud.workspace,
  });
  if (!organization) return { kind: "local", reason: "no terraformCloud.organization and no TF_CLOUD_ORGANIZATION" };
  problems.pattern("terraformCloud.organization", organization, {
    pattern: /^[A-Za-z0-9_-]{1,40}$/,
    allowed: "1–40 letters, digits, - and _",
    fix: "use your Terraform Cloud organization's exact name",
  });
  return { kind: "cloud", organization, workspace, hostname: s.terraformCloud.hostname };
}

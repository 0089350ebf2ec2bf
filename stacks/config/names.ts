/**
 * The name check: `derivedNames` lists every name a configuration produces (templates in
 * `contract/names.ts`), with the AWS limit it must meet (NAME_LIMITS) and the field that sets it.
 */
import { latestViewName } from "../../contract/sql/latest-view";
import { BATCH_FUNCTION_NAMES, physicalName } from "../../contract/names";
import { NAME_LIMITS, NameKind } from "./limits";
import type { PipelineSettings } from "./settings";

/** The longest alarm signal other than the per-function ones (`lambda-<function>-throttles`). */
const LONGEST_FIXED_ALARM_SIGNAL = "batch-schedule-dead-letters";

/** The configuration fields names are built from: a `names.*` override, the table name or `namePrefix`. */
export type DerivedNameField =
  "namePrefix" | "catalog.tableName" | "names.transformFunction" | "names.deliveryStream" | "names.crawler" | "names.stateMachine";

/** One physical name, the limit it must meet, and the configuration field that sets it. */
export interface DerivedName {
  readonly kind: NameKind;
  readonly value: string;
  /** The field to change when the name does not fit. */
  readonly field: DerivedNameField;
}

/** The names of one environment the derived names start from (see `resolveNames` in ./resolve). */
export interface BaseNames {
  readonly stream: string;
  readonly deliveryStream: string;
  readonly transformFunction: string;
  readonly database: string;
  readonly table: string;
  readonly workgroup: string;
  readonly crawler: string;
  readonly stateMachine: string;
}

/**
 * Every physical name built from templates (the base names themselves are checked on their own)
 * for the resources this configuration creates. Alarm names are bounded from above by the
 * unshortened function name, so a name that passes here always fits.
 */
export function derivedNames(s: PipelineSettings, environment: string, names: BaseNames): DerivedName[] {
  const base = `${s.namePrefix}-${environment}`;
  const out: DerivedName[] = [];
  const add = (kind: NameKind, value: string, field: DerivedNameField) => out.push({ kind, value, field });
  const fn = (name: string, field: DerivedNameField) => {
    add("iamRole", physicalName.lambdaRole(name), field);
    add("iamRolePolicy", physicalName.lambdaPolicy(name), field);
    add("logGroup", physicalName.lambdaLogGroup(name), field);
  };
  fn(names.transformFunction, "names.transformFunction");
  add("iamRole", physicalName.firehoseRole(names.deliveryStream), "names.deliveryStream");
  add("logGroup", physicalName.firehoseLogGroup(names.deliveryStream), "names.deliveryStream");
  add("iamRole", physicalName.crawlerRole(names.crawler), "names.crawler");
  add("glueSecurityConfiguration", physicalName.crawlerSecurityConfiguration(names.crawler), "names.crawler");
  if (s.schema.columns.some((column) => column.name === s.batch.eventIdColumn)) {
    add("glueTable", latestViewName(names.table), "catalog.tableName");
  }
  add("snsTopic", physicalName.alertsTopic(base), "namePrefix");
  if (s.security.encryption === "customer-managed") add("kmsAlias", `alias/${physicalName.keyAlias(base)}`, "namePrefix");
  const functions = [names.transformFunction];
  if (s.batch.enabled) {
    for (const name of BATCH_FUNCTION_NAMES) {
      const functionName = physicalName.batchFunction(base, name);
      add("lambdaFunction", functionName, "namePrefix");
      fn(functionName, "namePrefix");
      functions.push(functionName);
    }
    add("iamRole", physicalName.stateMachineRole(names.stateMachine), "names.stateMachine");
    add("logGroup", physicalName.stateMachineLogGroup(names.stateMachine), "names.stateMachine");
    add("sqsQueue", physicalName.scheduleDeadLetterQueue(base), "namePrefix");
    add("athenaWorkgroup", physicalName.batchValidationWorkgroup(base), "namePrefix");
    if (s.batch.schedule !== null) {
      add("iamRole", physicalName.schedulerRole(names.stateMachine), "names.stateMachine");
      add("schedule", physicalName.schedule(names.stateMachine), "names.stateMachine");
    }
  }
  if (s.monitoring.enabled) {
    add("eventRule", physicalName.crawlerFailureRule(base), "namePrefix");
    add("dashboard", physicalName.dashboard(base), "namePrefix");
    add("metricAlarm", physicalName.alarm(base, LONGEST_FIXED_ALARM_SIGNAL), "namePrefix");
    for (const functionName of functions) {
      const field = functionName === names.transformFunction ? "names.transformFunction" : "namePrefix";
      add("metricAlarm", physicalName.alarm(base, `lambda-${functionName}-throttles`), field);
    }
  }
  if (s.quicksight.enabled) {
    add("quickSightId", physicalName.quickSightDataSource(base), "namePrefix");
    add("quickSightId", physicalName.quickSightDataSet(base), "namePrefix");
    add("quickSightId", physicalName.quickSightAnalysis(base), "namePrefix");
    add("iamRolePolicy", physicalName.quickSightServiceRolePolicy(base), "namePrefix");
  }
  return out;
}

/** Why `value` breaks the limit of its kind, or undefined when it fits. */
export function nameProblem(kind: NameKind, value: string): string | undefined {
  const rule = NAME_LIMITS[kind];
  if (value.length < rule.minLength || value.length > rule.maxLength) {
    return `the ${rule.what} "${value}" has ${value.length} characters, AWS allows ${rule.minLength}–${rule.maxLength}`;
  }
  if (!rule.pattern.test(value)) return `the ${rule.what} "${value}" must match ${rule.pattern}`;
  return undefined;
}

/**
 * Physical names: every name the stack gives an AWS resource is built by a template here, so the
 * constructs, the configuration check, the rehearsal and the operator CLI use the same text.
 */

/** The batch functions; each is named `<prefix>-<env>-batch-<name>` and built from `handlers/<name>/`. */
export const BATCH_FUNCTION_NAMES = ["extract", "push", "delivery-check", "finalize"] as const;

/** One of {@link BATCH_FUNCTION_NAMES}. */
export type BatchFunctionName = (typeof BATCH_FUNCTION_NAMES)[number];

/** Name templates. The argument is the name (or `<prefix>-<env>` base) the resource belongs to. */
export const physicalName = {
  /** Execution role of a Lambda function. */
  lambdaRole: (functionName: string) => `${functionName}-role`,
  /** Inline runtime policy of a Lambda function's role. */
  lambdaPolicy: (functionName: string) => `${functionName}-runtime`,
  lambdaLogGroup: (functionName: string) => `/aws/lambda/${functionName}`,
  batchFunction: (base: string, name: string) => `${base}-batch-${name}`,
  firehoseRole: (deliveryStream: string) => `${deliveryStream}-firehose`,
  firehoseLogGroup: (deliveryStream: string) => `/aws/kinesisfirehose/${deliveryStream}`,
  crawlerRole: (crawler: string) => `${crawler}-crawler`,
  crawlerSecurityConfiguration: (crawler: string) => `${crawler}-security`,
  stateMachineRole: (stateMachine: string) => `${stateMachine}-states`,
  stateMachineLogGroup: (stateMachine: string) => `/aws/vendedlogs/states/${stateMachine}`,
  schedulerRole: (stateMachine: string) => `${stateMachine}-scheduler`,
  schedule: (stateMachine: string) => `${stateMachine}-schedule`,
  scheduleDeadLetterQueue: (base: string) => `${base}-batch-schedule-dlq`,
  /** The batch validation query's own Athena workgroup. */
  batchValidationWorkgroup: (base: string) => `${base}-batch-validation`,
  alertsTopic: (base: string) => `${base}-alerts`,
  /** Alias name without `alias/`; the KMS alias resource is `alias/<this>`. */
  keyAlias: (base: string) => `${base}-lake`,
  alarm: (base: string, signal: string) => `${base}-${signal}`,
  crawlerFailureRule: (base: string) => `${base}-crawler-failed`,
  dashboard: (base: string) => `${base}-pipeline`,
  quickSightDataSource: (base: string) => `${base}-athena`,
  quickSightDataSet: (base: string) => `${base}-events`,
  quickSightAnalysis: (base: string) => `${base}-events-analysis`,
  /** Inline policy the stack attaches to QuickSight's existing service role. */
  quickSightServiceRolePolicy: (base: string) => `${base}-quicksight-athena`,
} as const;

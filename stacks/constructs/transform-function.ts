import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import { TRANSFORM_ENV } from "../../contract/environment";
import { AwsContext } from "./iam";
import { bindEnvironment, NodeFunction } from "./node-function";
import { TRANSFORM_METRICS_NAMESPACE } from "./metrics";
import { TransformSettings } from "../../contract/settings";

export interface TransformFunctionProps {
  /** Physical name (`ResolvedNames.transformFunction`). */
  readonly functionName: string;
  /** What the function receives as its settings variable (see `transformSettings(config)`). */
  readonly settings: TransformSettings;
  /** Memory in MiB (CPU scales with it). */
  readonly memoryMiB: number;
  /** At most 300 s, Firehose's limit for one transform invocation. */
  readonly timeoutSeconds: number;
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  /** Days the log group keeps events. */
  readonly logRetentionDays: number;
  /** Customer-managed key for logs and environment. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
  /** Account, partition and region ARNs are built from. */
  readonly ctx: AwsContext;
}

/**
 * The Firehose transform: validates and coerces each record against the event schema and appends a
 * newline. Published as a version so Firehose invokes a version-qualified ARN. Firehose passes the
 * records in and takes the result back, so the function needs no data permissions.
 */
export class TransformFunction extends Construct {
  public readonly fn: LambdaFunction;
  /** Where the function publishes its record metrics; alarms on them read it from here. */
  public readonly metricsNamespace = TRANSFORM_METRICS_NAMESPACE;

  constructor(scope: Construct, id: string, props: TransformFunctionProps) {
    super(scope, id);
    this.fn = new NodeFunction(this, "function", {
      functionName: props.functionName,
      description: "Firehose transform: validates events against the schema, appends a newline",
      entry: "handlers/transform/index.ts",
      memoryMiB: props.memoryMiB,
      timeoutSeconds: props.timeoutSeconds,
      tracing: props.tracing,
      publish: true,
      // Firehose passes the records in and takes the result back: the settings need no permission.
      bindings: [bindEnvironment(TRANSFORM_ENV.settings, JSON.stringify(props.settings))],
      logRetentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      ctx: props.ctx,
    }).fn;
  }
}

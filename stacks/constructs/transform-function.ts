import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import { TRANSFORM_ENV } from "../../contract/environment";
import { AwsContext } from "./iam";
import { NodeFunction } from "./node-function";
import { TransformSettings } from "../../contract/settings";

export interface TransformFunctionProps {
  readonly functionName: string;
  readonly settings: TransformSettings;
  readonly memoryMiB: number;
  /** At most 300 s, Firehose's limit for one transform invocation. */
  readonly timeoutSeconds: number;
  readonly tracing: boolean;
  readonly logRetentionDays: number;
  /** Customer-managed key for logs and environment; unset uses AWS-managed keys. */
  readonly kmsKeyArn?: string;
  readonly ctx: AwsContext;
}

/**
 * The Firehose transform: validates and coerces each record against the event schema and appends a
 * newline. Published as a version so Firehose invokes a version-qualified ARN. Firehose passes the
 * records in and takes the result back, so the function needs no data permissions.
 */
export class TransformFunction extends Construct {
  public readonly fn: LambdaFunction;

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
      environment: {
        [TRANSFORM_ENV.settings]: JSON.stringify(props.settings),
      },
      statements: [],
      logRetentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      ctx: props.ctx,
    }).fn;
  }
}

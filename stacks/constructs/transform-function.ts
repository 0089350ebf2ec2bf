import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import { TRANSFORM_ENV, TransformSettings } from "../../handlers/shared/contract";
import { BundledHandler } from "./bundled-handler";
import { arn, AwsContext, grant, PolicyStatement, serviceRole, XRAY_WRITE } from "./iam";

export interface TransformFunctionProps {
  readonly functionName: string;
  readonly settings: TransformSettings;
  readonly memoryMiB: number;
  /** At most 300 s, Firehose's limit for one transform invocation. */
  readonly timeoutSeconds: number;
  readonly tracing: boolean;
  readonly logRetentionDays: number;
  readonly ctx: AwsContext;
}

/** Node.js runtime of every function in the project. */
export const LAMBDA_RUNTIME = "nodejs22.x";

/**
 * The Firehose transform: validates and coerces each record against the event schema and appends a
 * newline. Published as a version so Firehose invokes a version-qualified ARN.
 */
export class TransformFunction extends Construct {
  public readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: TransformFunctionProps) {
    super(scope, id);
    const logGroupName = `/aws/lambda/${props.functionName}`;
    const logs = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
    });
    const role = serviceRole(this, "role", `${props.functionName}-role`, "lambda.amazonaws.com", props.ctx);
    // Firehose passes the records in and takes the result back: no data permissions are needed.
    const statements: PolicyStatement[] = [
      {
        sid: "WriteOwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${arn.logGroup(props.ctx, logGroupName)}:*`],
      },
    ];
    if (props.tracing) statements.push(XRAY_WRITE);
    const policy = grant(this, "transform-runtime", role, statements);

    const code = new BundledHandler(this, "code", { entry: "handlers/transform/index.ts" });
    this.fn = new LambdaFunction(this, "fn", {
      functionName: props.functionName,
      description: "Firehose transform: validates events against the schema, appends a newline",
      role: role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: code.asset.path,
      sourceCodeHash: code.asset.assetHash,
      memorySize: props.memoryMiB,
      timeout: props.timeoutSeconds,
      publish: true,
      tracingConfig: { mode: props.tracing ? "Active" : "PassThrough" },
      environment: {
        variables: {
          [TRANSFORM_ENV.settings]: JSON.stringify(props.settings),
          [TRANSFORM_ENV.serviceName]: props.functionName,
          [TRANSFORM_ENV.metricsNamespace]: "DataLake/Transform",
          [TRANSFORM_ENV.logLevel]: "INFO",
        },
      },
      dependsOn: [logs, policy],
    });
  }
}

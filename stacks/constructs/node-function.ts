import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import { POWERTOOLS_ENV } from "../../contract/environment";
import { BundledHandler } from "./bundled-handler";
import { TRANSFORM_METRICS_NAMESPACE } from "./metrics";
import { arn, AwsContext, grant, kmsThrough, PolicyStatement, serviceRole, XRAY_WRITE } from "./iam";
import { physicalName } from "../../contract/names";

/** Node.js runtime of every function in the project. */
export const LAMBDA_RUNTIME = "nodejs22.x";

/** Powertools log level of every function. */
export const FUNCTION_LOG_LEVEL = "INFO";

/** Metrics namespace per handler entry, for the handlers that publish Powertools metrics. */
export const METRICS_NAMESPACES: Readonly<Record<string, string>> = {
  "handlers/transform/index.ts": TRANSFORM_METRICS_NAMESPACE,
};

/**
 * Powertools settings of a function, the one place they come from: the service name is the function's
 * name (unique per environment; the transform's record alarms filter on it), the log level is
 * {@link FUNCTION_LOG_LEVEL}, and handlers that publish metrics get their {@link METRICS_NAMESPACES} entry.
 */
export function powertoolsEnvironment(functionName: string, entry: string): Record<string, string> {
  const namespace = METRICS_NAMESPACES[entry];
  return {
    [POWERTOOLS_ENV.serviceName]: functionName,
    [POWERTOOLS_ENV.logLevel]: FUNCTION_LOG_LEVEL,
    ...(namespace ? { [POWERTOOLS_ENV.metricsNamespace]: namespace } : {}),
  };
}

/** An environment variable and the permissions on what it names: the two are always written together. */
export interface EnvironmentBinding {
  /** The variable the handler reads (a name from `contract/environment` or `contract/batch`). */
  readonly variable: string;
  readonly value: string;
  /** What the handler does with the resource the variable names; empty for a plain setting. */
  readonly statements: readonly PolicyStatement[];
}

/**
 * Binds one environment variable together with the statements that let the function use what it
 * names, e.g. `bindEnvironment(BATCH_ENV.bucket, bucket.bucket, [readObjects])`.
 */
export function bindEnvironment(variable: string, value: string, statements: readonly PolicyStatement[] = []): EnvironmentBinding {
  return { variable, value, statements };
}

export interface NodeFunctionProps {
  /** Physical name; also the Powertools service name. */
  readonly functionName: string;
  /** Shown in the console and in `aws lambda get-function`. */
  readonly description: string;
  /** Handler entry relative to the project root, e.g. `handlers/push/index.ts`. */
  readonly entry: string;
  /** Memory in MiB (CPU scales with it). */
  readonly memoryMiB: number;
  /** Longest run, in seconds. */
  readonly timeoutSeconds: number;
  /**
   * The handler's own variables, each with its permissions; Powertools' variables come from
   * {@link powertoolsEnvironment} and may not be bound here. Writing its own logs is always granted.
   */
  readonly bindings: readonly EnvironmentBinding[];
  /**
   * Permissions tied to no variable (e.g. use of the key that encrypts a bound bucket's objects),
   * placed after the bindings' statements. @default []
   */
  readonly grants?: readonly PolicyStatement[];
  /** X-Ray active tracing. @default true */
  readonly tracing?: boolean;
  /** Publish a version on every change (callers that need a qualified ARN). @default false */
  readonly publish?: boolean;
  /** Days the log group keeps events. */
  readonly logRetentionDays: number;
  /** Customer-managed key for the log group and the environment variables. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
  /** Account, partition and region the log-group ARN is built from. */
  readonly ctx: AwsContext;
}

const DEFAULTS = { tracing: true, publish: false, grants: [] as readonly PolicyStatement[] } as const;

/**
 * One Lambda function: esbuild bundle, arm64 Node.js 22, its own role with exactly the given
 * statements plus its own log writes, and an explicit log group with retention.
 */
export class NodeFunction extends Construct {
  public readonly fn: LambdaFunction;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const tracing = props.tracing ?? DEFAULTS.tracing;
    const environment = Object.fromEntries(props.bindings.map((b) => [b.variable, b.value]));
    const ownPowertools = Object.keys(environment).filter((name) => (Object.values(POWERTOOLS_ENV) as string[]).includes(name));
    if (ownPowertools.length > 0) {
      throw new Error(
        `NodeFunction "${props.functionName}": environment sets ${ownPowertools.join(", ")}; NodeFunction sets Powertools' variables for every function (powertoolsEnvironment)`,
      );
    }
    const logGroupName = physicalName.lambdaLogGroup(props.functionName);
    // Created by Terraform with retention; otherwise Lambda creates it with "never expire".
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.role = serviceRole(this, "role", physicalName.lambdaRole(props.functionName), "lambda.amazonaws.com", props.ctx);
    const statements: PolicyStatement[] = [
      {
        sid: "WriteOwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${arn.logGroup(props.ctx, logGroupName)}:*`],
      },
      ...props.bindings.flatMap((b) => b.statements),
      ...(props.grants ?? DEFAULTS.grants),
    ];
    if (tracing) statements.push(XRAY_WRITE);
    if (props.kmsKeyArn) {
      statements.push(kmsThrough("DecryptEnvironment", props.kmsKeyArn, ["kms:Decrypt"], "lambda", props.ctx));
    }
    const policy = grant(this, physicalName.lambdaPolicy(props.functionName), this.role, statements);

    const code = new BundledHandler(this, "code", { entry: props.entry });
    this.fn = new LambdaFunction(this, "fn", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: code.asset.path,
      sourceCodeHash: code.asset.assetHash,
      memorySize: props.memoryMiB,
      timeout: props.timeoutSeconds,
      publish: props.publish ?? DEFAULTS.publish,
      tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
      environment: { variables: { ...environment, ...powertoolsEnvironment(props.functionName, props.entry) } },
      kmsKeyArn: props.kmsKeyArn,
      dependsOn: [this.logGroup, policy],
    });
  }
}

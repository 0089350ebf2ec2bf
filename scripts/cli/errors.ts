/**
 * Errors of the batch CLI and how each one is explained to the operator. Pure: the mapping from an
 * SDK error to a message and an exit code is decided here, printing happens in the entry.
 */

/** Exit codes: 0 ok, 1 the execution failed (or an unexpected error), 2 the operator must fix something. */
export const EXIT = { ok: 0, failed: 1, user: 2 } as const;

/** Permissions the CLI uses; quoted in credential and access errors. */
export const REQUIRED_ACTIONS = [
  "states:StartExecution",
  "states:DescribeExecution",
  "states:GetExecutionHistory",
  "states:ListExecutions",
  "states:ListStateMachines",
] as const;

/** What `replay --dry-run` reads with S3 (ListAllMyBuckets only to find the lake bucket without --bucket). */
export const DRY_RUN_ACTIONS = ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetObject"] as const;

/** Shown when the SDK finds no credentials at all. */
export const NO_CREDENTIALS_MESSAGE =
  "No AWS credentials found. Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY " +
  `(the role needs ${REQUIRED_ACTIONS.join(", ")}).`;

/** An error the operator can fix; printed without a stack trace. */
export class CliError extends Error {
  override readonly name: string = "CliError";
  constructor(
    message: string,
    /** Process exit code. @default 2 */
    readonly exitCode: number = EXIT.user,
  ) {
    super(message);
  }
}

/** A mistake on the command line; printed with the usage text. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
}

/** What the CLI was working on when an error happened, to make the message specific. */
export interface ErrorContext {
  region?: string;
  stateMachineArn?: string;
  executionArn?: string;
}

/** How to report an error: the message, the exit code, and whether to append usage or a stack. */
export interface Explanation {
  readonly message: string;
  readonly exitCode: number;
  readonly showUsage: boolean;
  /** Only for errors nobody anticipated; user errors never show a stack. */
  readonly stack?: string;
}

const REJECTED_CREDENTIALS = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
]);

/** Maps anything thrown while running a command to what the operator sees. */
export function explainError(error: unknown, context: ErrorContext = {}): Explanation {
  const user = (message: string): Explanation => ({ message, exitCode: EXIT.user, showUsage: false });
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode, showUsage: error instanceof UsageError };
  }
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = context.region ? ` in ${context.region}` : "";
  if (name === "CredentialsProviderError" || /could not load credentials from any providers/i.test(message)) {
    return user(NO_CREDENTIALS_MESSAGE);
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return user(`AWS rejected the credentials (${name}: ${message}). Refresh them (e.g. aws sso login) or set AWS_PROFILE.`);
  }
  if (name === "AccessDeniedException") {
    return user(`Access denied: ${message}. The role needs ${REQUIRED_ACTIONS.join(", ")}.`);
  }
  if (name === "AccessDenied") {
    return user(
      `Access denied by S3: ${message}. A replay dry run needs ${DRY_RUN_ACTIONS.join(", ")} ` +
        "(ListBucket and GetObject on the lake bucket's errors/ and raw/; ListAllMyBuckets only without --bucket).",
    );
  }
  if (name === "NoSuchBucket") return user(`No such bucket: ${message}. Check --bucket, or deploy the stack first.`);
  if (name === "ConfigError") return user(message);
  if (name === "ExecutionDoesNotExist") {
    return user(
      `Execution${named(context.executionArn)} does not exist${where}. ` + "Check the ARN; npm run batch -- list shows recent executions.",
    );
  }
  if (name === "StateMachineDoesNotExist") {
    return user(
      `State machine${named(context.stateMachineArn)} does not exist${where}; ` +
        "deploy the stack first (npm run deploy) or check --state-machine-arn.",
    );
  }
  if (name === "InvalidArn") return user(`Invalid ARN: ${message}`);
  if (isServiceError(error)) {
    return { message: `AWS error ${name}: ${message}`, exitCode: EXIT.failed, showUsage: false };
  }
  return {
    message: `unexpected error: ${message}`,
    exitCode: EXIT.failed,
    showUsage: false,
    stack: error instanceof Error ? error.stack : undefined,
  };
}

function named(arn: string | undefined): string {
  return arn ? ` ${arn}` : "";
}

function errorName(error: unknown): string {
  if (typeof error !== "object" || error === null) return "";
  const name = (error as { name?: unknown }).name;
  return typeof name === "string" ? name : "";
}

function isServiceError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "$metadata" in error;
}

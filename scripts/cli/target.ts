/**
 * Which environment, region and state machine a command talks to, and the names and links derived
 * from them. Pure.
 */
import { CliError } from "./errors";

/**
 * The environment to use: the one asked for, else `dev`, else the first one in the file.
 * Throws a {@link CliError} listing the environments when the one asked for does not exist.
 */
export function chooseEnvironment(available: readonly string[], requested: string | undefined): string {
  if (available.length === 0) throw new CliError("pipeline.config.ts defines no environments; add one under environments");
  if (requested === undefined) return available.includes("dev") ? "dev" : available[0]!;
  if (!available.includes(requested)) {
    throw new CliError(`Unknown environment "${requested}"; pipeline.config.ts defines: ${available.join(", ")}`);
  }
  return requested;
}

/** The region of a Step Functions ARN (`arn:aws:states:<region>:…`), if it has one. */
export function regionOfArn(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region ? region : undefined;
}

/** The last segment of an ARN: the state machine's or the execution's name. */
export function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}

/** The Step Functions console page of an execution. */
export function consoleUrl(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * A readable, unique execution name from the batch's scheduled time: `manual-20250131T0200-k3x9`
 * (`replay-…` for a replay). `random` returns a number in [0, 1), as Math.random does.
 */
export function executionName(scheduledTime: string, random: () => number, kind: "manual" | "replay" = "manual"): string {
  const stamp = scheduledTime.replace(/[-:]/g, "").slice(0, 13);
  const suffix = Array.from({ length: 4 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(random() * 36) % 36]).join("");
  return `${kind}-${stamp}-${suffix}`;
}

/**
 * The lake bucket among `names` (from ListBuckets): the configured exact name, or the one bucket whose
 * name is the configured `bucket_prefix` plus Terraform's unique suffix. Throws a {@link CliError}
 * when none or several match, asking for --bucket.
 */
export function chooseLakeBucket(names: readonly string[], configured: { readonly name: string } | { readonly prefix: string }): string {
  if ("name" in configured) return configured.name;
  const matching = names.filter((name) => name.startsWith(configured.prefix));
  if (matching.length === 1) return matching[0]!;
  if (matching.length === 0) {
    throw new CliError(
      `No bucket named ${configured.prefix}… found; deploy the stack first, or pass --bucket <lake bucket> (the stack output lake_bucket)`,
    );
  }
  throw new CliError(
    `${matching.length} buckets are named ${configured.prefix}… (${matching.join(", ")}); pass --bucket <lake bucket> (the stack output lake_bucket)`,
  );
}

/** Why the state machine lookup found nothing, and what to do about it. */
export function stateMachineNotFoundMessage(name: string, region: string, environment: string, batchEnabled: boolean): string {
  const disabled = batchEnabled ? "" : ` (batch.enabled is false for environment ${environment})`;
  return (
    `State machine ${name} not found in ${region}${disabled}; ` + "deploy the stack first (npm run deploy) or pass --state-machine-arn"
  );
}

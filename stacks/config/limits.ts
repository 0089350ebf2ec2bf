/**
 * AWS limits the configuration is validated against. One place, imported by the validator and quoted
 * by the README, so a limit changes in one line. Sources: ../shared/aws-facts.md and the AWS API references.
 */
export const LIMITS = {
  stream: {
    retentionHours: { min: 24, max: 8760 },
    shardCount: { min: 1, max: 10000 },
    name: { pattern: /^[a-zA-Z0-9_.-]+$/, maxLength: 128 },
  },
  delivery: {
    bufferSizeMiB: { min: 1, max: 128, minWithConversion: 64 },
    bufferIntervalSeconds: { min: 0, max: 900, minWithDynamicPartitioning: 60 },
    processorBufferSizeMB: { min: 0.2, max: 3 },
    processorBufferIntervalSeconds: { min: 60, max: 900 },
    name: { pattern: /^[a-zA-Z0-9_.-]+$/, maxLength: 64 },
  },
  lambda: {
    name: { pattern: /^[a-zA-Z0-9_-]+$/, maxLength: 64 },
    memoryMiB: { min: 128, max: 10240 },
    /** Firehose waits at most 5 minutes for a transform invocation. */
    transformTimeoutSeconds: { min: 1, max: 300 },
  },
  bucket: {
    minLength: 3,
    maxLength: 63,
    /** `bucket_prefix` leaves room for Terraform's 26-character unique suffix. */
    prefixMaxLength: 37,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
  },
  glue: {
    /** Lower-case, no hyphens (Athena would need quoting) and no dots (Hive SerDe). */
    name: { pattern: /^[a-z_][a-z0-9_]*$/, maxLength: 255 },
    cron: "cron(minutes hours day-of-month month day-of-week year)",
  },
  athena: {
    workgroup: { pattern: /^[a-zA-Z0-9._-]+$/, maxLength: 128 },
    /** Athena rejects a per-query cutoff below 10 MB. */
    bytesScannedCutoff: { min: 10_485_760 },
  },
  logRetentionDays: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
  /** Lambda allows 4 KB of environment variables in total. */
  lambdaEnvironmentBytes: 4096,
} as const;

/** Rules linking the stream, delivery, security and monitoring settings to each other. */
import { LIMITS } from "../limits";
import type { ProblemList } from "../problems";
import type { PipelineSettings } from "../settings";

/** A PROVISIONED stream needs a shard count; an ON_DEMAND one must not have one. */
export function checkShardCount(p: ProblemList, s: PipelineSettings): void {
  const { mode, shardCount } = s.stream;
  if (mode === "ON_DEMAND" && shardCount !== undefined) {
    const allowed = "no shard count when stream.mode is ON_DEMAND (capacity is managed by AWS)";
    p.add("stream.shardCount", shardCount, allowed, "remove stream.shardCount, or set stream.mode to PROVISIONED");
  }
  if (mode !== "PROVISIONED") return;
  const perShard = "1 shard takes 1 MiB/s or 1,000 records/s";
  if (shardCount === undefined) {
    const fix = `set stream.shardCount (${perShard}), or set stream.mode to ON_DEMAND`;
    p.add("stream.shardCount", undefined, "an integer from 1 to 10000 when stream.mode is PROVISIONED", fix);
  } else {
    p.range("stream.shardCount", shardCount, {
      ...LIMITS.stream.shardCount,
      unit: "shards",
      fix: `set stream.shardCount to at least 1 (${perShard})`,
    });
  }
}

/** The stream's own key: a KMS key ARN in the stack's region, and only with AWS-managed encryption. */
export function checkStreamKey(p: ProblemList, s: PipelineSettings): void {
  const key = s.stream.kmsKeyArn;
  if (key === undefined) return;
  const arn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key\/[0-9a-f-]{36}|alias\/[a-zA-Z0-9/_-]+)$/.exec(key);
  if (!arn) {
    const fix = "paste the key's ARN from the KMS console, or remove it to use the AWS-managed key";
    p.add("stream.kmsKeyArn", key, "a KMS key ARN arn:aws:kms:<region>:<account>:key/<uuid>", fix);
  } else if (arn[1] !== s.region) {
    p.add("stream.kmsKeyArn", key, `a key in the stack's region ${s.region}`, "use a key from the same region as the stream");
  }
  if (s.security.encryption === "customer-managed") {
    const allowed = "unset when security.encryption is customer-managed (the stack's key encrypts the stream)";
    const fix = "remove stream.kmsKeyArn, or set security.encryption to aws-managed to keep your own stream key";
    p.add("stream.kmsKeyArn", key, allowed, fix);
  }
}

/** Parquet conversion needs a buffer of at least 64 MiB. */
export function checkBufferSize(p: ProblemList, s: PipelineSettings): void {
  const size = LIMITS.delivery.bufferSizeMiB;
  const value = s.delivery.bufferSizeMiB;
  const conversion = s.delivery.format === "parquet";
  if (conversion && Number.isInteger(value) && value < size.minWithConversion && value >= size.min) {
    const allowed = `an integer from ${size.minWithConversion} to ${size.max} (MiB) while Parquet conversion is on`;
    const fix = "set delivery.bufferSizeMiB to at least 64 (128 gives fewer, larger files), or set delivery.format to json";
    p.add("delivery.bufferSizeMiB", value, allowed, fix);
    return;
  }
  const min = conversion ? size.minWithConversion : size.min;
  p.range("delivery.bufferSizeMiB", value, {
    min,
    max: size.max,
    unit: "MiB",
    fix: `set delivery.bufferSizeMiB between ${min} and ${size.max}`,
  });
}

/** Dynamic partitioning (event-time partitions) needs a buffer interval of at least 60 s. */
export function checkBufferInterval(p: ProblemList, s: PipelineSettings): void {
  const interval = LIMITS.delivery.bufferIntervalSeconds;
  const eventTime = s.partitioning.partitionTime === "event";
  const min = eventTime ? interval.minWithDynamicPartitioning : interval.min;
  p.range("delivery.bufferIntervalSeconds", s.delivery.bufferIntervalSeconds, {
    min,
    max: interval.max,
    unit: eventTime ? "seconds; dynamic partitioning (event-time partitions) does not allow less than 60" : "seconds",
    fix: `set delivery.bufferIntervalSeconds between ${min} and ${interval.max}; 300 is a good default`,
  });
}

/** A drop rule names a scalar column of the schema (its values are compared with strings, numbers and booleans). */
export function checkDropRules(p: ProblemList, s: PipelineSettings): void {
  const columns = s.schema.columns.filter((col) => !/^(array|map|struct)</.test(col.type)).map((col) => col.name);
  s.delivery.dropRules.forEach((rule, i) => {
    if (!columns.includes(rule.column)) {
      p.add(
        `delivery.dropRules.${i}.column`,
        rule.column,
        `a scalar schema column (${columns.join(", ")})`,
        "name a column declared in schema.columns that is not an array, map or struct",
      );
    }
  });
}

/** The freshness alarm must not fire on records that are merely being buffered. */
export function checkDeliveryFreshness(p: ProblemList, s: PipelineSettings): void {
  const max = s.monitoring.deliveryFreshnessMaxSeconds;
  if (max === undefined) return;
  const floor = s.delivery.bufferIntervalSeconds + s.delivery.processorBufferIntervalSeconds;
  p.range("monitoring.deliveryFreshnessMaxSeconds", max, {
    min: Math.max(60, floor),
    max: 86_400,
    unit: `seconds; below the buffering (${floor} s) it would alarm on normal operation`,
    fix: `set it above ${floor}, or remove it for twice the buffering`,
  });
}

/**
 * Synth warnings for configuration changes that make Terraform replace the Firehose delivery stream.
 *
 * The provider marks `name`, `kinesis_source_configuration` and
 * `extended_s3_configuration.dynamic_partitioning_configuration` ForceNew
 * (internal/service/firehose/delivery_stream.go), and a Firehose stream reading a Kinesis stream
 * starts at LATEST when it is created: whatever producers write between the old stream's deletion
 * and the new one's first read is never delivered (it is still in the Kinesis stream until its
 * retention expires, and `npm run batch -- replay` can load it from raw/ only if it was backed up).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PipelineConfig } from "./index";

/** What decides whether the delivery stream is replaced. */
export interface DeliveryIdentity {
  /** The delivery stream's name (ForceNew). */
  readonly name: string;
  /** The Kinesis stream it reads (kinesis_source_configuration is ForceNew; a renamed stream is a new stream). */
  readonly sourceStream: string;
  /** Event-time partitions turn on dynamic partitioning (dynamic_partitioning_configuration is ForceNew). */
  readonly dynamicPartitioning: boolean;
}

/** The identity a configuration synthesizes. */
export function deliveryIdentity(config: PipelineConfig): DeliveryIdentity {
  return {
    name: config.resolvedNames.deliveryStream,
    sourceStream: config.resolvedNames.stream,
    dynamicPartitioning: config.partitioning.partitionTime === "event",
  };
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/**
 * The identity recorded in a previous synth output (`cdktf.out/stacks/<stack>/cdk.tf.json`), or
 * undefined when it holds no delivery stream.
 */
export function deliveryIdentityFromSynth(tf: { resource?: Resources }): DeliveryIdentity | undefined {
  const streams = Object.values(tf.resource?.aws_kinesis_firehose_delivery_stream ?? {});
  if (streams.length !== 1) return undefined;
  const delivery = streams[0]!;
  const source = first(delivery.kinesis_source_configuration);
  const reference = /^\$\{aws_kinesis_stream\.([A-Za-z0-9_-]+)\.arn\}$/.exec(String(source?.kinesis_stream_arn ?? ""));
  const sourceStream = reference ? tf.resource?.aws_kinesis_stream?.[reference[1]!]?.name : source?.kinesis_stream_arn;
  const dynamic = first(first(delivery.extended_s3_configuration)?.dynamic_partitioning_configuration);
  return {
    name: String(delivery.name),
    sourceStream: String(sourceStream),
    dynamicPartitioning: dynamic?.enabled === true,
  };
}

/**
 * The identity in the last synth output of `stackId` under `outdir` (cdktf's CDKTF_OUTDIR,
 * `cdktf.out` by default), or undefined when there is none. Read before `app.synth()` overwrites it.
 */
export function previousDeliveryIdentity(outdir: string, stackId: string): DeliveryIdentity | undefined {
  const file = path.join(outdir, "stacks", stackId, "cdk.tf.json");
  if (!existsSync(file)) return undefined;
  try {
    return deliveryIdentityFromSynth(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/** cdktf writes a single nested block as an object; plain Terraform JSON may use a one-item list. */
function first(block: unknown): Record<string, unknown> | undefined {
  const value: unknown = Array.isArray(block) ? block[0] : block;
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PROCEDURE = 'follow "Changing partitioning or the stream without losing records" in docs/batch-and-replay.md before applying';

/** Warnings when applying `config` over the previously synthesized `previous` would replace the delivery stream. */
export function replacementWarnings(config: PipelineConfig, previous: DeliveryIdentity | undefined): string[] {
  if (!previous) return [];
  const next = deliveryIdentity(config);
  const changes: string[] = [];
  if (previous.name !== next.name) changes.push(`its name changes (${previous.name} → ${next.name})`);
  if (previous.sourceStream !== next.sourceStream)
    changes.push(`its source stream changes (${previous.sourceStream} → ${next.sourceStream}; the Kinesis stream is replaced too)`);
  if (previous.dynamicPartitioning !== next.dynamicPartitioning) {
    const time = (dynamic: boolean) => (dynamic ? '"event"' : '"arrival"');
    changes.push(
      `partitioning.partitionTime changes (${time(previous.dynamicPartitioning)} → ${time(next.dynamicPartitioning)}) ` +
        "and with it dynamic partitioning",
    );
  }
  if (changes.length === 0) return [];
  return [
    `this synth replaces the Firehose delivery stream ${previous.name}: ${changes.join("; ")}. ` +
      "The new delivery stream starts reading the Kinesis stream at LATEST, " +
      "so records written while it is replaced are never delivered to the lake; " +
      PROCEDURE,
  ];
}

/**
 * Environments that configure the delivery stream's replacement-forcing settings differently:
 * carrying one environment's value to another (a promotion) replaces that environment's stream.
 */
export function divergenceWarnings(configs: readonly PipelineConfig[]): { environment: string; warning: string }[] {
  const times = new Set(configs.map((c) => c.partitioning.partitionTime));
  if (times.size < 2) return [];
  return configs.map((config) => {
    const others = configs
      .filter((other) => other.partitioning.partitionTime !== config.partitioning.partitionTime)
      .map((other) => `${other.environment} ("${other.partitioning.partitionTime}")`);
    return {
      environment: config.environment,
      warning:
        `partitioning.partitionTime is "${config.partitioning.partitionTime}" here but differs in ${others.join(", ")}: ` +
        `changing it here replaces this environment's delivery stream (dynamic partitioning is ForceNew); ${PROCEDURE}`,
    };
  });
}

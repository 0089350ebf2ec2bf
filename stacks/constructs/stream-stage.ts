import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Construct } from "constructs";
import type { StreamMode } from "../config";

export interface StreamStageProps {
  /** Physical stream name. */
  readonly name: string;
  /** PROVISIONED (fixed shards) or ON_DEMAND. */
  readonly mode: StreamMode;
  /** Shards for PROVISIONED; must be unset for ON_DEMAND. @default none (ON_DEMAND) */
  readonly shardCount?: number;
  /** Hours records stay readable (and replayable), 24–8760. */
  readonly retentionHours: number;
  /** Customer-managed key ARN. @default the AWS-managed key alias/aws/kinesis */
  readonly kmsKeyArn?: string;
}

/** The AWS-managed Kinesis key: encryption at rest at no extra cost. */
export const AWS_MANAGED_KINESIS_KEY = "alias/aws/kinesis";

const DEFAULTS = { kmsKeyId: AWS_MANAGED_KINESIS_KEY } as const;

/** Ingest: the Kinesis data stream producers write to, encrypted with KMS. */
export class StreamStage extends Construct {
  public readonly stream: KinesisStream;
  /** The customer-managed key, when one is configured (readers need kms:Decrypt on it). */
  public readonly customerManagedKeyArn?: string;

  constructor(scope: Construct, id: string, props: StreamStageProps) {
    super(scope, id);
    this.customerManagedKeyArn = props.kmsKeyArn;
    this.stream = new KinesisStream(this, "stream", {
      name: props.name,
      retentionPeriod: props.retentionHours,
      streamModeDetails: { streamMode: props.mode },
      // The provider rejects shard_count with ON_DEMAND at plan time.
      shardCount: props.mode === "PROVISIONED" ? props.shardCount : undefined,
      encryptionType: "KMS",
      kmsKeyId: props.kmsKeyArn ?? DEFAULTS.kmsKeyId,
    });
  }
}

import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { BATCH_ENV, BATCH_FUNCTION_TIMEOUTS } from "../../contract/batch";
import { BATCH_PREFIXES, LAKE_PREFIXES } from "../../contract/lake-layout";
import type { BatchFunctionName } from "../../contract/names";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import type { BatchSettings } from "../../contract/settings";
import { AwsContext, kmsThrough, PolicyStatement } from "./iam";
import { bindEnvironment, EnvironmentBinding } from "./node-function";

/**
 * The four batch functions as one typed table: handler, size, and each environment variable with
 * the permissions on what it names. `BatchStage` builds a `NodeFunction` from each row.
 */

/** Memory of each batch function, in MiB: extract holds a landing file's records, push one chunk; the others list and copy keys. */
export const BATCH_FUNCTION_MEMORY_MIB = { extract: 1024, push: 512, deliveryCheck: 256, finalize: 256 } as const;

/** The key of a batch function in {@link BatchStage.functions}. */
export type BatchFunctionKey = keyof typeof BATCH_FUNCTION_TIMEOUTS;

/** One batch function: what it runs, its size, and its variables with the permissions on what they name. */
export interface BatchFunctionSpec {
  /** Construct id, handler folder (`handlers/<name>/index.ts`) and key of `functionNames`. */
  readonly name: BatchFunctionName;
  readonly description: string;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly bindings: readonly EnvironmentBinding[];
  /** What the function does with lake objects under the customer-managed key: read, write, or both. */
  readonly lakeKeyActions: readonly string[];
}

/** What the table is built from (a subset of `BatchStageProps`). */
export interface BatchFunctionInputs {
  readonly lakeBucket: S3Bucket;
  readonly stream: KinesisStream;
  /** A stream-only key, when `stream.kmsKeyArn` sets one. */
  readonly streamSettings: { readonly kmsKeyArn?: string };
  /** What every batch function receives as `BATCH_SETTINGS`. */
  readonly settings: BatchSettings;
  /** The stack's customer-managed key. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
  readonly ctx: AwsContext;
}

/** The four batch functions, described as data. */
export function batchFunctionSpecs(props: BatchFunctionInputs): Readonly<Record<BatchFunctionKey, BatchFunctionSpec>> {
  const lake = lakeAccess(props.lakeBucket);
  const bucket = (statements: PolicyStatement[]) => bindEnvironment(BATCH_ENV.bucket, props.lakeBucket.bucket, statements);
  // A setting, not a resource: it needs no permission.
  const settings = bindEnvironment(BATCH_ENV.settings, JSON.stringify(props.settings));
  const streamKeyArn = props.streamSettings.kmsKeyArn ?? props.kmsKeyArn;
  const stream = bindEnvironment(BATCH_ENV.streamName, props.stream.name, [
    { sid: "PutToStream", actions: ["kinesis:PutRecords"], resources: [props.stream.arn] },
    ...(streamKeyArn ? [kmsThrough("EncryptForStream", streamKeyArn, ["kms:GenerateDataKey"], "kinesis", props.ctx)] : []),
  ]);
  const size = (key: BatchFunctionKey) => ({ memoryMiB: BATCH_FUNCTION_MEMORY_MIB[key], timeoutSeconds: BATCH_FUNCTION_TIMEOUTS[key] });
  return {
    extract: {
      name: "extract",
      description: "Batch: parses landing files, validates records, stages NDJSON chunks",
      ...size("extract"),
      bindings: [bucket(extractLakeAccess(lake)), settings],
      lakeKeyActions: ["kms:Decrypt", "kms:GenerateDataKey"],
    },
    push: {
      name: "push",
      description: "Batch: pushes one staged chunk to Kinesis with PutRecords, retrying failed entries",
      ...size("push"),
      bindings: [
        bucket([{ sid: "ReadStagedChunks", actions: ["s3:GetObject"], resources: [lake.objects(BATCH_PREFIXES.staging)] }]),
        settings,
        stream,
      ],
      lakeKeyActions: ["kms:Decrypt"],
    },
    deliveryCheck: {
      name: "delivery-check",
      description: "Batch: reports whether Firehose delivered objects since the push",
      ...size("deliveryCheck"),
      bindings: [bucket([lake.listPrefix("ListDeliveredData", LAKE_PREFIXES.data)]), settings],
      lakeKeyActions: [],
    },
    finalize: {
      name: "finalize",
      description: "Batch: moves the batch's landing files (or replayed error objects) to processed/ and closes its marker",
      ...size("finalize"),
      bindings: [bucket(finalizeLakeAccess(lake)), settings],
      lakeKeyActions: ["kms:Decrypt", "kms:GenerateDataKey"],
    },
  };
}

interface LakeAccess {
  readonly bucketArn: string;
  /** The ARN pattern of every object under `prefix`. */
  objects(prefix: string): string;
  /** Listing of keys under `prefix` only. */
  listPrefix(sid: string, prefix: string): PolicyStatement;
}

function lakeAccess(lakeBucket: S3Bucket): LakeAccess {
  return {
    bucketArn: lakeBucket.arn,
    objects: (prefix) => `${lakeBucket.arn}/${prefix}*`,
    listPrefix: (sid, prefix) => ({
      sid,
      actions: ["s3:ListBucket"],
      resources: [lakeBucket.arn],
      condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
    }),
  };
}

/**
 * Extract plans (lists landing files or a replay's sources, writes ranges.json, the manifest and its
 * claim marker), extracts one range per child (reads its landing object, writes chunks, rejects and
 * event-id lists) and summarizes (reads the map run's results and the id lists under staging/).
 */
function extractLakeAccess({ bucketArn, objects, listPrefix }: LakeAccess): PolicyStatement[] {
  return [
    listPrefix("ListLandingFiles", BATCH_PREFIXES.landing),
    { sid: "ReadLandingFiles", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.landing)] },
    // Reads the claim marker when the conditional write fails: a retry of the same execution carries on.
    { sid: "ReadClaimMarker", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.runs)] },
    // SummarizeBatch reads the map run's ResultWriter files and the ranges' event-id lists under staging/<batchId>/.
    { sid: "ReadRangeResults", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.staging)] },
    {
      sid: "WriteChunksRejectsAndMarker",
      actions: ["s3:PutObject"],
      resources: [objects(BATCH_PREFIXES.staging), objects(BATCH_PREFIXES.rejected), objects(BATCH_PREFIXES.runs)],
    },
    // A replay run reads Firehose error objects or the raw backup of a window instead of landing/.
    {
      sid: "ListReplaySources",
      actions: ["s3:ListBucket"],
      resources: [bucketArn],
      condition: {
        StringLike: { "s3:prefix": [LAKE_PREFIXES.errors, `${LAKE_PREFIXES.errors}*`, LAKE_PREFIXES.raw, `${LAKE_PREFIXES.raw}*`] },
      },
    },
    { sid: "ReadReplaySources", actions: ["s3:GetObject"], resources: [objects(LAKE_PREFIXES.errors), objects(LAKE_PREFIXES.raw)] },
  ];
}

/** Finalize moves landing files (or replayed error objects) to processed/ and closes the marker. */
function finalizeLakeAccess({ bucketArn, objects, listPrefix }: LakeAccess): PolicyStatement[] {
  return [
    { sid: "ReadManifestAndMarker", actions: ["s3:GetObject"], resources: [objects(BATCH_PREFIXES.staging), objects(BATCH_PREFIXES.runs)] },
    // Checks which files are still to move (a re-run after a partial move) by listing their keys.
    {
      sid: "ListLandingAndProcessedFiles",
      actions: ["s3:ListBucket"],
      resources: [bucketArn],
      condition: {
        StringLike: {
          "s3:prefix": [BATCH_PREFIXES.landing, `${BATCH_PREFIXES.landing}*`, BATCH_PREFIXES.processed, `${BATCH_PREFIXES.processed}*`],
        },
      },
    },
    { sid: "MoveLandingFiles", actions: ["s3:GetObject", "s3:DeleteObject"], resources: [objects(BATCH_PREFIXES.landing)] },
    {
      sid: "WriteProcessedAndMarker",
      actions: ["s3:PutObject"],
      resources: [objects(BATCH_PREFIXES.processed), objects(BATCH_PREFIXES.runs)],
    },
    // A successful replay of errors/ moves the error objects it loaded to processed/<batchId>/errors/ (the raw backup is never moved).
    listPrefix("ListReplayedErrorObjects", LAKE_PREFIXES.errors),
    { sid: "MoveReplayedErrorObjects", actions: ["s3:GetObject", "s3:DeleteObject"], resources: [objects(LAKE_PREFIXES.errors)] },
  ];
}

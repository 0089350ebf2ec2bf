import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Construct } from "constructs";
import { DayKey } from "../../contract/event-schema";
import { deliveryPrefixes, LAKE_PREFIXES } from "../../contract/lake-layout";
import type { DeliverySettings } from "../config";
import type { EventsTable } from "./events-table";
import { arn, AwsContext, grant, kmsThrough, PolicyStatement, serviceRole } from "./iam";
import { physicalName } from "../../contract/names";
import { type PartitionTime } from "../../contract/settings";

export interface DeliveryStageProps {
  /** Physical name of the delivery stream; its role and log group are named after it. */
  readonly name: string;
  /** The stream Firehose reads. */
  readonly source: KinesisStream;
  /** Customer-managed key of the source stream, when one is used. @default none (AWS-managed stream key) */
  readonly sourceKeyArn?: string;
  /** The bucket Firehose writes data/, raw/ and errors/ to. */
  readonly lakeBucket: S3Bucket;
  /** The published transform Firehose invokes by its qualified ARN. */
  readonly transform: LambdaFunction;
  /** The table Firehose converts records with (Parquet); delivery starts after it exists. */
  readonly table: EventsTable;
  /** Format, buffering and processor settings (`config.delivery`). */
  readonly delivery: DeliverySettings;
  /** Name of the day partition key in the prefixes. */
  readonly dayKey: DayKey;
  /** Partition by arrival time, or by event time with dynamic partitioning. */
  readonly partitionTime: PartitionTime;
  /** Days the delivery log group keeps events. */
  readonly logRetentionDays: number;
  /** Customer-managed key of the lake bucket and the log group. @default SSE-S3 and AWS-managed keys */
  readonly kmsKeyArn?: string;
  /** Account, partition and region ARNs are built from. */
  readonly ctx: AwsContext;
}

/**
 * The values the AWS provider treats as Firehose's own defaults for a Lambda processor on a non-Splunk
 * destination: it drops a parameter from state on read when AWS returns exactly this string
 * (terraform-provider-aws internal/service/firehose/delivery_stream.go, `defaultProcessorParameters`,
 * compared with `==` on the strings; `RoleArn` equal to the destination role is dropped too, and is
 * never set here). Configuring one of them makes every plan want to add it back.
 */
const PROVIDER_DEFAULT_PROCESSOR_PARAMETERS: Readonly<Record<string, string>> = {
  NumberOfRetries: "3",
  BufferSizeInMBs: "1",
  BufferIntervalInSeconds: "60",
};

/** The Lambda processor's parameters: the function, then only the settings that differ from Firehose's defaults. */
function lambdaProcessorParameters(
  lambdaArn: string,
  delivery: Pick<DeliverySettings, "processorRetries" | "processorBufferSizeMB" | "processorBufferIntervalSeconds">,
): { parameterName: string; parameterValue: string }[] {
  const settings: [string, number][] = [
    ["NumberOfRetries", delivery.processorRetries],
    ["BufferSizeInMBs", delivery.processorBufferSizeMB],
    ["BufferIntervalInSeconds", delivery.processorBufferIntervalSeconds],
  ];
  return [
    { parameterName: "LambdaArn", parameterValue: lambdaArn },
    ...settings
      .map(([parameterName, value]) => ({ parameterName, parameterValue: String(value) }))
      .filter((p) => PROVIDER_DEFAULT_PROCESSOR_PARAMETERS[p.parameterName] !== p.parameterValue),
  ];
}

/**
 * Delivery: Firehose reads the stream, runs the transform, converts JSON to Parquet (Snappy) with the
 * Glue table's schema and writes hourly partitions, with every source record backed up raw and every
 * failed record kept under the error prefix.
 */
export class DeliveryStage extends Construct {
  public readonly deliveryStream: KinesisFirehoseDeliveryStream;
  public readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: DeliveryStageProps) {
    super(scope, id);
    const { ctx, delivery } = props;
    const logGroupName = physicalName.firehoseLogGroup(props.name);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const destinationLogs = new CloudwatchLogStream(this, "destination-logs", {
      name: "DestinationDelivery",
      logGroupName: this.logGroup.name,
    });
    const backupLogs = new CloudwatchLogStream(this, "backup-logs", { name: "BackupDelivery", logGroupName: this.logGroup.name });

    const role = serviceRole(this, "role", physicalName.firehoseRole(props.name), "firehose.amazonaws.com", ctx);
    const policy = grant(this, "firehose-delivery", role, deliveryStatements(props, logGroupName));

    const prefixes = deliveryPrefixes(props.dayKey, props.partitionTime);
    const parquet = delivery.format === "parquet";
    const eventTime = props.partitionTime === "event";
    const logging = (stream: CloudwatchLogStream) => ({
      enabled: true,
      logGroupName: this.logGroup.name,
      logStreamName: stream.name,
    });

    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, "firehose", {
      name: props.name,
      destination: "extended_s3",
      kinesisSourceConfiguration: { kinesisStreamArn: props.source.arn, roleArn: role.arn },
      extendedS3Configuration: {
        bucketArn: props.lakeBucket.arn,
        roleArn: role.arn,
        prefix: prefixes.data,
        errorOutputPrefix: prefixes.errors,
        bufferingSize: delivery.bufferSizeMiB,
        bufferingInterval: delivery.bufferIntervalSeconds,
        // With format conversion the serializer compresses (Snappy); the destination must stay UNCOMPRESSED.
        compressionFormat: parquet ? "UNCOMPRESSED" : "GZIP",
        customTimeZone: "UTC",
        kmsKeyArn: props.kmsKeyArn,
        fileExtension: parquet ? ".snappy.parquet" : ".json.gz",
        cloudwatchLoggingOptions: logging(destinationLogs),
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: "Lambda",
              parameters: lambdaProcessorParameters(props.transform.qualifiedArn, delivery),
            },
          ],
        },
        dataFormatConversionConfiguration: parquet ? parquetConversion(props, role.arn) : undefined,
        dynamicPartitioningConfiguration: eventTime ? { enabled: true, retryDuration: 300 } : undefined,
        s3BackupMode: "Enabled",
        s3BackupConfiguration: {
          bucketArn: props.lakeBucket.arn,
          roleArn: role.arn,
          prefix: prefixes.raw,
          compressionFormat: "GZIP",
          kmsKeyArn: props.kmsKeyArn,
          bufferingSize: Math.min(delivery.bufferSizeMiB, 64),
          bufferingInterval: Math.max(delivery.bufferIntervalSeconds, 60),
          cloudwatchLoggingOptions: logging(backupLogs),
        },
      },
      // Firehose validates its role against Glue, Lambda and S3 at create time: the policy must exist first.
      dependsOn: [policy, props.table.table],
    });
  }
}

/** JSON in, Snappy Parquet out, with the latest version of the events table as the schema. */
function parquetConversion(props: DeliveryStageProps, roleArn: string) {
  return {
    enabled: true,
    inputFormatConfiguration: { deserializer: { openXJsonSerDe: { caseInsensitive: true } } },
    outputFormatConfiguration: { serializer: { parquetSerDe: { compression: "SNAPPY" } } },
    schemaConfiguration: {
      databaseName: props.table.databaseName,
      tableName: props.table.tableName,
      roleArn,
      region: props.ctx.region,
      versionId: "LATEST",
    },
  };
}

/** What Firehose does: read the stream, write the lake prefixes, invoke the transform, log errors. */
function deliveryStatements(props: DeliveryStageProps, logGroupName: string): PolicyStatement[] {
  const { ctx, lakeBucket, transform } = props;
  const statements: PolicyStatement[] = [
    {
      sid: "ReadSourceStream",
      actions: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
      ],
      resources: [props.source.arn],
    },
    {
      sid: "LocateLakeBucket",
      actions: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      resources: [lakeBucket.arn],
    },
    {
      sid: "WriteLakeObjects",
      actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
      resources: [LAKE_PREFIXES.data, LAKE_PREFIXES.raw, LAKE_PREFIXES.errors].map((p) => `${lakeBucket.arn}/${p}*`),
    },
    {
      sid: "InvokeTransform",
      actions: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
      // Firehose invokes the published version: cover the function and its qualified ARNs.
      resources: [transform.arn, `${transform.arn}:*`],
    },
    {
      sid: "WriteDeliveryErrorLogs",
      actions: ["logs:PutLogEvents"],
      resources: [`${arn.logGroup(ctx, logGroupName)}:log-stream:*`],
    },
  ];
  if (props.delivery.format === "parquet") {
    statements.push({
      sid: "ReadConversionSchema",
      actions: ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
      resources: [
        arn.glueCatalog(ctx),
        arn.glueDatabase(ctx, props.table.databaseName),
        arn.glueTable(ctx, props.table.databaseName, props.table.tableName),
      ],
    });
  }
  if (props.kmsKeyArn) {
    statements.push(kmsThrough("EncryptLakeObjects", props.kmsKeyArn, ["kms:GenerateDataKey", "kms:Decrypt"], "s3", ctx));
  }
  if (props.sourceKeyArn) {
    statements.push({
      sid: "DecryptSourceStream",
      actions: ["kms:Decrypt"],
      resources: [props.sourceKeyArn],
      condition: { StringEquals: { "kms:ViaService": `kinesis.${ctx.region}.amazonaws.com` } },
    });
  }
  return statements;
}

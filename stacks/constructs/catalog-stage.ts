import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { GlueCrawler } from "@cdktf/provider-aws/lib/glue-crawler";
import { GlueSecurityConfiguration } from "@cdktf/provider-aws/lib/glue-security-configuration";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Construct } from "constructs";
import { DayKey, EventSchema, partitionKeys } from "../../handlers/shared/event-schema";
import type { CatalogSettings } from "../config";
import { arn, AwsContext, grant, PolicyStatement, serviceRole } from "./iam";
import { LAKE_PREFIXES } from "./lake-storage";

export interface CatalogStageProps {
  readonly databaseName: string;
  readonly tableName: string;
  readonly crawlerName: string;
  readonly schema: EventSchema;
  readonly dayKey: DayKey;
  readonly format: "parquet" | "json";
  readonly lakeBucket: S3Bucket;
  readonly catalog: CatalogSettings;
  readonly ctx: AwsContext;
}

/** Storage descriptors per delivered format. */
const STORAGE = {
  parquet: {
    inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    parameters: { classification: "parquet", "parquet.compression": "SNAPPY" },
  },
  json: {
    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
    parameters: { classification: "json", compressionType: "gzip" },
  },
} as const;

/**
 * Catalog: the Glue database and the table Firehose converts with (defined here from the event
 * schema), and a crawler that only keeps that table's partitions current.
 */
export class CatalogStage extends Construct {
  public readonly database: GlueCatalogDatabase;
  public readonly table: GlueCatalogTable;
  public readonly crawler: GlueCrawler;
  /** s3://bucket/data/ — the table location. */
  public readonly tableLocation: string;

  constructor(scope: Construct, id: string, props: CatalogStageProps) {
    super(scope, id);
    const { ctx } = props;
    const storage = STORAGE[props.format];
    this.tableLocation = `s3://${props.lakeBucket.bucket}/${LAKE_PREFIXES.data}`;

    this.database = new GlueCatalogDatabase(this, "database", {
      name: props.databaseName,
      description: "Data lake events delivered by Firehose",
    });
    this.table = new GlueCatalogTable(this, "table", {
      databaseName: this.database.name,
      name: props.tableName,
      description: "Events, partitioned by hour; columns generated from the event schema",
      tableType: "EXTERNAL_TABLE",
      parameters: { EXTERNAL: "TRUE", ...storage.parameters },
      partitionKeys: partitionKeys(props.dayKey).map((name) => ({ name, type: "string" })),
      storageDescriptor: {
        location: this.tableLocation,
        inputFormat: storage.inputFormat,
        outputFormat: storage.outputFormat,
        serDeInfo: {
          serializationLibrary: storage.serializationLibrary,
          parameters: { "serialization.format": "1" },
        },
        columns: props.schema.columns.map((column) => ({
          name: column.name,
          type: column.type,
          comment: column.description,
        })),
      },
    });

    const security = new GlueSecurityConfiguration(this, "security", {
      name: `${props.crawlerName}-security`,
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: "SSE-S3" },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "DISABLED" },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "DISABLED" },
      },
    });

    const role = serviceRole(this, "crawler-role", `${props.crawlerName}-crawler`, "glue.amazonaws.com", ctx);
    const policy = grant(this, "crawler-partitions", role, crawlerStatements(props));

    this.crawler = new GlueCrawler(this, "crawler", {
      name: props.crawlerName,
      description: `Registers new hourly partitions of ${props.databaseName}.${props.tableName}`,
      databaseName: this.database.name,
      role: role.arn,
      catalogTarget: [{ databaseName: this.database.name, tables: [this.table.name] }],
      // A catalog target keeps the Terraform-defined table; DEPRECATE_IN_DATABASE is not accepted for it.
      schemaChangePolicy: {
        updateBehavior: props.catalog.schemaUpdateBehavior,
        deleteBehavior: props.catalog.schemaDeleteBehavior,
      },
      configuration: JSON.stringify({
        Version: 1.0,
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
      }),
      schedule: props.catalog.crawlerSchedule ?? undefined,
      securityConfiguration: security.name,
      dependsOn: [policy],
    });
  }
}

function crawlerStatements(props: CatalogStageProps): PolicyStatement[] {
  const { ctx, databaseName, tableName, lakeBucket } = props;
  const catalogResources = [
    arn.glueCatalog(ctx),
    arn.glueDatabase(ctx, databaseName),
    arn.glueTable(ctx, databaseName, tableName),
  ];
  const partitionActions = [
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
  ];
  if (props.catalog.schemaUpdateBehavior === "UPDATE_IN_DATABASE") partitionActions.push("glue:UpdateTable");
  if (props.catalog.schemaDeleteBehavior === "DELETE_FROM_DATABASE") {
    partitionActions.push("glue:DeletePartition", "glue:BatchDeletePartition");
  }
  return [
    { sid: "KeepPartitionsCurrent", actions: partitionActions, resources: catalogResources },
    { sid: "ReadDataObjects", actions: ["s3:GetObject"], resources: [`${lakeBucket.arn}/${LAKE_PREFIXES.data}*`] },
    {
      sid: "ListDataPrefix",
      actions: ["s3:ListBucket"],
      resources: [lakeBucket.arn],
      condition: { StringLike: { "s3:prefix": [LAKE_PREFIXES.data, `${LAKE_PREFIXES.data}*`] } },
    },
    {
      // Crawlers log to /aws-glue/crawlers, or /aws-glue/crawlers-role/<role>-<security configuration>.
      sid: "WriteCrawlerLogs",
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [arn.logGroup(ctx, "/aws-glue/crawlers*")],
    },
  ];
}

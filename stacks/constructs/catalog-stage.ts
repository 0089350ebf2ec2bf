import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { GlueCrawler } from "@cdktf/provider-aws/lib/glue-crawler";
import { GlueSecurityConfiguration } from "@cdktf/provider-aws/lib/glue-security-configuration";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { DayKey, EventSchema, partitionKeys, TIMESTAMP_TEXT_FORMATS } from "../../contract/event-schema";
import { PROJECTED_YEARS } from "../../contract/sql/partition-projection";
import type { CatalogSettings } from "../config";
import { arn, AwsContext, grant, kmsThrough, PolicyStatement, serviceRole } from "./iam";
import type { EventsTable } from "./events-table";
import { LatestView } from "./latest-view";
import { physicalName } from "../../contract/names";
import { LAKE_PREFIXES } from "../../contract/lake-layout";

export interface CatalogStageProps {
  /** Physical names (`ResolvedNames.database`, `.table`, `.crawler`). */
  readonly databaseName: string;
  readonly tableName: string;
  readonly crawlerName: string;
  /** The table's columns (with `batch_id` when the batch path adds it). */
  readonly schema: EventSchema;
  /** Name of the day partition key. */
  readonly dayKey: DayKey;
  /** What Firehose delivers; picks the table's storage descriptor. */
  readonly format: "parquet" | "json";
  /** The bucket whose data/ prefix is the table location. */
  readonly lakeBucket: S3Bucket;
  /** Crawler schedule and schema policies, partition projection, the latest view's window. */
  readonly catalog: CatalogSettings;
  /** Customer-managed key of the lake bucket and the crawler's logs. @default SSE-S3 */
  readonly kmsKeyArn?: string;
  /**
   * The event id column: adds the view `<table>_latest`, the latest row per event id ({@link LatestView}).
   * @default no view
   */
  readonly eventIdColumn?: string;
  /** Account, partition and region ARNs are built from. */
  readonly ctx: AwsContext;
}

/**
 * Storage descriptors per delivered format. JSON is read with the Hive JSON SerDe, not the OpenX one,
 * whose results Athena documents as possibly non-deterministic
 * (https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html); its `timestamp.formats` are the forms the
 * transform writes ({@link TIMESTAMP_TEXT_FORMATS}), comma-separated
 * (https://docs.aws.amazon.com/athena/latest/ug/hive-json-serde.html).
 */
const STORAGE = {
  parquet: {
    inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    serDeParameters: { "serialization.format": "1" },
    parameters: { classification: "parquet", "parquet.compression": "SNAPPY" },
  },
  json: {
    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serializationLibrary: "org.apache.hive.hcatalog.data.JsonSerDe",
    serDeParameters: { "serialization.format": "1", "timestamp.formats": TIMESTAMP_TEXT_FORMATS.join(",") },
    parameters: { classification: "json", compressionType: "gzip" },
  },
} as const;

export { PROJECTED_YEARS };

/**
 * Athena partition projection table properties for the hourly layout Firehose writes
 * (`year=YYYY/month=MM/<dayKey>=DD/hour=HH/`, zero-padded). The `${key}` placeholders of the location
 * template are escaped with `Fn.rawString`, so Terraform writes them literally instead of interpolating.
 * Reference: https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 */
export function partitionProjectionParameters(tableLocation: string, dayKey: DayKey): Record<string, string> {
  const [year, month, day, hour] = partitionKeys(dayKey);
  const integer = (key: string, range: string, digits?: number) => ({
    [`projection.${key}.type`]: "integer",
    [`projection.${key}.range`]: range,
    ...(digits === undefined ? {} : { [`projection.${key}.digits`]: String(digits) }),
  });
  const template = partitionKeys(dayKey)
    .map((key) => `${key}=${Fn.rawString(`\${${key}}`)}/`)
    .join("");
  return {
    "projection.enabled": "true",
    ...integer(year, `${PROJECTED_YEARS.from},${PROJECTED_YEARS.to}`),
    ...integer(month, "1,12", 2),
    ...integer(day, "1,31", 2),
    ...integer(hour, "0,23", 2),
    "storage.location.template": `${tableLocation}${template}`,
  };
}

/**
 * Catalog: the Glue database and the table Firehose converts with (defined here from the event
 * schema), and a crawler that only keeps that table's partitions current.
 */
export class CatalogStage extends Construct {
  public readonly database: GlueCatalogDatabase;
  public readonly table: GlueCatalogTable;
  public readonly crawler: GlueCrawler;
  /** The table with its database and literal names, as the delivery and query stages take it. */
  public readonly events: EventsTable;
  /** s3://bucket/data/ — the table location. */
  public readonly tableLocation: string;
  /** The deduplicated view `<table>_latest`, when `eventIdColumn` is set. */
  public readonly latestView?: LatestView;

  constructor(scope: Construct, id: string, props: CatalogStageProps) {
    super(scope, id);
    const { ctx } = props;
    this.tableLocation = `s3://${props.lakeBucket.bucket}/${LAKE_PREFIXES.data}`;

    this.database = new GlueCatalogDatabase(this, "database", {
      name: props.databaseName,
      description: "Data lake events delivered by Firehose",
    });
    this.table = this.eventsTable(props);
    this.events = { database: this.database, table: this.table, databaseName: props.databaseName, tableName: props.tableName };

    if (props.eventIdColumn !== undefined) {
      this.latestView = new LatestView(this, "latest", {
        source: this.events,
        schema: props.schema,
        dayKey: props.dayKey,
        eventIdColumn: props.eventIdColumn,
        windowDays: props.catalog.latestViewDays,
      });
    }

    const security = crawlerSecurityConfiguration(this, props);
    const role = serviceRole(this, "crawler-role", physicalName.crawlerRole(props.crawlerName), "glue.amazonaws.com", ctx);
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
      // AWS adds Grouping.TableGroupingPolicy = CombineCompatibleSchemas to a catalog-target crawler's
      // configuration, and the provider compares it as JSON: without it here every plan shows a change.
      configuration: JSON.stringify({
        Version: 1.0,
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
        Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
      }),
      // With partition projection Athena needs no crawl for new hours: only the batch workflow starts it.
      schedule: props.catalog.partitionProjection ? undefined : (props.catalog.crawlerSchedule ?? undefined),
      securityConfiguration: security.name,
      dependsOn: [policy],
    });
  }

  /** The events table, defined from the schema: Firehose converts with it, Athena reads it. */
  private eventsTable(props: CatalogStageProps): GlueCatalogTable {
    const storage = STORAGE[props.format];
    return new GlueCatalogTable(this, "table", {
      databaseName: this.database.name,
      name: props.tableName,
      description: "Events, partitioned by hour; columns generated from the event schema",
      tableType: "EXTERNAL_TABLE",
      parameters: {
        EXTERNAL: "TRUE",
        ...storage.parameters,
        ...(props.catalog.partitionProjection ? partitionProjectionParameters(this.tableLocation, props.dayKey) : {}),
      },
      partitionKeys: partitionKeys(props.dayKey).map((name) => ({ name, type: "string" })),
      storageDescriptor: {
        location: this.tableLocation,
        inputFormat: storage.inputFormat,
        outputFormat: storage.outputFormat,
        serDeInfo: {
          serializationLibrary: storage.serializationLibrary,
          parameters: { ...storage.serDeParameters },
        },
        columns: props.schema.columns.map((column) => ({
          name: column.name,
          type: column.type,
          comment: column.description,
        })),
      },
    });
  }
}

/** Encryption of what the crawler writes: its logs and bookmarks under the customer-managed key, or SSE-S3. */
function crawlerSecurityConfiguration(scope: Construct, props: CatalogStageProps): GlueSecurityConfiguration {
  return new GlueSecurityConfiguration(scope, "security", {
    name: physicalName.crawlerSecurityConfiguration(props.crawlerName),
    encryptionConfiguration: props.kmsKeyArn
      ? {
          s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: props.kmsKeyArn },
          cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: props.kmsKeyArn },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: props.kmsKeyArn },
        }
      : {
          s3Encryption: { s3EncryptionMode: "SSE-S3" },
          cloudwatchEncryption: { cloudwatchEncryptionMode: "DISABLED" },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: "DISABLED" },
        },
  });
}

function crawlerStatements(props: CatalogStageProps): PolicyStatement[] {
  const { ctx, databaseName, tableName, lakeBucket } = props;
  const catalogResources = [arn.glueCatalog(ctx), arn.glueDatabase(ctx, databaseName), arn.glueTable(ctx, databaseName, tableName)];
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
  const statements: PolicyStatement[] = [
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
      actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", ...(props.kmsKeyArn ? ["logs:AssociateKmsKey"] : [])],
      resources: [arn.logGroup(ctx, "/aws-glue/crawlers*")],
    },
  ];
  if (props.kmsKeyArn) statements.push(kmsThrough("DecryptLakeObjects", props.kmsKeyArn, ["kms:Decrypt"], "s3", ctx));
  return statements;
}

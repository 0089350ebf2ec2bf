import { AthenaNamedQuery } from "@cdktf/provider-aws/lib/athena-named-query";
import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Construct } from "constructs";
import { DayKey, EventSchema } from "../../contract/event-schema";
import type { EventsTable } from "./events-table";
import { namedQueries } from "../sql/named-queries";
import { RESULTS_PREFIX } from "../../contract/lake-layout";

/**
 * The workgroups' engine, fixed: every generated statement is checked against the Trino grammar of
 * engine 3, and `AUTO` could move the workgroup to an engine that SQL was never checked against.
 */
export const ATHENA_ENGINE_VERSION = "Athena engine version 3";

export interface QueryStageProps {
  /** Physical name of the user-facing workgroup. */
  readonly workgroupName: string;
  /** Bucket of the workgroups' enforced result location. */
  readonly resultsBucket: S3Bucket;
  /** Scan limit per query, in bytes. */
  readonly bytesScannedCutoffPerQuery: number;
  /** The table the named queries read; they are created in its database. */
  readonly table: EventsTable;
  /** The table's columns, for the generated SQL. */
  readonly schema: EventSchema;
  /** Name of the day partition key. */
  readonly dayKey: DayKey;
  /** The event id column: adds the "Latest row per event" query (the `<table>_latest` view's deduplication). @default no such query */
  readonly eventIdColumn?: string;
  /** `catalog.partitionProjection`: the latest-partitions query reads data instead of `$partitions`. @default false */
  readonly partitionProjection?: boolean;
  /** Customer-managed key for query results. @default SSE-S3 */
  readonly kmsKeyArn?: string;
  /**
   * The batch validation query's own workgroup: the same results location, encryption and enforcement,
   * its own scan cutoff, so user queries and batch validations never share a limit. @default none
   */
  readonly validationWorkgroup?: { readonly name: string; readonly bytesScannedCutoffPerQuery: number };
}

const DEFAULTS = { partitionProjection: false } as const;

/** Query: an Athena workgroup with enforced, encrypted results and a scan cutoff, plus named queries. */
export class QueryStage extends Construct {
  public readonly workgroup: AthenaWorkgroup;
  /** The batch validation workgroup, when requested. */
  public readonly validationWorkgroup?: AthenaWorkgroup;
  public readonly namedQueries: AthenaNamedQuery[];
  /** s3://results-bucket/athena-results/ */
  public readonly outputLocation: string;

  constructor(scope: Construct, id: string, props: QueryStageProps) {
    super(scope, id);
    this.outputLocation = `s3://${props.resultsBucket.bucket}/${RESULTS_PREFIX}`;
    const configuration = (bytesScannedCutoffPerQuery: number) => ({
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery,
      engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
      resultConfiguration: {
        outputLocation: this.outputLocation,
        encryptionConfiguration: props.kmsKeyArn
          ? { encryptionOption: "SSE_KMS", kmsKeyArn: props.kmsKeyArn }
          : { encryptionOption: "SSE_S3" },
        aclConfiguration: { s3AclOption: "BUCKET_OWNER_FULL_CONTROL" },
      },
    });
    this.workgroup = new AthenaWorkgroup(this, "workgroup", {
      name: props.workgroupName,
      description: "Data lake queries: results encrypted and expired, scans capped",
      state: "ENABLED",
      // The workgroup holds named queries; without this, destroy fails.
      forceDestroy: true,
      configuration: configuration(props.bytesScannedCutoffPerQuery),
    });
    if (props.validationWorkgroup) {
      this.validationWorkgroup = new AthenaWorkgroup(this, "batch-validation-workgroup", {
        name: props.validationWorkgroup.name,
        description: "Batch validation queries only: own scan cutoff, same encrypted and expired results",
        state: "ENABLED",
        forceDestroy: true,
        configuration: configuration(props.validationWorkgroup.bytesScannedCutoffPerQuery),
      });
    }
    this.namedQueries = namedQueries({
      database: props.table.databaseName,
      table: props.table.tableName,
      schema: props.schema,
      dayKey: props.dayKey,
      eventIdColumn: props.eventIdColumn,
      partitionProjection: props.partitionProjection ?? DEFAULTS.partitionProjection,
    }).map(
      (query) =>
        new AthenaNamedQuery(this, query.id, {
          name: query.name,
          description: query.description,
          database: props.table.database.name,
          workgroup: this.workgroup.name,
          query: query.sql,
        }),
    );
  }
}

import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { QuicksightAnalysis } from "@cdktf/provider-aws/lib/quicksight-analysis";
import { QuicksightDataSet } from "@cdktf/provider-aws/lib/quicksight-data-set";
import { QuicksightDataSource } from "@cdktf/provider-aws/lib/quicksight-data-source";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { BATCH_ID_COLUMN } from "../../contract/batch";
import { DayKey, EventSchema, GlueType, partitionKeys } from "../../contract/event-schema";
import { isComplex, parseGlueType } from "../../contract/glue-type";
import { AwsContext, kmsThrough, policyDocument, PolicyStatement } from "./iam";
import { physicalName } from "../../contract/names";
import { LAKE_PREFIXES, RESULTS_PREFIX } from "../../contract/lake-layout";
import { analysisDefinition } from "./quicksight-analysis";

/** How QuickSight reads a data set: imported into SPICE, or queried in Athena on every view. */
export type QuickSightImportMode = "SPICE" | "DIRECT_QUERY";

/** QuickSight `InputColumn` types this stage generates (API_InputColumn: STRING | INTEGER | DECIMAL | DATETIME | BOOLEAN | …). */
export type QuickSightColumnType = "STRING" | "INTEGER" | "DECIMAL" | "DATETIME" | "BOOLEAN";

/**
 * Owner actions on a data source: the read actions (Describe…, PassDataSource) plus Update, Delete and
 * UpdatePermissions, as split in the UpdateDataSourcePermissions API reference.
 */
export const DATA_SOURCE_OWNER_ACTIONS: readonly string[] = [
  "quicksight:DescribeDataSource",
  "quicksight:DescribeDataSourcePermissions",
  "quicksight:PassDataSource",
  "quicksight:UpdateDataSource",
  "quicksight:DeleteDataSource",
  "quicksight:UpdateDataSourcePermissions",
];

/**
 * Owner actions on a data set: the read actions (Describe…, PassDataSet, Describe/ListIngestions) plus
 * Update, Delete, UpdatePermissions and Create/CancelIngestion (SPICE refreshes), as split in the
 * UpdateDataSetPermissions API reference.
 */
export const DATA_SET_OWNER_ACTIONS: readonly string[] = [
  "quicksight:DescribeDataSet",
  "quicksight:DescribeDataSetPermissions",
  "quicksight:PassDataSet",
  "quicksight:DescribeIngestion",
  "quicksight:ListIngestions",
  "quicksight:UpdateDataSet",
  "quicksight:DeleteDataSet",
  "quicksight:CreateIngestion",
  "quicksight:CancelIngestion",
  "quicksight:UpdateDataSetPermissions",
];

/** Owner actions on an analysis, as granted in the UpdateAnalysisPermissions developer-guide example. */
export const ANALYSIS_OWNER_ACTIONS: readonly string[] = [
  "quicksight:RestoreAnalysis",
  "quicksight:UpdateAnalysisPermissions",
  "quicksight:DeleteAnalysis",
  "quicksight:QueryAnalysis",
  "quicksight:DescribeAnalysisPermissions",
  "quicksight:DescribeAnalysis",
  "quicksight:UpdateAnalysis",
];

/** Column the "events by type" bar chart prefers when the schema has it as a string. */
export const PREFERRED_BREAKDOWN_COLUMN = "event_type";

/** Glue (Hive) type → QuickSight input column type, following QuickSight's supported Athena types. */
export function quickSightColumnType(type: GlueType): QuickSightColumnType {
  const node = parseGlueType(type);
  if (node.kind === "decimal") return "DECIMAL";
  if (node.kind !== "scalar") throw new Error(`quickSightColumnType: QuickSight cannot take the nested Glue type "${type}"`);
  switch (node.name) {
    case "string":
      return "STRING";
    case "tinyint":
    case "smallint":
    case "int":
    case "bigint":
      return "INTEGER";
    case "float":
    case "double":
      return "DECIMAL";
    case "boolean":
      return "BOOLEAN";
    case "date":
    case "timestamp":
      return "DATETIME";
  }
}

/**
 * The columns of the schema the data set leaves out, with why: QuickSight takes only primitive types
 * (date, decimal, integer, string; booleans as integers) and skips any other field
 * (https://docs.aws.amazon.com/quicksight/latest/user/supported-data-types-and-values.html), so a
 * struct, array or map column is not declared rather than declared and skipped. Query it in Athena
 * (the named queries unnest arrays) or add a view that flattens what a dashboard needs.
 */
export function quickSightSkippedColumns(
  schema: EventSchema,
): Array<{ readonly name: string; readonly type: string; readonly reason: string }> {
  return schema.columns
    .filter((column) => isComplex(parseGlueType(column.type)))
    .map((column) => ({
      name: column.name,
      type: column.type,
      reason: `QuickSight data sets take primitive columns only; query ${column.name} in Athena or flatten it in a view`,
    }));
}

/**
 * QuickSight's own IAM role, through which it runs Athena queries (QuickSight "Authorizing
 * connections to Amazon Athena"), and what it reads. The role exists before this stack: QuickSight
 * creates it with the subscription.
 */
export interface QuickSightServiceRoleAccess {
  /** Name of the role (no path), e.g. `aws-quicksight-service-role-v0`. */
  readonly name: string;
  readonly lakeBucketArn: string;
  readonly resultsBucketArn: string;
  /** Customer-managed key of the buckets; unset with S3-managed encryption. */
  readonly kmsKeyArn?: string;
  readonly ctx: AwsContext;
}

/**
 * What Athena needs of the identity that queries through it (Athena reads the table and writes the
 * results with the caller's rights): the table's data, the workgroup's result location, and the key
 * under which both are encrypted.
 */
export function quickSightDataAccess(access: QuickSightServiceRoleAccess): PolicyStatement[] {
  const { lakeBucketArn: lake, resultsBucketArn: results } = access;
  const list = (prefix: string) => ({ StringLike: { "s3:prefix": [prefix, `${prefix}*`] } });
  return [
    { sid: "LocateLake", actions: ["s3:GetBucketLocation"], resources: [lake] },
    { sid: "ListLakeData", actions: ["s3:ListBucket"], resources: [lake], condition: list(LAKE_PREFIXES.data) },
    { sid: "ReadLakeData", actions: ["s3:GetObject"], resources: [`${lake}/${LAKE_PREFIXES.data}*`] },
    { sid: "LocateResults", actions: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], resources: [results] },
    { sid: "ListQueryResults", actions: ["s3:ListBucket"], resources: [results], condition: list(RESULTS_PREFIX) },
    {
      sid: "WriteQueryResults",
      actions: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: [`${results}/${RESULTS_PREFIX}*`],
    },
    ...(access.kmsKeyArn
      ? [kmsThrough("UseLakeKeyThroughS3", access.kmsKeyArn, ["kms:Decrypt", "kms:GenerateDataKey"], "s3", access.ctx)]
      : []),
  ];
}

export interface DashboardsStageProps {
  /** Prefix of the QuickSight ids and names, e.g. "acme-dev"; letters, digits, `_` and `-`. */
  readonly namePrefix: string;
  /** QuickSight user or group ARN given owner access to every resource of this stage. */
  readonly principalArn: string;
  /** SPICE (imported, refreshed on a schedule) or DIRECT_QUERY (Athena on every view). */
  readonly importMode: QuickSightImportMode;
  /** Athena workgroup the data source queries in; pass the workgroup's `name` so Terraform orders them. */
  readonly workgroupName: string;
  /** Glue database of the events table. */
  readonly databaseName: string;
  /** Glue table of events. */
  readonly tableName: string;
  /** The table's columns (the event schema, plus batch_id when the batch path is on). */
  readonly schema: EventSchema;
  /** Name of the day partition key. */
  readonly dayKey: DayKey;
  /** AWS account id (a Terraform reference is fine). */
  readonly accountId: string;
  /** Region of the workgroup; the QuickSight resources are created there. */
  readonly region: string;
  /**
   * String column the "events by type" bar chart groups by.
   * @default "event_type" when the schema has that string column, else the first string column of the
   * schema other than batch_id
   */
  readonly breakdownColumn?: string;
  /** When set, an inline policy on QuickSight's existing role grants it {@link quickSightDataAccess}. @default no policy */
  readonly serviceRole?: QuickSightServiceRoleAccess;
}

const NAME_PREFIX = /^[\w-]{1,200}$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/[\w.@+=-]+\/[\w.@+=/-]+$/;
const IMPORT_MODES: readonly QuickSightImportMode[] = ["SPICE", "DIRECT_QUERY"];
/** InputColumn names are at most 127 characters (AWS::QuickSight::DataSet InputColumn). */
const MAX_COLUMN_NAME = 127;

/**
 * Dashboards (optional): a QuickSight Athena data source bound to the pipeline's workgroup, a data set
 * over the events table whose columns come from the event schema and the partition keys, and an
 * analysis with three starting visuals. The principal owns all three.
 *
 * An analysis rather than a dashboard: it is what people edit in the console (a dashboard is a
 * read-only publication of one), and it needs no template. Terraform seeds its definition and then
 * ignores changes to it, so console edits are not reverted on the next apply; to re-seed after a schema
 * change, replace the resource (`terraform apply -replace=…`).
 */
export class DashboardsStage extends Construct {
  public readonly dataSource: QuicksightDataSource;
  public readonly dataSet: QuicksightDataSet;
  public readonly analysis: QuicksightAnalysis;
  /** The string column the "events by type" visual groups by. */
  public readonly breakdownColumn: string;
  /** The required columns whose NULLs the "rows missing required fields" KPI counts. */
  public readonly requiredColumns: readonly string[];

  constructor(scope: Construct, id: string, props: DashboardsStageProps) {
    super(scope, id);
    const { schema } = props;
    const { breakdownColumn, requiredColumns } = resolveColumns(id, props);
    this.breakdownColumn = breakdownColumn;
    this.requiredColumns = requiredColumns;

    // The data source queries Athena in its own region: keep it (and what uses it) with the workgroup.
    const common = { awsAccountId: props.accountId, region: props.region };

    // Attached to the existing role by name: a role that does not exist fails `terraform apply`
    // (NoSuchEntity) instead of a data source that cannot read the lake.
    const access = props.serviceRole
      ? new IamRolePolicy(this, "service-role-access", {
          name: physicalName.quickSightServiceRolePolicy(props.namePrefix),
          role: props.serviceRole.name,
          policy: policyDocument(quickSightDataAccess(props.serviceRole)),
        })
      : undefined;

    this.dataSource = new QuicksightDataSource(this, "data-source", {
      ...common,
      dataSourceId: physicalName.quickSightDataSource(props.namePrefix),
      name: `${props.namePrefix} Athena (${props.workgroupName})`,
      type: "ATHENA",
      parameters: { athena: { workGroup: props.workgroupName } },
      permission: [{ principal: props.principalArn, actions: [...DATA_SOURCE_OWNER_ACTIONS] }],
      // Creating the data source tests the connection with the role's rights.
      ...(access ? { dependsOn: [access] } : {}),
    });

    this.dataSet = new QuicksightDataSet(this, "data-set", {
      ...common,
      dataSetId: physicalName.quickSightDataSet(props.namePrefix),
      name: `${props.namePrefix} events`,
      importMode: props.importMode,
      physicalTableMap: [
        {
          physicalTableMapId: "events",
          relationalTable: {
            dataSourceArn: this.dataSource.arn,
            catalog: "AwsDataCatalog",
            schema: props.databaseName,
            name: props.tableName,
            inputColumns: [
              ...schema.columns
                .filter((column) => !isComplex(parseGlueType(column.type)))
                .map((column) => ({ name: column.name, type: quickSightColumnType(column.type) })),
              // Partition keys are `string` in Glue (year=2026/month=01/…).
              ...partitionKeys(props.dayKey).map((name) => ({ name, type: "STRING" })),
            ],
          },
        },
      ],
      permissions: [{ principal: props.principalArn, actions: [...DATA_SET_OWNER_ACTIONS] }],
    });

    this.analysis = new QuicksightAnalysis(this, "analysis", {
      ...common,
      analysisId: physicalName.quickSightAnalysis(props.namePrefix),
      name: `${props.namePrefix} events`,
      definition: analysisDefinition({
        dataSetArn: this.dataSet.arn,
        eventTimeColumn: schema.eventTimeColumn,
        breakdownColumn: this.breakdownColumn,
        requiredColumns,
      }),
      permissions: [{ principal: props.principalArn, actions: [...ANALYSIS_OWNER_ACTIONS] }],
      // Seeded by Terraform, then owned by the people editing it in the console (see the class comment).
      lifecycle: { ignoreChanges: ["definition"] },
    });
  }
}

/**
 * The breakdown and required columns, after checking the props: throws one message naming every
 * problem, the value received and what is allowed.
 */
function resolveColumns(id: string, props: DashboardsStageProps): { breakdownColumn: string; requiredColumns: string[] } {
  const { schema } = props;
  const columnNames = [...schema.columns.map((column) => column.name), ...partitionKeys(props.dayKey)];
  const stringColumns = schema.columns.filter((column) => column.type === "string").map((column) => column.name);
  const breakdownColumn =
    props.breakdownColumn ??
    (stringColumns.includes(PREFERRED_BREAKDOWN_COLUMN)
      ? PREFERRED_BREAKDOWN_COLUMN
      : stringColumns.find((name) => name !== BATCH_ID_COLUMN));
  const requiredColumns = schema.columns
    .filter((column) => column.required && !isComplex(parseGlueType(column.type)))
    .map((column) => column.name);

  const errors: string[] = [];
  if (!NAME_PREFIX.test(props.namePrefix)) {
    errors.push(`namePrefix must be 1..200 letters, digits, "_" or "-", got "${props.namePrefix}"`);
  }
  if (!Token.isUnresolved(props.principalArn) && !PRINCIPAL_ARN.test(props.principalArn)) {
    errors.push(`principalArn must be arn:aws:quicksight:<region>:<account>:user|group/<namespace>/<name>, got "${props.principalArn}"`);
  }
  if (!IMPORT_MODES.includes(props.importMode)) {
    errors.push(`importMode must be one of ${IMPORT_MODES.join(", ")}, got "${props.importMode}"`);
  }
  const eventTime = schema.columns.find((column) => column.name === schema.eventTimeColumn);
  if (!eventTime || (eventTime.type !== "timestamp" && eventTime.type !== "date")) {
    errors.push(`schema.eventTimeColumn must name a timestamp or date column of the schema, got "${schema.eventTimeColumn}"`);
  }
  const duplicates = columnNames.filter((name, index) => columnNames.indexOf(name) !== index);
  if (duplicates.length > 0) {
    errors.push(`schema columns must be unique and differ from the partition keys, got duplicates ${duplicates.join(", ")}`);
  }
  const tooLong = columnNames.filter((name) => name.length > MAX_COLUMN_NAME);
  if (tooLong.length > 0) {
    errors.push(`schema column names must be at most ${MAX_COLUMN_NAME} characters for QuickSight, got ${tooLong.join(", ")}`);
  }
  if (requiredColumns.length === 0) {
    errors.push("schema must have at least one required column (the missing-fields KPI counts NULLs in them), got none");
  }
  if (breakdownColumn === undefined) {
    errors.push(`breakdownColumn is needed: the schema has no string column to group events by, got columns ${columnNames.join(", ")}`);
  } else if (!stringColumns.includes(breakdownColumn)) {
    errors.push(`breakdownColumn must be a string column of the schema (${stringColumns.join(", ") || "none"}), got "${breakdownColumn}"`);
  }
  if (errors.length > 0) throw new Error(`DashboardsStage "${id}": ${errors.join("; ")}`);
  return { breakdownColumn: breakdownColumn!, requiredColumns };
}

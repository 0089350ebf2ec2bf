import { QuicksightAnalysis } from "@cdktf/provider-aws/lib/quicksight-analysis";
import { QuicksightDataSet } from "@cdktf/provider-aws/lib/quicksight-data-set";
import { QuicksightDataSource } from "@cdktf/provider-aws/lib/quicksight-data-source";
import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventSchema, GlueType } from "../../contract/event-schema";
import {
  quickSightSkippedColumns,
  ANALYSIS_OWNER_ACTIONS,
  DashboardsStage,
  DashboardsStageProps,
  DATA_SET_OWNER_ACTIONS,
  DATA_SOURCE_OWNER_ACTIONS,
  quickSightColumnType,
} from "../../stacks/constructs/dashboards-stage";
import { MISSING_REQUIRED_FIELD, VISUAL_IDS } from "../../stacks/constructs/quicksight-analysis";
import { addressWhere, eventsTableAddress, referencedAddress, synthPipeline, Synthesized, wrap } from "../support/synth";

const PRINCIPAL = "arn:aws:quicksight:us-east-1:123456789012:group/default/lake-analysts";

/** One column of every supported Glue type; `event_type` is deliberately not first among the strings. */
const SCHEMA: EventSchema = {
  eventTimeColumn: "event_time",
  columns: [
    { name: "event_id", type: "string", required: true },
    { name: "event_type", type: "string", required: true },
    { name: "event_time", type: "timestamp", required: true },
    { name: "is_bot", type: "boolean", required: false },
    { name: "retries", type: "tinyint", required: false },
    { name: "status", type: "smallint", required: false },
    { name: "items", type: "int", required: false },
    { name: "duration_ms", type: "bigint", required: false },
    { name: "ratio", type: "float", required: false },
    { name: "score", type: "double", required: false },
    { name: "revenue", type: "decimal(12,2)", required: false },
    { name: "signup_date", type: "date", required: false },
  ],
};

const PROPS: DashboardsStageProps = {
  namePrefix: "acme-test",
  principalArn: PRINCIPAL,
  importMode: "DIRECT_QUERY",
  workgroupName: "acme-test",
  databaseName: "acme_test_lake",
  tableName: "events",
  schema: SCHEMA,
  dayKey: "day",
  accountId: "123456789012",
  region: "eu-west-1",
};

function synthDashboards(overrides: Partial<DashboardsStageProps> = {}): Synthesized {
  return wrap(Testing.synthScope((scope) => new DashboardsStage(scope, "dashboards", { ...PROPS, ...overrides })));
}

const s = synthDashboards();
const definition = (synth: Synthesized = s) => synth.only("aws_quicksight_analysis").definition;
const visuals = (synth: Synthesized = s): Record<string, any>[] => definition(synth).sheets[0].visuals;
const visualOfKind = (kind: string, synth: Synthesized = s) => {
  const found = visuals(synth).filter((visual) => kind in visual);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]![kind];
};
const inputColumns = (synth: Synthesized) => synth.only("aws_quicksight_data_set").physical_table_map[0].relational_table.input_columns;
const withoutColumn = (name: string): EventSchema => ({ ...SCHEMA, columns: SCHEMA.columns.filter((column) => column.name !== name) });

describe("quickSightColumnType", () => {
  it.each<[GlueType, string]>([
    ["string", "STRING"],
    ["tinyint", "INTEGER"],
    ["smallint", "INTEGER"],
    ["int", "INTEGER"],
    ["bigint", "INTEGER"],
    ["float", "DECIMAL"],
    ["double", "DECIMAL"],
    ["decimal(38,10)", "DECIMAL"],
    ["boolean", "BOOLEAN"],
    ["date", "DATETIME"],
    ["timestamp", "DATETIME"],
  ])("maps Glue %s to QuickSight %s", (glue, quickSight) => {
    expect(quickSightColumnType(glue)).toBe(quickSight);
  });

  it("rejects a nested type, which QuickSight cannot take", () => {
    expect(() => quickSightColumnType("array<string>" as GlueType)).toThrow(/QuickSight cannot take the nested Glue type "array<string>"/);
  });
});

describe("DashboardsStage data source", () => {
  it("is an Athena data source bound to the pipeline's workgroup", () => {
    expect(s.json).toHaveResourceWithProperties(QuicksightDataSource, {
      data_source_id: "acme-test-athena",
      type: "ATHENA",
      parameters: { athena: { work_group: "acme-test" } },
      aws_account_id: "123456789012",
      region: "eu-west-1",
    });
  });

  it("gives the principal the data source owner actions", () => {
    const { permission } = s.only("aws_quicksight_data_source");
    expect(permission).toEqual([{ principal: PRINCIPAL, actions: [...DATA_SOURCE_OWNER_ACTIONS] }]);
    expect([...DATA_SOURCE_OWNER_ACTIONS].sort()).toEqual([
      "quicksight:DeleteDataSource",
      "quicksight:DescribeDataSource",
      "quicksight:DescribeDataSourcePermissions",
      "quicksight:PassDataSource",
      "quicksight:UpdateDataSource",
      "quicksight:UpdateDataSourcePermissions",
    ]);
  });
});

describe("DashboardsStage data set", () => {
  it("reads the Glue table through the data source", () => {
    const table = s.only("aws_quicksight_data_set").physical_table_map[0].relational_table;
    expect(referencedAddress(table.data_source_arn)).toBe(
      `aws_quicksight_data_source.${Object.keys(s.tf.resource.aws_quicksight_data_source!)[0]}`,
    );
    expect(table).toMatchObject({ catalog: "AwsDataCatalog", schema: "acme_test_lake", name: "events" });
  });

  it("has the schema's columns with mapped types, then the partition keys as strings", () => {
    expect(inputColumns(s)).toEqual([
      { name: "event_id", type: "STRING" },
      { name: "event_type", type: "STRING" },
      { name: "event_time", type: "DATETIME" },
      { name: "is_bot", type: "BOOLEAN" },
      { name: "retries", type: "INTEGER" },
      { name: "status", type: "INTEGER" },
      { name: "items", type: "INTEGER" },
      { name: "duration_ms", type: "INTEGER" },
      { name: "ratio", type: "DECIMAL" },
      { name: "score", type: "DECIMAL" },
      { name: "revenue", type: "DECIMAL" },
      { name: "signup_date", type: "DATETIME" },
      { name: "year", type: "STRING" },
      { name: "month", type: "STRING" },
      { name: "day", type: "STRING" },
      { name: "hour", type: "STRING" },
    ]);
  });

  it("follows the schema: an added column (e.g. batch_id) appears before the partition keys", () => {
    const schema: EventSchema = { ...SCHEMA, columns: [...SCHEMA.columns, { name: "batch_id", type: "string", required: false }] };
    const names = inputColumns(synthDashboards({ schema })).map((column: { name: string }) => column.name);
    expect(names.slice(-5)).toEqual(["batch_id", "year", "month", "day", "hour"]);
  });

  // QuickSight takes primitive types only and skips other fields:
  // https://docs.aws.amazon.com/quicksight/latest/user/supported-data-types-and-values.html
  it("leaves nested columns out of the data set and the required-fields KPI, and says why", () => {
    const nested: EventSchema["columns"] = [
      { name: "items", type: "array<struct<sku:string,price:double>>", required: true },
      { name: "properties", type: "map<string,string>", required: false },
    ];
    const flat = SCHEMA.columns.filter((column) => !["items", "properties"].includes(column.name));
    const schema: EventSchema = { ...SCHEMA, columns: [...flat, ...nested] };
    const s = synthDashboards({ schema });
    const names = inputColumns(s).map((column: { name: string }) => column.name);
    expect(names).not.toContain("items");
    expect(names).not.toContain("properties");
    expect(names).toContain("event_type");
    expect(quickSightSkippedColumns(schema)).toEqual([
      expect.objectContaining({
        name: "items",
        type: "array<struct<sku:string,price:double>>",
        reason: expect.stringMatching(/primitive columns only/),
      }),
      expect.objectContaining({ name: "properties", type: "map<string,string>" }),
    ]);
    expect(quickSightSkippedColumns({ ...SCHEMA, columns: flat })).toEqual([]);
  });

  it("names the day partition key after dayKey", () => {
    const names = inputColumns(synthDashboards({ dayKey: "date" })).map((column: { name: string }) => column.name);
    expect(names.slice(-4)).toEqual(["year", "month", "date", "hour"]);
    expect(names).not.toContain("day");
  });

  it.each(["SPICE", "DIRECT_QUERY"] as const)("uses the configured import mode %s", (importMode) => {
    expect(synthDashboards({ importMode }).json).toHaveResourceWithProperties(QuicksightDataSet, { import_mode: importMode });
  });

  it("gives the principal the data set owner actions, including SPICE ingestion", () => {
    const { permissions } = s.only("aws_quicksight_data_set");
    expect(permissions).toEqual([{ principal: PRINCIPAL, actions: [...DATA_SET_OWNER_ACTIONS] }]);
    expect([...DATA_SET_OWNER_ACTIONS].sort()).toEqual([
      "quicksight:CancelIngestion",
      "quicksight:CreateIngestion",
      "quicksight:DeleteDataSet",
      "quicksight:DescribeDataSet",
      "quicksight:DescribeDataSetPermissions",
      "quicksight:DescribeIngestion",
      "quicksight:ListIngestions",
      "quicksight:PassDataSet",
      "quicksight:UpdateDataSet",
      "quicksight:UpdateDataSetPermissions",
    ]);
  });
});

describe("DashboardsStage analysis", () => {
  it("declares the data set by its ARN", () => {
    const [declaration] = definition().data_set_identifiers_declarations;
    expect(referencedAddress(declaration.data_set_arn)).toBe(
      `aws_quicksight_data_set.${Object.keys(s.tf.resource.aws_quicksight_data_set!)[0]}`,
    );
  });

  it("has exactly the three starting visuals, each placed in the layout", () => {
    const ids = visuals().map((visual) => (Object.values(visual)[0] as { visual_id: string }).visual_id);
    expect(ids.sort()).toEqual(Object.values(VISUAL_IDS).sort());
    const elements = definition().sheets[0].layouts[0].configuration.grid_layout.elements.map((e: { element_id: string }) => e.element_id);
    expect(elements.sort()).toEqual(Object.values(VISUAL_IDS).sort());
  });

  it("charts events per hour: the event time at HOUR granularity against a count of events", () => {
    const wells = visualOfKind("line_chart_visual").chart_configuration.field_wells.line_chart_aggregated_field_wells;
    expect(wells.category).toEqual([
      {
        date_dimension_field: expect.objectContaining({
          column: { data_set_identifier: "events", column_name: "event_time" },
          date_granularity: "HOUR",
        }),
      },
    ]);
    expect(wells.values).toEqual([
      {
        date_measure_field: expect.objectContaining({
          column: { data_set_identifier: "events", column_name: "event_time" },
          aggregation_function: "COUNT",
        }),
      },
    ]);
  });

  it("charts events by event_type when the schema has that string column", () => {
    const wells = visualOfKind("bar_chart_visual").chart_configuration.field_wells.bar_chart_aggregated_field_wells;
    expect(wells.category).toEqual([
      { categorical_dimension_field: expect.objectContaining({ column: { data_set_identifier: "events", column_name: "event_type" } }) },
    ]);
    expect(wells.values).toEqual([{ date_measure_field: expect.objectContaining({ aggregation_function: "COUNT" }) }]);
  });

  it("falls back to the first string column when the schema has no event_type", () => {
    const bar = visualOfKind("bar_chart_visual", synthDashboards({ schema: withoutColumn("event_type") }));
    expect(
      bar.chart_configuration.field_wells.bar_chart_aggregated_field_wells.category[0].categorical_dimension_field.column.column_name,
    ).toBe("event_id");
    expect(bar.title.format_text.plain_text).toBe("Events by event_id");
  });

  it("never falls back to batch_id when another string column exists", () => {
    const schema: EventSchema = {
      eventTimeColumn: "event_time",
      columns: [
        { name: "batch_id", type: "string", required: false },
        { name: "event_time", type: "timestamp", required: true },
        { name: "country", type: "string", required: false },
      ],
    };
    const bar = visualOfKind("bar_chart_visual", synthDashboards({ schema }));
    expect(
      bar.chart_configuration.field_wells.bar_chart_aggregated_field_wells.category[0].categorical_dimension_field.column.column_name,
    ).toBe("country");
  });

  it("groups by an explicit breakdownColumn over event_type", () => {
    const bar = visualOfKind("bar_chart_visual", synthDashboards({ breakdownColumn: "event_id" }));
    expect(
      bar.chart_configuration.field_wells.bar_chart_aggregated_field_wells.category[0].categorical_dimension_field.column.column_name,
    ).toBe("event_id");
  });

  it("counts rows with a NULL in any required column in a KPI, as a calculated field", () => {
    expect(definition().calculated_fields).toEqual([
      {
        data_set_identifier: "events",
        name: MISSING_REQUIRED_FIELD,
        expression: "ifelse(isNull({event_id}) OR isNull({event_type}) OR isNull({event_time}), 1, 0)",
      },
    ]);
    const kpi = visualOfKind("kpi_visual");
    expect(kpi.chart_configuration.field_wells.values).toEqual([
      {
        numerical_measure_field: expect.objectContaining({
          column: { data_set_identifier: "events", column_name: MISSING_REQUIRED_FIELD },
          aggregation_function: { simple_numerical_aggregation: "SUM" },
        }),
      },
    ]);
  });

  it("labels the KPI honestly: rejected records are not in the table", () => {
    const kpi = visualOfKind("kpi_visual");
    expect(kpi.title.format_text.plain_text).toBe("Rows missing required fields");
    expect(kpi.subtitle.format_text.plain_text).toMatch(/rejected are not here.*errors\/ prefix/);
  });

  it("gives the principal the analysis owner actions", () => {
    const { permissions } = s.only("aws_quicksight_analysis");
    expect(permissions).toEqual([{ principal: PRINCIPAL, actions: [...ANALYSIS_OWNER_ACTIONS] }]);
    expect([...ANALYSIS_OWNER_ACTIONS].sort()).toEqual([
      "quicksight:DeleteAnalysis",
      "quicksight:DescribeAnalysis",
      "quicksight:DescribeAnalysisPermissions",
      "quicksight:QueryAnalysis",
      "quicksight:RestoreAnalysis",
      "quicksight:UpdateAnalysis",
      "quicksight:UpdateAnalysisPermissions",
    ]);
  });

  it("seeds the definition and then leaves console edits alone", () => {
    expect(s.json).toHaveResourceWithProperties(QuicksightAnalysis, {
      analysis_id: "acme-test-events-analysis",
      lifecycle: { ignore_changes: ["definition"] },
    });
  });
});

describe("DashboardsStage validation", () => {
  it("rejects an event-time column that is not a timestamp or date column", () => {
    expect(() => synthDashboards({ schema: { ...SCHEMA, eventTimeColumn: "event_id" } })).toThrow(
      /DashboardsStage "dashboards": schema.eventTimeColumn must name a timestamp or date column of the schema, got "event_id"/,
    );
  });

  it("rejects a principal that is not a QuickSight user or group ARN", () => {
    expect(() => synthDashboards({ principalArn: "arn:aws:iam::123456789012:user/analyst" })).toThrow(
      /principalArn must be arn:aws:quicksight:/,
    );
  });

  it("rejects a breakdownColumn that is not a string column", () => {
    expect(() => synthDashboards({ breakdownColumn: "duration_ms" })).toThrow(
      /breakdownColumn must be a string column of the schema .*got "duration_ms"/,
    );
  });

  it("asks for a breakdownColumn when the schema has no string column", () => {
    const schema: EventSchema = { eventTimeColumn: "event_time", columns: [{ name: "event_time", type: "timestamp", required: true }] };
    expect(() => synthDashboards({ schema })).toThrow(/breakdownColumn is needed/);
  });

  it("rejects a column named like a partition key", () => {
    const schema: EventSchema = { ...SCHEMA, columns: [...SCHEMA.columns, { name: "hour", type: "int", required: false }] };
    expect(() => synthDashboards({ schema })).toThrow(/got duplicates hour/);
  });

  it("reports every problem at once", () => {
    expect(() => synthDashboards({ namePrefix: "acme test", importMode: "LIVE" as never })).toThrow(
      /namePrefix must be .*; importMode must be one of SPICE, DIRECT_QUERY, got "LIVE"/,
    );
  });
});

describe("DashboardsStage source", () => {
  // The provider package's name comes from package.json: @cdktf/provider-aws, or @cdktn/provider-aws after `npm run migrate:cdktn`.
  it("imports provider classes from <provider package>/lib/<resource>, never the package root", () => {
    const { dependencies } = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const provider = Object.keys(dependencies).find((name) => /^@cdkt[fn]\/provider-aws$/.test(name))!;
    const source = readFileSync(join(__dirname, "../../stacks/constructs/dashboards-stage.ts"), "utf8");
    const providerImports = [...source.matchAll(/from "(@[^/"]+\/provider-aws[^"]*)"/g)].map((match) => match[1]);
    expect(providerImports.length).toBeGreaterThan(0);
    expect(
      providerImports.filter((path) => !(path.startsWith(`${provider}/lib/`) && /^[^/]+\/[^/]+\/lib\/[a-z0-9-]+$/.test(path))),
    ).toEqual([]);
  });
});

describe("QuickSight in the pipeline stack", () => {
  const principalArn = "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";

  it("creates nothing by default", () => {
    const stack = synthPipeline();
    for (const type of ["aws_quicksight_data_source", "aws_quicksight_data_set", "aws_quicksight_analysis"]) {
      expect(stack.resources(type)).toHaveLength(0);
    }
  });

  it("binds the data source to the pipeline's workgroup and the data set to its table when enabled", () => {
    const stack = synthPipeline({ quicksight: { enabled: true, principalArn } });
    const source = stack.only("aws_quicksight_data_source");
    expect(referencedAddress(source.parameters.athena.work_group)).toBe(
      addressWhere(stack, "aws_athena_workgroup", (w) => w.name === "acme-test"),
    );
    const table = stack.only("aws_quicksight_data_set").physical_table_map[0].relational_table;
    expect(referencedAddress(table.name)).toBe(eventsTableAddress(stack));
  });

  it("requires a principal when enabled", () => {
    expect(() => synthPipeline({ quicksight: { enabled: true } })).toThrow(/quicksight\.principalArn: received nothing \(unset\)/);
  });

  it("rejects a principal that is not a QuickSight user or group ARN", () => {
    expect(() => synthPipeline({ quicksight: { enabled: true, principalArn: "analyst" } })).toThrow(
      /quicksight\.principalArn: received "analyst"/,
    );
  });
});

/**
 * QuickSight runs Athena queries with its own IAM role, and Athena reads the table and writes the
 * results with the caller's rights; the role must read the data and the result location and, for
 * SSE-KMS data, use the key (https://docs.aws.amazon.com/quicksight/latest/user/athena.html;
 * https://docs.aws.amazon.com/quicksight/latest/user/troubleshoot-athena-insufficient-permissions.html).
 */
describe("QuickSight's service role", () => {
  const principalArn = "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";
  const grantOf = (stack: Synthesized) => {
    const policies = stack.resources("aws_iam_role_policy").filter((p) => !String(p.role).includes("${"));
    expect(policies).toHaveLength(1);
    return {
      role: policies[0]!.role as string,
      statements: JSON.parse(policies[0]!.policy).Statement as { Sid: string; Action: string[]; Resource: string[]; Condition?: unknown }[],
    };
  };
  const plain = synthPipeline({ quicksight: { enabled: true, principalArn } });
  const cmk = synthPipeline({ quicksight: { enabled: true, principalArn }, security: { encryption: "customer-managed" } });
  const lake = `\${${addressWhere(plain, "aws_s3_bucket", (b) => /lake/.test(b.bucket ?? b.bucket_prefix ?? ""))}.arn}`;
  const results = `\${${addressWhere(plain, "aws_s3_bucket", (b) => /results/.test(b.bucket ?? b.bucket_prefix ?? ""))}.arn}`;
  const allowed = (statements: ReturnType<typeof grantOf>["statements"], action: string) =>
    statements.filter((st) => st.Action.includes(action)).flatMap((st) => st.Resource);

  it("gets no grant while QuickSight is off", () => {
    expect(
      synthPipeline()
        .resources("aws_iam_role_policy")
        .filter((p) => !String(p.role).includes("${")),
    ).toEqual([]);
  });

  it("is the existing role named by quicksight.serviceRoleName, aws-quicksight-service-role-v0 by default, attached by name", () => {
    expect(grantOf(plain).role).toBe("aws-quicksight-service-role-v0");
    expect(plain.resources("aws_iam_role").map((r) => r.name)).not.toContain("aws-quicksight-service-role-v0");
    const custom = synthPipeline({ quicksight: { enabled: true, principalArn, serviceRoleName: "aws-quicksight-s3-consumers-role-v0" } });
    expect(grantOf(custom).role).toBe("aws-quicksight-s3-consumers-role-v0");
  });

  it("may read the table's data and read and write the workgroup's result location, and nothing else of the buckets", () => {
    const { statements } = grantOf(plain);
    expect(allowed(statements, "s3:GetObject").sort()).toEqual([`${lake}/data/*`, `${results}/athena-results/*`].sort());
    expect(allowed(statements, "s3:PutObject")).toEqual([`${results}/athena-results/*`]);
    expect(statements.flatMap((st) => st.Action)).not.toContain("s3:DeleteObject");
    const dataSourceWorkgroup = referencedAddress(plain.only("aws_quicksight_data_source").parameters.athena.work_group);
    const workgroup = plain.tf.resource.aws_athena_workgroup[dataSourceWorkgroup.split(".")[1]!]!;
    expect(workgroup.configuration.result_configuration.output_location).toMatch(/\/athena-results\/$/);
  });

  it("uses the customer-managed key only through S3, and only with that option", () => {
    expect(
      grantOf(plain)
        .statements.flatMap((st) => st.Action)
        .filter((a) => a.startsWith("kms:")),
    ).toEqual([]);
    const kms = grantOf(cmk).statements.filter((st) => st.Action.some((a) => a.startsWith("kms:")));
    expect(kms).toEqual([
      {
        Sid: "UseLakeKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [expect.stringMatching(/^\$\{aws_kms_key\.[^.]+\.arn\}$/)],
        Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("is granted before the data source is created (creation tests the connection with the role)", () => {
    const policyAddress = addressWhere(plain, "aws_iam_role_policy", (p) => !String(p.role).includes("${"));
    expect(plain.only("aws_quicksight_data_source").depends_on).toContain(policyAddress);
  });

  it.each([
    ["service-role/aws-quicksight-service-role-v0", "a path"],
    ["r".repeat(65), "65 characters"],
    ["", "an empty name"],
  ])("rejects %s as quicksight.serviceRoleName (%s), naming the field, the value and the allowed form", (name) => {
    expect(() => synthPipeline({ quicksight: { enabled: true, principalArn, serviceRoleName: name } })).toThrow(
      new RegExp(`quicksight\\.serviceRoleName: received "${name.replace(/[/]/g, "\\/")}".*IAM role name of 1–64`),
    );
  });
});

/**
 * The starting QuickSight analysis as data: a pure function from the table's columns to the
 * analysis `definition` block. `DashboardsStage` passes it to the resource; nothing here needs cdktf.
 */

/** Identifier of the data set inside the analysis definition (DataSetIdentifierDeclaration). */
export const DATA_SET_IDENTIFIER = "events";

/** Name of the analysis calculated field that is 1 for a row with a NULL in a required column, else 0. */
export const MISSING_REQUIRED_FIELD = "missing_required_fields";

/** Visual ids of the starting sheet, also its grid layout element ids. */
export const VISUAL_IDS = {
  eventsPerHour: "events-per-hour",
  eventsByType: "events-by-type",
  missingRequired: "rows-missing-required-fields",
} as const;

/** What the starting visuals are built from. */
export interface DefinitionInputs {
  readonly dataSetArn: string;
  /** Required timestamp or date column: events are counted by it. */
  readonly eventTimeColumn: string;
  /** String column the "events by type" bar chart groups by. */
  readonly breakdownColumn: string;
  /** Columns whose NULLs the "rows missing required fields" KPI counts. */
  readonly requiredColumns: readonly string[];
}

type Visual = Record<string, unknown>;

const column = (name: string) => ({ data_set_identifier: DATA_SET_IDENTIFIER, column_name: name });
const text = (value: string) => ({ visibility: "VISIBLE", format_text: { plain_text: value } });

/** QuickSight has no record-count field: count the event time, which is required and so never NULL. */
function countEvents(fieldId: string, eventTimeColumn: string) {
  return { date_measure_field: { field_id: fieldId, column: column(eventTimeColumn), aggregation_function: "COUNT" } };
}

/**
 * The analysis `definition` block in Terraform's snake_case: the generated class types it as `any`, so
 * cdktf passes it through verbatim. Field names follow the provider's schema
 * (internal/service/quicksight/schema: analysis.go, visual_line_chart.go, visual_bar_chart.go,
 * visual_kpi.go, visual_fields.go).
 */
export function analysisDefinition(inputs: DefinitionInputs): Record<string, unknown> {
  const isNull = inputs.requiredColumns.map((name) => `isNull({${name}})`).join(" OR ");
  return {
    data_set_identifiers_declarations: [{ identifier: DATA_SET_IDENTIFIER, data_set_arn: inputs.dataSetArn }],
    calculated_fields: [{ data_set_identifier: DATA_SET_IDENTIFIER, name: MISSING_REQUIRED_FIELD, expression: `ifelse(${isNull}, 1, 0)` }],
    sheets: [
      {
        sheet_id: "overview",
        name: "Overview",
        content_type: "INTERACTIVE",
        visuals: [eventsPerHourVisual(inputs), eventsByTypeVisual(inputs), missingRequiredVisual()],
        layouts: [{ configuration: { grid_layout: { elements: OVERVIEW_GRID } } }],
      },
    ],
  };
}

/** Event hour across the top, the KPI and the breakdown below. */
const OVERVIEW_GRID = [
  { element_id: VISUAL_IDS.eventsPerHour, element_type: "VISUAL", column_span: 24, row_span: 12 },
  { element_id: VISUAL_IDS.missingRequired, element_type: "VISUAL", column_span: 12, row_span: 12 },
  { element_id: VISUAL_IDS.eventsByType, element_type: "VISUAL", column_span: 36, row_span: 12 },
];

function eventsPerHourVisual(inputs: DefinitionInputs): Visual {
  return {
    line_chart_visual: {
      visual_id: VISUAL_IDS.eventsPerHour,
      title: text("Events per hour"),
      chart_configuration: {
        field_wells: {
          line_chart_aggregated_field_wells: {
            category: [
              {
                date_dimension_field: {
                  field_id: "event-hour",
                  column: column(inputs.eventTimeColumn),
                  date_granularity: "HOUR",
                },
              },
            ],
            values: [countEvents("events-per-hour-count", inputs.eventTimeColumn)],
          },
        },
      },
    },
  };
}

function eventsByTypeVisual(inputs: DefinitionInputs): Visual {
  return {
    bar_chart_visual: {
      visual_id: VISUAL_IDS.eventsByType,
      title: text(`Events by ${inputs.breakdownColumn}`),
      chart_configuration: {
        field_wells: {
          bar_chart_aggregated_field_wells: {
            category: [{ categorical_dimension_field: { field_id: "event-type", column: column(inputs.breakdownColumn) } }],
            values: [countEvents("events-by-type-count", inputs.eventTimeColumn)],
          },
        },
      },
    },
  };
}

/**
 * "Failed records" are not in this table: the transform returns records missing a required field
 * (or with a value it cannot coerce) as ProcessingFailed, so Firehose writes them under errors/ and
 * counts them in CloudWatch. The honest table-side signal is rows that reached the table with a NULL
 * in a required column anyway (e.g. written before a column became required); it should stay 0.
 */
function missingRequiredVisual(): Visual {
  return {
    kpi_visual: {
      visual_id: VISUAL_IDS.missingRequired,
      title: text("Rows missing required fields"),
      subtitle: text(
        "Rows in the table with a NULL in a required column; should be 0. Records the pipeline rejected are not here: see the CloudWatch dashboard and the errors/ prefix.",
      ),
      chart_configuration: {
        field_wells: {
          values: [
            {
              numerical_measure_field: {
                field_id: "rows-missing-required-fields-sum",
                column: column(MISSING_REQUIRED_FIELD),
                aggregation_function: { simple_numerical_aggregation: "SUM" },
              },
            },
          ],
        },
      },
    },
  };
}

import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { Construct } from "constructs";
import type { DayKey, EventSchema } from "../../contract/event-schema";
import type { EventsTable } from "./events-table";
import {
  latestViewColumns,
  latestViewName,
  prestoType,
  latestViewSql,
  prestoViewOriginalText,
  type PrestoViewDefinition,
} from "../../contract/sql/latest-view";

/**
 * The view's SerDe: placeholders, as widely used Terraform view modules set them
 * (iconara/terraform-aws-athena-view, main.tf). A view has no storage to deserialize, but Athena fails a
 * query on a view whose storage descriptor has no SerDe info ("HIVE_METASTORE_ERROR: Table storage
 * descriptor is missing SerDe info"), and the AWS provider drops an empty `ser_de_info` block and empty
 * strings instead of sending them (terraform-provider-aws issue 28517;
 * internal/service/glue/catalog_table.go, expandSerDeInfo), so both fields must be non-empty.
 */
export const VIEW_SERDE_INFO = { name: "-", serializationLibrary: "-" } as const;

export interface LatestViewProps {
  /** The events table the view reads (created first); the view is created in its database. */
  readonly source: EventsTable;
  /** The table's schema (with `batch_id` when the batch path adds it). */
  readonly schema: EventSchema;
  /** Name of the day partition key. */
  readonly dayKey: DayKey;
  /** The column of the event id; the view keeps one row per value. */
  readonly eventIdColumn: string;
  /** Days of partitions the view reads, before the current UTC day (`catalog.latestViewDays`, 1–366). */
  readonly windowDays: number;
}

/**
 * The Athena view `"<db>"."<table>_latest"`: the latest row per event id (see
 * `contract/sql/latest-view.ts` for the ordering) over a rolling window of days, generated from
 * the schema.
 *
 * Athena keeps a view as a Glue table of type VIRTUAL_VIEW whose `ViewOriginalText` is
 * `/* Presto View: <base64 JSON { originalSql, catalog, schema, columns }> *\/` with Presto type names,
 * `ViewExpandedText` `/* Presto View *\/`, parameters `presto_view = "true"` and `comment = "Presto View"`,
 * and the columns again, with Hive types, in the storage descriptor, here with a placeholder SerDe
 * ({@link VIEW_SERDE_INFO}). Creating that table is what a `CREATE VIEW` in Athena does; Terraform owns
 * it here, so a schema change updates the view with the table.
 */
export class LatestView extends Construct {
  public readonly view: GlueCatalogTable;
  /** The view's name, `<table>_latest`. */
  public readonly name: string;
  /** The view's SQL (its `originalSql`). */
  public readonly sql: string;

  constructor(scope: Construct, id: string, props: LatestViewProps) {
    super(scope, id);
    if (!props.schema.columns.some((column) => column.name === props.eventIdColumn)) {
      throw new Error(
        `LatestView "${id}": eventIdColumn "${props.eventIdColumn}" is not a column of the schema (${props.schema.columns.map((c) => c.name).join(", ")})`,
      );
    }
    this.name = latestViewName(props.source.tableName);
    this.sql = latestViewSql(
      {
        database: props.source.databaseName,
        table: props.source.tableName,
        schema: props.schema,
        dayKey: props.dayKey,
        eventIdColumn: props.eventIdColumn,
      },
      props.windowDays,
    );
    const columns = latestViewColumns(props.schema, props.dayKey);
    const definition: PrestoViewDefinition = {
      originalSql: this.sql,
      catalog: "awsdatacatalog",
      schema: props.source.databaseName,
      columns: columns.map((column) => ({ name: column.name, type: prestoType(column.type) })),
    };
    this.view = new GlueCatalogTable(this, "view", {
      databaseName: props.source.database.name,
      name: this.name,
      description: `Latest row per ${props.eventIdColumn} of ${props.source.tableName} over the partitions of the last ${props.windowDays} days and today (UTC; newest partition, then batch): duplicates from at-least-once delivery and replays removed`,
      tableType: "VIRTUAL_VIEW",
      viewOriginalText: prestoViewOriginalText(definition),
      viewExpandedText: "/* Presto View */",
      parameters: { presto_view: "true", comment: "Presto View" },
      storageDescriptor: {
        columns: columns.map((column) => ({ name: column.name, type: column.type })),
        serDeInfo: { ...VIEW_SERDE_INFO },
      },
      dependsOn: [props.source.table],
    });
  }
}

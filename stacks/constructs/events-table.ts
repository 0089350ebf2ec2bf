import type { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import type { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";

/**
 * The events table as the stages after the catalog take it: the resources (to reference and depend
 * on) with the literal names that IAM ARNs and SQL are built from. The resources' own `name`
 * attributes are Terraform references, which an ARN in a policy or a view's SQL cannot use.
 */
export interface EventsTable {
  readonly database: GlueCatalogDatabase;
  readonly table: GlueCatalogTable;
  readonly databaseName: string;
  readonly tableName: string;
}

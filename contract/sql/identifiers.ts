/**
 * Quoting for the SQL this project generates for Athena engine v3 (Trino). Every identifier is
 * quoted, always: the day partition key may be `date`, a reserved word, and column names come from
 * the user's schema.
 */

/** Quotes a Trino identifier with double quotes, doubling embedded ones: `a"b` → `"a""b"`. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) {
    throw new Error("quoteIdentifier: an identifier cannot be empty (Trino rejects zero-length delimited identifiers)");
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** The quoted, database-qualified name of a table: `"db"."table"`. */
export function qualifiedTable(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

/** A Trino string literal, doubling embedded single quotes: `it's` → `'it''s'`. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

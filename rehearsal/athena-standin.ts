/**
 * STAND-IN for Athena (engine v3): runs the workflow's SQL — the validation query the extract handler
 * generates — with DuckDB over the Parquet files of the lake folder.
 *
 * The Glue table becomes a DuckDB view with the same qualified name (`"db"."table"`): the table's
 * columns with their Glue types, plus the partition keys as strings, over
 * `read_parquet([...], hive_partitioning = true, hive_types_autocast = false)`. Like Athena, the view
 * reads only the partitions the catalog knows (the crawler stand-in's; with partition projection,
 * every partition folder of the layout), and skips files whose names start with `_` or `.`.
 *
 * Each statement is first checked with the Trino grammar: a syntax error fails the query as Athena
 * would. A statement that is valid Trino but that DuckDB cannot run fails too, and is reported as
 * such: the rehearsal cannot vouch for it either way. DuckDB is more lenient than Trino in places (it
 * accepts some things Athena rejects, e.g. implicit casts between strings and numbers), so a
 * statement passing here is necessary, not sufficient. Results are shaped like GetQueryResults
 * (a header row, then `VarCharValue`s) and kept as CSV under `<out>/athena-results/`.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { CatalogPartition } from "./crawler-standin";
import { duckDbType, type TableColumn } from "./format-conversion";
import { LakeFolder, listFiles } from "./lake-folder";
import { trinoCheckUnavailable, trinoSyntaxErrors } from "./trino-check";

export interface AthenaStandInProps {
  readonly database: string;
  readonly table: string;
  readonly workgroup: string;
  /** The table's columns (Glue types). */
  readonly columns: readonly TableColumn[];
  readonly partitionKeys: readonly string[];
  /** The table location as a key prefix, `data/`. */
  readonly tablePrefix: string;
  readonly lake: LakeFolder;
  /** Registered partitions, or "projection" when Athena computes them (partition projection). */
  readonly partitions: () => readonly CatalogPartition[] | "projection";
  readonly resultsDir: string;
  readonly projectRoot: string;
  readonly log?: (text: string) => void;
}

/** One query the stand-in ran. */
export interface QueryRecord {
  readonly id: string;
  readonly query: string;
  state: "SUCCEEDED" | "FAILED";
  reason?: string;
  /** Valid Trino that DuckDB could not run. */
  trinoOnly?: boolean;
  trinoErrors?: string[];
  columns: string[];
  rows: (string | null)[][];
  /** Parquet files the table view read. */
  files: number;
}

export class AthenaStandIn {
  readonly queries: QueryRecord[] = [];

  constructor(private readonly props: AthenaStandInProps) {}

  /** athena:startQueryExecution.sync: runs the query and returns the final QueryExecution, or throws when it FAILED. */
  async startQueryExecution(input: { QueryString?: string; WorkGroup?: string }): Promise<{ QueryExecution: Record<string, unknown> }> {
    const query = input.QueryString ?? "";
    if (input.WorkGroup !== this.props.workgroup) {
      throw named(
        "Athena.InvalidRequestException",
        `WorkGroup ${input.WorkGroup} is not found (the stack creates ${this.props.workgroup})`,
      );
    }
    const record: QueryRecord = { id: randomUUID(), query, state: "FAILED", columns: [], rows: [], files: 0 };
    this.queries.push(record);
    const submitted = new Date().toISOString();

    const syntax = trinoSyntaxErrors(query, this.props.projectRoot);
    if (syntax && syntax.length > 0) {
      record.trinoErrors = syntax;
      record.reason = `SYNTAX_ERROR (Trino grammar): ${syntax.join("; ")}`;
    } else {
      try {
        await this.run(record);
        record.state = "SUCCEEDED";
      } catch (error) {
        const message = (error as Error).message.split("\n")[0];
        record.trinoOnly = syntax !== undefined;
        record.reason = syntax
          ? `valid Trino, but DuckDB (the Athena stand-in) cannot run it: ${message}. Athena may well accept it; the rehearsal cannot validate it`
          : `DuckDB (the Athena stand-in) cannot run it: ${message} (the Trino grammar check was unavailable: ${trinoCheckUnavailable()})`;
      }
    }
    const execution = {
      QueryExecutionId: record.id,
      Query: query,
      StatementType: "DML",
      WorkGroup: this.props.workgroup,
      QueryExecutionContext: { Database: this.props.database },
      Status: {
        State: record.state,
        SubmissionDateTime: submitted,
        CompletionDateTime: new Date().toISOString(),
        ...(record.reason ? { StateChangeReason: record.reason } : {}),
      },
      ResultConfiguration: { OutputLocation: `file://${join(this.props.resultsDir, `${record.id}.csv`)}` },
    };
    if (record.state === "FAILED") {
      this.props.log?.(`query FAILED: ${record.reason}`);
      // The .sync integration fails the task with the final QueryExecution as its cause.
      throw named("States.TaskFailed", JSON.stringify({ QueryExecution: execution }));
    }
    return { QueryExecution: execution };
  }

  /** athena:getQueryResults: a header row, then the data rows, as VarCharValues (NULL has none). */
  getQueryResults(input: { QueryExecutionId?: string; MaxResults?: number }): Record<string, unknown> {
    const record = this.queries.find((q) => q.id === input.QueryExecutionId);
    if (!record || record.state !== "SUCCEEDED") {
      throw named("Athena.InvalidRequestException", `Query ${input.QueryExecutionId} has not succeeded`);
    }
    const cell = (value: string | null) => (value === null ? {} : { VarCharValue: value });
    const rows = [record.columns.map(cell), ...record.rows.map((row) => row.map(cell))].slice(0, input.MaxResults ?? 1000);
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: rows.map((Data) => ({ Data })),
        ResultSetMetadata: { ColumnInfo: record.columns.map((name) => ({ Name: name, Label: name, Type: "varchar" })) },
      },
    };
  }

  private async run(record: QueryRecord): Promise<void> {
    const { props } = this;
    await props.lake.sync(props.tablePrefix);
    const files = this.tableFiles();
    record.files = files.length;
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE SCHEMA ${identifier(props.database)}`);
      await connection.run(`CREATE VIEW ${identifier(props.database)}.${identifier(props.table)} AS ${this.viewSelect(files)}`);
      const reader = await connection.runAndReadAll(record.query);
      record.columns = reader.columnNames();
      record.rows = reader.getRows().map((row) => row.map((value) => (value === null ? null : String(value))));
      mkdirSync(props.resultsDir, { recursive: true });
      const csv = [record.columns, ...record.rows].map((row) =>
        row.map((v) => (v === null ? "" : `"${v.replaceAll('"', '""')}"`)).join(","),
      );
      writeFileSync(join(props.resultsDir, `${record.id}.csv`), `${csv.join("\n")}\n`);
      writeFileSync(join(props.resultsDir, `${record.id}.sql`), `${record.query}\n`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** The Parquet files of the partitions Athena would read. */
  private tableFiles(): string[] {
    const { props } = this;
    const partitions = props.partitions();
    const folders =
      partitions === "projection" ? [props.lake.fileOf(props.tablePrefix)] : partitions.map((p) => props.lake.fileOf(p.prefix));
    const depth = props.partitionKeys.length;
    return folders
      .flatMap((folder) => listFiles(folder))
      .filter((file) => !/^[_.]/.test(basename(file)))
      .filter((file) => partitions !== "projection" || isLayoutFile(file, props.lake.fileOf(props.tablePrefix), props.partitionKeys, depth))
      .sort();
  }

  private viewSelect(files: readonly string[]): string {
    const { columns, partitionKeys } = this.props;
    const typed = columns.map((c) => `CAST(${identifier(c.name)} AS ${duckDbType(c.type)}) AS ${identifier(c.name)}`);
    const keys = partitionKeys.map((k) => `CAST(${identifier(k)} AS VARCHAR) AS ${identifier(k)}`);
    if (files.length === 0) {
      const nulls = [
        ...columns.map((c) => `CAST(NULL AS ${duckDbType(c.type)}) AS ${identifier(c.name)}`),
        ...partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${identifier(k)}`),
      ];
      return `SELECT ${nulls.join(", ")} WHERE false`;
    }
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
    return `SELECT ${[...typed, ...keys].join(", ")} FROM read_parquet([${list}], hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`;
  }
}

function isLayoutFile(file: string, root: string, keys: readonly string[], depth: number): boolean {
  const parts = file.slice(root.length).split(/[\\/]/).filter(Boolean);
  return parts.length === depth + 1 && keys.every((key, i) => parts[i].startsWith(`${key}=`));
}

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

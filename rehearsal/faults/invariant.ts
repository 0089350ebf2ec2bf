/**
 * The fault rehearsal's invariant, read from the lake itself: every record of the landing files is
 * delivered (its event id is in `data/`), failed (its envelope is under `errors/`, replayable) or
 * rejected with its line number (`rejected/<batchId>/`); nothing else.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { BATCH_PREFIXES, LAKE_PREFIXES } from "../../contract/lake-layout";
import { listFiles } from "../lake-folder";

/** Where each landing record is, by event id. */
export interface RecordAccount {
  /** Distinct event ids the extract staged for the batch (every valid landing record). */
  readonly staged: number;
  /** Lines the extract rejected, each with its line number. */
  readonly rejectedWithLine: number;
  /** Staged ids with a row in data/. */
  readonly delivered: number;
  /** Staged ids not delivered whose record is in an error envelope under errors/. */
  readonly failed: number;
  /** Staged ids neither delivered nor failed. */
  readonly lost: number;
  /** Up to 10 lost ids. */
  readonly lostIds: readonly string[];
  /** Rows in data/ (duplicates included) and distinct ids among them. */
  readonly dataRows: number;
  readonly dataIds: number;
}

/** Event ids of every staged chunk of `batchId` in the lake folder. */
export function stagedIds(lakeFolder: string, batchId: string, eventIdColumn: string): Set<string> {
  const ids = new Set<string>();
  for (const file of listFiles(join(lakeFolder, BATCH_PREFIXES.staging, batchId))) {
    if (!file.endsWith(".ndjson")) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      ids.add(String((JSON.parse(line) as Record<string, unknown>)[eventIdColumn]));
    }
  }
  return ids;
}

/** Rejected lines of `batchId` that carry a line number. */
export function rejectedWithLine(lakeFolder: string, batchId: string): number {
  let count = 0;
  for (const file of listFiles(join(lakeFolder, BATCH_PREFIXES.rejected, batchId))) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() !== "" && typeof (JSON.parse(line) as { line?: unknown }).line === "number") count++;
    }
  }
  return count;
}

/** Event ids of the records in the error envelopes under `errors/` (the rawData of each, split into lines). */
export function failedIds(lakeFolder: string, eventIdColumn: string): Set<string> {
  const ids = new Set<string>();
  for (const file of listFiles(join(lakeFolder, "errors"))) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const envelope = JSON.parse(line) as { rawData?: string };
      for (const record of Buffer.from(envelope.rawData ?? "", "base64")
        .toString("utf8")
        .split("\n")) {
        if (record.trim() === "") continue;
        try {
          ids.add(String((JSON.parse(record) as Record<string, unknown>)[eventIdColumn]));
        } catch {
          // not JSON: the replay lists it under rejected/; it carries no id to count
        }
      }
    }
  }
  return ids;
}

/** Rows and distinct event ids of every Parquet object under data/ in the lake folder, and the ids. */
export async function dataIds(lakeFolder: string, eventIdColumn: string): Promise<{ rows: number; ids: Set<string> }> {
  const files = listFiles(join(lakeFolder, LAKE_PREFIXES.data)).filter((f) => f.endsWith(".parquet"));
  if (files.length === 0) return { rows: 0, ids: new Set() };
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
    const column = `"${eventIdColumn.replaceAll('"', '""')}"`;
    const reader = await connection.runAndReadAll(`SELECT CAST(${column} AS VARCHAR) FROM read_parquet([${list}])`);
    const values = reader.getRows().map((row) => String(row[0]));
    return { rows: values.length, ids: new Set(values) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Accounts for every staged record of `batchId` in the lake folder as it is now. */
export async function accountRecords(lakeFolder: string, batchId: string, eventIdColumn: string): Promise<RecordAccount> {
  const staged = stagedIds(lakeFolder, batchId, eventIdColumn);
  const data = await dataIds(lakeFolder, eventIdColumn);
  const errors = failedIds(lakeFolder, eventIdColumn);
  let delivered = 0;
  let failed = 0;
  const lost: string[] = [];
  for (const id of staged) {
    if (data.ids.has(id)) delivered++;
    else if (errors.has(id)) failed++;
    else lost.push(id);
  }
  return {
    staged: staged.size,
    rejectedWithLine: rejectedWithLine(lakeFolder, batchId),
    delivered,
    failed,
    lost: lost.length,
    lostIds: lost.slice(0, 10),
    dataRows: data.rows,
    dataIds: data.ids.size,
  };
}

/**
 * STAND-IN for Amazon Data Firehose (Kinesis source → Lambda processor → JSON-to-Parquet conversion →
 * S3), following the delivery stream the stack configures (`stacks/constructs/delivery-stage.ts`):
 *
 * 1. Reads every shard of the local stream from TRIM_HORIZON (later drains carry on where the last
 *    one stopped).
 * 2. Groups records into transform invocations the way the processor buffer does: at most
 *    `processorBufferSizeMB` of source data, and records arriving within
 *    `processorBufferIntervalSeconds` of the first one (time is simulated on the Kinesis arrival
 *    times; nothing waits), and invokes the REAL transform handler with Firehose-shaped events. An
 *    invocation that throws is retried `processorRetries` times, then every record of it fails; a
 *    response that breaks the contract (missing, repeated or unknown recordId, bad result, no data,
 *    over 6 MB) fails the invocation too.
 * 3. Buffers Ok records like the delivery buffer (`bufferSizeMiB` of transformed data or
 *    `bufferIntervalSeconds` between the oldest and the newest arrival; per partition with event-time
 *    partitions), converts each buffer with the Glue table's column types and writes it as one Parquet
 *    object with Snappy compression through DuckDB, under the data prefix evaluated on the arrival time
 *    of the oldest record in the object (or the transform's `partitionKeys`). Objects left open when the
 *    stream is drained are flushed, as the buffer interval would.
 * 4. Writes failed records as Firehose error objects under `errors/<processing-failed|
 *    format-conversion-failed>/…`, and every source record, gzipped, under `raw/…`.
 *
 * Where it cannot follow AWS (said in the report): Parquet is written by DuckDB, not Hive's
 * ParquetHiveSerDe (timestamps are INT64 microseconds rather than INT96, decimals use DuckDB's
 * physical types, one row group per object); the conversion is decided by DuckDB's TRY_CAST on the
 * OpenX-style value text (see format-conversion.ts); error codes and messages of conversion failures
 * are the stand-in's; buffering time is simulated; the transform runs in this process, so its memory
 * and timeout settings are not enforced (a slow invocation is reported instead).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult, FirehoseTransformationResultRecord } from "aws-lambda";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { PipelineConfig } from "../stacks/config";
import { castFailure, duckDbType, isNestedType, MALFORMED_DATA, prepareRecord, type TableColumn } from "./format-conversion";
import { evaluatePrefix, objectName, prefixProblems } from "./prefix-expressions";
import { deliveryPrefixes } from "../contract/lake-layout";

/** Lambda's synchronous response limit as Lambda enforces it. */
const LAMBDA_RESPONSE_LIMIT = 6_291_556;
const MIB = 1024 * 1024;

/** The transform handler's signature. */
export type TransformHandler = (event: FirehoseTransformationEvent, context: Context) => Promise<FirehoseTransformationResult>;

export interface DeliveryStandInProps {
  readonly config: PipelineConfig;
  /** The Glue table's columns at conversion time (normally the configuration's; different in a drift rehearsal). */
  readonly tableColumns: readonly TableColumn[];
  readonly database: string;
  readonly table: string;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly streamName: string;
  readonly deliveryStreamName: string;
  readonly arns: { readonly deliveryStream: string; readonly sourceStream: string; readonly transform: string };
  readonly transform: TransformHandler;
  /** Scratch folder for DuckDB's files. */
  readonly tmpDir: string;
  /** The reason the transform logged for a failed record, when it logged one. */
  readonly processingReason?: (recordId: string) => string | undefined;
  /** Progress lines. */
  readonly log?: (text: string) => void;
  /** Faults to inject (the rehearsal's `--faults`). @default none */
  readonly faults?: DeliveryFaults;
}

/** Faults the stand-in injects when asked (rehearsal/faults/). */
export interface DeliveryFaults {
  /**
   * Whether attempt `attempt` (1-based) of invocation `invocation` (1-based) fails without a response:
   * `error` as a function error, `timeout` as an invocation that ran past the function's timeout (not
   * waited for: the stand-in fails the attempt as Lambda would at the timeout).
   */
  transformAttempt?(invocation: number, attempt: number): "error" | "timeout" | undefined;
  /** Whether the Parquet object just written is written a second time, under another name (at-least-once delivery). */
  duplicateObject?(): boolean;
}

/** What the delivery stand-in did, cumulatively over its drains. */
export interface DeliverySummary {
  readFromStream: number;
  shards: number;
  invocations: number;
  failedInvocations: number;
  slowestInvocationMs: number;
  ok: number;
  dropped: number;
  processingFailed: number;
  conversionFailed: number;
  /** Rows written to Parquet. */
  delivered: number;
  dataObjects: string[];
  /** Second copies of data objects (`faults.duplicateObject`), and the rows they repeat. */
  duplicateObjects: string[];
  duplicatedRows: number;
  errorObjects: string[];
  rawObjects: string[];
  processingReasons: Record<string, number>;
  conversionReasons: Record<string, number>;
}

interface SourceRecord {
  readonly recordId: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Approximate arrival time, epoch ms. */
  readonly arrival: number;
  readonly data: Buffer;
}

interface OkRecord {
  readonly source: SourceRecord;
  readonly data: Buffer;
  readonly partitionKeys?: Readonly<Record<string, string>>;
}

interface ErrorDocument {
  readonly arrival: number;
  readonly document: Record<string, unknown>;
}

type ErrorType = "processing-failed" | "format-conversion-failed";

/** A buffer that closes on size or on (simulated) time. */
class FlushBuffer<T> {
  items: T[] = [];
  bytes = 0;
  first = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly intervalMs: number,
  ) {}

  /** Whether `arrival` falls outside the interval that started with the first item. */
  expiredBy(arrival: number): boolean {
    return this.items.length > 0 && arrival - this.first >= this.intervalMs;
  }

  add(item: T, bytes: number, arrival: number): void {
    if (this.items.length === 0) this.first = arrival;
    this.items.push(item);
    this.bytes += bytes;
  }

  get full(): boolean {
    return this.bytes >= this.maxBytes;
  }

  take(): T[] {
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return items;
  }
}

/** Reads the stream and delivers it like the configured Firehose delivery stream. */
export class DeliveryStandIn {
  readonly summary: DeliverySummary = {
    readFromStream: 0,
    shards: 0,
    invocations: 0,
    failedInvocations: 0,
    slowestInvocationMs: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    conversionFailed: 0,
    delivered: 0,
    dataObjects: [],
    duplicateObjects: [],
    duplicatedRows: 0,
    errorObjects: [],
    rawObjects: [],
    processingReasons: {},
    conversionReasons: {},
  };
  private readonly prefixes: ReturnType<typeof deliveryPrefixes>;
  private readonly iterators = new Map<string, string | undefined>();
  private readonly dataBuffers = new Map<string, FlushBuffer<OkRecord>>();
  private readonly errorBuffers = new Map<ErrorType, FlushBuffer<ErrorDocument>>();
  private readonly rawBuffer: FlushBuffer<SourceRecord>;
  private duck?: { instance: DuckDBInstance; connection: DuckDBConnection };
  private objectCounter = 0;
  private invocationCounter = 0;

  constructor(private readonly props: DeliveryStandInProps) {
    const { config } = props;
    if (config.delivery.format !== "parquet") {
      throw new Error(`the rehearsal delivers Parquet only; delivery.format is ${JSON.stringify(config.delivery.format)}`);
    }
    this.prefixes = deliveryPrefixes(config.partitioning.dayKey, config.partitioning.partitionTime);
    const problems = [...prefixProblems(this.prefixes.data, this.prefixes.errors), ...prefixProblems(this.prefixes.raw, undefined, true)];
    if (problems.length > 0) throw new Error(`Firehose would reject the configured prefixes: ${problems.join("; ")}`);
    for (const column of props.tableColumns) duckDbType(column.type); // fails early on an unmappable type
    const backupInterval = Math.max(config.delivery.bufferIntervalSeconds, 60);
    this.rawBuffer = new FlushBuffer(Math.min(config.delivery.bufferSizeMiB, 64) * MIB, backupInterval * 1000);
  }

  /** The configured prefixes, evaluated by the stand-in. */
  get prefixExpressions() {
    return this.prefixes;
  }

  /**
   * Reads everything the stream holds now, transforms, converts and writes it, and flushes every open
   * buffer (as the buffer interval would once the stream goes quiet). Returns the summary so far.
   */
  async drain(): Promise<DeliverySummary> {
    const records = await this.readStream();
    this.summary.readFromStream += records.length;
    this.props.log?.(
      `read ${records.length.toLocaleString("en")} records from ${this.summary.shards} shard(s) of ${this.props.streamName}`,
    );
    for (const record of records) await this.backup(record);

    const { processorBufferSizeMB, processorBufferIntervalSeconds } = this.props.config.delivery;
    const batch = new FlushBuffer<SourceRecord>(processorBufferSizeMB * MIB, processorBufferIntervalSeconds * 1000);
    for (const record of records) {
      if (batch.expiredBy(record.arrival) || (batch.items.length > 0 && batch.bytes + record.data.length > processorBufferSizeMB * MIB)) {
        await this.invoke(batch.take());
      }
      batch.add(record, record.data.length, record.arrival);
    }
    if (batch.items.length > 0) await this.invoke(batch.take());

    for (const [key, buffer] of this.dataBuffers) {
      if (buffer.items.length > 0) await this.writeData(buffer.take(), key);
    }
    for (const [type, buffer] of this.errorBuffers) {
      if (buffer.items.length > 0) await this.writeErrors(type, buffer.take());
    }
    if (this.rawBuffer.items.length > 0) await this.writeRaw(this.rawBuffer.take());
    this.props.log?.(
      `${this.summary.invocations} transform invocation(s); ${this.summary.delivered.toLocaleString("en")} rows in ${this.summary.dataObjects.length} Parquet object(s), ` +
        `${this.summary.processingFailed} processing-failed, ${this.summary.conversionFailed} format-conversion-failed, ${this.summary.dropped} dropped`,
    );
    return this.summary;
  }

  /** Closes DuckDB. */
  close(): void {
    this.duck?.connection.closeSync();
    this.duck?.instance.closeSync();
    this.duck = undefined;
  }

  // ── source ────────────────────────────────────────────────────────────────────────────────────

  private async readStream(): Promise<SourceRecord[]> {
    const { kinesis, streamName } = this.props;
    if (this.iterators.size === 0) {
      const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
      this.summary.shards = Shards.length;
      for (const shard of Shards) {
        const { ShardIterator } = await kinesis.send(
          new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }),
        );
        this.iterators.set(shard.ShardId!, ShardIterator);
      }
    }
    const records: SourceRecord[] = [];
    for (const [shardId, start] of this.iterators) {
      let iterator = start;
      for (let call = 0; iterator && call < 100_000; call++) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const record of page.Records ?? []) {
          records.push({
            recordId: `${record.SequenceNumber}000000`,
            shardId,
            sequenceNumber: record.SequenceNumber!,
            partitionKey: record.PartitionKey!,
            arrival: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
            data: Buffer.from(record.Data ?? new Uint8Array()),
          });
        }
        iterator = page.NextShardIterator;
        if ((page.Records?.length ?? 0) === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      }
      this.iterators.set(shardId, iterator);
    }
    // Firehose reads all shards into one buffer; order by arrival, then shard and sequence.
    return records.sort(
      (a, b) => a.arrival - b.arrival || a.shardId.localeCompare(b.shardId) || compareSequence(a.sequenceNumber, b.sequenceNumber),
    );
  }

  // ── transform ─────────────────────────────────────────────────────────────────────────────────

  private async invoke(records: SourceRecord[]): Promise<void> {
    const { config, arns } = this.props;
    const event: FirehoseTransformationEvent = {
      invocationId: randomUUID(),
      deliveryStreamArn: arns.deliveryStream,
      sourceKinesisStreamArn: arns.sourceStream,
      region: config.region,
      records: records.map((r) => ({
        recordId: r.recordId,
        approximateArrivalTimestamp: r.arrival,
        data: r.data.toString("base64"),
        kinesisRecordMetadata: {
          shardId: r.shardId,
          partitionKey: r.partitionKey,
          approximateArrivalTimestamp: r.arrival,
          sequenceNumber: r.sequenceNumber,
          subsequenceNumber: "0",
        },
      })),
    };
    const attempts = config.delivery.processorRetries + 1;
    const invocation = ++this.invocationCounter;
    let failure = "";
    let results: Map<string, FirehoseTransformationResultRecord> | undefined;
    let resultAttempt = 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.summary.invocations++;
      const injected = this.props.faults?.transformAttempt?.(invocation, attempt);
      if (injected) {
        failure =
          injected === "timeout"
            ? `Lambda.FunctionTimedOut: Task timed out after ${config.transform.timeoutSeconds}.00 seconds`
            : "Lambda.FunctionError: Error: injected function error";
        continue;
      }
      const started = Date.now();
      try {
        // A JSON round trip, as the Lambda service serialises both ways.
        const response = (await this.props.transform(JSON.parse(JSON.stringify(event)), this.context(started))) as unknown;
        const elapsed = Date.now() - started;
        this.summary.slowestInvocationMs = Math.max(this.summary.slowestInvocationMs, elapsed);
        const text = JSON.stringify(response);
        if (Buffer.byteLength(text) > LAMBDA_RESPONSE_LIMIT) {
          throw new Error(`Response payload size exceeded maximum allowed payload size (${LAMBDA_RESPONSE_LIMIT} bytes).`);
        }
        const checked = checkResponse(JSON.parse(text), records);
        if (typeof checked === "string") {
          failure = checked;
          break; // a contract violation is not retried: the function would answer the same way
        }
        results = checked;
        resultAttempt = attempt;
        break;
      } catch (error) {
        failure = `Lambda.FunctionError: ${(error as Error).message}`;
      }
    }
    if (results) {
      await this.route(records, results, resultAttempt);
      return;
    }
    this.summary.failedInvocations++;
    this.props.log?.(
      `transform invocation failed after ${attempts} attempt(s): ${failure}; its ${records.length} records go to processing-failed`,
    );
    const [errorCode, ...message] = failure.split(": ");
    for (const record of records) {
      this.processingFailed(record, errorCode, message.join(": "), attempts, `invocation failed: ${failure}`);
    }
  }

  private context(started: number): Context {
    const { config, arns } = this.props;
    const functionName = config.resolvedNames.transformFunction;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: arns.transform,
      memoryLimitInMB: String(config.transform.memoryMiB),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: "rehearsal",
      getRemainingTimeInMillis: () => Math.max(0, config.transform.timeoutSeconds * 1000 - (Date.now() - started)),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  private async route(records: SourceRecord[], results: Map<string, FirehoseTransformationResultRecord>, attempt: number): Promise<void> {
    const eventTime = this.props.config.partitioning.partitionTime === "event";
    for (const record of records) {
      const result = results.get(record.recordId)!;
      if (result.result === "Dropped") {
        this.summary.dropped++;
        continue;
      }
      if (result.result === "ProcessingFailed") {
        const reason = this.props.processingReason?.(record.recordId) ?? "(no reason logged by the transform)";
        this.processingFailed(record, "Lambda.ProcessingFailedStatus", "ProcessingFailed status set for record", attempt, reason);
        continue;
      }
      this.summary.ok++;
      const keys = result.metadata?.partitionKeys;
      if (eventTime && !keys) {
        // Firehose cannot evaluate partitionKeyFromLambda without keys; the stand-in names this failure itself.
        this.processingFailed(
          record,
          "DynamicPartitioning.MissingPartitionKeys",
          "the transform returned no partitionKeys for an Ok record",
          attempt,
          "no partitionKeys (event-time partitions)",
        );
        continue;
      }
      const data = Buffer.from(result.data!, "base64");
      const key = eventTime ? JSON.stringify(keys) : "";
      let buffer = this.dataBuffers.get(key);
      if (!buffer) {
        const { bufferSizeMiB, bufferIntervalSeconds } = this.props.config.delivery;
        buffer = new FlushBuffer(bufferSizeMiB * MIB, bufferIntervalSeconds * 1000);
        this.dataBuffers.set(key, buffer);
      }
      if (buffer.expiredBy(record.arrival)) await this.writeData(buffer.take(), key);
      buffer.add({ source: record, data, partitionKeys: keys }, data.length, record.arrival);
      if (buffer.full) await this.writeData(buffer.take(), key);
    }
  }

  private processingFailed(record: SourceRecord, errorCode: string, errorMessage: string, attemptsMade: number, reason: string): void {
    this.summary.processingFailed++;
    count(this.summary.processingReasons, reasonKey(reason));
    this.addError("processing-failed", {
      arrival: record.arrival,
      document: {
        attemptsMade,
        arrivalTimestamp: record.arrival,
        errorCode,
        errorMessage,
        attemptEndingTimestamp: Date.now(),
        rawData: record.data.toString("base64"),
        lambdaArn: this.props.arns.transform,
      },
    });
  }

  private addError(type: ErrorType, error: ErrorDocument): void {
    let buffer = this.errorBuffers.get(type);
    if (!buffer) {
      const { bufferSizeMiB, bufferIntervalSeconds } = this.props.config.delivery;
      buffer = new FlushBuffer(bufferSizeMiB * MIB, bufferIntervalSeconds * 1000);
      this.errorBuffers.set(type, buffer);
    }
    buffer.add(error, JSON.stringify(error.document).length, error.arrival);
  }

  // ── conversion and objects ────────────────────────────────────────────────────────────────────

  private async writeData(records: OkRecord[], bufferKey: string): Promise<void> {
    if (records.length === 0) return;
    const { tableColumns } = this.props;
    const staged: string[] = [];
    const kept: OkRecord[] = [];
    for (const record of records) {
      const prepared = prepareRecord(record.data.toString("utf8"), tableColumns);
      if ("error" in prepared) {
        this.conversionFailed(record, prepared.error);
        continue;
      }
      const row: Record<string, unknown> = { rid: kept.length };
      prepared.values.forEach((value, i) => (row[`c${i}`] = value));
      staged.push(JSON.stringify(row));
      kept.push(record);
    }
    if (kept.length === 0) return;

    const connection = await this.connection();
    const id = ++this.objectCounter;
    const stageFile = join(this.props.tmpDir, `stage-${id}.ndjson`);
    const parquetFile = join(this.props.tmpDir, `object-${id}.parquet`);
    writeFileSync(stageFile, `${staged.join("\n")}\n`);
    const columnsSpec = ["rid: 'BIGINT'", ...tableColumns.map((_, i) => `c${i}: 'VARCHAR'`)].join(", ");
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE stage AS SELECT * FROM read_json(${sqlText(stageFile)}, format = 'newline_delimited', columns = {${columnsSpec}})`,
    );
    // A nested value is staged as JSON text (prepareRecord checked it) and cast from JSON to STRUCT, LIST or MAP.
    const castOf = (i: number) =>
      isNestedType(tableColumns[i].type)
        ? `TRY_CAST(CAST(c${i} AS JSON) AS ${duckDbType(tableColumns[i].type)})`
        : `TRY_CAST(c${i} AS ${duckDbType(tableColumns[i].type)})`;
    // `bad`: the first column whose value does not cast to the table's type (NULL when every value does).
    const firstBad = tableColumns.map((_, i) => `WHEN c${i} IS NOT NULL AND ${castOf(i)} IS NULL THEN ${i}`).join(" ");
    await connection.run(`CREATE OR REPLACE TEMP TABLE checked AS SELECT *, CASE ${firstBad} END AS bad FROM stage`);
    const bad = await connection.runAndReadAll("SELECT rid, bad FROM checked WHERE bad IS NOT NULL ORDER BY rid");
    const rejected = new Set<number>();
    for (const [rid, column] of bad.getRows() as unknown as Array<[bigint, number]>) {
      const index = Number(rid);
      rejected.add(index);
      const text = (JSON.parse(staged[index]) as Record<string, string>)[`c${column}`];
      this.conversionFailed(kept[index], castFailure(tableColumns[column], text));
    }
    const written = kept.filter((_, i) => !rejected.has(i));
    if (written.length > 0) {
      const select = tableColumns.map((column, i) => `${castOf(i)} AS ${sqlIdentifier(column.name)}`).join(", ");
      await connection.run(
        `COPY (SELECT ${select} FROM checked WHERE bad IS NULL ORDER BY rid) TO ${sqlText(parquetFile)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      const oldest = earliest(written.map((r) => r.source.arrival));
      const prefix = evaluatePrefix(this.prefixes.data, {
        arrival: new Date(oldest),
        partitionKeys: bufferKey === "" ? undefined : written[0].partitionKeys,
      });
      const key = `${prefix}${objectName(this.props.deliveryStreamName, new Date(), randomUUID(), ".snappy.parquet")}`;
      const body = readFileSync(parquetFile);
      await this.put(key, body, "application/octet-stream");
      this.summary.dataObjects.push(key);
      this.summary.delivered += written.length;
      if (this.props.faults?.duplicateObject?.()) {
        const again = `${prefix}${objectName(this.props.deliveryStreamName, new Date(), randomUUID(), ".snappy.parquet")}`;
        await this.put(again, body, "application/octet-stream");
        this.summary.duplicateObjects.push(again);
        this.summary.duplicatedRows += written.length;
      }
    }
    await connection.run("DROP TABLE IF EXISTS checked");
    await connection.run("DROP TABLE IF EXISTS stage");
    rmSync(stageFile, { force: true });
    rmSync(parquetFile, { force: true });
  }

  private conversionFailed(record: OkRecord, message: string): void {
    this.summary.conversionFailed++;
    count(this.summary.conversionReasons, reasonKey(message));
    const { database, table, config } = this.props;
    this.addError("format-conversion-failed", {
      arrival: record.source.arrival,
      document: {
        attemptsMade: 1,
        arrivalTimestamp: record.source.arrival,
        ErrorCode: MALFORMED_DATA,
        ErrorMessage: message,
        attemptEndingTimestamp: Date.now(),
        rawData: record.data.toString("base64"),
        sequenceNumber: record.source.sequenceNumber,
        subSequenceNumber: null,
        dataCatalogTable: {
          catalogId: null,
          databaseName: database,
          tableName: table,
          region: config.region,
          versionId: "LATEST",
          catalogArn: null,
        },
      },
    });
  }

  private async writeErrors(type: ErrorType, errors: ErrorDocument[]): Promise<void> {
    const oldest = earliest(errors.map((e) => e.arrival));
    const prefix = evaluatePrefix(this.prefixes.errors, { arrival: new Date(oldest), errorOutputType: type });
    const key = `${prefix}${objectName(this.props.deliveryStreamName, new Date(), randomUUID())}`;
    await this.put(key, Buffer.from(`${errors.map((e) => JSON.stringify(e.document)).join("\n")}\n`), "application/json");
    this.summary.errorObjects.push(key);
  }

  private async backup(record: SourceRecord): Promise<void> {
    if (this.rawBuffer.expiredBy(record.arrival)) await this.writeRaw(this.rawBuffer.take());
    this.rawBuffer.add(record, record.data.length, record.arrival);
    if (this.rawBuffer.full) await this.writeRaw(this.rawBuffer.take());
  }

  private async writeRaw(records: SourceRecord[]): Promise<void> {
    const oldest = earliest(records.map((r) => r.arrival));
    const prefix = evaluatePrefix(this.prefixes.raw, { arrival: new Date(oldest) });
    const key = `${prefix}${objectName(this.props.deliveryStreamName, new Date(), randomUUID(), ".gz")}`;
    await this.put(key, gzipSync(Buffer.concat(records.map((r) => r.data))), "application/gzip");
    this.summary.rawObjects.push(key);
  }

  private async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.props.s3.send(new PutObjectCommand({ Bucket: this.props.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  private async connection(): Promise<DuckDBConnection> {
    if (!this.duck) {
      mkdirSync(this.props.tmpDir, { recursive: true });
      const instance = await DuckDBInstance.create(":memory:");
      const connection = await instance.connect();
      this.duck = { instance, connection };
    }
    return this.duck.connection;
  }
}

/**
 * Checks a transform response against Firehose's contract; returns the results by recordId, or the
 * failure (`Lambda.<code>: message`) Firehose would report for the whole invocation.
 */
export function checkResponse(
  response: unknown,
  records: readonly { recordId: string }[],
): Map<string, FirehoseTransformationResultRecord> | string {
  const list = (response as { records?: unknown })?.records;
  if (!Array.isArray(list)) return "Lambda.InvalidReturnFormat: the response has no records array";
  const expected = new Set(records.map((r) => r.recordId));
  const results = new Map<string, FirehoseTransformationResultRecord>();
  for (const item of list as FirehoseTransformationResultRecord[]) {
    if (typeof item?.recordId !== "string" || !expected.has(item.recordId)) {
      return `Lambda.MissingRecordId: the response names a recordId that was not in the invocation (${JSON.stringify(item?.recordId)})`;
    }
    if (results.has(item.recordId)) return `Lambda.DuplicatedRecordId: recordId ${item.recordId} is returned twice`;
    if (!["Ok", "Dropped", "ProcessingFailed"].includes(item.result)) {
      return `Lambda.InvalidReturnFormat: result must be Ok, Dropped or ProcessingFailed, got ${JSON.stringify(item.result)}`;
    }
    if (typeof item.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(item.data)) {
      return `Lambda.InvalidReturnFormat: record ${item.recordId} has no base64 data`;
    }
    results.set(item.recordId, item);
  }
  if (results.size !== expected.size)
    return `Lambda.MissingRecordId: ${expected.size - results.size} input record(s) are missing from the response`;
  return results;
}

/** A reason without its quoted values, so reasons of the same kind count together. */
export function reasonKey(reason: string): string {
  return reason
    .replace(/, got .*$/s, "")
    .replace(/^(malformed JSON|malformed CSV|The given JSON data is malformed):.*$/s, "$1")
    .replace(/: ("[^"]*"|-?[\d.e+]+) cannot be converted/, ": value cannot be converted");
}

/** The smallest arrival time (without spreading a large array into Math.min). */
function earliest(times: readonly number[]): number {
  let min = Infinity;
  for (const time of times) if (time < min) min = time;
  return min;
}

function count(tally: Record<string, number>, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1;
}

function compareSequence(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function sqlText(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

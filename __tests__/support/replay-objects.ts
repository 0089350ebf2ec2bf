/**
 * Real-shaped Firehose error envelopes and raw backup objects for the replay tests. Shapes follow the
 * Firehose developer guide (data-transformation-failure-handling, record-format-conversion-error-handling)
 * and objects seen in the wild: processing-failed envelopes spell errorCode/errorMessage,
 * format-conversion-failed ones lastErrorCode/lastErrorMessage (the guide writes ErrorCode/ErrorMessage).
 * activePartitionExceeded envelopes are not documented beyond "the record along with information about
 * the error" (firehose/latest/dev/dynamic-partitioning-error-handling.html); theirs follows the processing
 * envelope with the error code seen in public reports (DynamicPartitioning.ActivePartitionsLimitExceeded).
 */
import { gzipSync } from "node:zlib";

const ARRIVAL = Date.UTC(2026, 10, 25, 10, 4, 12);

/** Base64 of UTF-8 text, as Firehose writes `rawData`. */
export const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** A processing-failed envelope (one JSON object, no newline) whose rawData holds `record` exactly. */
export function processingFailedEnvelope(record: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: ARRIVAL,
    errorCode: "Lambda.FunctionError",
    errorMessage: "The Lambda function was successfully invoked but it returned an error result.",
    attemptEndingTimestamp: ARRIVAL + 80_000,
    rawData: base64(record),
    lambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:acme-test-transform:$LATEST",
    ...overrides,
  });
}

/** A format-conversion-failed envelope whose rawData holds `record` (the transform's output) exactly. */
export function conversionFailedEnvelope(record: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    attemptsMade: 1,
    arrivalTimestamp: ARRIVAL,
    lastErrorCode: "DataFormatConversion.MalformedData",
    lastErrorMessage: "The given JSON record has a value of the wrong type for column duration_ms.",
    attemptEndingTimestamp: ARRIVAL + 2_000,
    rawData: base64(record),
    sequenceNumber: "49654398785301826578905148735412873920127435284621705218",
    subSequenceNumber: 0,
    dataCatalogTable: {
      catalogId: "123456789012",
      databaseName: "acme_test",
      tableName: "events",
      region: "eu-west-1",
      versionId: "LATEST",
      catalogArn: "arn:aws:glue:eu-west-1:123456789012:catalog",
    },
    ...overrides,
  });
}

/**
 * An activePartitionExceeded envelope (event-time partitions: a record beyond the stream's active-partition
 * limit) whose rawData holds `record`, the transform's output with its newline and partition keys applied.
 */
export function partitionExceededEnvelope(record: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    attemptsMade: 1,
    arrivalTimestamp: ARRIVAL,
    errorCode: "DynamicPartitioning.ActivePartitionsLimitExceeded",
    errorMessage: "Number of active partitions exceeds the limit of 500 for this delivery stream.",
    attemptEndingTimestamp: ARRIVAL + 1_000,
    rawData: base64(record),
    partitionKeys: { year: "2026", month: "11", day: "25", hour: "09" },
    ...overrides,
  });
}

/** An error object: envelopes one per line (Firehose's layout), optionally gzipped. */
export function errorObject(envelopes: readonly string[], options: { gzip?: boolean; separator?: string } = {}): Buffer {
  const text = `${envelopes.join(options.separator ?? "\n")}\n`;
  return options.gzip ? gzipSync(text) : Buffer.from(text, "utf8");
}

/** A raw backup object: the records concatenated as Kinesis delivered them (no delimiter unless given), gzipped. */
export function rawBackupObject(records: readonly string[], separator = ""): Buffer {
  return gzipSync(records.join(separator));
}

/** A click event as a producer sends it. */
export function click(id: string | undefined, minute = 0, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ...(id === undefined ? {} : { event_id: id }),
    event_type: "page_view",
    event_time: new Date(Date.UTC(2026, 10, 25, 9, minute)).toISOString(),
    ...extra,
  });
}

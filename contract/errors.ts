/**
 * The errors handlers throw on purpose, in one module. Naming rule: each class is named exactly as its
 * `name`, written as a string literal because the bundles are minified (class names do not survive).
 *
 * Lambda reports a Node.js error's `name` as the errorType
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html) and Step Functions matches a
 * Lambda function error's errorType in `ErrorEquals`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */

/**
 * An error the state machine branches on: it cannot succeed when the task runs again, so the workflow
 * catches it at once and never retries it (transient errors are retried).
 */
export abstract class PermanentBatchError extends Error {
  abstract override readonly name: string;
}

/** Records still failing after every PutRecords attempt; the message carries the count. */
export class RecordsUndelivered extends PermanentBatchError {
  override readonly name = "RecordsUndelivered";
}

/** The batch has more chunks than one inline Map may carry. */
export class BatchTooLarge extends PermanentBatchError {
  override readonly name = "BatchTooLarge";
}

/** The ExtractBatch input is wrong (scheduledTime, executionId or replay): the same input fails again. */
export class InvalidBatchInput extends PermanentBatchError {
  override readonly name = "InvalidBatchInput";
}

/**
 * Landing data was read (at least one object) but every record was rejected: the batch must fail with a
 * notification, never end in SUCCEEDED or BatchSkipped. The message carries the counts.
 */
export class AllRecordsRejected extends PermanentBatchError {
  override readonly name = "AllRecordsRejected";
}

/** A record that can never be accepted by PutRecords; the extract step should have rejected it. Retried like any unknown error. */
export class RecordTooLarge extends Error {
  override readonly name = "RecordTooLarge";
}

/** A staging chunk line that is not a JSON object; the extract step only writes objects. Retried like any unknown error. */
export class InvalidChunk extends Error {
  override readonly name = "InvalidChunk";
}

function errorName<const N extends string>(error: new (message: string) => { readonly name: N }): N {
  return new error("").name;
}

/** Error names the state machine branches on, taken from the classes above. */
export const BATCH_ERRORS = {
  recordsUndelivered: errorName(RecordsUndelivered),
  batchTooLarge: errorName(BatchTooLarge),
  invalidBatchInput: errorName(InvalidBatchInput),
  allRecordsRejected: errorName(AllRecordsRejected),
} as const;

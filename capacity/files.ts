/**
 * Files Firehose writes for a data rate and buffering: a buffer is flushed when it holds
 * `bufferSizeMiB` or when `bufferIntervalSeconds` have passed, whichever comes first. Pure.
 */
import { bytes, MiB, num } from "./units";

/** Files smaller than this fraction of the buffer size are "small" (the interval flushed a mostly empty buffer). */
export const SMALL_FILE_FRACTION = 0.25;

/** What the file size depends on. */
export interface FileInputs {
  /** Average bytes per second reaching the delivery buffer (JSON, after the transform). */
  readonly bytesPerSecond: number;
  readonly bufferSizeMiB: number;
  readonly bufferIntervalSeconds: number;
  /** Stored bytes ÷ buffered JSON bytes: Parquet (Snappy) or gzip ratio. */
  readonly compressionRatio: number;
  /** Name of the stored format, for the text. */
  readonly format: "parquet" | "json";
}

/** Files per hour and their size. */
export interface FilePlan {
  /** Seconds between flushes. */
  readonly flushSeconds: number;
  readonly flushedBy: "size" | "interval";
  readonly filesPerHour: number;
  /** JSON bytes in one flushed buffer. */
  readonly bufferedBytes: number;
  /** Bytes of one stored file. */
  readonly fileBytes: number;
  /** bufferedBytes ÷ buffer size. */
  readonly bufferFill: number;
  /** True when bufferFill < {@link SMALL_FILE_FRACTION}. */
  readonly small: boolean;
  readonly arithmetic: string;
}

/**
 * flush = min(interval, buffer size ÷ rate); file = buffered JSON × compression ratio. An interval of 0
 * is taken as 1 second. At zero traffic no file is written.
 */
export function deliveryFiles(input: FileInputs): FilePlan {
  const bufferBytes = input.bufferSizeMiB * MiB;
  const interval = Math.max(1, input.bufferIntervalSeconds);
  const fillSeconds = input.bytesPerSecond > 0 ? bufferBytes / input.bytesPerSecond : Infinity;
  const flushedBy = fillSeconds < interval ? "size" : "interval";
  const flushSeconds = Math.min(interval, fillSeconds);
  const bufferedBytes = input.bytesPerSecond > 0 ? Math.min(bufferBytes, input.bytesPerSecond * interval) : 0;
  const fileBytes = bufferedBytes * input.compressionRatio;
  const filesPerHour = input.bytesPerSecond > 0 ? 3600 / flushSeconds : 0;
  const bufferFill = bufferedBytes / bufferBytes;
  const stored = input.format === "parquet" ? "Parquet" : "gzip JSON";
  const arithmetic =
    flushedBy === "interval"
      ? `${num(input.bytesPerSecond, 0)} B/s × ${interval} s = ${bytes(bufferedBytes)} per flush (the ${interval} s interval comes before ${input.bufferSizeMiB} MiB, ${num(bufferFill * 100, 0)}% full); ` +
        `3,600 ÷ ${interval} = ${num(filesPerHour)} files/hour; × ${input.compressionRatio} = ${bytes(fileBytes)} ${stored} each`
      : `${input.bufferSizeMiB} MiB ÷ ${num(input.bytesPerSecond, 0)} B/s = ${num(flushSeconds, 1)} s per flush (the buffer fills before ${interval} s); ` +
        `3,600 ÷ ${num(flushSeconds, 1)} = ${num(filesPerHour)} files/hour; × ${input.compressionRatio} = ${bytes(fileBytes)} ${stored} each`;
  return {
    flushSeconds,
    flushedBy,
    filesPerHour,
    bufferedBytes,
    fileBytes,
    bufferFill,
    small: bufferFill < SMALL_FILE_FRACTION,
    arithmetic,
  };
}

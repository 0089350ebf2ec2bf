/** Factories for Firehose transformation events from a Kinesis Data Stream source, and their results. */
import type { FirehoseTransformationEvent, FirehoseTransformationResultRecord } from "aws-lambda";

/** A record payload: an object (sent as compact JSON), a raw string, or raw bytes. */
export type Payload = unknown;

const ARRIVAL_MS = 1_735_732_800_000;

/** Options of {@link firehoseEvent}. */
export interface FirehoseEventOptions {
  /** Region and account in the ARNs. @default "eu-west-1" */
  readonly region?: string;
  /** Arrival time of the first record, epoch ms; later records arrive 1 ms apart. @default 2025-01-01T12:00:00Z */
  readonly arrivalMs?: number;
}

/**
 * A Firehose transformation event with one record per payload. Strings are sent verbatim (UTF-8),
 * `Uint8Array`s as raw bytes, anything else as `JSON.stringify(payload)` without a trailing newline.
 */
export function firehoseEvent(payloads: readonly Payload[], options: FirehoseEventOptions = {}): FirehoseTransformationEvent {
  const region = options.region ?? "eu-west-1";
  const arrivalMs = options.arrivalMs ?? ARRIVAL_MS;
  return {
    invocationId: "5f1e4a9c-3b8d-4f2a-9c61-0d7e2b4a8f13",
    deliveryStreamArn: `arn:aws:firehose:${region}:123456789012:deliverystream/clicks-delivery`,
    sourceKinesisStreamArn: `arn:aws:kinesis:${region}:123456789012:stream/clicks`,
    region,
    records: payloads.map((payload, index) => {
      const sequenceNumber = `4963108792438927347820213591785734018469${String(index).padStart(16, "0")}`;
      return {
        recordId: `${sequenceNumber}000000`,
        approximateArrivalTimestamp: arrivalMs + index,
        data: toBase64(payload),
        kinesisRecordMetadata: {
          shardId: "shardId-000000000000",
          partitionKey: `user-${index % 97}`,
          approximateArrivalTimestamp: arrivalMs + index,
          sequenceNumber,
          subsequenceNumber: "0",
        },
      };
    }),
  };
}

/** Base64 of a payload, encoded the way {@link firehoseEvent} encodes it. */
export function toBase64(payload: Payload): string {
  if (payload instanceof Uint8Array) return Buffer.from(payload).toString("base64");
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  return Buffer.from(text, "utf8").toString("base64");
}

/** The UTF-8 text of a result record's data. */
export function decodeData(record: FirehoseTransformationResultRecord): string {
  return Buffer.from(record.data ?? "", "base64").toString("utf8");
}

/** The object in a result record's data, which must be one JSON object followed by one newline. */
export function decodeJson(record: FirehoseTransformationResultRecord): Record<string, unknown> {
  return JSON.parse(decodeData(record)) as Record<string, unknown>;
}

/** A valid clickstream event over `TEST_SCHEMA`, with optional overrides (`undefined` removes a key). */
export function clickEvent(overrides: Record<string, unknown> = {}, index = 0): Record<string, unknown> {
  const event: Record<string, unknown> = {
    event_id: `evt-${String(index).padStart(8, "0")}`,
    event_type: "page_view",
    event_time: "2025-01-01T11:59:58.123Z",
    user_id: `user-${index % 97}`,
    session_id: `sess-${index % 13}`,
    page_url: `https://shop.example.com/products/${index % 500}`,
    referrer: "https://www.example.org/search?q=shoes",
    device_type: "mobile",
    country: "DE",
    duration_ms: 1_250 + index,
    revenue: 19.99,
    is_bot: false,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete event[key];
    else event[key] = value;
  }
  return event;
}

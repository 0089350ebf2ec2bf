/** The event schema the project ships with: replace it with your own columns in `pipeline.config.ts`. */
import type { EventSchema } from "../../contract/event-schema";

/** A clickstream event: what a web or app tracker sends. Replace it with your own columns. */
export const CLICKSTREAM_SCHEMA: EventSchema = {
  eventTimeColumn: "event_time",
  columns: [
    { name: "event_id", type: "string", required: true, description: "Unique id; duplicates are removed by id" },
    { name: "event_type", type: "string", required: true, description: "page_view, click, purchase, …" },
    { name: "event_time", type: "timestamp", required: true, description: "When the event happened (UTC)" },
    { name: "user_id", type: "string", required: false, description: "Pseudonymous user id" },
    { name: "session_id", type: "string", required: false },
    { name: "page_url", type: "string", required: false },
    { name: "referrer", type: "string", required: false },
    { name: "device_type", type: "string", required: false, description: "desktop, mobile, tablet" },
    { name: "country", type: "string", required: false, description: "ISO 3166-1 alpha-2" },
    { name: "duration_ms", type: "bigint", required: false, description: "Time on page" },
    { name: "revenue", type: "decimal(12,2)", required: false, description: "Purchase amount" },
    {
      name: "items",
      type: "array<struct<sku:string,price:double,quantity:int>>",
      required: false,
      description: "Items of a purchase or cart event",
    },
    { name: "properties", type: "map<string,string>", required: false, description: "Free-form tracker properties" },
  ],
};

/**
 * Firehose transformation processor: validates and coerces each record against the event schema.
 * Thin adapter over `logic.ts`: reads the settings once, logs each failed record, publishes counts.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { readEnv, TRANSFORM_ENV } from "../../contract/environment";
import { compileSchema, parseTransformSettings } from "./logic";

const logger = new Logger();
const metrics = new Metrics();
const transformer = compileSchema(
  parseTransformSettings(readEnv(process.env, TRANSFORM_ENV.settings, "TransformFunction")),
);

/** Returns one Firehose result per input record; throws only at load when `TRANSFORM_SETTINGS` is missing or invalid. */
export const handler = async (
  event: FirehoseTransformationEvent,
  context?: Context,
): Promise<FirehoseTransformationResult> => {
  if (context) logger.addContext(context);
  const { records, failures, counts, unknownKeys } = transformer.transform(event);
  for (const { recordId, reason } of failures) logger.warn("record failed processing", { recordId, reason });
  if (unknownKeys.length > 0) logger.info("records carry keys outside the schema", { unknownKeys });
  metrics.addMetric("OkRecords", MetricUnit.Count, counts.ok);
  metrics.addMetric("FailedRecords", MetricUnit.Count, counts.failed);
  metrics.addMetric("DroppedRecords", MetricUnit.Count, counts.dropped);
  metrics.addMetric("CoercedRecords", MetricUnit.Count, counts.coerced);
  metrics.addMetric("UnknownFields", MetricUnit.Count, counts.unknownFields);
  metrics.publishStoredMetrics();
  return { records };
};

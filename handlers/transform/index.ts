/**
 * Firehose transformation processor: validates and coerces each record against the event schema.
 * Thin adapter over `logic.ts`: parses its settings once, at load, logs each failed record, publishes counts.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { logger, metrics } from "../shared/powertools";
import { transformSettings } from "../shared/settings";
import { compileSchema } from "./logic";

const transformer = compileSchema(transformSettings());

/** Returns one Firehose result per input record; throws only at load when `TRANSFORM_SETTINGS` is missing or invalid. */
export const handler = async (event: FirehoseTransformationEvent, context?: Context): Promise<FirehoseTransformationResult> => {
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

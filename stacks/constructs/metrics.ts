/**
 * Metric namespaces the pipeline's own code publishes to: the function that publishes and the alarm
 * that watches both read them from here, so a rename reaches both.
 */

/** Namespace of the transform's Powertools record metrics (`FailedRecords`, `DroppedRecords`). */
export const TRANSFORM_METRICS_NAMESPACE = "DataLake/Transform";

/** Length of one alarm period, in seconds: Firehose publishes its metrics at five-minute granularity. */
export const ALARM_PERIOD_SECONDS = 300;

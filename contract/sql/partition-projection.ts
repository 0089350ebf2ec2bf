/**
 * The range of Athena partition projection for the lake's `year` key (`projection.year.range` on the
 * table, `catalog.partitionProjection`). Athena reads only partitions whose values are in the projected
 * ranges (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html,
 * `integer` type), so with event-time partitions an event outside these years would land in S3 where no
 * query sees it: the transform fails such events instead (`TransformSettings.projectedYears`).
 * Pure, no cdktf: the stack writes the range into the table and the transform settings.
 */

/** Years Athena partition projection enumerates; queries should filter on `year` (the named queries do). */
export const PROJECTED_YEARS = { from: 2020, to: 2100 } as const;

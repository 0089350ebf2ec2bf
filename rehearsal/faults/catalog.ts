/**
 * The faults a rehearsal can inject (`--faults <list|all>`), what each one does to the run, what the
 * pipeline is expected to do about it, and whether the batch run can absorb it (ends in success with
 * nothing lost) or must end in a loud failure (FAILED through NotifyFailure, nothing lost, and a
 * documented way to recover).
 */

/** How a fault ends the run that meets it. */
export type FaultOutcome = "absorbed" | "loud-failure";

/** What the pipeline does about a fault. */
export type FaultHandling = "retried" | "routed" | "deduplicated" | "failed loudly" | "left for the next batch";

export interface FaultSpec {
  readonly name: FaultName;
  /** What is injected. */
  readonly injects: string;
  /** What the pipeline does. */
  readonly handling: readonly FaultHandling[];
  readonly outcome: FaultOutcome;
  /** For a loud failure: the execution's error names it may end with. */
  readonly failsWith?: readonly string[];
  /** The documented AWS behaviour the stand-in follows. */
  readonly source: string;
  /** The top-level state a run must reach for the fault to fire; none: every run meets it. */
  readonly reachedAt?: string;
}

export const FAULT_NAMES = [
  "kinesis-throttle",
  "s3-errors",
  "transform-error",
  "transform-timeout",
  "duplicate-delivery",
  "crawler-running",
  "athena-query-fails",
  "landing-replaced",
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Every fault, in the order a batch meets them. */
export const FAULTS: Readonly<Record<FaultName, FaultSpec>> = {
  "kinesis-throttle": {
    name: "kinesis-throttle",
    injects:
      "the shard-limit proxy refuses whole PutRecords calls (400 ProvisionedThroughputExceededException) at the fault rate, on top of the per-entry throttling it always applies at 1,000 records/s and 1 MiB/s per shard",
    handling: ["retried"],
    outcome: "absorbed",
    source: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html",
  },
  "s3-errors": {
    name: "s3-errors",
    injects: "the S3 proxy answers the fault rate of the functions' requests with 503 SlowDown or 500 InternalError",
    handling: ["retried"],
    outcome: "absorbed",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html",
  },
  "transform-error": {
    name: "transform-error",
    injects:
      "the fault rate of transform invocations throw on their first attempt; the first such invocation throws on every attempt (1 + NumberOfRetries)",
    handling: ["retried", "routed", "failed loudly"],
    outcome: "loud-failure",
    failsWith: ["CountMismatch", "DeliveryTimedOut"],
    source: "https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html",
    reachedAt: "CheckDelivery",
  },
  "transform-timeout": {
    name: "transform-timeout",
    injects:
      "the fault rate of transform invocations exceed the function's timeout on their first attempt; the first such invocation on every attempt (1 + NumberOfRetries)",
    handling: ["retried", "routed", "failed loudly"],
    outcome: "loud-failure",
    failsWith: ["CountMismatch", "DeliveryTimedOut"],
    source: "https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html",
    reachedAt: "CheckDelivery",
  },
  "duplicate-delivery": {
    name: "duplicate-delivery",
    injects: "Firehose writes the fault rate of its Parquet objects twice (the first object always), as its at-least-once delivery may",
    handling: ["deduplicated"],
    outcome: "absorbed",
    source: "https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html",
    reachedAt: "CheckDelivery",
  },
  "crawler-running": {
    name: "crawler-running",
    injects: "another crawl is running when the workflow starts the crawler (StartCrawler fails with CrawlerRunningException)",
    handling: ["retried"],
    outcome: "absorbed",
    source: "https://docs.aws.amazon.com/glue/latest/webapi/API_StartCrawler.html",
    reachedAt: "StartCrawler",
  },
  "athena-query-fails": {
    name: "athena-query-fails",
    injects: "the first validation query ends FAILED",
    handling: ["retried"],
    outcome: "absorbed",
    source: "https://docs.aws.amazon.com/athena/latest/APIReference/API_AthenaError.html",
    reachedAt: "RunValidationQuery",
  },
  "landing-replaced": {
    name: "landing-replaced",
    injects: "a landing file is overwritten with new content after the extract read it",
    handling: ["left for the next batch"],
    outcome: "absorbed",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html",
    reachedAt: "CheckDelivery",
  },
};

/** The default fault rate of `--fault-rate`. */
export const DEFAULT_FAULT_RATE = 0.05;

/** `all`, or a comma-separated list of fault names; the error names the bad value and the allowed ones. */
export function parseFaults(text: string): readonly FaultName[] | { error: string } {
  if (text.trim() === "all") return [...FAULT_NAMES];
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !(FAULT_NAMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    return { error: `--faults must be "all" or a comma-separated list of ${FAULT_NAMES.join(", ")}; got ${JSON.stringify(text)}` };
  }
  return [...new Set(names)] as FaultName[];
}

/** The fault rate: a number above 0 and at most 0.5 (a larger rate would keep the SDK's three attempts failing). */
export function parseFaultRate(text: string | undefined): number | { error: string } {
  const rate = Number(text);
  if (text === undefined || !Number.isFinite(rate) || rate <= 0 || rate > 0.5) {
    return { error: `--fault-rate must be a number above 0 and at most 0.5, got ${text}` };
  }
  return rate;
}

/**
 * How a run with `faults` must end: SUCCEEDED when every injected fault is absorbed; FAILED with one of
 * the loud faults' error names (after NotifyFailure) when a loud fault was injected.
 */
export function expectedOutcome(injected: readonly FaultName[]): { status: "SUCCEEDED" } | { status: "FAILED"; errors: string[] } {
  const loud = injected.filter((name) => FAULTS[name].outcome === "loud-failure");
  if (loud.length === 0) return { status: "SUCCEEDED" };
  return { status: "FAILED", errors: [...new Set(loud.flatMap((name) => FAULTS[name].failsWith ?? []))] };
}

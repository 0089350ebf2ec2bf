/**
 * STAND-IN for the Glue crawler and the partitions it keeps in the Data Catalog. The stack's crawler
 * targets the existing table (catalog target) and only adds partitions
 * (`CrawlerOutput.Partitions.AddOrUpdateBehavior = InheritFromTable`); this stand-in does the same:
 * it lists the objects under the table location (`data/`) in the local bucket and registers every
 * `year=…/month=…/<dayKey>=…/hour=…/` folder it has not seen, in the key order of the table's
 * partition keys. Objects elsewhere under the location are reported, not registered.
 *
 * It answers the workflow's StartCrawler and GetCrawler calls: StartCrawler on a running crawler
 * throws `Glue.CrawlerRunningException`; the first GetCrawler after a start crawls and still answers
 * RUNNING, the next one READY with `LastCrawl`, so the workflow's polling loop runs once.
 * Not modelled: schema inference and schema-change policies (the table is never changed), crawl
 * duration, exclusions, sampling and Lake Formation.
 */
import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";

/** One registered partition. */
export interface CatalogPartition {
  /** Values in partition-key order, e.g. ["2026", "11", "25", "10"]. */
  readonly values: readonly string[];
  /** `s3://<bucket>/data/year=2026/…/hour=10/`. */
  readonly location: string;
  /** The same location as a key prefix: `data/year=2026/…/hour=10/`. */
  readonly prefix: string;
}

export interface CrawlerStandInProps {
  readonly name: string;
  readonly s3: S3Client;
  readonly bucket: string;
  /** The table location as a key prefix, `data/`. */
  readonly tablePrefix: string;
  /** The partition keys, in path order. */
  readonly partitionKeys: readonly string[];
  readonly log?: (text: string) => void;
}

interface LastCrawl {
  Status: "SUCCEEDED" | "FAILED" | "CANCELLED";
  ErrorMessage?: string;
  LogGroup: string;
  LogStream: string;
  MessagePrefix: string;
  StartTime: string;
}

export class CrawlerStandIn {
  private state: "READY" | "RUNNING" | "STOPPING" = "READY";
  private crawled = false;
  private lastCrawl?: LastCrawl;
  private readonly registered = new Map<string, CatalogPartition>();
  /** Objects under the table location that are not in a partition folder, from the last crawl. */
  unpartitionedObjects: string[] = [];
  /** Crawls run. */
  crawls = 0;

  constructor(private readonly props: CrawlerStandInProps) {}

  /** The partitions registered so far, oldest first. */
  get partitions(): CatalogPartition[] {
    return [...this.registered.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  /** glue:StartCrawler. */
  startCrawler(input: { Name?: string }): Record<string, never> {
    this.checkName(input.Name);
    if (this.state !== "READY") throw named("Glue.CrawlerRunningException", `Crawler with name ${this.props.name} has already started`);
    this.state = "RUNNING";
    this.crawled = false;
    return {};
  }

  /** glue:GetCrawler. */
  async getCrawler(input: { Name?: string }): Promise<{ Crawler: Record<string, unknown> }> {
    this.checkName(input.Name);
    if (this.state === "RUNNING") {
      if (!this.crawled) {
        await this.crawl();
        this.crawled = true;
      } else {
        this.state = "READY";
      }
    }
    return {
      Crawler: {
        Name: this.props.name,
        State: this.state,
        ...(this.lastCrawl ? { LastCrawl: { ...this.lastCrawl } } : {}),
      },
    };
  }

  private async crawl(): Promise<void> {
    const { s3, bucket, tablePrefix, partitionKeys, name } = this.props;
    const started = new Date().toISOString();
    const base = { LogGroup: "/aws-glue/crawlers", LogStream: name, MessagePrefix: `rehearsal-${++this.crawls}`, StartTime: started };
    try {
      const added: string[] = [];
      const loose: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: tablePrefix })) {
        for (const object of page.Contents ?? []) {
          const key = object.Key ?? "";
          const partition = partitionOf(key.slice(tablePrefix.length), partitionKeys);
          if (!partition) {
            loose.push(key);
            continue;
          }
          const prefix = `${tablePrefix}${partition.folder}`;
          if (!this.registered.has(prefix)) {
            this.registered.set(prefix, { values: partition.values, prefix, location: `s3://${bucket}/${prefix}` });
            added.push(prefix);
          }
        }
      }
      this.unpartitionedObjects = loose;
      this.lastCrawl = { ...base, Status: "SUCCEEDED" };
      this.props.log?.(
        `crawl ${this.crawls}: ${added.length} partition(s) added (${this.registered.size} registered)` +
          (loose.length > 0
            ? `; ${loose.length} object(s) under ${tablePrefix} are not in a ${partitionKeys.join("/")} folder and were not registered`
            : ""),
      );
    } catch (error) {
      this.lastCrawl = { ...base, Status: "FAILED", ErrorMessage: (error as Error).message };
    }
  }

  private checkName(name: string | undefined): void {
    if (name !== this.props.name) throw named("Glue.EntityNotFoundException", `Crawler entry with name ${name} does not exist`);
  }
}

/** `year=2026/month=11/day=25/hour=10/file` → the folder and values, when the keys are the table's, in order. */
export function partitionOf(relativeKey: string, keys: readonly string[]): { folder: string; values: string[] } | undefined {
  const parts = relativeKey.split("/");
  if (parts.length !== keys.length + 1 || parts[parts.length - 1] === "") return undefined;
  const values: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const [key, value, ...rest] = parts[i].split("=");
    if (key !== keys[i] || value === undefined || value === "" || rest.length > 0) return undefined;
    values.push(value);
  }
  return { folder: `${parts.slice(0, keys.length).join("/")}/`, values };
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

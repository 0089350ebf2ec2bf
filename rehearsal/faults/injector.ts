/**
 * Injects the chosen faults into one rehearsal and counts what it injected. Each rate-driven fault
 * fires on its first occasion (so even a small run meets it) and then on the fault rate of the rest,
 * drawn from a seeded generator (the same seed injects the same faults). The proxies inject the
 * Kinesis and S3 faults; the Firehose stand-in asks {@link FaultInjector.deliveryFaults}; the crawler,
 * Athena and landing faults wrap the workflow's task answers.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DeliveryFaults } from "../delivery-standin";
import type { KinesisShardProxy } from "../kinesis-shard-proxy";
import type { S3FaultProxy } from "../s3-fault-proxy";
import type { TaskAnswer } from "../workflow";
import { named } from "../workflow";
import { mulberry32 } from "../sample-data";
import type { FaultName } from "./catalog";

/** What was injected, per fault. */
export type InjectedCounts = Record<FaultName, number>;

/** The landing file the `landing-replaced` fault overwrote. */
export interface ReplacedLanding {
  readonly key: string;
  readonly linesAdded: number;
}

/** The task states whose answers the injector wraps. */
export interface FaultTaskStates {
  readonly startCrawler: string;
  readonly runValidationQuery: string;
  readonly checkDelivery: string;
  readonly notifyFailure: string;
}

export class FaultInjector {
  readonly injected: InjectedCounts = {
    "kinesis-throttle": 0,
    "s3-errors": 0,
    "transform-error": 0,
    "transform-timeout": 0,
    "duplicate-delivery": 0,
    "crawler-running": 0,
    "athena-query-fails": 0,
    "landing-replaced": 0,
  };
  /** Transform invocations whose every attempt was failed (their records go to processing-failed). */
  exhaustedInvocations = 0;
  /** Transform attempts failed and then retried by the Firehose stand-in. */
  retriedAttempts = 0;
  /** Failure notifications the workflow published. */
  readonly notifications: string[] = [];
  replaced?: ReplacedLanding;
  private readonly random: () => number;
  private readonly faulted = new Map<number, { readonly kind: "error" | "timeout"; readonly exhaust: boolean }>();
  private duplicatedOne = false;
  private oneShotsUsed = new Set<FaultName>();
  private replaying = false;

  constructor(
    readonly faults: readonly FaultName[],
    readonly rate: number,
    seed: number,
  ) {
    this.random = mulberry32(seed);
  }

  has(fault: FaultName): boolean {
    return this.faults.includes(fault);
  }

  /** Arms the proxies for this run. */
  armProxies(kinesis: KinesisShardProxy, s3: S3FaultProxy): void {
    kinesis.setWholeCallThrottleRate(this.has("kinesis-throttle") ? this.rate : 0);
    s3.setFaultRate(this.has("s3-errors") ? this.rate : 0);
  }

  /** Reads back what the proxies injected. */
  countProxies(kinesis: KinesisShardProxy, s3: S3FaultProxy): void {
    this.injected["kinesis-throttle"] = this.has("kinesis-throttle") ? kinesis.stats.throttledCalls : 0;
    this.injected["s3-errors"] = Object.values(s3.stats.injected).reduce((sum, n) => sum + n, 0);
  }

  /**
   * The replay that follows a run: an operator replays after fixing the cause, so the transform, Athena
   * and landing faults are off; throttling, S3 errors, duplicate delivery and (if it has not fired) the
   * running crawler stay on.
   */
  enterReplay(): void {
    this.replaying = true;
  }

  /** The Firehose stand-in's faults: failed transform attempts and duplicated objects. */
  deliveryFaults(retries: number): DeliveryFaults {
    const kinds = (["error", "timeout"] as const).filter((kind) => this.has(kind === "error" ? "transform-error" : "transform-timeout"));
    return {
      transformAttempt: (invocation, attempt) => {
        if (this.replaying || kinds.length === 0) return undefined;
        if (attempt === 1) {
          // Deterministic first: the first invocation fails every attempt, the second its first attempt
          // only; then the fault rate of invocations fail their first attempt.
          const n = this.faulted.size;
          if (n < 2 || this.random() < this.rate) {
            this.faulted.set(invocation, { kind: kinds[n % kinds.length], exhaust: n === 0 });
          }
        }
        const fault = this.faulted.get(invocation);
        if (!fault || (attempt > 1 && !fault.exhaust)) return undefined;
        // An invocation failing every attempt alternates the kinds, so a run of one invocation meets both.
        const kind = fault.exhaust ? kinds[(attempt - 1) % kinds.length] : fault.kind;
        this.injected[kind === "error" ? "transform-error" : "transform-timeout"]++;
        if (fault.exhaust && attempt === retries + 1) this.exhaustedInvocations++;
        else this.retriedAttempts++;
        return kind;
      },
      duplicateObject: () => {
        if (!this.has("duplicate-delivery")) return false;
        if (this.duplicatedOne && this.random() >= this.rate) return false;
        this.duplicatedOne = true;
        this.injected["duplicate-delivery"]++;
        return true;
      },
    };
  }

  /** The task answers with the crawler, Athena and landing faults, and the notifications counted. */
  wrapTasks(
    tasks: Readonly<Record<string, TaskAnswer>>,
    states: FaultTaskStates,
    env: { readonly startForeignCrawl: () => void; readonly replaceLanding: () => Promise<ReplacedLanding | undefined> },
  ): Record<string, TaskAnswer> {
    const wrapped: Record<string, TaskAnswer> = { ...tasks };
    // The crawler fault stays armed in the replay (a run that failed before its crawl meets it there).
    const once = (fault: FaultName) => {
      if ((this.replaying && fault !== "crawler-running") || !this.has(fault) || this.oneShotsUsed.has(fault)) return false;
      this.oneShotsUsed.add(fault);
      this.injected[fault]++;
      return true;
    };
    const answer = (state: string) => {
      const task = tasks[state];
      if (!task) throw new Error(`the workflow has no ${state} task to inject a fault into`);
      return task;
    };
    if (tasks[states.startCrawler]) {
      const start = answer(states.startCrawler);
      wrapped[states.startCrawler] = (input) => {
        if (once("crawler-running")) env.startForeignCrawl();
        return start(input);
      };
    }
    const query = answer(states.runValidationQuery);
    wrapped[states.runValidationQuery] = async (input) => {
      if (once("athena-query-fails")) {
        const execution = { Status: { State: "FAILED", StateChangeReason: "INTERNAL_ERROR_QUERY_ENGINE: injected by the rehearsal" } };
        throw named("States.TaskFailed", JSON.stringify({ QueryExecution: execution }));
      }
      return query(input);
    };
    const check = answer(states.checkDelivery);
    wrapped[states.checkDelivery] = async (input) => {
      if (once("landing-replaced")) this.replaced = await env.replaceLanding();
      return check(input);
    };
    const notify = answer(states.notifyFailure);
    wrapped[states.notifyFailure] = (input) => {
      this.notifications.push(String(input.Subject ?? ""));
      return notify(input);
    };
    return wrapped;
  }
}

/**
 * Overwrites the first NDJSON landing file of `keys` with its content plus `added` new records (event ids
 * `replaced-<n>`), as a producer re-uploading a file after the batch read it. Returns undefined when no
 * landing file is NDJSON.
 */
export async function replaceLandingFile(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  eventIdColumn: string,
  added = 3,
): Promise<ReplacedLanding | undefined> {
  const key = keys.find((k) => /\.(ndjson|jsonl)$/.test(k));
  if (!key) return undefined;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = await object.Body!.transformToString();
  const first = JSON.parse(body.split("\n").find((line) => line.trim().startsWith("{")) ?? "{}") as Record<string, unknown>;
  const lines = Array.from({ length: added }, (_, i) => JSON.stringify({ ...first, [eventIdColumn]: `replaced-${i}` }));
  const text = `${body.endsWith("\n") ? body : `${body}\n`}${lines.join("\n")}\n`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
  return { key, linesAdded: added };
}

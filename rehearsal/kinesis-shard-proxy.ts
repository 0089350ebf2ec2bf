/**
 * STAND-IN for Kinesis Data Streams' per-shard write limits: an HTTP proxy in front of a local Kinesis
 * engine (kinesalite or kinesis-local), neither of which enforces them.
 *
 * - Every shard accepts at most 1,000 records and 1 MiB per second of writes (data blob plus partition
 *   key), as the service limits state
 *   (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html, and
 *   https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html). A record counts
 *   against the shard its partition key hashes to: the MD5 of the key as an unsigned 128-bit integer,
 *   inside the shard's `HashKeyRange` (or its `ExplicitHashKey`), the ranges read from ListShards.
 * - Each shard is a token bucket refilled continuously at its limit and holding at most one second of it.
 * - PutRecords is not all-or-nothing: entries over the limit get `ErrorCode`
 *   `ProvisionedThroughputExceededException` and an `ErrorMessage` naming the account, the stream and the
 *   shard, counted in `FailedRecordCount`; the rest go on to the engine and keep their
 *   order in `Records` (API_PutRecords, API_PutRecordsResultEntry).
 * - PutRecord over the limit, and (when asked, at `wholeCallThrottleRate`) a whole PutRecords call,
 *   fail with HTTP 400 and `__type` `ProvisionedThroughputExceededException`, the JSON protocol's error
 *   shape (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html#API_PutRecord_Errors).
 *
 * Everything else (reads, stream administration) passes through unchanged. The proxy counts what it
 * accepted per shard, so a run can report its push rate against the limit.
 */
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { KinesisClient, ListShardsCommand, type Shard } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/** Kinesis's write limits per shard (service-sizes-and-limits.html). */
export const SHARD_WRITE_LIMITS = { recordsPerSecond: 1_000, bytesPerSecond: 1024 * 1024 } as const;

/** A shard's write limits. */
export interface ShardLimits {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
}

export interface KinesisShardProxyOptions {
  /** The engine's endpoint, `http://127.0.0.1:<port>`. */
  readonly upstream: string;
  /** @default SHARD_WRITE_LIMITS */
  readonly limits?: ShardLimits;
  /** Fraction (0–1) of PutRecords calls refused whole with HTTP 400; the first call after it is set is refused. @default 0 */
  readonly wholeCallThrottleRate?: number;
  /** @default Math.random */
  readonly random?: () => number;
  /** Milliseconds on a steady clock. @default performance.now */
  readonly now?: () => number;
  /** Account id in error messages. @default 000000000000 */
  readonly account?: string;
  readonly region?: string;
}

/** What one shard accepted and refused. */
export interface ShardWrites {
  accepted: number;
  bytes: number;
  throttled: number;
  /** Steady-clock milliseconds of the first and the last accepted write. */
  firstMs?: number;
  lastMs?: number;
}

/** What the proxy saw, cumulatively. */
export interface KinesisProxyStats {
  putRecordsCalls: number;
  putRecordCalls: number;
  entries: number;
  /** Entries refused with the per-entry ProvisionedThroughputExceededException. */
  throttledEntries: number;
  /** Calls refused whole (400 ProvisionedThroughputExceededException). */
  throttledCalls: number;
  /** PutRecords calls the SDK marked as its own retry (`amz-sdk-request: attempt=N`, N > 1). */
  sdkRetries: number;
  /** By `<stream>/<shard id>`. */
  perShard: Record<string, ShardWrites>;
}

/** A running proxy. */
export interface KinesisShardProxy {
  readonly endpoint: string;
  readonly stats: KinesisProxyStats;
  /** Changes the whole-call throttle rate (0–1); above 0, the next PutRecords call is refused. */
  setWholeCallThrottleRate(rate: number): void;
  /** Starts the counts again (one rehearsal of several sharing the proxy). */
  resetStats(): void;
  close(): Promise<void>;
}

/** The shard a hash key (a 128-bit unsigned integer) falls in, among shards with `HashKeyRange`. */
export function shardForHashKey<T extends Pick<Shard, "ShardId" | "HashKeyRange">>(hashKey: bigint, shards: readonly T[]): T | undefined {
  return shards.find((shard) => {
    const range = shard.HashKeyRange;
    if (!range?.StartingHashKey || !range.EndingHashKey) return false;
    return BigInt(range.StartingHashKey) <= hashKey && hashKey <= BigInt(range.EndingHashKey);
  });
}

/** The MD5 of a partition key as an unsigned 128-bit integer: how Kinesis maps a key to a shard (API_PutRecords). */
export function partitionKeyHash(partitionKey: string): bigint {
  return BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`);
}

/** A token bucket holding at most one second of `limits`, refilled continuously. */
class ShardBucket {
  private records: number;
  private bytes: number;
  private at: number;
  constructor(
    private readonly limits: ShardLimits,
    now: number,
  ) {
    this.records = limits.recordsPerSecond;
    this.bytes = limits.bytesPerSecond;
    this.at = now;
  }

  /** Takes one record of `size` bytes when the shard has room; false when it is over its limit. */
  take(size: number, now: number): boolean {
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.at = now;
    this.records = Math.min(this.limits.recordsPerSecond, this.records + elapsed * this.limits.recordsPerSecond);
    this.bytes = Math.min(this.limits.bytesPerSecond, this.bytes + elapsed * this.limits.bytesPerSecond);
    if (this.records < 1 || this.bytes < size) return false;
    this.records -= 1;
    this.bytes -= size;
    return true;
  }
}

interface PutRecordsEntry {
  readonly Data: string;
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
}

interface ResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const TARGET_PREFIX = "Kinesis_20131202.";
const THROTTLED = "ProvisionedThroughputExceededException";

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startKinesisShardProxy(options: KinesisShardProxyOptions): Promise<KinesisShardProxy> {
  const limits = options.limits ?? SHARD_WRITE_LIMITS;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => performance.now());
  const account = options.account ?? "000000000000";
  let wholeCallRate = checkRate("wholeCallThrottleRate", options.wholeCallThrottleRate ?? 0);
  let throttleNext = wholeCallRate > 0;
  const upstream = new URL(options.upstream);
  const client = new KinesisClient({
    endpoint: options.upstream,
    region: options.region ?? "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler(),
  });
  const shardsByStream = new Map<string, Promise<Shard[]>>();
  const buckets = new Map<string, ShardBucket>();
  const stats: KinesisProxyStats = {
    putRecordsCalls: 0,
    putRecordCalls: 0,
    entries: 0,
    throttledEntries: 0,
    throttledCalls: 0,
    sdkRetries: 0,
    perShard: {},
  };

  const shardsOf = (stream: string): Promise<Shard[]> => {
    let shards = shardsByStream.get(stream);
    if (!shards) {
      shards = listShards(client, stream);
      shardsByStream.set(stream, shards);
      shards.catch(() => shardsByStream.delete(stream));
    }
    return shards;
  };
  /** Whether shard `shardId` of `stream` takes one more record of `size` bytes now; counts it either way. */
  const admit = (stream: string, shardId: string, size: number): boolean => {
    const t = now();
    const id = `${stream}/${shardId}`;
    let bucket = buckets.get(id);
    if (!bucket) buckets.set(id, (bucket = new ShardBucket(limits, t)));
    const writes = (stats.perShard[id] ??= { accepted: 0, bytes: 0, throttled: 0 });
    if (!bucket.take(size, t)) {
      writes.throttled++;
      return false;
    }
    writes.accepted++;
    writes.bytes += size;
    writes.firstMs ??= t;
    writes.lastMs = t;
    return true;
  };
  const shardOfEntry = async (stream: string, entry: PutRecordsEntry): Promise<string> => {
    const hashKey = entry.ExplicitHashKey ? BigInt(entry.ExplicitHashKey) : partitionKeyHash(entry.PartitionKey);
    const shard = shardForHashKey(hashKey, await shardsOf(stream));
    if (!shard?.ShardId) throw new Error(`no shard of ${stream} covers hash key ${hashKey}`);
    return shard.ShardId;
  };
  const entrySize = (entry: PutRecordsEntry) => base64Length(entry.Data) + Buffer.byteLength(entry.PartitionKey, "utf8");
  const rateExceeded = (shardId: string, stream: string) =>
    `Rate exceeded for shard ${shardId} in stream ${stream} under account ${account}.`;

  const handlePutRecords = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    stats.putRecordsCalls++;
    if (isSdkRetry(request)) stats.sdkRetries++;
    const input = JSON.parse(body.toString("utf8")) as { StreamName?: string; StreamARN?: string; Records?: PutRecordsEntry[] };
    const stream = input.StreamName ?? input.StreamARN?.split("/").pop() ?? "";
    const entries = input.Records ?? [];
    stats.entries += entries.length;
    if (throttleNext || (wholeCallRate > 0 && random() < wholeCallRate)) {
      throttleNext = false;
      stats.throttledCalls++;
      return sendJson(response, 400, { __type: THROTTLED, message: `Rate exceeded for stream ${stream} under account ${account}.` });
    }
    const results: ResultEntry[] = new Array(entries.length);
    const forwarded: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const shardId = await shardOfEntry(stream, entries[i]);
      if (admit(stream, shardId, entrySize(entries[i]))) forwarded.push(i);
      else {
        stats.throttledEntries++;
        results[i] = { ErrorCode: THROTTLED, ErrorMessage: rateExceeded(shardId, stream) };
      }
    }
    let failed = entries.length - forwarded.length;
    let encryption: unknown;
    if (forwarded.length > 0) {
      const upstreamBody = Buffer.from(JSON.stringify({ ...input, Records: forwarded.map((i) => entries[i]) }));
      const answer = await forward(upstream, request, upstreamBody);
      if (answer.status !== 200) return send(response, answer.status, answer.headers, answer.body);
      const output = JSON.parse(answer.body.toString("utf8")) as {
        FailedRecordCount?: number;
        Records?: ResultEntry[];
        EncryptionType?: string;
      };
      forwarded.forEach(
        (index, k) => (results[index] = output.Records?.[k] ?? { ErrorCode: "InternalFailure", ErrorMessage: "no result" }),
      );
      failed += output.FailedRecordCount ?? 0;
      encryption = output.EncryptionType;
    }
    return sendJson(response, 200, { FailedRecordCount: failed, Records: results, ...(encryption ? { EncryptionType: encryption } : {}) });
  };

  const handlePutRecord = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    stats.putRecordCalls++;
    const input = JSON.parse(body.toString("utf8")) as PutRecordsEntry & { StreamName?: string; StreamARN?: string };
    const stream = input.StreamName ?? input.StreamARN?.split("/").pop() ?? "";
    stats.entries++;
    const shardId = await shardOfEntry(stream, input);
    if (!admit(stream, shardId, entrySize(input))) {
      stats.throttledEntries++;
      return sendJson(response, 400, { __type: THROTTLED, message: rateExceeded(shardId, stream) });
    }
    const answer = await forward(upstream, request, body);
    return send(response, answer.status, answer.headers, answer.body);
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const target = String(request.headers["x-amz-target"] ?? "");
      const handled =
        target === `${TARGET_PREFIX}PutRecords`
          ? handlePutRecords(request, body, response)
          : target === `${TARGET_PREFIX}PutRecord`
            ? handlePutRecord(request, body, response)
            : forward(upstream, request, body).then((answer) => send(response, answer.status, answer.headers, answer.body));
      handled.catch((error: unknown) => sendJson(response, 500, { __type: "InternalFailure", message: (error as Error).message }));
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    stats,
    setWholeCallThrottleRate(rate) {
      wholeCallRate = checkRate("wholeCallThrottleRate", rate);
      throttleNext = rate > 0;
    },
    resetStats() {
      Object.assign(stats, {
        putRecordsCalls: 0,
        putRecordCalls: 0,
        entries: 0,
        throttledEntries: 0,
        throttledCalls: 0,
        sdkRetries: 0,
        perShard: {},
      });
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/**
 * Accepted records per second of each shard of `stream`: its accepted records over the window from the
 * stream's first to its last accepted write (`seconds`) plus the one second of writes a shard's bucket
 * holds at the start, the most the limits let through in that window, so a rate at the limit reads
 * 1,000, never more.
 */
export function shardRates(stats: KinesisProxyStats, stream: string): { seconds: number; perShard: Record<string, number> } {
  const shards = Object.entries(stats.perShard)
    .filter(([id, w]) => id.startsWith(`${stream}/`) && w.firstMs !== undefined)
    .map(([id, w]): [string, ShardWrites] => [id.slice(stream.length + 1), w]);
  if (shards.length === 0) return { seconds: 0, perShard: {} };
  const first = Math.min(...shards.map(([, w]) => w.firstMs!));
  const last = Math.max(...shards.map(([, w]) => w.lastMs!));
  const seconds = (last - first) / 1000;
  return { seconds, perShard: Object.fromEntries(shards.map(([id, w]) => [id, w.accepted / (seconds + 1)])) };
}

/** Bytes a base64 text decodes to, without decoding it. */
export function base64Length(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return Math.floor((text.length * 3) / 4) - padding;
}

/** A fault rate from 0 to 1; anything else stops the proxy's caller, naming the option. */
export function checkRate(option: string, rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`${option} must be from 0 to 1, got ${rate}`);
  return rate;
}

/** Starts `server` on a free loopback port and returns its endpoint. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return `http://127.0.0.1:${port}`;
}

/** Whether the SDK marked the request as its own retry (`amz-sdk-request: attempt=N; max=M`, N > 1). */
export function isSdkRetry(request: IncomingMessage): boolean {
  const match = /attempt=(\d+)/.exec(String(request.headers["amz-sdk-request"] ?? ""));
  return match !== null && Number(match[1]) > 1;
}

async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  // Only open shards take writes.
  return shards.filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber);
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Sends the request, with `body`, to the upstream engine. */
export function forward(upstream: URL, request: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === "content-length" || name === "connection" || name === "expect") continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  headers["content-length"] = String(body.length);
  return new Promise((done, fail) => {
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined || name === "content-length" || name === "connection" || name === "transfer-encoding") continue;
            out[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          done({ status: incoming.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) });
        });
        incoming.on("error", fail);
      },
    );
    outgoing.on("error", fail);
    outgoing.end(body);
  });
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  response.writeHead(status, { ...headers, "content-length": String(body.length) });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  if (response.headersSent) return;
  send(
    response,
    status,
    { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": cryptoId() },
    Buffer.from(JSON.stringify(value)),
  );
}

function cryptoId(): string {
  return createHash("md5").update(String(Math.random())).digest("hex");
}

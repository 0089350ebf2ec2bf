/**
 * STAND-IN for S3's transient errors: an HTTP proxy in front of s3rver that answers a fraction of
 * requests with `503 SlowDown` or `500 InternalError` before they reach s3rver, as S3 may
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html: "SlowDown … 503",
 * "InternalError … 500"; https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html:
 * 503 Slow Down is to be retried). The AWS SDK retries both (standard retry mode, 3 attempts,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html), marking each retry with
 * `amz-sdk-request: attempt=N`: the proxy counts those, so a run can show the SDK absorbing the faults.
 * A fault is answered before the request reaches s3rver, so a retried write never happens twice.
 *
 * It also enforces what s3rver does not: `x-amz-copy-source-if-match` on CopyObject (412
 * PreconditionFailed when the source's ETag differs, https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html),
 * which finalize's guard against a landing file replaced mid-run relies on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { checkRate, forward, isSdkRetry, listenOnLoopback } from "./kinesis-shard-proxy";

/** The transient errors the proxy injects, alternately. */
export const S3_TRANSIENT_ERRORS = [
  { status: 503, code: "SlowDown", message: "Please reduce your request rate." },
  { status: 500, code: "InternalError", message: "We encountered an internal error. Please try again." },
] as const;

export interface S3FaultProxyOptions {
  /** s3rver's endpoint. */
  readonly upstream: string;
  /** Fraction (0–1) of requests answered with a transient error; the first request after it is set is. @default 0 */
  readonly faultRate?: number;
  /** @default Math.random */
  readonly random?: () => number;
  readonly region?: string;
  /** Credentials s3rver accepts, for the proxy's own HeadObject. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** What the proxy did, cumulatively. */
export interface S3ProxyStats {
  requests: number;
  /** Injected errors by code. */
  injected: Record<string, number>;
  /** Requests the SDK marked as a retry (`amz-sdk-request: attempt=N`, N > 1). */
  sdkRetries: number;
  /** CopyObject calls refused because `x-amz-copy-source-if-match` no longer matched. */
  preconditionFailed: number;
}

export interface S3FaultProxy {
  readonly endpoint: string;
  readonly stats: S3ProxyStats;
  setFaultRate(rate: number): void;
  /** Starts the counts again (one rehearsal of several sharing the proxy). */
  resetStats(): void;
  close(): Promise<void>;
}

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startS3FaultProxy(options: S3FaultProxyOptions): Promise<S3FaultProxy> {
  const upstream = new URL(options.upstream);
  const random = options.random ?? Math.random;
  let rate = checkRate("faultRate", options.faultRate ?? 0);
  let faultNext = rate > 0;
  const stats: S3ProxyStats = { requests: 0, injected: {}, sdkRetries: 0, preconditionFailed: 0 };
  const client = new S3Client({
    endpoint: options.upstream,
    region: options.region ?? "us-east-1",
    credentials: options.credentials,
    forcePathStyle: true,
    requestHandler: new NodeHttpHandler(),
  });
  let next = 0;

  const handle = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    stats.requests++;
    if (isSdkRetry(request)) stats.sdkRetries++;
    if (faultNext || (rate > 0 && random() < rate)) {
      faultNext = false;
      const error = S3_TRANSIENT_ERRORS[next++ % S3_TRANSIENT_ERRORS.length];
      stats.injected[error.code] = (stats.injected[error.code] ?? 0) + 1;
      return sendError(response, error.status, error.code, error.message);
    }
    const copySource = request.headers["x-amz-copy-source"];
    const ifMatch = request.headers["x-amz-copy-source-if-match"];
    if (request.method === "PUT" && typeof copySource === "string" && typeof ifMatch === "string") {
      const etag = await sourceEtag(client, copySource);
      if (etag !== undefined && unquote(etag) !== unquote(ifMatch)) {
        stats.preconditionFailed++;
        return sendError(response, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
      }
    }
    const answer = await forward(upstream, request, body);
    response.writeHead(answer.status, { ...answer.headers, "content-length": String(answer.body.length) });
    response.end(answer.body);
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      handle(request, Buffer.concat(chunks), response).catch((error: unknown) =>
        sendError(response, 500, "InternalError", `proxy: ${(error as Error).message}`),
      );
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    stats,
    setFaultRate(value) {
      rate = checkRate("faultRate", value);
      faultNext = value > 0;
    },
    resetStats() {
      Object.assign(stats, { requests: 0, injected: {}, sdkRetries: 0, preconditionFailed: 0 });
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** The ETag of `bucket/key` (URL-encoded, as in `x-amz-copy-source`), or undefined when it does not exist. */
async function sourceEtag(client: S3Client, copySource: string): Promise<string | undefined> {
  const [bucket, ...key] = decodeURIComponent(copySource.replace(/^\//, "").split("?")[0]).split("/");
  try {
    return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key.join("/") }))).ETag;
  } catch {
    return undefined; // s3rver answers the copy itself (404 NoSuchKey)
  }
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, "").replaceAll('"', "");
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) return;
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>rehearsal</RequestId></Error>`,
  );
  response.writeHead(status, { "content-type": "application/xml", "content-length": String(body.length) });
  response.end(body);
}

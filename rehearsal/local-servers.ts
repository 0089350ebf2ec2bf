/**
 * STAND-IN for AWS: the local servers the rehearsal points the real handlers at.
 *
 * - Kinesis: `kinesis-local` (kinesis-mock, the engine the issue names) or `kinesalite`, each a child
 *   process on a free port, stopped by its PID (and on exit, Ctrl-C or SIGTERM of this process).
 * - S3: `s3rver`, in this process, on a free port, storing objects on disk under `<workDir>/s3`.
 *
 * What they do not do like AWS: s3rver enforces neither `If-None-Match: *` on PutObject (the batch
 * claim marker) nor `x-amz-copy-source-if-match` on CopyObject (finalize's guard); LastModified has
 * whole-second resolution. Neither Kinesis engine enforces shard throughput limits. Both Kinesis
 * engines need the SDK's HTTP/1.1 handler; the push handler already uses it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startKinesisShardProxy, type KinesisShardProxy } from "./kinesis-shard-proxy";
import { startS3FaultProxy, type S3FaultProxy } from "./s3-fault-proxy";

/** The Kinesis engines the rehearsal can run. */
export const KINESIS_ENGINES = ["kinesalite", "kinesis-local"] as const;
export type KinesisEngine = (typeof KINESIS_ENGINES)[number];

/** Credentials s3rver accepts by default; the Kinesis engines accept anything. Never real credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** What the engines can and cannot show, printed with the report. */
export const SERVER_LIMITS: Readonly<Record<KinesisEngine | "s3rver", readonly string[]>> = {
  s3rver: [
    "s3rver does not enforce If-None-Match: * — the batch claim marker (_runs/<batchId>.json) is written, but a second run of the same batch would not be stopped here; S3 enforces it",
    "s3rver does not enforce CopySourceIfMatch; the S3 proxy in front of it does (412 PreconditionFailed), so finalize's guard against a replaced landing file is exercised",
  ],
  kinesalite: [
    "kinesalite enforces no shard throughput limits; the shard-limit proxy in front of it does (1,000 records/s and 1 MiB/s per shard, per-entry ProvisionedThroughputExceededException), for the functions' writes only",
  ],
  "kinesis-local": [
    "kinesis-local enforces no shard throughput limits; the shard-limit proxy in front of it does (1,000 records/s and 1 MiB/s per shard), for the functions' writes only",
  ],
};

/** Running local servers. */
export interface LocalServers {
  readonly engine: KinesisEngine;
  /** `http://127.0.0.1:<port>`; an IP endpoint makes SDK v3 use path-style S3 addressing by itself. */
  readonly s3Endpoint: string;
  readonly kinesisEndpoint: string;
  /** Folder s3rver stores objects in (its own layout: `<bucket>/<key>._S3rver_object`). */
  readonly s3Directory: string;
  /** A client of each server, for the stand-ins (the handlers create their own from the environment). */
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  /** PID of the Kinesis engine's process. */
  readonly kinesisPid: number | undefined;
  /** The shard-limit proxy in front of the Kinesis engine: the functions write through it. */
  readonly kinesisProxy: KinesisShardProxy;
  /** The fault proxy in front of s3rver: the functions reach S3 through it. */
  readonly s3Proxy: S3FaultProxy;
  createBucket(name: string): Promise<void>;
  /** Creates a stream and waits until it is ACTIVE. */
  createStream(name: string, shards: number): Promise<void>;
  /** Stops both servers; safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalServerOptions {
  readonly engine: KinesisEngine;
  /** s3rver's storage goes to `<workDir>/s3`. */
  readonly workDir: string;
  /** Project root, where node_modules is. @default {@link findProjectRoot} */
  readonly projectRoot?: string;
  readonly region: string;
}

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  allowMismatchedSignatures?: boolean;
}) => S3rverServer;

const children = new Set<ChildProcess>();
let exitTrapInstalled = false;

/** Starts s3rver and the chosen Kinesis engine on free ports. */
export async function startLocalServers(options: LocalServerOptions): Promise<LocalServers> {
  const root = options.projectRoot ?? findProjectRoot();
  installExitTrap();
  // The SDK warns once per process that releases from 2027 need Node 22; nothing to act on here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const s3Directory = join(options.workDir, "s3");
  mkdirSync(s3Directory, { recursive: true });
  // s3rver ships no type declarations.

  const S3rver = require("s3rver") as S3rverConstructor;
  const s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3Directory });
  const { port: s3Port } = await s3rver.run();
  let engine: RunningKinesisEngine | undefined;
  const proxies: Array<{ close(): Promise<void> }> = [];
  try {
    engine = await startKinesisEngine(options.engine, root);
    const s3Endpoint = `http://127.0.0.1:${s3Port}`;
    const kinesisEndpoint = engine.endpoint;
    const kinesisProxy = await startKinesisShardProxy({ upstream: kinesisEndpoint, region: options.region });
    proxies.push(kinesisProxy);
    const s3Proxy = await startS3FaultProxy({ upstream: s3Endpoint, region: options.region, credentials: LOCAL_CREDENTIALS });
    proxies.push(s3Proxy);
    const clientConfig = { region: options.region, credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler() };
    const s3 = new S3Client({ ...clientConfig, endpoint: s3Endpoint, forcePathStyle: true });
    const kinesis = new KinesisClient({ ...clientConfig, endpoint: kinesisEndpoint });
    const running = engine;
    let stopped = false;
    return {
      engine: options.engine,
      s3Endpoint,
      kinesisEndpoint,
      s3Directory,
      s3,
      kinesis,
      kinesisPid: running.pid,
      kinesisProxy,
      s3Proxy,
      async createBucket(name) {
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      },
      async createStream(name, shards) {
        await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
        for (let attempt = 0; attempt < 200; attempt++) {
          const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
          if (StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
          await sleep(50);
        }
        throw new Error(`stream ${name} did not become ACTIVE on ${options.engine}`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        s3.destroy();
        kinesis.destroy();
        for (const proxy of proxies) await proxy.close();
        await running.stop();
        await s3rver.close();
      },
    };
  } catch (error) {
    for (const proxy of proxies) await proxy.close();
    if (engine) await engine.stop();
    await s3rver.close();
    throw error;
  }
}

/** A Kinesis engine running as a child process of this one; every engine is killed when this process exits. */
export interface RunningKinesisEngine {
  readonly engine: KinesisEngine;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, plain HTTP. */
  readonly endpoint: string;
  readonly pid: number | undefined;
  /** Stops the engine by its process id (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

/** Starts `engine` on a free port and resolves once it accepts connections. */
export async function startKinesisEngine(engine: KinesisEngine, root: string = findProjectRoot()): Promise<RunningKinesisEngine> {
  installExitTrap();
  const port = await freePort();
  const child = spawnEngine(engine, port, root);
  try {
    await waitForPort(port, child, engine);
  } catch (error) {
    await killChild(child);
    throw error;
  }
  return { engine, port, endpoint: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => killChild(child) };
}

function spawnEngine(engine: KinesisEngine, port: number, root: string): ChildProcess {
  const modules = join(root, "node_modules");
  const child =
    engine === "kinesalite"
      ? spawn(
          process.execPath,
          [join(modules, "kinesalite", "cli.js"), "--port", String(port), "--createStreamMs", "0", "--shardLimit", "100"],
          {
            stdio: ["ignore", "ignore", "pipe"],
          },
        )
      : spawn(process.execPath, [join(modules, "kinesis-local", "main.js")], {
          stdio: ["ignore", "ignore", "pipe"],
          env: {
            ...process.env,
            // kinesis-local resolves its certificate against the cwd unless given an absolute path.
            KINESIS_MOCK_CERT_PATH: join(modules, "kinesis-local", "server.json"),
            KINESIS_MOCK_PLAIN_PORT: String(port),
            KINESIS_MOCK_TLS_PORT: "0",
            CREATE_STREAM_DURATION: "0ms",
            SHARD_LIMIT: "100",
            LOG_LEVEL: "ERROR",
          },
        });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  (child as ChildProcess & { stderrTail?: () => string }).stderrTail = () => stderr;
  return child;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    // A stray kinesis-local once survived SIGTERM: make sure.
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  }, 2000);
  await exited;
  clearTimeout(timer);
}

/** Kills every engine this process started when it exits, is interrupted or terminated. */
function installExitTrap(): void {
  if (exitTrapInstalled) return;
  exitTrapInstalled = true;
  const killAll = () => {
    for (const child of children) {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  };
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

async function waitForPort(port: number, child: ChildProcess, engine: KinesisEngine): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = (child as ChildProcess & { stderrTail?: () => string }).stderrTail?.() ?? "";
      throw new Error(`${engine} exited with code ${child.exitCode} before listening on port ${port}${tail ? `:\n${tail}` : ""}`);
    }
    if (await canConnect(port)) return;
    await sleep(100);
  }
  throw new Error(`${engine} did not listen on port ${port} within 30 s`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** The project root: the nearest folder above this file (source, or a bundle in dist/ or .build/) with package.json and node_modules. */
export function findProjectRoot(): string {
  let folder = resolve(__dirname);
  for (;;) {
    if (existsSync(join(folder, "package.json")) && existsSync(join(folder, "node_modules"))) return folder;
    const parent = dirname(folder);
    if (parent === folder) return resolve(__dirname, "..");
    folder = parent;
  }
}

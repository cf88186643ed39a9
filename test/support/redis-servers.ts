/**
 * redis-server processes a test starts on loopback (Debian's redis-server),
 * for the private Redis Cluster (./redis-cluster-servers.ts) and Sentinel
 * group (./redis-sentinel-servers.ts): free ports, a temp dir, no
 * persistence, torn down by the test. The shared Redis on 6379 is never touched.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./ports.js";

import { requireService } from "./services.js";
import { until } from "./until.js";

const REDIS_SERVER = process.env.TEST_REDIS_SERVER ?? "redis-server";

/** Whether redis-server can be run here; skips locally, fails in CI, as requireService does. */
export function requireRedisServer() {
  return requireService(`${REDIS_SERVER} (apt-get install redis-server)`, async () => {
    await promisify(execFile)(REDIS_SERVER, ["--version"], { timeout: 5_000 });
  });
}

export interface RedisProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGSTOP: the server keeps its connections but answers nothing, as a hung or partitioned one. */
  pause(): void;
  readonly paused: boolean;
  resume(): void;
  stop(): Promise<void>;
}

function adminClient(port: number): Redis {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  return client;
}

/** Runs `body` on a short-lived connection to `port`. */
export async function onServer<T>(port: number, body: (client: Redis) => Promise<T>): Promise<T> {
  const client = adminClient(port);
  try {
    return await body(client);
  } finally {
    client.disconnect();
  }
}

export async function startServer(dir: string, args: string[]): Promise<RedisProcess> {
  const port = await freePort();
  // A master waits 5 s by default before a diskless full sync, for more replicas to join it: not here.
  const settings = ["--repl-diskless-sync-delay", "0", "--save", "", "--appendonly", "no"];
  const child = spawn(
    REDIS_SERVER,
    [...args, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, ...settings],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // Should the test runner itself die, its servers go with it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      process.removeListener("exit", killOnExit);
      resolve();
    }),
  );
  let paused = false;
  const server: RedisProcess = {
    port,
    child,
    pause: () => {
      paused = child.kill("SIGSTOP");
    },
    resume: () => {
      paused = !child.kill("SIGCONT");
    },
    get paused() {
      return paused;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A paused server would not act on SIGTERM; nothing it holds needs a clean shutdown.
      child.kill("SIGKILL");
      await exited;
    },
  };
  try {
    await until(
      async () => (await onServer(port, (client) => client.ping())) === "PONG",
      10_000,
      `redis-server on port ${port} answering`,
    );
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}:\n${output}`);
  }
  return server;
}

/** Starts one server per argument list, all at once; if any fails to start, stops the others. */
export async function startAll(dir: string, argsList: string[][]): Promise<RedisProcess[]> {
  const started = await Promise.allSettled(argsList.map((args) => startServer(dir, args)));
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((server) => server.stop()));
    throw failed.reason;
  }
  return servers;
}

/**
 * How long a master may stop answering before its replica is promoted
 * (`cluster-node-timeout`, Sentinel's `down-after-milliseconds`). Long
 * enough that a test can hang a master and see a command meet it before a
 * replica takes over; short, so the suite does not wait long for recovery.
 */
export const FAILOVER_AFTER_MS = 4_000;

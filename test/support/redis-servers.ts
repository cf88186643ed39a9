/**
 * Private Redis servers started by a test on loopback (Debian's redis-server):
 * a Redis Cluster, or a master, a replica and a sentinel. Free ports, a temp
 * dir, no persistence; torn down by the test. The shared Redis on 6379 is
 * never touched.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./cli.js";
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
  /** A new connection to this server alone; the caller disconnects it. */
  connect(): Redis;
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

async function startServer(dir: string, args: string[]): Promise<RedisProcess> {
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
    connect: () => adminClient(port),
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

/** Starts servers until one fails; stops those already started if any fails. */
async function startAll(dir: string, argsList: string[][]): Promise<RedisProcess[]> {
  const started = await Promise.allSettled(argsList.map((args) => startServer(dir, args)));
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((server) => server.stop()));
    throw failed.reason;
  }
  return servers;
}

export interface RedisClusterServers {
  readonly masters: RedisProcess[];
  readonly replicas: RedisProcess[];
  /** `redis+cluster://` URL naming every node. */
  readonly url: string;
  /** The port of the master now serving `key`'s slot, as a live node reports it. */
  masterOf(key: string): Promise<number>;
  /** The server on `port`. */
  server(port: number): RedisProcess;
  /** Every key under `prefix`, from every master (read straight, not through the store). */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

const CLUSTER_SLOTS = 16_384;

/**
 * How long a master may stop answering before its replica is promoted
 * (`cluster-node-timeout`, Sentinel's `down-after-milliseconds`). Long
 * enough that a test can hang a master and see a command meet it before a
 * replica takes over; short, so the suite does not wait long for recovery.
 */
export const FAILOVER_AFTER_MS = 2_000;

/**
 * A Redis Cluster of `masters` masters with one replica each, built by hand
 * (the same steps as `redis-cli --cluster create`, which sleeps between its
 * polls): slots, epochs, MEET, REPLICATE, then polling until every node says
 * `cluster_state:ok` and every replica is in sync. A node is failed over 1 s
 * after it stops answering for FAILOVER_AFTER_MS.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterServers> {
  const dir = mkdtempSync(join(tmpdir(), "wechat-login-redis-cluster-"));
  const nodeArgs = (index: number) => [
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    `nodes-${index}.conf`,
    "--cluster-node-timeout",
    String(FAILOVER_AFTER_MS),
  ];
  let servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    servers = await startAll(
      dir,
      Array.from({ length: masters * 2 }, (_, index) => nodeArgs(index)),
    );
    const primary = servers.slice(0, masters);
    const secondary = servers.slice(masters);
    const ids = await Promise.all(
      servers.map((server) => onServer(server.port, (c) => c.call("CLUSTER", "MYID") as Promise<string>)),
    );
    await Promise.all(
      servers.map((server, index) =>
        onServer(server.port, (c) => c.call("CLUSTER", "SET-CONFIG-EPOCH", String(index + 1))),
      ),
    );
    await Promise.all(
      primary.map((server, index) => {
        const first = Math.floor((CLUSTER_SLOTS * index) / masters);
        const last = Math.floor((CLUSTER_SLOTS * (index + 1)) / masters) - 1;
        return onServer(server.port, (c) => c.call("CLUSTER", "ADDSLOTSRANGE", String(first), String(last)));
      }),
    );
    await onServer(servers[0]!.port, async (c) => {
      for (const server of servers.slice(1))
        await c.call("CLUSTER", "MEET", "127.0.0.1", String(server.port));
    });
    // A replica can only follow a master it knows.
    await until(
      async () => {
        const views = await Promise.all(
          servers.map((server) =>
            onServer(server.port, (c) => c.call("CLUSTER", "NODES") as Promise<string>),
          ),
        );
        return views.every((view) => ids.every((id) => view.includes(id)) && !/handshake|noaddr/.test(view));
      },
      15_000,
      "the cluster nodes meeting",
    );
    await Promise.all(
      secondary.map((server, index) =>
        onServer(server.port, (c) => c.call("CLUSTER", "REPLICATE", ids[index]!)),
      ),
    );
    await until(
      async () => {
        const states = await Promise.all(
          servers.map((server) => onServer(server.port, (c) => c.call("CLUSTER", "INFO") as Promise<string>)),
        );
        const links = await Promise.all(
          secondary.map((server) => onServer(server.port, (c) => c.info("replication"))),
        );
        return (
          states.every((info) => info.includes("cluster_state:ok")) &&
          links.every((info) => info.includes("master_link_status:up"))
        );
      },
      20_000,
      "the cluster reaching cluster_state:ok with its replicas in sync",
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const byPort = new Map(servers.map((server) => [server.port, server]));
  const live = () => servers.filter((server) => server.child.exitCode === null && !server.paused);
  /** `body` on the first node that is neither stopped nor paused and answers. */
  const onLiveNode = async <T>(body: (client: Redis) => Promise<T>): Promise<T> => {
    for (const server of live()) {
      const result = await onServer(server.port, body).then(
        (value) => ({ value }),
        () => undefined,
      );
      if (result) return result.value;
    }
    throw new Error("no cluster node answers");
  };
  /** Masters and their slot ranges, as a live node sees them. */
  const slots = async (): Promise<[number, number, number][]> => {
    const reply = (await onLiveNode((c) => c.call("CLUSTER", "SLOTS"))) as unknown[][];
    return reply.map((range) => [Number(range[0]), Number(range[1]), Number((range[2] as unknown[])[1])]);
  };
  return {
    masters: servers.slice(0, masters),
    replicas: servers.slice(masters),
    url: `redis+cluster://${servers.map((server) => `127.0.0.1:${server.port}`).join(",")}`,
    server: (port) => {
      const server = byPort.get(port);
      if (!server) throw new Error(`no cluster node on port ${port}`);
      return server;
    },
    async masterOf(key) {
      const slot = Number(await onLiveNode((c) => c.call("CLUSTER", "KEYSLOT", key)));
      const owner = (await slots()).find(([first, last]) => first <= slot && slot <= last);
      if (!owner) throw new Error(`slot ${slot} has no master`);
      return owner[2];
    },
    async keys(prefix) {
      const ports = [...new Set((await slots()).map(([, , port]) => port))];
      const found = await Promise.all(ports.map((port) => onServer(port, (c) => scanAll(c, prefix))));
      return found.flat().sort();
    },
    stop,
  };
}

async function scanAll(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found;
}

export interface RedisSentinelServers {
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  readonly sentinel: RedisProcess;
  readonly name: string;
  /** `redis+sentinel://` URL for the monitored master. */
  readonly url: string;
  /** The port Sentinel now names as the master. */
  currentMaster(): Promise<number>;
  /** The server on `port`. */
  server(port: number): RedisProcess;
  /** Every key under `prefix` on the current master. */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * One master, one replica and one sentinel (quorum 1) that fails the master
 * over FAILOVER_AFTER_MS after it stops answering. Resolves once the sentinel knows the
 * replica is in sync, so a failover has someone to promote.
 */
export async function startRedisSentinel(): Promise<RedisSentinelServers> {
  const dir = mkdtempSync(join(tmpdir(), "wechat-login-redis-sentinel-"));
  const name = "wl-test";
  const servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [master] = await startAll(dir, [[]]);
    servers.push(master!);
    const [replica] = await startAll(dir, [["--replicaof", "127.0.0.1", String(master!.port)]]);
    servers.push(replica!);
    // Sentinel rewrites its config file as it learns, so it gets a file of its own.
    const config = join(dir, "sentinel.conf");
    writeFileSync(
      config,
      [
        `sentinel monitor ${name} 127.0.0.1 ${master!.port} 1`,
        `sentinel down-after-milliseconds ${name} ${FAILOVER_AFTER_MS}`,
        `sentinel failover-timeout ${name} 10000`,
        "",
      ].join("\n"),
    );
    const [sentinel] = await startAll(dir, [[config, "--sentinel"]]);
    servers.push(sentinel!);
    await until(
      async () => {
        const replicas = (await onServer(sentinel!.port, (c) =>
          c.call("SENTINEL", "REPLICAS", name),
        )) as string[][];
        return replicas.some((fields) => {
          const info = new Map<string, string>();
          for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i]!, fields[i + 1]!);
          return info.get("flags") === "slave" && info.get("master-link-status") === "ok";
        });
      },
      20_000,
      "the sentinel discovering the replica",
    );
    const currentMaster = async () => {
      const [, port] = (await onServer(sentinel!.port, (c) =>
        c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name),
      )) as [string, string];
      return Number(port);
    };
    return {
      master: master!,
      replica: replica!,
      sentinel: sentinel!,
      name,
      url: `redis+sentinel://127.0.0.1:${sentinel!.port}/${name}`,
      currentMaster,
      server: (port) => {
        const server = servers.find((candidate) => candidate.port === port);
        if (!server) throw new Error(`no server on port ${port}`);
        return server;
      },
      keys: async (prefix) => (await onServer(await currentMaster(), (c) => scanAll(c, prefix))).sort(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

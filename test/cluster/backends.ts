import { Redis } from "ioredis";
import pg from "pg";
import {
  countRows,
  deleteRedisKeys,
  dropSchema,
  redisKeys,
  runName,
  withParam,
} from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL } from "../support/databases.js";
import { startRedisCluster } from "../support/redis-cluster-servers.js";
import { startRedisSentinel } from "../support/redis-sentinel-servers.js";
import { onServer, type RedisProcess } from "../support/redis-servers.js";

/**
 * The shared store of a cluster test, seen two ways: the URL the instances
 * use (through the test's proxy, in a namespace of this run) and a direct
 * admin connection that counts what they wrote, whatever the proxy does.
 */
export interface ClusterBackend {
  readonly name: string;
  /** Where a single real server listens: the proxy forwards here. Absent for Redis Cluster and Sentinel. */
  readonly target?: { host: string; port: number };
  /** `STORE_URL` for the instances, pointing at the proxy on `port` when there is one. */
  storeUrl(port: number | undefined): string;
  sessions(): Promise<number>;
  users(): Promise<number>;
  /** True once a callback consumed `state` (the store's single-use mark). */
  stateUsed(state: string): Promise<boolean>;
  /** Deletes everything this run wrote and closes the admin connection. */
  cleanup(): Promise<void>;
  /** For backends with replicas: hangs the master holding this run's keys, so a replica takes over. */
  readonly failover?: Failover;
}

export interface Failover {
  /** True once a replica is in sync and known to whoever promotes it: a failover can happen. */
  ready(): Promise<boolean>;
  /**
   * Waits until the replicas hold every write so far, then takes the master
   * holding this run's keys away: `hang` SIGSTOPs it (connections stay open,
   * nothing answers), `kill` SIGKILLs it. (Replication is asynchronous: in a
   * real failover the last writes before it may be lost; the test syncs
   * first so that what it wrote before is not among them.)
   */
  failMaster(how: "hang" | "kill"): Promise<void>;
  /** True once a replica serves as the master in its place. */
  replaced(): Promise<boolean>;
  /** SIGCONT for a hung old master: it rejoins as a replica. */
  resumeOldMaster(): Promise<void>;
}

function through(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = "127.0.0.1";
  parsed.port = String(port);
  return parsed.toString();
}

function proxied(port: number | undefined): number {
  if (port === undefined) throw new Error("a single-server backend is reached through the proxy");
  return port;
}

function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port === "" ? defaultPort : Number(parsed.port) };
}

export function redisBackend(): ClusterBackend {
  const prefix = `${runName("cluster")}:`;
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const count = async (kind: string) => (await redisKeys(admin, `${prefix}${kind}:`)).length;
  return {
    name: "Redis",
    target: targetOf(REDIS_URL, 6379),
    storeUrl: (port) => withParam(through(REDIS_URL, proxied(port)), "prefix", prefix),
    sessions: () => count("session"),
    users: () => count("user"),
    stateUsed: async (state) => (await admin.hexists(`${prefix}state:${state}`, "usedAt")) === 1,
    cleanup: async () => {
      await deleteRedisKeys(admin, prefix);
      admin.disconnect();
    },
  };
}

export function postgresBackend(): ClusterBackend {
  const schema = runName("cluster");
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  admin.on("error", () => undefined);
  return {
    name: "PostgreSQL",
    target: targetOf(POSTGRES_URL, 5432),
    storeUrl: (port) => withParam(through(POSTGRES_URL, proxied(port)), "schema", schema),
    sessions: () => countRows(admin, schema, "sessions"),
    users: () => countRows(admin, schema, "users"),
    stateUsed: async (state) => {
      const result = await admin.query(
        `SELECT 1 FROM "${schema}".states WHERE state = $1 AND used_at IS NOT NULL`,
        [state],
      );
      return result.rowCount === 1;
    },
    cleanup: async () => {
      await dropSchema(admin, schema);
      await admin.end();
    },
  };
}

/** Counts, the single-use mark and cleanup for a backend read through `keys(prefix)` and `hash(key)`. */
function topologyBackend(
  name: string,
  prefix: string,
  url: string,
  read: { keys(prefix: string): Promise<string[]>; usedAt(key: string): Promise<boolean> },
  stop: () => Promise<void>,
  failover: Failover,
): ClusterBackend {
  const count = async (kind: string) => (await read.keys(`${prefix}${kind}:`)).length;
  return {
    name,
    storeUrl: () => `${url}?prefix=${encodeURIComponent(prefix)}`,
    sessions: () => count("session"),
    users: () => count("user"),
    stateUsed: (state) => read.usedAt(`${prefix}state:${state}`),
    cleanup: stop,
    failover,
  };
}

/** Fails whichever server `masterPort()` names, and tells when another one has taken its place. */
function failoverOf(
  masterPort: () => Promise<number>,
  server: (port: number) => RedisProcess,
  ready: () => Promise<boolean>,
  rejoin: (server: RedisProcess) => Promise<void> = async () => undefined,
): Failover {
  let failed: RedisProcess | undefined;
  return {
    ready,
    async failMaster(how) {
      const port = await masterPort();
      await onServer(port, (c) => c.call("WAIT", "1", "2000"));
      failed = server(port);
      if (how === "hang") failed.pause();
      else await failed.stop();
    },
    replaced: async () => failed !== undefined && (await masterPort()) !== failed.port,
    async resumeOldMaster() {
      if (!failed?.paused) return;
      failed.resume();
      await rejoin(failed);
    },
  };
}

/** A private 3-master, 3-replica Redis Cluster; the instances reach it with a redis+cluster:// URL. */
export async function redisClusterBackend(): Promise<ClusterBackend> {
  const servers = await startRedisCluster();
  // A hash tag, as the store requires on a cluster: every key of this run is in one slot, on one master.
  const prefix = `{${runName("cluster")}}:`;
  const slotKey = `${prefix}state:x`;
  return topologyBackend(
    "Redis Cluster",
    prefix,
    servers.url,
    {
      keys: (under) => servers.keys(under),
      usedAt: async (key) =>
        (await onServer(await servers.masterOf(key), (c) => c.hexists(key, "usedAt"))) === 1,
    },
    servers.stop,
    failoverOf(() => servers.masterOf(slotKey), servers.server, servers.healthy),
  );
}

/** A private master, replica and sentinel; the instances reach them with a redis+sentinel:// URL. */
export async function redisSentinelBackend(): Promise<ClusterBackend> {
  const servers = await startRedisSentinel();
  const prefix = `${runName("sentinel")}:`;
  return topologyBackend(
    "Redis Sentinel",
    prefix,
    servers.url,
    {
      keys: (under) => servers.keys(under),
      usedAt: async (key) =>
        (await onServer(await servers.currentMaster(), (c) => c.hexists(key, "usedAt"))) === 1,
    },
    servers.stop,
    failoverOf(servers.currentMaster, servers.server, servers.replicaReady, servers.rejoin),
  );
}

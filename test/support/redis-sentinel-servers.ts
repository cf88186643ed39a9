/** A private master, replica and sentinel on loopback for a test file (see ./redis-servers.ts). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisKeys } from "./backends.js";
import { FAILOVER_AFTER_MS, onServer, type RedisProcess, startAll } from "./redis-servers.js";
import { until } from "./until.js";

export interface RedisSentinelServers {
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  readonly sentinel: RedisProcess;
  readonly name: string;
  /** `redis+sentinel://` URL for the monitored master. */
  readonly url: string;
  /** The port Sentinel now names as the master. */
  currentMaster(): Promise<number>;
  /** True while the sentinel knows a replica in sync with the master: one it can promote. */
  replicaReady(): Promise<boolean>;
  /** The server on `port`. */
  server(port: number): RedisProcess;
  /**
   * Makes a resumed old master a replica of the current one at once: what
   * Sentinel does by itself some 10 s after seeing it back, which would make
   * a second failover test wait that long.
   */
  rejoin(server: RedisProcess): Promise<void>;
  /** Every key under `prefix` on the current master. */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * One master, one replica and one sentinel (quorum 1) that fails the master
 * over once it has not answered for FAILOVER_AFTER_MS. Resolves once the
 * sentinel knows the replica is in sync, so a failover has someone to promote.
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
    const currentMaster = async () => {
      const [, port] = (await onServer(sentinel!.port, (c) =>
        c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name),
      )) as [string, string];
      return Number(port);
    };
    // Sentinel's own view of a replica's link refreshes every 10 s; the replica's INFO is current.
    const replicaReady = async () => {
      const masterPort = await currentMaster();
      const replicas = (await onServer(sentinel!.port, (c) =>
        c.call("SENTINEL", "REPLICAS", name),
      )) as string[][];
      const ports = replicas.flatMap((fields) => {
        const info = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i]!, fields[i + 1]!);
        return info.get("flags") === "slave" ? [Number(info.get("port"))] : [];
      });
      for (const port of ports) {
        const replication = await onServer(port, (c) => c.info("replication")).catch(() => "");
        if (
          replication.includes(`master_port:${masterPort}`) &&
          replication.includes("master_link_status:up")
        ) {
          return true;
        }
      }
      return false;
    };
    await until(replicaReady, 20_000, "the sentinel discovering the replica");
    return {
      master: master!,
      replica: replica!,
      sentinel: sentinel!,
      name,
      url: `redis+sentinel://127.0.0.1:${sentinel!.port}/${name}`,
      currentMaster,
      replicaReady,
      server: (port) => {
        const server = servers.find((candidate) => candidate.port === port);
        if (!server) throw new Error(`no server on port ${port}`);
        return server;
      },
      rejoin: async (server) => {
        const master = await currentMaster();
        await until(
          async () =>
            (await onServer(server.port, (c) => c.call("REPLICAOF", "127.0.0.1", String(master)))) === "OK",
          10_000,
          "the old master accepting REPLICAOF",
        );
      },
      keys: async (prefix) => await onServer(await currentMaster(), (c) => redisKeys(c, prefix)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

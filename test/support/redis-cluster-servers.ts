/** A private Redis Cluster on loopback for a test file (see ./redis-servers.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { redisKeys } from "./backends.js";
import { FAILOVER_AFTER_MS, onServer, type RedisProcess, startAll } from "./redis-servers.js";
import { until } from "./until.js";

export interface RedisClusterServers {
  readonly masters: RedisProcess[];
  readonly replicas: RedisProcess[];
  /** `redis+cluster://` URL naming every node. */
  readonly url: string;
  /** The port of the master now serving `key`'s slot, as a live node reports it. */
  masterOf(key: string): Promise<number>;
  /** The server on `port`. */
  server(port: number): RedisProcess;
  /** True while every running node says `cluster_state:ok` and every running replica is in sync. */
  healthy(): Promise<boolean>;
  /** Every key under `prefix`, from every master (read straight, not through the store). */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

const CLUSTER_SLOTS = 16_384;

/**
 * A Redis Cluster of `masters` masters with one replica each, built by hand
 * (the same steps as `redis-cli --cluster create`, which sleeps between its
 * polls): slots, epochs, MEET, REPLICATE, then polling until every node says
 * `cluster_state:ok` and every replica is in sync. A master that stops
 * answering for FAILOVER_AFTER_MS is replaced by its replica.
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
  const live = () =>
    servers.filter(
      (server) => server.child.exitCode === null && server.child.signalCode === null && !server.paused,
    );
  const healthy = async () => {
    const nodes = await Promise.all(
      live().map((server) =>
        onServer(server.port, async (c) => ({
          state: (await c.call("CLUSTER", "INFO")) as string,
          replication: await c.info("replication"),
        })),
      ),
    );
    return nodes.every(
      ({ state, replication }) =>
        state.includes("cluster_state:ok") &&
        (replication.includes("role:master") || replication.includes("master_link_status:up")),
    );
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
    await until(healthy, 20_000, "the cluster reaching cluster_state:ok with its replicas in sync");
  } catch (error) {
    await stop();
    throw error;
  }

  const byPort = new Map(servers.map((server) => [server.port, server]));
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
    healthy,
    async masterOf(key) {
      const slot = Number(await onLiveNode((c) => c.call("CLUSTER", "KEYSLOT", key)));
      const owner = (await slots()).find(([first, last]) => first <= slot && slot <= last);
      if (!owner) throw new Error(`slot ${slot} has no master`);
      return owner[2];
    },
    async keys(prefix) {
      const ports = [...new Set((await slots()).map(([, , port]) => port))];
      const found = await Promise.all(ports.map((port) => onServer(port, (c) => redisKeys(c, prefix))));
      return found.flat().sort();
    },
    stop,
  };
}

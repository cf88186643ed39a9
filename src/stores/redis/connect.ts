import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { isTopologyUrl, parseRedisTopology } from "./url.js";

/**
 * A login waiting on Redis is worse than a quick 503: a command fails after
 * one reconnect attempt, or after 2 s without an answer (a hung server).
 * A command that was in flight when its connection dropped is not sent again
 * on the new one: its caller may have answered 503 already, and a session or
 * user written after that answer is exactly the half-done login we refuse.
 */
const defaultClientOptions: RedisOptions = {
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  commandTimeout: 2_000,
  autoResendUnfulfilledCommands: false,
};

/**
 * ioredis learns a new cluster layout from MOVED replies and lost
 * connections; a master that hangs (connection open, no answer) sends
 * neither, so without a periodic refresh the client would keep timing out on
 * it after its replica took over. 2 s bounds that.
 */
const defaultClusterOptions: ClusterOptions = {
  slotsRefreshInterval: 2_000,
};

/**
 * After a failover the old master, now a replica, answers writes with
 * READONLY until Sentinel disconnects its clients; reconnecting asks the
 * sentinels for the new master. The command itself fails (no resend), so it
 * cannot land late.
 */
const defaultSentinelOptions: RedisOptions = {
  failoverDetector: true,
  reconnectOnError: (error) => error.message.startsWith("READONLY"),
};

export interface ConnectOptions {
  url?: string | undefined;
  redisOptions?: RedisOptions | undefined;
  clusterOptions?: ClusterOptions | undefined;
}

/** The client a store opens itself, from `url` (any of the four URL forms) or 127.0.0.1:6379. */
export function connect(options: ConnectOptions): Redis | Cluster {
  const { url, redisOptions, clusterOptions } = options;
  if (url === undefined) return new Redis({ ...defaultClientOptions, ...redisOptions });
  if (!isTopologyUrl(url)) return new Redis(url, { ...defaultClientOptions, ...redisOptions });
  const topology = parseRedisTopology(url, "url");
  if (topology.kind === "cluster") {
    return new Cluster(topology.nodes, {
      ...defaultClusterOptions,
      ...clusterOptions,
      redisOptions: {
        ...defaultClientOptions,
        ...topology.options,
        ...redisOptions,
        ...clusterOptions?.redisOptions,
      },
    });
  }
  return new Redis({
    ...defaultClientOptions,
    ...defaultSentinelOptions,
    ...topology.options,
    ...redisOptions,
    sentinels: topology.sentinels,
    name: topology.name,
  });
}

import { Cluster, type ClusterNode } from "ioredis";
import { redisStore } from "wechat-login/stores/redis";

export function clusterLoginStore(nodes: ClusterNode[]) {
  const cluster = new Cluster(nodes, {
    // Fail fast, as the store's own clients do: a login gets a 503, not a hang.
    slotsRefreshInterval: 2_000,
    redisOptions: { commandTimeout: 2_000, maxRetriesPerRequest: 1, autoResendUnfulfilledCommands: false },
  });
  // The braces are a hash tag: every key of the store hashes to one slot, as its scripts need.
  const store = redisStore({ client: cluster, prefix: "{myapp}:login:" });
  // store.close() leaves a client it was given open: close both when shutting down.
  return { cluster, store };
}

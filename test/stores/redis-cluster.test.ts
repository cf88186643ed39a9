import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterLoginStore } from "../../examples/redis-cluster-store.js";
import { ConfigError } from "../../src/protocol/errors.js";
import { storeFromUrl } from "../../src/stores/index.js";
import { redisStore } from "../../src/stores/redis.js";
import { type RedisClusterServers, startRedisCluster } from "../support/redis-cluster-servers.js";
import { onServer, requireRedisServer } from "../support/redis-servers.js";
import { describeStoreConformance } from "./conformance.js";
import { randomId, stateRecord } from "./fixtures.js";

// One private 3-master, 3-replica cluster on loopback for this file (test/support/redis-cluster-servers.ts).
const service = await requireRedisServer();

if (service.available) {
  let servers: RedisClusterServers;
  beforeAll(async () => {
    servers = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await servers?.stop();
  });

  // A hash tag per test: the tests land on different slots, hence on different masters.
  const tagged = () => `{wl-${randomId(4)}}:`;

  describeStoreConformance("redis cluster", async () => {
    const prefix = tagged();
    const store = redisStore({ url: servers.url, prefix });
    return {
      store,
      sibling: async () => redisStore({ url: servers.url, prefix }),
      cleanup: () => store.close(),
    };
  });

  describe("redisStore on Redis Cluster", () => {
    const nodes = () => servers.masters.map((server) => ({ host: "127.0.0.1", port: server.port }));

    it("takes a Cluster client of the application's, keeps every key in one slot, and leaves the client open", async () => {
      const client = new Cluster(nodes());
      const prefix = tagged();
      const store = redisStore({ client, prefix });
      const now = Date.now();
      await store.putState(stateRecord(now));
      await store.putSession({
        idHash: randomId(32),
        userId: "u1",
        appid: "wx00000000000000aa",
        openid: "o:1",
        createdAt: now,
        idleExpiresAt: now + 60_000,
        absoluteExpiresAt: now + 120_000,
      });
      await store.linkIdentity({
        appid: "wx00000000000000aa",
        openid: "o:1",
        unionid: "u:1",
        profile: undefined,
        now,
      });
      const lock = await store.acquireLock("refresh:wx:o", 10_000);
      await lock!.release();
      await store.purgeExpired(now + 1);
      await store.close();
      expect(client.status).toBe("ready");

      const keys = await servers.keys(prefix);
      expect(keys.length).toBeGreaterThan(6);
      const slots = await onServer(servers.masters[0]!.port, (c) =>
        Promise.all(keys.map((key) => c.call("CLUSTER", "KEYSLOT", key))),
      );
      expect(new Set(slots).size).toBe(1);
      await client.quit();
    });

    it("runs the docs' example: the store on an application's Cluster client under {myapp}:login:", async () => {
      const { cluster, store } = clusterLoginStore(nodes());
      const record = stateRecord(Date.now());
      await store.putState(record);
      expect((await store.consumeState(record.state, record.createdAt)).status).toBe("fresh");
      await store.close();
      expect(await servers.keys("{myapp}:login:")).toContain(`{myapp}:login:state:${record.state}`);
      await cluster.quit();
    });

    it("refuses a prefix without a hash tag at construction, from options and from STORE_URL", async () => {
      for (const prefix of ["myapp:", "{}:myapp:", "{myapp:", "my}app{:"]) {
        const client = new Cluster(nodes(), { lazyConnect: true });
        expect(() => redisStore({ client, prefix })).toThrow(ConfigError);
        expect(() => redisStore({ client, prefix })).toThrow(/hash tag/);
        client.disconnect();
        const error = await storeFromUrl(`${servers.url}?prefix=${encodeURIComponent(prefix)}`).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect(error).toMatchObject({ field: "STORE_URL" });
        expect((error as Error).message).toMatch(/hash tag/);
      }
      // A store that owns its client closes it when refusing, so no connection is left behind.
      expect(() => redisStore({ url: servers.url, prefix: "plain:" })).toThrow(/hash tag/);
    });

    it("opens from a redis+cluster:// STORE_URL naming one node, with {wechat-login}: as the default prefix", async () => {
      const store = await storeFromUrl(`redis+cluster://127.0.0.1:${servers.replicas[0]!.port}`);
      const record = stateRecord(Date.now());
      await store.putState(record);
      expect((await store.consumeState(record.state, record.createdAt)).status).toBe("fresh");
      await store.close();
      expect(await servers.keys("{wechat-login}:state:")).toContain(`{wechat-login}:state:${record.state}`);
    });
  });
} else {
  describe.skip(`redis cluster store: ${service.reason}`, () => {
    it("runs the conformance suite on a 3-master Redis Cluster", () => undefined);
  });
}

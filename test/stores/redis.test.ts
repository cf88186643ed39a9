import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/stores/errors.js";
import { redisStore } from "../../src/stores/redis.js";
import { deleteRedisKeys, redisKeys } from "../support/backends.js";
import { REDIS_URL, requireRedis } from "../support/databases.js";
import { freePort } from "../support/ports.js";
import { silentServer } from "../support/silent-server.js";
import { describeStoreConformance } from "./conformance.js";
import { randomId, stateRecord } from "./fixtures.js";

const url = REDIS_URL;
const runPrefix = `wechat-login-test:${randomId(4)}:`;

const service = await requireRedis();

if (service.available) {
  const admin = new Redis(url);
  afterAll(async () => {
    await deleteRedisKeys(admin, runPrefix);
    admin.disconnect();
  });

  describeStoreConformance("redis", async () => {
    const prefix = `${runPrefix}${randomId(4)}:`;
    const store = redisStore({ url, prefix });
    return {
      store,
      sibling: async () => redisStore({ url, prefix }),
      cleanup: async () => {
        await store.close();
        await deleteRedisKeys(admin, prefix);
      },
    };
  });

  describe("redisStore", () => {
    it("keeps every key under its prefix, and leaves a client it was given open", async () => {
      const prefix = `${runPrefix}${randomId(4)}:`;
      const client = new Redis(url);
      const store = redisStore({ client, prefix });
      const now = Date.now();
      await store.putState(stateRecord(now));
      await store.linkIdentity({
        appid: "wx00000000000000aa",
        openid: "o:1",
        unionid: "u:1",
        profile: undefined,
        now,
      });
      const lock = await store.acquireLock("refresh:wx:o", 10_000);
      await store.close();
      expect(client.status).toBe("ready");
      const marker = prefix.slice(runPrefix.length);
      const ours = (await redisKeys(client, "")).filter((k) => k.includes(marker));
      expect(ours.length).toBeGreaterThan(5);
      expect(ours.every((k) => k.startsWith(prefix))).toBe(true);
      const ttl = await client.pttl(ours.find((k) => k.startsWith(`${prefix}state:`))!);
      expect(ttl).toBeGreaterThan(10 * 60_000);
      await lock!.release();
      await deleteRedisKeys(client, prefix);
      client.disconnect();
    });

    it("keeps rate-limit counters under its prefix, each expiring with its window", async () => {
      const prefix = `${runPrefix}${randomId(4)}:`;
      const store = redisStore({ url, prefix });
      await store.consumeRateLimit({ name: "login", points: 5, durationSeconds: 60 }, "2001:db8::1");
      const keys = await redisKeys(admin, prefix);
      expect(keys).toEqual([`${prefix}rate:login:2001%3Adb8%3A%3A1`]);
      const ttl = await admin.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await store.close();
    });

    it("rejects a rate-limit hit with a StoreError when Redis is unreachable", async () => {
      const port = await freePort();
      const store = redisStore({
        url: `redis://127.0.0.1:${port}`,
        redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 500 },
      });
      const hit = store.consumeRateLimit({ name: "login", points: 5, durationSeconds: 60 }, "192.0.2.1");
      await expect(hit).rejects.toBeInstanceOf(StoreError);
      await expect(hit).rejects.toThrow(/redis store failed during consumeRateLimit/);
      await store.close();
    });

    it("rejects within about 2 s with default options when Redis accepts connections but never answers", async () => {
      const server = await silentServer();
      const store = redisStore({ url: `redis://127.0.0.1:${server.port}` });
      const started = Date.now();
      await expect(store.getSession(randomId(32), started)).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(3_000);
      await store.close();
      await server.close();
    });

    it("rejects within 2 s with a StoreError when Redis is unreachable", async () => {
      const port = await freePort();
      const store = redisStore({
        url: `redis://127.0.0.1:${port}`,
        redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 500 },
      });
      const started = Date.now();
      const result = store.consumeState(randomId(), started);
      await expect(result).rejects.toBeInstanceOf(StoreError);
      await expect(result).rejects.toThrow(/redis store failed during consumeState/);
      expect(Date.now() - started).toBeLessThan(2_000);
      await store.close();
    });
  });
} else {
  describe.skip(`redis store: ${service.reason}`, () => {
    it("runs the conformance suite", () => undefined);
  });
}

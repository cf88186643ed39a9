import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserTokens, type WeChatClient } from "../../src/client/index.js";
import { postgresStore } from "../../src/stores/postgres.js";
import { redisStore } from "../../src/stores/redis.js";
import type { Store } from "../../src/stores/types.js";
import { deleteRedisKeys, dropSchema } from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from "../support/databases.js";
import { startRedisCluster } from "../support/redis-cluster-servers.js";
import { onServer, requireRedisServer } from "../support/redis-servers.js";
import { runTogether } from "../support/together.js";
import { transpileSources } from "../support/transpile.js";
import { type Emulator, useEmulator } from "./emulator.js";

// Issue #5: two processes on one Redis (a single server or a Cluster) or PostgreSQL, 50 callers each, one expired token → one upstream refresh.
const worker = join(import.meta.dirname, "support", "token-worker.mjs");
const runId = Math.random().toString(36).slice(2, 8);
const PROCESSES = 2;
const CALLERS = 50;

interface WorkerResult {
  accessTokens: string[];
  appTokens: string[];
}

type StoreSpec =
  | { kind: "redis"; url: string; prefix: string }
  | { kind: "postgres"; url: string; schema: string };

const redis = await requireRedis();
const postgres = await requirePostgres();
// A private 3-master Redis Cluster for this file, where the store keeps its keys under one hash tag.
const redisServer = await requireRedisServer();
const redisCluster = redisServer.available ? await startRedisCluster() : undefined;
afterAll(() => redisCluster?.stop());

const cases: Array<{ name: string; available: boolean; spec: StoreSpec }> = [
  {
    name: "Redis",
    available: redis.available,
    spec: { kind: "redis", url: REDIS_URL, prefix: `wl-cluster-${runId}:` },
  },
  {
    name: "Redis Cluster",
    available: redisCluster !== undefined,
    spec: { kind: "redis", url: redisCluster?.url ?? "", prefix: `{wl-cluster-${runId}}:` },
  },
  {
    name: "PostgreSQL",
    available: postgres.available,
    spec: { kind: "postgres", url: POSTGRES_URL, schema: `wl_cluster_${runId}` },
  },
];

function openStore(spec: StoreSpec): Promise<Store> | Store {
  return spec.kind === "redis"
    ? redisStore({ url: spec.url, prefix: spec.prefix })
    : postgresStore({ connectionString: spec.url, schema: spec.schema });
}

async function dropStore(spec: StoreSpec): Promise<void> {
  if (spec.kind === "redis" && redisCluster && spec.url === redisCluster.url) {
    // One hash tag: every key of the store is in one slot, so one DEL on its master takes them all.
    const keys = await redisCluster.keys(spec.prefix);
    if (keys.length > 0) await onServer(await redisCluster.masterOf(keys[0]!), (c) => c.del(...keys));
  } else if (spec.kind === "redis") {
    const admin = new Redis(spec.url);
    await deleteRedisKeys(admin, spec.prefix);
    admin.disconnect();
  } else {
    const admin = new pg.Client({ connectionString: spec.url });
    await admin.connect();
    await dropSchema(admin, spec.schema);
    await admin.end();
  }
}

let emulator: Emulator;
let client: WeChatClient;
let compiled: ReturnType<typeof transpileSources>;
beforeAll(async () => {
  emulator = await useEmulator();
  client = emulator.client(emulator.website.appid);
  compiled = transpileSources(["protocol", "client", "stores"]);
});
afterAll(async () => {
  compiled?.remove();
  await emulator?.close();
});

/** A fresh store holding one user's token whose record says it has expired. */
async function storeWithExpiredToken(spec: StoreSpec) {
  await emulator.reset();
  const store = await openStore(spec);
  const token = await client.exchangeCode(await emulator.code(emulator.website.appid));
  const saved = await new UserTokens({ client, store }).save(token);
  await store.putToken({ ...saved, accessExpiresAt: Date.now() - 1_000 });
  return { store, token, key: saved.key };
}

describe.each(cases)(
  `UserTokens and AppCredential in $name shared by ${PROCESSES} processes`,
  ({ available, spec }) => {
    it.skipIf(!available)(
      `${PROCESSES} processes × ${CALLERS} callers on one expired token and the app credential → one upstream call each`,
      async () => {
        const { store, token } = await storeWithExpiredToken(spec);
        try {
          // Expired for WeChat too: the refreshed token must be a new one.
          await emulator.advance(7_300);
          // A slow WeChat widens the race: without the cluster lock the second process would refresh too.
          for (const endpoint of ["/sns/oauth2/refresh_token", "/cgi-bin/stable_token"]) {
            await emulator.fault({ endpoint, kind: "delay", delayMs: 500, times: PROCESSES });
          }

          const job = {
            store: spec,
            appid: emulator.website.appid,
            secret: emulator.website.secret,
            apiBase: emulator.url,
            openid: token.openid,
            callers: CALLERS,
          };
          const outputs = await runTogether(
            Array.from({ length: PROCESSES }, () => [worker, compiled.outDir, JSON.stringify(job)]),
          );
          const results = outputs.map((stdout) => JSON.parse(stdout) as WorkerResult);

          const counts = await emulator.counts();
          expect(counts["/sns/oauth2/refresh_token"]).toBe(1);
          expect(counts["/cgi-bin/stable_token"]).toBe(1);
          const accessTokens = new Set(results.flatMap((result) => result.accessTokens));
          expect(accessTokens.size).toBe(1);
          expect(accessTokens.has(token.accessToken)).toBe(false);
          expect(new Set(results.flatMap((result) => result.appTokens)).size).toBe(1);
          // The refreshed token is the one in the store, and WeChat accepts it.
          const stored = await store.getToken(`${client.appid}:${token.openid}`, Date.now());
          expect(accessTokens.has(stored!.accessToken)).toBe(true);
          await expect(client.checkToken(stored!.accessToken, token.openid)).resolves.toBe(true);
        } finally {
          await store.close();
          await dropStore(spec);
        }
      },
      45_000,
    );

    it.skipIf(!available)(
      "takes over a refresh lock whose holder died, once its lease runs out",
      async () => {
        const { store, token, key } = await storeWithExpiredToken(spec);
        try {
          // A process that took the lock and crashed: nobody will ever release it.
          const orphan = await store.acquireLock(`token-refresh:${key}`, 1_500);
          expect(orphan).toBeDefined();

          const startedAt = performance.now();
          const manager = new UserTokens({ client, store, lockWaitMs: 10_000 });
          const fresh = await Promise.all(
            Array.from({ length: 10 }, () => manager.getAccessToken(token.openid)),
          );
          expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1_000);
          expect(new Set(fresh).size).toBe(1);
          expect((await emulator.counts())["/sns/oauth2/refresh_token"]).toBe(1);
          // The dead holder's late release must not free the new holder's lock (fencing).
          const taken = await store.acquireLock(`token-refresh:${key}`, 5_000);
          await orphan!.release();
          expect(await store.acquireLock(`token-refresh:${key}`, 5_000)).toBeUndefined();
          await taken?.release();
        } finally {
          await store.close();
          await dropStore(spec);
        }
      },
      20_000,
    );
  },
);

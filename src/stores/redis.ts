import type { Cluster, ClusterOptions, Redis, RedisOptions } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import type { Lock, TokenRecord } from "../protocol/records.js";
import { guard } from "./errors.js";
import { rateLimitsOn } from "./rate-limit.js";
import {
  attemptBase,
  gcTtlMs,
  hashFromPairs,
  parseState,
  parseToken,
  part,
  sessionFields,
  toAttempt,
  toIdentity,
  toSession,
  toUser,
} from "./redis/codec.js";
import { connect } from "./redis/connect.js";
import type { LuaScript } from "./redis/scripts.js";
import * as scripts from "./redis/scripts.js";
import { checkClusterPrefix, defaultClusterPrefix } from "./redis/url.js";
import { byCreation, checkLease, newUserId, sessionAlive, tokenGoneAt } from "./rules.js";
import type { ConsumeStateResult, LinkIdentityResult, Store } from "./types.js";

export interface RedisStoreOptions {
  /** A client of your own, a `Redis` or a `Cluster`; `close()` leaves it open. */
  client?: Redis | Cluster;
  /**
   * When no client is given: `redis://[:password@]host:port/db` (or
   * `rediss://`), `redis+cluster://host:port,host:port` (a Redis Cluster:
   * one or more of its nodes) or `redis+sentinel://host:port,…/masterName[/db]`
   * (`rediss+…` for TLS). Without either, 127.0.0.1:6379.
   */
  url?: string;
  /** Options for the client created from `url`; on a cluster, for its connection to each node. */
  redisOptions?: RedisOptions;
  /** Options for the `Cluster` created from a `redis+cluster://` URL. */
  clusterOptions?: ClusterOptions;
  /**
   * Prefix of every key. Default `wechat-login:`, and `{wechat-login}:` on
   * Redis Cluster, where the prefix must carry a hash tag (`{…}`): a plain one
   * is refused with a `ConfigError`.
   */
  prefix?: string;
}

const purgeBatch = 500;

/**
 * A store in Redis (ioredis), for several instances behind a load balancer:
 * states, sessions, users, tokens and the token-refresh lock are shared, and
 * every read-modify-write is one Lua script, so it is atomic across processes.
 *
 * @example
 * ```ts
 * import { redisStore } from "wechat-login/stores/redis";
 * const store = redisStore({ url: process.env.REDIS_URL });
 * ```
 */
export function redisStore(options: RedisStoreOptions = {}): Store {
  const owned = !options.client;
  const client: Redis | Cluster = options.client ?? connect(options);
  let prefix = options.prefix ?? "wechat-login:";
  if (client.isCluster) {
    // Refused at start: a plain prefix would fail later, with CROSSSLOT errors, on some operations only.
    try {
      prefix = checkClusterPrefix(options.prefix ?? defaultClusterPrefix, "prefix");
    } catch (error) {
      if (owned) client.disconnect();
      throw error;
    }
  }
  // Failures reach callers as rejected commands; without a listener ioredis would also print each one.
  if (owned) client.on("error", () => undefined);
  const key = (kind: string, id: string) => `${prefix}${kind}:${part(id)}`;
  const index = (kind: string) => `${prefix}expiry:${kind}`;
  const handleMember = (kind: string, appid: string, handle: string) =>
    `${part(kind)}:${part(appid)}:${part(handle)}`;
  const run = <T>(operation: string, body: () => Promise<T>) => guard("redis", operation, body);

  const evaluate = async (script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      return await client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(script.source, keys.length, ...keys, ...args);
    }
  };

  // On the store's own client and under its prefix; each counter key carries its window as its TTL.
  const consumeRateLimit = rateLimitsOn(
    (options) =>
      new RateLimiterRedis({
        ...options,
        keyPrefix: `${prefix}rate:${options.keyPrefix}`,
        storeClient: client,
      }),
  );

  const checked = async (pending: Promise<[error: Error | null, result: unknown][] | null>) => {
    const results = await pending;
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  };

  return {
    kind: "redis",

    putState: (r) =>
      run("putState", () =>
        checked(
          client
            .multi()
            .del(key("state", r.state))
            .hset(key("state", r.state), { record: JSON.stringify(r), expiresAt: String(r.expiresAt) })
            .pexpire(key("state", r.state), gcTtlMs(r.createdAt, r.expiresAt))
            .zadd(index("states"), r.expiresAt, part(r.state))
            .exec(),
        ),
      ),

    consumeState: (state, now) =>
      run("consumeState", async (): Promise<ConsumeStateResult> => {
        const reply = (await evaluate(scripts.consumeState, [key("state", state)], [now])) as string[];
        const [status, json, sessionIdHash] = reply;
        if (status === "fresh" && json) return { status, record: parseState(json) };
        if (status === "used" && json) {
          return { status, record: parseState(json), sessionIdHash: sessionIdHash || undefined };
        }
        return { status: "missing" };
      }),

    completeState: (state, sessionIdHash) =>
      run("completeState", async () => {
        await evaluate(scripts.completeState, [key("state", state)], [sessionIdHash]);
      }),

    putSession: (r) =>
      run("putSession", () =>
        checked(
          client
            .multi()
            .del(key("session", r.idHash))
            .hset(key("session", r.idHash), sessionFields(r))
            .pexpire(key("session", r.idHash), gcTtlMs(r.createdAt, r.absoluteExpiresAt))
            .zadd(index("sessions"), Math.min(r.idleExpiresAt, r.absoluteExpiresAt), part(r.idHash))
            .exec(),
        ),
      ),

    getSession: (idHash, now) =>
      run("getSession", async () => {
        const hash = await client.hgetall(key("session", idHash));
        if (Object.keys(hash).length === 0) return undefined;
        const record = toSession(idHash, hash);
        return sessionAlive(record, now) ? record : undefined;
      }),

    touchSession: (idHash, idleExpiresAt) =>
      run("touchSession", async () => {
        await evaluate(
          scripts.touchSession,
          [key("session", idHash), index("sessions")],
          [idleExpiresAt, part(idHash)],
        );
      }),

    deleteSession: (idHash) =>
      run("deleteSession", () =>
        checked(client.multi().del(key("session", idHash)).zrem(index("sessions"), part(idHash)).exec()),
      ),

    linkIdentity: (input) =>
      run("linkIdentity", async (): Promise<LinkIdentityResult> => {
        const { appid, openid, unionid, profile, now } = input;
        const member = `${part(appid)}:${part(openid)}`;
        const reply = (await evaluate(
          scripts.linkIdentity,
          [`${prefix}identity:${member}`, key("unionid", unionid ?? "")],
          [
            appid,
            openid,
            unionid ?? "",
            newUserId(),
            now,
            profile ? "1" : "0",
            profile?.nickname ?? "",
            profile?.headimgurl ?? "",
            prefix,
            member,
          ],
        )) as [number, unknown, unknown];
        return {
          created: reply[0] === 1,
          user: toUser(hashFromPairs(reply[1])),
          identity: toIdentity(hashFromPairs(reply[2])),
        };
      }),

    getUser: (userId) =>
      run("getUser", async () => {
        const hash = await client.hgetall(key("user", userId));
        return Object.keys(hash).length === 0 ? undefined : toUser(hash);
      }),

    listIdentities: (userId) =>
      run("listIdentities", async () => {
        const members = await client.smembers(key("user-identities", userId));
        const hashes = await Promise.all(
          members.map((member) => client.hgetall(`${prefix}identity:${member}`)),
        );
        return hashes
          .filter((hash) => Object.keys(hash).length > 0)
          .map(toIdentity)
          .sort(byCreation);
      }),

    getToken: (tokenKey, now) =>
      run("getToken", async (): Promise<TokenRecord | undefined> => {
        const [json, goneAt] = await client.hmget(key("token", tokenKey), "record", "goneAt");
        return json && Number(goneAt) > now ? parseToken(json) : undefined;
      }),

    putToken: (r) =>
      run("putToken", () =>
        checked(
          client
            .multi()
            .del(key("token", r.key))
            .hset(key("token", r.key), {
              record: JSON.stringify(r),
              accessToken: r.accessToken,
              goneAt: String(tokenGoneAt(r)),
            })
            .pexpire(key("token", r.key), gcTtlMs(r.updatedAt, tokenGoneAt(r)))
            .zadd(index("tokens"), tokenGoneAt(r), part(r.key))
            .exec(),
        ),
      ),

    expireToken: (tokenKey, accessToken) =>
      run("expireToken", async () => {
        const reply = await evaluate(
          scripts.expireToken,
          [key("token", tokenKey), index("tokens")],
          [accessToken, part(tokenKey)],
        );
        return reply === 1;
      }),

    deleteToken: (tokenKey) =>
      run("deleteToken", () =>
        checked(client.multi().del(key("token", tokenKey)).zrem(index("tokens"), part(tokenKey)).exec()),
      ),

    acquireLock: (name, leaseMs) =>
      run("acquireLock", async (): Promise<Lock | undefined> => {
        checkLease(leaseMs);
        const reply = await evaluate(scripts.acquireLock, [key("lock", name), key("fence", name)], [leaseMs]);
        if (typeof reply !== "number") return undefined;
        return {
          name,
          fencingToken: reply,
          release: () =>
            run("releaseLock", async () => {
              await evaluate(scripts.releaseLock, [key("lock", name)], [reply]);
            }),
        };
      }),

    putAttempt: (r) =>
      run("putAttempt", async () => {
        const member = handleMember(r.kind, r.appid, r.handle);
        const reply = await evaluate(
          scripts.putAttempt,
          [
            key("attempt", r.id),
            `${prefix}attempt-handle:${member}`,
            index("attempts"),
            index("attempt-handles"),
          ],
          [
            r.createdAt,
            attemptBase(r),
            r.expiresAt,
            r.status,
            r.openid ?? "",
            r.unionid ?? "",
            r.ticket ?? "",
            gcTtlMs(r.createdAt, r.expiresAt),
            part(r.id),
            member,
            r.id,
          ],
        );
        return reply === 1;
      }),

    getAttempt: (id, now) =>
      run("getAttempt", async () => {
        const hash = await client.hgetall(key("attempt", id));
        if (Object.keys(hash).length === 0 || Number(hash.expiresAt) <= now) return undefined;
        return toAttempt(hash);
      }),

    findAttempt: (kind, appid, handle, now) =>
      run("findAttempt", async () => {
        const [id, expiresAt] = await client.hmget(
          `${prefix}attempt-handle:${handleMember(kind, appid, handle)}`,
          "id",
          "expiresAt",
        );
        if (!id || Number(expiresAt) <= now) return undefined;
        const hash = await client.hgetall(key("attempt", id));
        if (Object.keys(hash).length === 0 || Number(hash.expiresAt) <= now) return undefined;
        const record = toAttempt(hash);
        // The handle may have passed to a newer attempt between the two reads.
        return record.kind === kind && record.appid === appid && record.handle === handle
          ? record
          : undefined;
      }),

    updateAttempt: (id, expectedStatus, patch, now) =>
      run("updateAttempt", async () => {
        const reply = await evaluate(
          scripts.updateAttempt,
          [key("attempt", id)],
          [
            expectedStatus,
            now,
            patch.status ?? "",
            patch.openid ?? "",
            patch.unionid ?? "",
            patch.ticket ?? "",
          ],
        );
        return reply ? toAttempt(hashFromPairs(reply)) : undefined;
      }),

    claimOnce: (claimKey, expiresAt, now) =>
      run("claimOnce", async () => {
        const reply = await evaluate(
          scripts.claimOnce,
          [key("claim", claimKey), index("claims")],
          [expiresAt, now, gcTtlMs(now, expiresAt), part(claimKey)],
        );
        return reply === 1;
      }),

    consumeRateLimit: (rule, rateKey) => run("consumeRateLimit", () => consumeRateLimit(rule, part(rateKey))),

    purgeExpired: (now) =>
      run("purgeExpired", async () => {
        const kinds = [
          ["states", "state"],
          ["sessions", "session"],
          ["tokens", "token"],
          ["attempts", "attempt"],
          ["attempt-handles", "attempt-handle"],
          ["claims", "claim"],
        ] as const;
        for (const [kind, record] of kinds) {
          const members = `${prefix}${record}:`;
          while (
            (await evaluate(scripts.purgeIndex, [index(kind)], [now, members, purgeBatch])) === purgeBatch
          ) {
            // Batches keep each script short, so other clients are not blocked behind a large purge.
          }
        }
      }),

    close: () =>
      run("close", async () => {
        if (!owned || client.status === "end") return;
        // QUIT would wait for a connection that may never come; a client that is not ready is just dropped.
        if (client.status !== "ready") return client.disconnect();
        await client.quit().catch(() => client.disconnect());
      }),
  };
}

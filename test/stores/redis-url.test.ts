import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/protocol/errors.js";
import { type DriverLoaders, openStoreFromUrl } from "../../src/stores/from-url.js";
import { memoryStore } from "../../src/stores/memory.js";
import { hashTagOf, parseRedisTopology } from "../../src/stores/redis/url.js";
import type { RedisStoreOptions } from "../../src/stores/redis.js";

describe("redis+cluster:// and redis+sentinel:// URLs", () => {
  it("reads a cluster's nodes, default port 6379, the data nodes' credentials and the driver's parameters", () => {
    expect(
      parseRedisTopology(
        "redis+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002?family=6&name=x",
        "url",
      ),
    ).toEqual({
      kind: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 6379 },
        { host: "::1", port: 7002 },
      ],
      options: { username: "app", password: "p@ss", family: 6, name: "x" },
    });
    expect(parseRedisTopology("rediss+cluster://:secret@cache.internal:6380/", "url")).toEqual({
      kind: "cluster",
      nodes: [{ host: "cache.internal", port: 6380 }],
      options: { username: "", password: "secret", tls: {} },
    });
  });

  it("reads a sentinel group: sentinels (default port 26379), the master's name and database, TLS for both", () => {
    expect(parseRedisTopology("redis+sentinel://s1:26380,s2/mymaster/2?sentinelPassword=x", "url")).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "s1", port: 26380 },
        { host: "s2", port: 26379 },
      ],
      name: "mymaster",
      options: { db: 2, sentinelPassword: "x" },
    });
    expect(parseRedisTopology("REDISS+SENTINEL://:pw@s1/my%20master", "url")).toEqual({
      kind: "sentinel",
      sentinels: [{ host: "s1", port: 26379 }],
      name: "my master",
      options: {
        username: "",
        password: "pw",
        tls: {},
        enableTLSForSentinelMode: true,
        sentinelTLS: {},
      },
    });
  });

  it.each([
    ["redis+cluster://:hunter2@", /has no host/],
    ["redis+cluster://:hunter2@127.0.0.1:7000,,127.0.0.2", /empty host/],
    ["redis+cluster://:hunter2@127.0.0.1:70000", /malformed host:port/],
    ["redis+cluster://:hunter2@127.0.0.1:7000/3", /takes no path/],
    ["redis+sentinel://:hunter2@127.0.0.1:26379", /needs the master's name/],
    ["redis+sentinel://:hunter2@127.0.0.1:26379/", /needs the master's name/],
    ["redis+sentinel://:hunter2@127.0.0.1:26379/mymaster/x", /\/masterName or \/masterName\/db/],
    ["redis+sentinel://:hunter2@127.0.0.1:26379/mymaster/0/1", /\/masterName or \/masterName\/db/],
  ])("rejects %j with a ConfigError that does not repeat the URL", async (url, problem) => {
    const error = (() => {
      try {
        return parseRedisTopology(url, "STORE_URL");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: "STORE_URL" });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toContain("hunter2");
    expect((error as Error).message).not.toContain("127.0.0.1");
  });

  it("finds the hash tag Redis Cluster hashes a prefix by", () => {
    expect(hashTagOf("{shop}:")).toBe("shop");
    expect(hashTagOf("app:{shop}:login:")).toBe("shop");
    expect(hashTagOf("{a}{b}:")).toBe("a");
    for (const plain of ["shop:", "{}:shop:", "{}{shop}:", "{shop:", "}shop{:"]) {
      expect(hashTagOf(plain)).toBeUndefined();
    }
  });
});

describe("STORE_URL with redis+cluster:// and redis+sentinel://", () => {
  const recording = () => {
    const seen: RedisStoreOptions[] = [];
    const loaders: DriverLoaders = {
      sqlite: async () => {
        throw new Error("not used by these tests");
      },
      redis: async () => ({
        redisStore: (options) => {
          seen.push(options ?? {});
          return memoryStore();
        },
      }),
      postgres: async () => {
        throw new Error("not used");
      },
    };
    return { seen, loaders };
  };

  it("hands the URL without prefix= to the Redis store", async () => {
    const { seen, loaders } = recording();
    await openStoreFromUrl("redis+cluster://:pw@h1:7000,h2:7001?prefix={shop}:&family=4", loaders);
    await openStoreFromUrl("redis+sentinel://s1:26379,s2:26379/mymaster?prefix=shop:", loaders);
    await openStoreFromUrl("rediss+cluster://h1:7000", loaders);
    expect(seen).toEqual([
      { url: "redis+cluster://:pw@h1:7000,h2:7001?family=4", prefix: "{shop}:" },
      { url: "redis+sentinel://s1:26379,s2:26379/mymaster", prefix: "shop:" },
      { url: "rediss+cluster://h1:7000", prefix: undefined },
    ]);
  });

  it.each([
    ["redis+cluster://:hunter2@127.0.0.1:7000?prefix=shop:", /needs a hash tag/],
    ["redis+cluster://:hunter2@127.0.0.1:7000,?prefix={shop}:", /empty host/],
    ["redis+sentinel://:hunter2@127.0.0.1:26379?prefix=shop:", /needs the master's name/],
    ["redis+sentinel://:hunter2@127.0.0.1:26379/m?schema=shop", /schema= is for postgres/],
  ])("rejects %j before loading the driver, without repeating the URL", async (url, problem) => {
    const { seen, loaders } = recording();
    const error = await openStoreFromUrl(url, loaders).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: "STORE_URL" });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toContain("hunter2");
    expect(seen).toEqual([]);
  });
});

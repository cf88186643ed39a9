import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, ErrorCode } from "../../src/protocol/errors.js";
import { type DriverLoaders, openStoreFromUrl } from "../../src/stores/from-url.js";
import { storeFromUrl } from "../../src/stores/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { PostgresStoreOptions } from "../../src/stores/postgres.js";
import type { RedisStoreOptions } from "../../src/stores/redis.js";
import {
  countRows,
  deleteRedisKeys,
  dropSchema,
  redisKeys,
  runName,
  withParam,
} from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from "../support/databases.js";
import { freePort } from "../support/ports.js";

import { stateRecord } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "wechat-login-url-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a ConfigError tells the reader: its message, then its hint. */
const said = (error: unknown) => `${(error as ConfigError).message} ${(error as ConfigError).hint}`;

describe("storeFromUrl", () => {
  it("opens a memory store", async () => {
    const store = await storeFromUrl("memory:");
    expect(store.kind).toBe("memory");
    await store.close();
  });

  it("opens a SQLite file relative to the working directory, and an in-memory SQLite", async () => {
    const path = relative(process.cwd(), join(dir, "nested", "store.db"));
    expect(path.startsWith("/")).toBe(false);
    for (const url of [`sqlite:${path}`, "sqlite::memory:", `sqlite://${join(dir, "absolute.db")}`]) {
      const store = await storeFromUrl(url);
      expect(store.kind).toBe("sqlite");
      const record = stateRecord(Date.now());
      await store.putState(record);
      expect((await store.consumeState(record.state, record.createdAt)).status).toBe("fresh");
      await store.close();
    }
  });

  it("opens a Redis store without connecting first", async () => {
    const store = await storeFromUrl("redis://127.0.0.1:6379/0");
    expect(store.kind).toBe("redis");
    await store.close();
  });

  it("loads the PostgreSQL driver for postgres:// and reports an unreachable server as a StoreError", async () => {
    const port = await freePort();
    const error = await storeFromUrl(`postgres://postgres@127.0.0.1:${port}/test`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.Store, store: "postgres" });
  });

  it.each([
    ["", /is not a URL/],
    ["./data/x.db", /is not a URL/],
    ["mysql://db/x", /unsupported scheme "mysql:"/],
    ["sqlite:", /needs a file path/],
    ["redis://", /has no host/],
    ["postgres:///db", /has no host/],
    ["postgres://admin:hunter2@:5432/db", /not a valid postgres:\/\/ URL/],
    ["postgres://admin:hunter2@[bad/db", /not a valid postgres:\/\/ URL/],
  ])("rejects %j with a ConfigError naming STORE_URL", async (url, problem) => {
    const error = await storeFromUrl(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: "STORE_URL" });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toContain("hunter2");
  });
});

describe("storeFromUrl without the optional drivers", () => {
  // How Node says a package is absent: to an ES module's import, and (the published build) to a require().
  const missingToImport = (name: string) => async (): Promise<never> => {
    throw Object.assign(new Error(`Cannot find package '${name}' imported from /app/src/stores/${name}.js`), {
      code: "ERR_MODULE_NOT_FOUND",
    });
  };
  const missingToRequire = (name: string) => async (): Promise<never> => {
    throw Object.assign(
      new Error(
        `Cannot find module '${name}'\nRequire stack:\n- /app/node_modules/wechat-login/dist/stores/x.js`,
      ),
      { code: "MODULE_NOT_FOUND" },
    );
  };
  const missing = missingToImport;
  const withoutDrivers = {
    sqlite: missing("better-sqlite3"),
    redis: missing("ioredis"),
    postgres: missing("pg"),
  };

  it.each([
    ["import", missingToImport],
    ["require", missingToRequire],
  ])("says to install better-sqlite3@12, ioredis or pg (absent to %s)", async (_, absent) => {
    const none = { sqlite: absent("better-sqlite3"), redis: absent("ioredis"), postgres: absent("pg") };
    const sqlite = await openStoreFromUrl("sqlite:./data/x.db", none).catch((e: unknown) => e);
    expect(sqlite).toBeInstanceOf(ConfigError);
    expect(sqlite).toMatchObject({ field: "STORE_URL" });
    expect(said(sqlite)).toMatch(/"better-sqlite3" package.*npm install better-sqlite3@12/);
    const redis = await openStoreFromUrl("redis://127.0.0.1:6379", none).catch((e: unknown) => e);
    expect(redis).toBeInstanceOf(ConfigError);
    expect(redis).toMatchObject({ field: "STORE_URL" });
    expect(said(redis)).toMatch(/npm install ioredis/);
    const postgres = await openStoreFromUrl("postgresql://127.0.0.1/db", none).catch((e: unknown) => e);
    expect(postgres).toBeInstanceOf(ConfigError);
    expect(said(postgres)).toMatch(/npm install pg/);
  });

  it("passes on other import failures unchanged", async () => {
    const broken = { ...withoutDrivers, redis: missing("cluster-key-slot") };
    await expect(openStoreFromUrl("redis://127.0.0.1:6379", broken)).rejects.toThrow(/cluster-key-slot/);
    await expect(openStoreFromUrl("redis://127.0.0.1:6379", broken)).rejects.not.toBeInstanceOf(ConfigError);
  });
});

/** Loaders that record what the store would be opened with, without a server. */
function recordingDrivers() {
  const seen: { redis?: RedisStoreOptions; postgres?: PostgresStoreOptions } = {};
  const loaders: DriverLoaders = {
    sqlite: () => import("../../src/stores/sqlite/store.js"),
    redis: async () => ({
      redisStore: (options) => {
        seen.redis = options;
        return memoryStore();
      },
    }),
    postgres: async () => ({
      postgresStore: async (options) => {
        seen.postgres = options;
        return memoryStore();
      },
    }),
  };
  return { seen, loaders };
}

describe("STORE_URL namespaces: ?prefix= for Redis, ?schema= for PostgreSQL", () => {
  it("takes prefix= out of a Redis URL and leaves the driver's own parameters byte for byte", async () => {
    const { seen, loaders } = recordingDrivers();
    await openStoreFromUrl(
      "redis://:p%40ss@127.0.0.1:6379/2?family=4&prefix=myapp%3Alogin:&tls=x%20y",
      loaders,
    );
    expect(seen.redis).toEqual({
      url: "redis://:p%40ss@127.0.0.1:6379/2?family=4&tls=x%20y",
      prefix: "myapp:login:",
    });

    await openStoreFromUrl("rediss://cache.internal/0?prefix={shop}:", loaders);
    expect(seen.redis).toEqual({ url: "rediss://cache.internal/0", prefix: "{shop}:" });

    await openStoreFromUrl("redis://127.0.0.1:6379/0", loaders);
    expect(seen.redis).toEqual({ url: "redis://127.0.0.1:6379/0", prefix: undefined });
  });

  it("takes schema= out of a PostgreSQL URL and leaves the driver's own parameters byte for byte", async () => {
    const { seen, loaders } = recordingDrivers();
    await openStoreFromUrl(
      "postgres://app:pw@db:5432/main?schema=shop_login&options=-c%20statement_timeout%3D5000&sslmode=require",
      loaders,
    );
    expect(seen.postgres).toEqual({
      connectionString:
        "postgres://app:pw@db:5432/main?options=-c%20statement_timeout%3D5000&sslmode=require",
      schema: "shop_login",
    });

    await openStoreFromUrl("postgresql://db/main?schema=Shop", loaders);
    expect(seen.postgres).toEqual({ connectionString: "postgresql://db/main", schema: "Shop" });
  });

  it.each([
    ["redis://:hunter2@127.0.0.1/0?prefix=", /prefix= must be 1 to 64/],
    ["redis://:hunter2@127.0.0.1/0?prefix=my app", /prefix= must be 1 to 64/],
    ["redis://:hunter2@127.0.0.1/0?prefix=a*", /prefix= must be 1 to 64/],
    [`redis://:hunter2@127.0.0.1/0?prefix=${"p".repeat(65)}`, /prefix= must be 1 to 64/],
    ["redis://:hunter2@127.0.0.1/0?prefix=a:&prefix=b:", /prefix= more than once/],
    ["redis://:hunter2@127.0.0.1/0?prefix=%E0%A4%A", /malformed percent-encoding in prefix=/],
    ["redis://:hunter2@127.0.0.1/0?schema=myapp", /schema= is for postgres:\/\/ URLs/],
    ["postgres://u:hunter2@db/main?prefix=myapp:", /prefix= is for redis:\/\/ URLs/],
    ["postgres://u:hunter2@db/main?schema=", /schema= must be a plain identifier/],
    ["postgres://u:hunter2@db/main?schema=1app", /schema= must be a plain identifier/],
    ['postgres://u:hunter2@db/main?schema=a"b', /schema= must be a plain identifier/],
    ["postgres://u:hunter2@db/main?schema=my-app", /schema= must be a plain identifier/],
    [`postgres://u:hunter2@db/main?schema=${"s".repeat(64)}`, /schema= must be a plain identifier/],
    ["postgres://u:hunter2@db/main?schema=a&schema=b", /schema= more than once/],
  ])("rejects %j with a ConfigError naming STORE_URL, never echoing the URL", async (url, problem) => {
    const { loaders } = recordingDrivers();
    const error = await openStoreFromUrl(url, loaders).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: "STORE_URL" });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toContain("hunter2");
    expect((error as Error).message).not.toContain("127.0.0.1");
  });
});

const redis = await requireRedis();

describe.runIf(redis.available)("STORE_URL with ?prefix= on a real Redis", () => {
  const prefix = `${runName("url")}:`;
  const admin = new Redis(REDIS_URL);
  afterAll(async () => {
    await deleteRedisKeys(admin, prefix);
    admin.disconnect();
  });

  it("writes every key under the prefix", async () => {
    const store = await storeFromUrl(withParam(REDIS_URL, "prefix", prefix));
    const record = stateRecord(Date.now());
    await store.putState(record);
    await store.close();
    const keys = await redisKeys(admin, prefix);
    expect(keys).toContain(`${prefix}state:${record.state}`);
    expect(keys.every((key) => key.startsWith(prefix))).toBe(true);
  });
});

const postgres = await requirePostgres();

describe.runIf(postgres.available)("STORE_URL with ?schema= on a real PostgreSQL", () => {
  const schema = runName("url");
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.end();
  });

  it("creates its tables in that schema", async () => {
    const store = await storeFromUrl(withParam(POSTGRES_URL, "schema", schema));
    await store.putState(stateRecord(Date.now()));
    await store.close();
    expect(await countRows(admin, schema, "states")).toBe(1);
  });
});

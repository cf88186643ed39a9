import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/protocol/errors.js";
import { openStoreFromUrl } from "../../src/stores/from-url.js";
import { storeFromUrl } from "../../src/stores/index.js";
import { stateRecord } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "wechat-login-url-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    const error = await storeFromUrl("postgres://postgres@127.0.0.1:1/test").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE", store: "postgres" });
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
  const missing = (name: string) => async (): Promise<never> => {
    throw Object.assign(
      new Error(`Cannot find package '${name}' imported from /app/dist/stores/${name}.js`),
      {
        code: "ERR_MODULE_NOT_FOUND",
      },
    );
  };
  const withoutDrivers = { redis: missing("ioredis"), postgres: missing("pg") };

  it("says to install ioredis for redis:// and pg for postgres://", async () => {
    const redis = await openStoreFromUrl("redis://127.0.0.1:6379", withoutDrivers).catch((e: unknown) => e);
    expect(redis).toBeInstanceOf(ConfigError);
    expect(redis).toMatchObject({ field: "STORE_URL" });
    expect((redis as Error).message).toMatch(/npm install ioredis/);
    const postgres = await openStoreFromUrl("postgresql://127.0.0.1/db", withoutDrivers).catch(
      (e: unknown) => e,
    );
    expect(postgres).toBeInstanceOf(ConfigError);
    expect((postgres as Error).message).toMatch(/npm install pg/);
  });

  it("passes on other import failures unchanged", async () => {
    const broken = { ...withoutDrivers, redis: missing("cluster-key-slot") };
    await expect(openStoreFromUrl("redis://127.0.0.1:6379", broken)).rejects.toThrow(/cluster-key-slot/);
    await expect(openStoreFromUrl("redis://127.0.0.1:6379", broken)).rejects.not.toBeInstanceOf(ConfigError);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreError } from "../../src/stores/errors.js";
import { sqliteMigrations } from "../../src/stores/sqlite/migrations/index.js";
import { sqliteStore } from "../../src/stores/sqlite.js";
import { describeStoreConformance } from "./conformance.js";
import { randomId, sessionRecord, stateRecord, tokenRecord } from "./fixtures.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "wechat-login-sqlite-"));

describeStoreConformance("sqlite", async () => {
  const dir = tempDir();
  const filename = join(dir, "store.db");
  const store = await sqliteStore({ filename });
  return {
    store,
    sibling: () => sqliteStore({ filename }),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("sqliteStore", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const count = (filename: string, table: string) => {
    const db = new Database(filename, { readonly: true });
    try {
      return db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
    } finally {
      db.close();
    }
  };

  it("creates the file's directory, and keeps data across close and reopen", async () => {
    const filename = join(dir, "nested", "deeper", "wechat-login.db");
    const now = Date.now();
    const first = await sqliteStore({ filename });
    const session = sessionRecord(now);
    const token = tokenRecord(now);
    await first.putSession(session);
    await first.putToken(token);
    const linked = await first.linkIdentity({
      appid: "wx00000000000000aa",
      openid: "o_1",
      unionid: "u_1",
      profile: undefined,
      now,
    });
    await first.close();

    const reopened = await sqliteStore({ filename });
    expect(await reopened.getSession(session.idHash, now)).toEqual(session);
    expect(await reopened.getToken(token.key, now)).toEqual(token);
    expect(await reopened.getUser(linked.user.id)).toEqual(linked.user);
    await reopened.close();
    await (await sqliteStore({ filename })).close();
    expect(count(filename, "wechat_login_migrations")).toBe(sqliteMigrations.length);
  });

  it("leaves a file it opens in WAL mode", async () => {
    const filename = join(dir, "pragmas.db");
    const store = await sqliteStore({ filename, busyTimeoutMs: 1234 });
    await store.close();
    const db = new Database(filename);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("runs in memory with `:memory:`", async () => {
    const store = await sqliteStore({ filename: ":memory:" });
    const record = stateRecord(Date.now());
    await store.putState(record);
    expect((await store.consumeState(record.state, record.createdAt)).status).toBe("fresh");
    await store.close();
  });

  it("shares an application's database without closing it", async () => {
    const db = new Database(join(dir, "app.db"));
    const store = await sqliteStore({ database: db });
    await store.close();
    expect(db.open).toBe(true);
    expect(db.prepare("SELECT COUNT(*) AS n FROM wechat_login_states").get()).toEqual({ n: 0 });
    db.close();
  });

  it("rolls a failed migration back whole and rejects with a StoreError", async () => {
    const db = new Database(join(dir, "clash.db"));
    db.exec("CREATE TABLE wechat_login_users (id TEXT PRIMARY KEY)");
    await expect(sqliteStore({ database: db })).rejects.toThrow(/sqlite store failed during migrate/);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all();
    expect(tables.map((t) => t.name)).toEqual(["wechat_login_users"]);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it("deletes expired rows on purgeExpired", async () => {
    const filename = join(dir, "purge.db");
    const store = await sqliteStore({ filename });
    const now = Date.now();
    await store.putState(stateRecord(now, { expiresAt: now - 1 }));
    await store.putState(stateRecord(now));
    await store.putSession(sessionRecord(now, { absoluteExpiresAt: now }));
    await store.putToken(tokenRecord(now, { refreshExpiresAt: now - 1 }));
    await store.purgeExpired(now);
    expect(count(filename, "wechat_login_states")).toBe(1);
    expect(count(filename, "wechat_login_sessions")).toBe(0);
    expect(count(filename, "wechat_login_tokens")).toBe(0);
    await store.close();
  });

  it("rejects with a StoreError when the file cannot be opened", async () => {
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "");
    const opening = sqliteStore({ filename: join(blocker, `${randomId()}.db`) });
    await expect(opening).rejects.toBeInstanceOf(StoreError);
    await expect(opening).rejects.toThrow(/sqlite store failed during open/);
  });
});

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
// The only static import of the optional driver: ../sqlite.ts loads this module when a store is opened.
import Database from "better-sqlite3";
import { RateLimiterSQLite } from "rate-limiter-flexible";
import type { Lock, TokenRecord } from "../../protocol/records.js";
import { guard } from "../errors.js";
import { markInProcess } from "../in-process.js";
import { type LinkRepository, linkWith } from "../link.js";
import { rateLimitsOn } from "../rate-limit.js";
import { checkLease, tokenGoneAt } from "../rules.js";
import type { SqliteStoreOptions } from "../sqlite.js";
import type { ConsumeStateResult, LinkIdentityResult, Store } from "../types.js";
import { type SqliteDatabase, transaction } from "./driver.js";
import { migrate } from "./migrate.js";
import { RATE_LIMIT_TABLE } from "./migrations/0003-rate-limits.js";
import {
  prepareStatements,
  toAttempt,
  toIdentity,
  toSession,
  toState,
  toToken,
  toUser,
} from "./statements.js";

function open(options: SqliteStoreOptions): { db: SqliteDatabase; owned: boolean } {
  if ("database" in options) return { db: options.database, owned: false };
  const { filename } = options;
  if (filename !== ":memory:") mkdirSync(dirname(resolve(filename)), { recursive: true });
  const db: SqliteDatabase = new Database(filename);
  try {
    db.pragma("journal_mode = WAL");
    // SQLite's advice for WAL: no corruption on power loss, only the last commits may be lost (a re-login at worst).
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma("foreign_keys = ON");
    return { db, owned: true };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** `sqliteStore` once better-sqlite3 is loaded (this module imports it). */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { db, owned } = await guard("sqlite", "open", () => open(options));
  await guard("sqlite", "migrate", () => migrate(db)).catch((error: unknown) => {
    if (owned) db.close();
    throw error;
  });
  return guard("sqlite", "open", () => createSqliteStore(db, owned, options.now ?? Date.now)).catch(
    (error: unknown) => {
      if (owned) db.close();
      throw error;
    },
  );
}

function createSqliteStore(db: SqliteDatabase, owned: boolean, leaseClock: () => number): Store {
  const sql = prepareStatements(db);
  const run = <T>(operation: string, body: () => T) => guard("sqlite", operation, body);

  const repo: LinkRepository = {
    findIdentity: (appid, openid) => {
      const row = sql.findIdentity.get(appid, openid);
      return row && toIdentity(row);
    },
    findUser: (userId) => {
      const row = sql.findUser.get(userId);
      return row && toUser(row);
    },
    findUserByUnionid: (unionid) => {
      const row = sql.findUserByUnionid.get(unionid);
      return row && toUser(row);
    },
    insertUser: (user) => {
      sql.insertUser.run(
        user.id,
        user.unionid ?? null,
        user.nickname,
        user.headimgurl,
        user.createdAt,
        user.updatedAt,
      );
    },
    updateUser: (user) => {
      sql.updateUser.run(user.unionid ?? null, user.nickname, user.headimgurl, user.updatedAt, user.id);
    },
    insertIdentity: (i) => {
      sql.insertIdentity.run(i.appid, i.openid, i.unionid ?? null, i.userId, i.createdAt);
    },
    setIdentityUnionid: (appid, openid, unionid) => {
      sql.setIdentityUnionid.run(unionid, appid, openid);
    },
  };

  // IMMEDIATE takes the write lock before the first read, so another process cannot act on the same rows in between.
  const link = transaction(db, linkWith);
  const consume = transaction(db, (state: string, now: number): ConsumeStateResult => {
    const fresh = sql.consumeState.get(now, state, now);
    if (fresh) return { status: "fresh", record: toState(fresh) };
    const row = sql.getLiveState.get(state, now);
    if (!row) return { status: "missing" };
    return { status: "used", record: toState(row), sessionIdHash: row.session_id_hash ?? undefined };
  });
  const takeLock = transaction(db, (name: string, leaseMs: number): number | undefined => {
    const row = sql.getLock.get(name);
    if (row && row.lease_ends_at > leaseClock()) return undefined;
    const fencingToken = (row?.fencing_token ?? 0) + 1;
    sql.putLock.run(name, fencingToken, leaseClock() + leaseMs);
    return fencingToken;
  });
  const purge = transaction(db, (now: number) => {
    sql.purgeStates.run(now);
    sql.purgeSessions.run(now, now);
    sql.purgeTokens.run(now);
    sql.purgeAttempts.run(now);
    sql.purgeClaims.run(now);
    // rate-limiter-flexible stamps its windows with Date.now(), whatever clock the caller keeps.
    sql.purgeRateLimits.run(Date.now());
  });
  // In the database file, so every process on this machine that opens it counts together.
  const consumeRateLimit = rateLimitsOn(
    (options) =>
      new RateLimiterSQLite({
        ...options,
        storeClient: db,
        storeType: "better-sqlite3",
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
      }),
  );

  return markInProcess({
    kind: "sqlite",

    putState: (r) =>
      run("putState", () => {
        sql.putState.run(
          r.state,
          r.browserBinding,
          r.returnTo,
          r.appid,
          r.restarted ? 1 : 0,
          r.createdAt,
          r.expiresAt,
        );
      }),
    consumeState: (state, now) => run("consumeState", () => consume.immediate(state, now)),
    completeState: (state, sessionIdHash) =>
      run("completeState", () => {
        sql.completeState.run(sessionIdHash, state);
      }),

    putSession: (r) =>
      run("putSession", () => {
        sql.putSession.run(
          r.idHash,
          r.userId,
          r.appid,
          r.openid,
          r.createdAt,
          r.idleExpiresAt,
          r.absoluteExpiresAt,
        );
      }),
    getSession: (idHash, now) =>
      run("getSession", () => {
        const row = sql.getSession.get(idHash, now, now);
        return row && toSession(row);
      }),
    touchSession: (idHash, idleExpiresAt) =>
      run("touchSession", () => {
        sql.touchSession.run(idleExpiresAt, idHash);
      }),
    deleteSession: (idHash) =>
      run("deleteSession", () => {
        sql.deleteSession.run(idHash);
      }),

    linkIdentity: (input) => run("linkIdentity", (): LinkIdentityResult => link.immediate(repo, input)),
    getUser: (userId) => run("getUser", () => repo.findUser(userId)),
    listIdentities: (userId) => run("listIdentities", () => sql.listIdentities.all(userId).map(toIdentity)),

    getToken: (key, now) =>
      run("getToken", (): TokenRecord | undefined => {
        const row = sql.getToken.get(key, now);
        return row && toToken(row);
      }),
    putToken: (r) =>
      run("putToken", () => {
        sql.putToken.run(
          r.key,
          r.accessToken,
          r.refreshToken ?? null,
          r.scope,
          r.accessExpiresAt,
          r.refreshExpiresAt ?? null,
          r.updatedAt,
          tokenGoneAt(r),
        );
      }),
    expireToken: (key, accessToken) =>
      run("expireToken", () => sql.expireToken.run(key, accessToken).changes > 0),
    deleteToken: (key) =>
      run("deleteToken", () => {
        sql.deleteToken.run(key);
      }),

    acquireLock: (name, leaseMs) =>
      run("acquireLock", (): Lock | undefined => {
        checkLease(leaseMs);
        const fencingToken = takeLock.immediate(name, leaseMs);
        if (fencingToken === undefined) return undefined;
        return {
          name,
          fencingToken,
          release: () =>
            run("releaseLock", () => {
              sql.releaseLock.run(name, fencingToken);
            }),
        };
      }),

    putAttempt: (r) =>
      run(
        "putAttempt",
        () =>
          sql.putAttempt.get(
            r.id,
            r.kind,
            r.appid,
            r.handle,
            r.browserBinding,
            r.returnTo,
            r.status,
            r.openid ?? null,
            r.unionid ?? null,
            r.ticket ?? null,
            r.createdAt,
            r.expiresAt,
          ) !== undefined,
      ),
    getAttempt: (id, now) =>
      run("getAttempt", () => {
        const row = sql.getAttempt.get(id, now);
        return row && toAttempt(row);
      }),
    findAttempt: (kind, appid, handle, now) =>
      run("findAttempt", () => {
        const row = sql.findAttempt.get(kind, appid, handle, now);
        return row && toAttempt(row);
      }),
    updateAttempt: (id, expectedStatus, patch, now) =>
      run("updateAttempt", () => {
        const row = sql.updateAttempt.get(
          patch.status ?? null,
          patch.openid ?? null,
          patch.unionid ?? null,
          patch.ticket ?? null,
          id,
          expectedStatus,
          now,
        );
        return row && toAttempt(row);
      }),
    claimOnce: (key, expiresAt, now) =>
      run("claimOnce", () => sql.claimOnce.get(key, expiresAt, now) !== undefined),

    consumeRateLimit: (rule, key) => guard("sqlite", "consumeRateLimit", () => consumeRateLimit(rule, key)),

    purgeExpired: (now) => run("purgeExpired", () => purge.immediate(now)),
    close: () =>
      run("close", () => {
        if (owned && db.open) db.close();
      }),
  });
}

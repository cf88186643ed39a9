import pg from "pg";
import { RateLimiterPostgres } from "rate-limiter-flexible";
import { InvalidArgumentError } from "../protocol/errors.js";
import type { Lock, TokenRecord } from "../protocol/records.js";
import { guard } from "./errors.js";
import { linkInTransaction } from "./postgres/link.js";
import { migrate } from "./postgres/migrate.js";
import { RATE_LIMIT_TABLE } from "./postgres/migrations/0003-rate-limits.js";
import {
  type AttemptRow,
  type IdentityRow,
  type SessionRow,
  type StateRow,
  type TokenRow,
  toAttempt,
  toIdentity,
  toSession,
  toState,
  toToken,
  toUser,
  type UserRow,
} from "./postgres/rows.js";
import { inTransaction } from "./postgres/transaction.js";
import { rateLimitsOn } from "./rate-limit.js";
import { checkLease, tokenGoneAt } from "./rules.js";
import type { ConsumeStateResult, Store } from "./types.js";

export interface PostgresStoreOptions {
  /** A pool of your own; `close()` leaves it open. */
  pool?: pg.Pool;
  /** `postgres://user:password@host:5432/db` when no pool is given. */
  connectionString?: string;
  /** Options for the pool created from `connectionString`. */
  poolConfig?: pg.PoolConfig;
  /** Schema holding the tables, created if missing. Default `wechat_login`. */
  schema?: string;
}

/** A login waiting on the database is worse than a quick 503: connecting gives up after 2 s, a query after 5 s. */
const defaultPoolConfig: pg.PoolConfig = {
  max: 10,
  connectionTimeoutMillis: 2_000,
  query_timeout: 5_000,
  idleTimeoutMillis: 30_000,
};

function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new InvalidArgumentError("schema", "must be a plain identifier (letters, digits, underscores)");
  }
  return `"${schema}"`;
}

/**
 * A store in PostgreSQL (pg), for several instances behind a load balancer.
 * Tables live in their own schema and are created by versioned migrations
 * when the store opens (instances starting together take turns).
 *
 * @example
 * ```ts
 * import { postgresStore } from "wechat-login/stores/postgres";
 * const store = await postgresStore({ connectionString: process.env.DATABASE_URL });
 * setInterval(() => store.purgeExpired(Date.now()).catch(console.error), 10 * 60_000).unref();
 * ```
 */
export async function postgresStore(options: PostgresStoreOptions = {}): Promise<Store> {
  const schemaName = options.schema ?? "wechat_login";
  const s = quoteSchema(schemaName);
  const owned = !options.pool;
  const pool =
    options.pool ??
    new pg.Pool({ ...defaultPoolConfig, connectionString: options.connectionString, ...options.poolConfig });
  // An idle connection dropped by the server is emitted on the pool; unheard, it would crash the process.
  if (owned) pool.on("error", () => undefined);
  try {
    await guard("postgres", "migrate", () => migrate(pool, s, `wechat-login:migrate:${schemaName}`));
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    throw error;
  }
  return createPostgresStore(pool, owned, s, schemaName);
}

function createPostgresStore(pool: pg.Pool, owned: boolean, s: string, schemaName: string): Store {
  const run = <T>(operation: string, body: () => Promise<T>) => guard("postgres", operation, body);
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) =>
    (await pool.query<R>(text, values)).rows;

  // rate-limiter-flexible names its prepared statements after the table alone: on a pool shared by stores
  // of two schemas the same name would stand for two texts, which pg refuses. Unnamed queries cannot clash.
  const unprepared = {
    query: (q: { text: string; values?: unknown[] }) => pool.query({ text: q.text, values: q.values }),
  };
  const consumeRateLimit = rateLimitsOn(
    (options) =>
      new RateLimiterPostgres({
        ...options,
        storeClient: unprepared,
        storeType: "pool",
        schemaName,
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: false,
      }),
  );

  return {
    kind: "postgres",

    putState: (r) =>
      run("putState", async () => {
        await query(
          `INSERT INTO ${s}.states (state, browser_binding, return_to, appid, created_at, expires_at, restarted)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (state) DO UPDATE SET browser_binding = $2, return_to = $3, appid = $4,
             created_at = $5, expires_at = $6, restarted = $7, used_at = NULL, session_id_hash = NULL`,
          [r.state, r.browserBinding, r.returnTo, r.appid, r.createdAt, r.expiresAt, r.restarted],
        );
      }),

    consumeState: (state, now) =>
      run("consumeState", async (): Promise<ConsumeStateResult> => {
        // One statement: the row lock makes exactly one concurrent caller see used_at IS NULL.
        const [fresh] = await query<StateRow>(
          `UPDATE ${s}.states SET used_at = $2
           WHERE state = $1 AND used_at IS NULL AND expires_at > $2 RETURNING *`,
          [state, now],
        );
        if (fresh) return { status: "fresh", record: toState(fresh) };
        const [row] = await query<StateRow>(
          `SELECT * FROM ${s}.states WHERE state = $1 AND expires_at > $2`,
          [state, now],
        );
        if (!row) return { status: "missing" };
        return { status: "used", record: toState(row), sessionIdHash: row.session_id_hash ?? undefined };
      }),

    completeState: (state, sessionIdHash) =>
      run("completeState", async () => {
        await query(`UPDATE ${s}.states SET session_id_hash = $2 WHERE state = $1`, [state, sessionIdHash]);
      }),

    putSession: (r) =>
      run("putSession", async () => {
        await query(
          `INSERT INTO ${s}.sessions (id_hash, user_id, appid, openid, created_at, idle_expires_at, absolute_expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id_hash) DO UPDATE SET user_id = $2, appid = $3, openid = $4, created_at = $5,
             idle_expires_at = $6, absolute_expires_at = $7`,
          [r.idHash, r.userId, r.appid, r.openid, r.createdAt, r.idleExpiresAt, r.absoluteExpiresAt],
        );
      }),

    getSession: (idHash, now) =>
      run("getSession", async () => {
        const [row] = await query<SessionRow>(
          `SELECT * FROM ${s}.sessions WHERE id_hash = $1 AND idle_expires_at > $2 AND absolute_expires_at > $2`,
          [idHash, now],
        );
        return row && toSession(row);
      }),

    touchSession: (idHash, idleExpiresAt) =>
      run("touchSession", async () => {
        await query(
          `UPDATE ${s}.sessions SET idle_expires_at = LEAST(GREATEST(idle_expires_at, $2), absolute_expires_at)
           WHERE id_hash = $1`,
          [idHash, idleExpiresAt],
        );
      }),

    deleteSession: (idHash) =>
      run("deleteSession", async () => {
        await query(`DELETE FROM ${s}.sessions WHERE id_hash = $1`, [idHash]);
      }),

    linkIdentity: (input) =>
      run("linkIdentity", () => inTransaction(pool, (client) => linkInTransaction(client, s, input))),

    getUser: (userId) =>
      run("getUser", async () => {
        const [row] = await query<UserRow>(`SELECT * FROM ${s}.users WHERE id = $1`, [userId]);
        return row && toUser(row);
      }),

    listIdentities: (userId) =>
      run("listIdentities", async () => {
        const rows = await query<IdentityRow>(
          `SELECT * FROM ${s}.identities WHERE user_id = $1 ORDER BY created_at, appid COLLATE "C", openid COLLATE "C"`,
          [userId],
        );
        return rows.map(toIdentity);
      }),

    getToken: (key, now) =>
      run("getToken", async (): Promise<TokenRecord | undefined> => {
        const [row] = await query<TokenRow>(`SELECT * FROM ${s}.tokens WHERE key = $1 AND gone_at > $2`, [
          key,
          now,
        ]);
        return row && toToken(row);
      }),

    putToken: (r) =>
      run("putToken", async () => {
        await query(
          `INSERT INTO ${s}.tokens
             (key, access_token, refresh_token, scope, access_expires_at, refresh_expires_at, updated_at, gone_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (key) DO UPDATE SET access_token = $2, refresh_token = $3, scope = $4,
             access_expires_at = $5, refresh_expires_at = $6, updated_at = $7, gone_at = $8`,
          [
            r.key,
            r.accessToken,
            r.refreshToken ?? null,
            r.scope,
            r.accessExpiresAt,
            r.refreshExpiresAt ?? null,
            r.updatedAt,
            tokenGoneAt(r),
          ],
        );
      }),

    expireToken: (key, accessToken) =>
      run("expireToken", async () => {
        const rows = await query(
          `DELETE FROM ${s}.tokens WHERE key = $1 AND access_token = $2 RETURNING key`,
          [key, accessToken],
        );
        return rows.length > 0;
      }),

    deleteToken: (key) =>
      run("deleteToken", async () => {
        await query(`DELETE FROM ${s}.tokens WHERE key = $1`, [key]);
      }),

    acquireLock: (name, leaseMs) =>
      run("acquireLock", async (): Promise<Lock | undefined> => {
        checkLease(leaseMs);
        // The conflicting row is locked and re-checked, so of many callers only one passes the WHERE.
        const [row] = await query<{ fencing_token: string }>(
          `INSERT INTO ${s}.locks (name, fencing_token, lease_ends_at)
           VALUES ($1, 1, clock_timestamp() + $2::float8 * interval '1 millisecond')
           ON CONFLICT (name) DO UPDATE SET fencing_token = ${s}.locks.fencing_token + 1,
             lease_ends_at = EXCLUDED.lease_ends_at
           WHERE ${s}.locks.lease_ends_at <= clock_timestamp()
           RETURNING fencing_token`,
          [name, leaseMs],
        );
        if (!row) return undefined;
        const fencingToken = Number(row.fencing_token);
        return {
          name,
          fencingToken,
          release: () =>
            run("releaseLock", async () => {
              // The row stays so the fencing counter keeps growing.
              await query(
                `UPDATE ${s}.locks SET lease_ends_at = '-infinity' WHERE name = $1 AND fencing_token = $2`,
                [name, fencingToken],
              );
            }),
        };
      }),

    putAttempt: (r) =>
      run("putAttempt", async () => {
        // One statement: the unique handle index decides, and an expired holder is overwritten in place.
        const rows = await query(
          `INSERT INTO ${s}.attempts (id, kind, appid, handle, browser_binding, return_to, status, openid, unionid,
             ticket, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (kind, appid, handle) DO UPDATE SET id = EXCLUDED.id,
             browser_binding = EXCLUDED.browser_binding, return_to = EXCLUDED.return_to, status = EXCLUDED.status,
             openid = EXCLUDED.openid, unionid = EXCLUDED.unionid, ticket = EXCLUDED.ticket,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE ${s}.attempts.expires_at <= EXCLUDED.created_at
           RETURNING id`,
          [
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
          ],
        );
        return rows.length > 0;
      }),

    getAttempt: (id, now) =>
      run("getAttempt", async () => {
        const [row] = await query<AttemptRow>(
          `SELECT * FROM ${s}.attempts WHERE id = $1 AND expires_at > $2`,
          [id, now],
        );
        return row && toAttempt(row);
      }),

    findAttempt: (kind, appid, handle, now) =>
      run("findAttempt", async () => {
        const [row] = await query<AttemptRow>(
          `SELECT * FROM ${s}.attempts WHERE kind = $1 AND appid = $2 AND handle = $3 AND expires_at > $4`,
          [kind, appid, handle, now],
        );
        return row && toAttempt(row);
      }),

    updateAttempt: (id, expectedStatus, patch, now) =>
      run("updateAttempt", async () => {
        // One statement: the row lock makes exactly one concurrent caller see the expected status.
        const [row] = await query<AttemptRow>(
          `UPDATE ${s}.attempts SET status = COALESCE($4, status), openid = COALESCE($5, openid),
             unionid = COALESCE($6, unionid), ticket = COALESCE($7, ticket)
           WHERE id = $1 AND status = $2 AND expires_at > $3 RETURNING *`,
          [
            id,
            expectedStatus,
            now,
            patch.status ?? null,
            patch.openid ?? null,
            patch.unionid ?? null,
            patch.ticket ?? null,
          ],
        );
        return row && toAttempt(row);
      }),

    claimOnce: (key, expiresAt, now) =>
      run("claimOnce", async () => {
        const rows = await query(
          `INSERT INTO ${s}.claims (key, expires_at) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE ${s}.claims.expires_at <= $3
           RETURNING key`,
          [key, expiresAt, now],
        );
        return rows.length > 0;
      }),

    consumeRateLimit: (rule, key) => run("consumeRateLimit", () => consumeRateLimit(rule, key)),

    purgeExpired: (now) =>
      run("purgeExpired", async () => {
        await query(`DELETE FROM ${s}.states WHERE expires_at <= $1`, [now]);
        await query(`DELETE FROM ${s}.sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1`, [
          now,
        ]);
        await query(`DELETE FROM ${s}.tokens WHERE gone_at <= $1`, [now]);
        await query(`DELETE FROM ${s}.attempts WHERE expires_at <= $1`, [now]);
        await query(`DELETE FROM ${s}.claims WHERE expires_at <= $1`, [now]);
        // rate-limiter-flexible stamps its windows with Date.now(), whatever clock the caller keeps.
        await query(`DELETE FROM ${s}.${RATE_LIMIT_TABLE} WHERE expire <= $1`, [Date.now()]);
      }),

    close: () =>
      run("close", async () => {
        if (owned && !pool.ended) await pool.end();
      }),
  };
}

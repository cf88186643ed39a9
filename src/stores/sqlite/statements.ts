import type { TokenRecord } from "../../protocol/records.js";
import type {
  IdentityRecord,
  LoginAttemptKind,
  LoginAttemptRecord,
  LoginAttemptStatus,
  SessionRecord,
  StateRecord,
  UserRecord,
} from "../types.js";
import { prepare, type SqliteDatabase, type SqliteStatement } from "./driver.js";
import { RATE_LIMIT_TABLE } from "./migrations/0003-rate-limits.js";

export interface StateRow {
  state: string;
  browser_binding: string;
  return_to: string;
  appid: string;
  restarted: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  session_id_hash: string | null;
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  appid: string;
  openid: string;
  created_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
}

export interface UserRow {
  id: string;
  unionid: string | null;
  nickname: string;
  headimgurl: string;
  created_at: number;
  updated_at: number;
}

export interface IdentityRow {
  appid: string;
  openid: string;
  unionid: string | null;
  user_id: string;
  created_at: number;
}

export interface TokenRow {
  key: string;
  access_token: string;
  refresh_token: string | null;
  scope: string;
  access_expires_at: number;
  refresh_expires_at: number | null;
  updated_at: number;
}

export interface LockRow {
  fencing_token: number;
  lease_ends_at: number;
}

export interface AttemptRow {
  id: string;
  kind: string;
  appid: string;
  handle: string;
  browser_binding: string;
  return_to: string;
  status: string;
  openid: string | null;
  unionid: string | null;
  ticket: string | null;
  created_at: number;
  expires_at: number;
}

export const toAttempt = (row: AttemptRow): LoginAttemptRecord => ({
  id: row.id,
  // Only this package writes the table, and only with the types' values.
  kind: row.kind as LoginAttemptKind,
  appid: row.appid,
  handle: row.handle,
  browserBinding: row.browser_binding,
  returnTo: row.return_to,
  status: row.status as LoginAttemptStatus,
  openid: row.openid ?? undefined,
  unionid: row.unionid ?? undefined,
  ticket: row.ticket ?? undefined,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

export const toState = (row: StateRow): StateRecord => ({
  state: row.state,
  browserBinding: row.browser_binding,
  returnTo: row.return_to,
  appid: row.appid,
  restarted: row.restarted === 1,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

export const toSession = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  userId: row.user_id,
  appid: row.appid,
  openid: row.openid,
  createdAt: row.created_at,
  idleExpiresAt: row.idle_expires_at,
  absoluteExpiresAt: row.absolute_expires_at,
});

export const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  unionid: row.unionid ?? undefined,
  nickname: row.nickname,
  headimgurl: row.headimgurl,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toIdentity = (row: IdentityRow): IdentityRecord => ({
  appid: row.appid,
  openid: row.openid,
  unionid: row.unionid ?? undefined,
  userId: row.user_id,
  createdAt: row.created_at,
});

export const toToken = (row: TokenRow): TokenRecord => ({
  key: row.key,
  accessToken: row.access_token,
  refreshToken: row.refresh_token ?? undefined,
  scope: row.scope,
  accessExpiresAt: row.access_expires_at,
  refreshExpiresAt: row.refresh_expires_at ?? undefined,
  updatedAt: row.updated_at,
});

/** Every statement the store runs, prepared once at open. */
export interface Statements {
  putState: SqliteStatement<unknown[]>;
  consumeState: SqliteStatement<[number, string, number], StateRow>;
  getLiveState: SqliteStatement<[string, number], StateRow>;
  completeState: SqliteStatement<unknown[]>;
  putSession: SqliteStatement<unknown[]>;
  getSession: SqliteStatement<[string, number, number], SessionRow>;
  touchSession: SqliteStatement<unknown[]>;
  deleteSession: SqliteStatement<unknown[]>;
  findIdentity: SqliteStatement<[string, string], IdentityRow>;
  listIdentities: SqliteStatement<[string], IdentityRow>;
  insertIdentity: SqliteStatement<unknown[]>;
  setIdentityUnionid: SqliteStatement<unknown[]>;
  findUser: SqliteStatement<[string], UserRow>;
  findUserByUnionid: SqliteStatement<[string], UserRow>;
  insertUser: SqliteStatement<unknown[]>;
  updateUser: SqliteStatement<unknown[]>;
  getToken: SqliteStatement<[string, number], TokenRow>;
  putToken: SqliteStatement<unknown[]>;
  expireToken: SqliteStatement<unknown[]>;
  deleteToken: SqliteStatement<unknown[]>;
  getLock: SqliteStatement<[string], LockRow>;
  putLock: SqliteStatement<unknown[]>;
  releaseLock: SqliteStatement<unknown[]>;
  putAttempt: SqliteStatement<unknown[], { id: string }>;
  getAttempt: SqliteStatement<[string, number], AttemptRow>;
  findAttempt: SqliteStatement<[string, string, string, number], AttemptRow>;
  updateAttempt: SqliteStatement<unknown[], AttemptRow>;
  claimOnce: SqliteStatement<[string, number, number], { key: string }>;
  purgeStates: SqliteStatement<unknown[]>;
  purgeSessions: SqliteStatement<unknown[]>;
  purgeTokens: SqliteStatement<unknown[]>;
  purgeRateLimits: SqliteStatement<unknown[]>;
  purgeAttempts: SqliteStatement<unknown[]>;
  purgeClaims: SqliteStatement<unknown[]>;
}

export function prepareStatements(db: SqliteDatabase): Statements {
  return {
    putState: db.prepare(
      `INSERT OR REPLACE INTO wechat_login_states
         (state, browser_binding, return_to, appid, restarted, created_at, expires_at, used_at, session_id_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
    ),
    // One statement, so exactly one connection wins even across processes.
    consumeState: prepare<[number, string, number], StateRow>(
      db,
      `UPDATE wechat_login_states SET used_at = ?
       WHERE state = ? AND used_at IS NULL AND expires_at > ? RETURNING *`,
    ),
    getLiveState: prepare<[string, number], StateRow>(
      db,
      "SELECT * FROM wechat_login_states WHERE state = ? AND expires_at > ?",
    ),
    completeState: db.prepare("UPDATE wechat_login_states SET session_id_hash = ? WHERE state = ?"),

    putSession: db.prepare(
      `INSERT OR REPLACE INTO wechat_login_sessions
         (id_hash, user_id, appid, openid, created_at, idle_expires_at, absolute_expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    getSession: prepare<[string, number, number], SessionRow>(
      db,
      `SELECT * FROM wechat_login_sessions
       WHERE id_hash = ? AND idle_expires_at > ? AND absolute_expires_at > ?`,
    ),
    touchSession: db.prepare(
      `UPDATE wechat_login_sessions
       SET idle_expires_at = MIN(MAX(idle_expires_at, ?), absolute_expires_at) WHERE id_hash = ?`,
    ),
    deleteSession: db.prepare("DELETE FROM wechat_login_sessions WHERE id_hash = ?"),

    findIdentity: prepare<[string, string], IdentityRow>(
      db,
      "SELECT * FROM wechat_login_identities WHERE appid = ? AND openid = ?",
    ),
    listIdentities: prepare<[string], IdentityRow>(
      db,
      "SELECT * FROM wechat_login_identities WHERE user_id = ? ORDER BY created_at, appid, openid",
    ),
    insertIdentity: db.prepare(
      "INSERT INTO wechat_login_identities (appid, openid, unionid, user_id, created_at) VALUES (?, ?, ?, ?, ?)",
    ),
    setIdentityUnionid: db.prepare(
      "UPDATE wechat_login_identities SET unionid = ? WHERE appid = ? AND openid = ?",
    ),
    findUser: prepare<[string], UserRow>(db, "SELECT * FROM wechat_login_users WHERE id = ?"),
    findUserByUnionid: prepare<[string], UserRow>(db, "SELECT * FROM wechat_login_users WHERE unionid = ?"),
    insertUser: db.prepare(
      `INSERT INTO wechat_login_users (id, unionid, nickname, headimgurl, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    updateUser: db.prepare(
      "UPDATE wechat_login_users SET unionid = ?, nickname = ?, headimgurl = ?, updated_at = ? WHERE id = ?",
    ),

    getToken: prepare<[string, number], TokenRow>(
      db,
      "SELECT * FROM wechat_login_tokens WHERE key = ? AND gone_at > ?",
    ),
    putToken: db.prepare(
      `INSERT OR REPLACE INTO wechat_login_tokens
         (key, access_token, refresh_token, scope, access_expires_at, refresh_expires_at, updated_at, gone_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    expireToken: db.prepare("DELETE FROM wechat_login_tokens WHERE key = ? AND access_token = ?"),
    deleteToken: db.prepare("DELETE FROM wechat_login_tokens WHERE key = ?"),

    getLock: prepare<[string], LockRow>(
      db,
      "SELECT fencing_token, lease_ends_at FROM wechat_login_locks WHERE name = ?",
    ),
    putLock: db.prepare(
      "INSERT OR REPLACE INTO wechat_login_locks (name, fencing_token, lease_ends_at) VALUES (?, ?, ?)",
    ),
    // The row stays (lease ended) so the fencing counter keeps growing.
    releaseLock: db.prepare(
      "UPDATE wechat_login_locks SET lease_ends_at = 0 WHERE name = ? AND fencing_token = ?",
    ),

    // One statement: the unique handle index decides, and an expired holder is overwritten in place.
    putAttempt: prepare<unknown[], { id: string }>(
      db,
      `INSERT INTO wechat_login_attempts
         (id, kind, appid, handle, browser_binding, return_to, status, openid, unionid, ticket, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, appid, handle) DO UPDATE SET id = excluded.id,
         browser_binding = excluded.browser_binding, return_to = excluded.return_to, status = excluded.status,
         openid = excluded.openid, unionid = excluded.unionid, ticket = excluded.ticket,
         created_at = excluded.created_at, expires_at = excluded.expires_at
       WHERE wechat_login_attempts.expires_at <= excluded.created_at
       RETURNING id`,
    ),
    getAttempt: prepare<[string, number], AttemptRow>(
      db,
      "SELECT * FROM wechat_login_attempts WHERE id = ? AND expires_at > ?",
    ),
    findAttempt: prepare<[string, string, string, number], AttemptRow>(
      db,
      "SELECT * FROM wechat_login_attempts WHERE kind = ? AND appid = ? AND handle = ? AND expires_at > ?",
    ),
    updateAttempt: prepare<unknown[], AttemptRow>(
      db,
      `UPDATE wechat_login_attempts SET status = COALESCE(?, status), openid = COALESCE(?, openid),
         unionid = COALESCE(?, unionid), ticket = COALESCE(?, ticket)
       WHERE id = ? AND status = ? AND expires_at > ? RETURNING *`,
    ),
    claimOnce: prepare<[string, number, number], { key: string }>(
      db,
      `INSERT INTO wechat_login_claims (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
       WHERE wechat_login_claims.expires_at <= ? RETURNING key`,
    ),

    purgeStates: db.prepare("DELETE FROM wechat_login_states WHERE expires_at <= ?"),
    purgeSessions: db.prepare(
      "DELETE FROM wechat_login_sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ?",
    ),
    purgeTokens: db.prepare("DELETE FROM wechat_login_tokens WHERE gone_at <= ?"),
    purgeRateLimits: db.prepare(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE expire <= ?`),
    purgeAttempts: db.prepare("DELETE FROM wechat_login_attempts WHERE expires_at <= ?"),
    purgeClaims: db.prepare("DELETE FROM wechat_login_claims WHERE expires_at <= ?"),
  };
}

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

/** pg returns bigint columns as strings: epoch ms fit a double exactly. */
type Bigint = string;

export interface StateRow {
  state: string;
  browser_binding: string;
  return_to: string;
  appid: string;
  restarted: boolean;
  created_at: Bigint;
  expires_at: Bigint;
  used_at: Bigint | null;
  session_id_hash: string | null;
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  appid: string;
  openid: string;
  created_at: Bigint;
  idle_expires_at: Bigint;
  absolute_expires_at: Bigint;
}

export interface UserRow {
  id: string;
  unionid: string | null;
  nickname: string;
  headimgurl: string;
  created_at: Bigint;
  updated_at: Bigint;
}

export interface IdentityRow {
  appid: string;
  openid: string;
  unionid: string | null;
  user_id: string;
  created_at: Bigint;
}

export interface TokenRow {
  key: string;
  access_token: string;
  refresh_token: string | null;
  scope: string;
  access_expires_at: Bigint;
  refresh_expires_at: Bigint | null;
  updated_at: Bigint;
}

export const toState = (row: StateRow): StateRecord => ({
  state: row.state,
  browserBinding: row.browser_binding,
  returnTo: row.return_to,
  appid: row.appid,
  restarted: row.restarted,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
});

export const toSession = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  userId: row.user_id,
  appid: row.appid,
  openid: row.openid,
  createdAt: Number(row.created_at),
  idleExpiresAt: Number(row.idle_expires_at),
  absoluteExpiresAt: Number(row.absolute_expires_at),
});

export const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  unionid: row.unionid ?? undefined,
  nickname: row.nickname,
  headimgurl: row.headimgurl,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

export const toIdentity = (row: IdentityRow): IdentityRecord => ({
  appid: row.appid,
  openid: row.openid,
  unionid: row.unionid ?? undefined,
  userId: row.user_id,
  createdAt: Number(row.created_at),
});

export const toToken = (row: TokenRow): TokenRecord => ({
  key: row.key,
  accessToken: row.access_token,
  refreshToken: row.refresh_token ?? undefined,
  scope: row.scope,
  accessExpiresAt: Number(row.access_expires_at),
  refreshExpiresAt: row.refresh_expires_at === null ? undefined : Number(row.refresh_expires_at),
  updatedAt: Number(row.updated_at),
});

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
  created_at: Bigint;
  expires_at: Bigint;
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
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
});

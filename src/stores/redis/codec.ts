import type { TokenRecord } from "../../protocol/records.js";
import type {
  IdentityRecord,
  LoginAttemptRecord,
  LoginAttemptStatus,
  SessionRecord,
  StateRecord,
  UserRecord,
} from "../types.js";

/** Key parts are URI-encoded so an id holding `:` cannot reach another record's key. */
export const part = encodeURIComponent;

/**
 * Backend TTLs only collect garbage (types.ts); the contract's `expiresAt`
 * decides. The TTL is the record's lifetime measured from its own write
 * time, plus a margin, so a Redis clock that is ahead cannot delete a live
 * record.
 */
export function gcTtlMs(writtenAt: number, goneAt: number): number {
  const margin = 10 * 60_000;
  return Math.max(0, Math.ceil(goneAt - writtenAt)) + margin;
}

type Hash = Record<string, string>;

/** HGETALL inside Lua answers a flat [field, value, …] list. */
export function hashFromPairs(pairs: unknown): Hash {
  const hash: Hash = {};
  if (!Array.isArray(pairs)) return hash;
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[String(pairs[i])] = String(pairs[i + 1]);
  return hash;
}

function field(hash: Hash, name: string): string {
  const value = hash[name];
  if (value === undefined) throw new Error(`stored record lacks field ${name}`);
  return value;
}

const numberField = (hash: Hash, name: string) => Number(field(hash, name));

export const parseState = (json: string): StateRecord => {
  const record = JSON.parse(json) as StateRecord;
  // Written before `restarted` existed: such a state was never a restart.
  return { ...record, restarted: record.restarted === true };
};

/** JSON has no `undefined`; put the optional fields back so records compare equal to what was written. */
export const parseToken = (json: string): TokenRecord => {
  const record = JSON.parse(json) as TokenRecord;
  return { ...record, refreshToken: record.refreshToken, refreshExpiresAt: record.refreshExpiresAt };
};

export const sessionFields = (r: SessionRecord) => ({
  userId: r.userId,
  appid: r.appid,
  openid: r.openid,
  createdAt: String(r.createdAt),
  idleExpiresAt: String(r.idleExpiresAt),
  absoluteExpiresAt: String(r.absoluteExpiresAt),
});

export const toSession = (idHash: string, hash: Hash): SessionRecord => ({
  idHash,
  userId: field(hash, "userId"),
  appid: field(hash, "appid"),
  openid: field(hash, "openid"),
  createdAt: numberField(hash, "createdAt"),
  idleExpiresAt: numberField(hash, "idleExpiresAt"),
  absoluteExpiresAt: numberField(hash, "absoluteExpiresAt"),
});

export const toUser = (hash: Hash): UserRecord => ({
  id: field(hash, "id"),
  unionid: hash.unionid,
  nickname: field(hash, "nickname"),
  headimgurl: field(hash, "headimgurl"),
  createdAt: numberField(hash, "createdAt"),
  updatedAt: numberField(hash, "updatedAt"),
});

export const toIdentity = (hash: Hash): IdentityRecord => ({
  appid: field(hash, "appid"),
  openid: field(hash, "openid"),
  unionid: hash.unionid,
  userId: field(hash, "userId"),
  createdAt: numberField(hash, "createdAt"),
});

/** The fields of an attempt that never change after `putAttempt`, kept as one JSON field. */
export const attemptBase = (r: LoginAttemptRecord) =>
  JSON.stringify({
    id: r.id,
    kind: r.kind,
    appid: r.appid,
    handle: r.handle,
    browserBinding: r.browserBinding,
    returnTo: r.returnTo,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  });

export const toAttempt = (hash: Hash): LoginAttemptRecord => ({
  ...(JSON.parse(field(hash, "base")) as Omit<LoginAttemptRecord, "status">),
  // Only this package writes the hash, and only with the types' values.
  status: field(hash, "status") as LoginAttemptStatus,
  openid: hash.openid,
  unionid: hash.unionid,
  ticket: hash.ticket,
});

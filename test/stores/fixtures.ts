import { randomBytes } from "node:crypto";
import type { TokenRecord } from "../../src/protocol/records.js";
import type { LoginAttemptRecord, SessionRecord, StateRecord } from "../../src/stores/types.js";

export const minute = 60_000;
export const day = 24 * 60 * minute;

export const randomId = (bytes = 16) => randomBytes(bytes).toString("hex");

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function stateRecord(now: number, overrides: Partial<StateRecord> = {}): StateRecord {
  return {
    state: randomId(),
    browserBinding: randomId(32),
    returnTo: "/profile?tab=1",
    appid: "wx0123456789abcdef",
    restarted: false,
    createdAt: now,
    expiresAt: now + 10 * minute,
    ...overrides,
  };
}

export function sessionRecord(now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: randomId(32),
    userId: randomId(),
    appid: "wx0123456789abcdef",
    openid: `o_${randomId(8)}`,
    createdAt: now,
    idleExpiresAt: now + day,
    absoluteExpiresAt: now + 30 * day,
    ...overrides,
  };
}

export function tokenRecord(now: number, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    key: `wx0123456789abcdef:o_${randomId(8)}`,
    accessToken: `enc:${randomId()}`,
    refreshToken: `enc:${randomId()}`,
    scope: "snsapi_userinfo",
    accessExpiresAt: now + 2 * 60 * minute,
    refreshExpiresAt: now + 30 * day,
    updatedAt: now,
    ...overrides,
  };
}

export function attemptRecord(now: number, overrides: Partial<LoginAttemptRecord> = {}): LoginAttemptRecord {
  return {
    id: randomId(),
    kind: "follow-code",
    appid: "wx0123456789abcdef",
    handle: String(100000 + Math.floor(Math.random() * 900000)),
    browserBinding: randomId(32),
    returnTo: "/profile?tab=1",
    status: "waiting",
    createdAt: now,
    expiresAt: now + 5 * minute,
    ...overrides,
  };
}

import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../protocol/errors.js";
import type { TokenRecord } from "../protocol/records.js";
import type { IdentityRecord, LoginAttemptPatch, LoginAttemptRecord, SessionRecord } from "./types.js";

/** A token record is kept while it can still be refreshed (records.ts, TokenStore.getToken). */
export function tokenGoneAt(record: Pick<TokenRecord, "accessExpiresAt" | "refreshExpiresAt">): number {
  return record.refreshExpiresAt ?? record.accessExpiresAt;
}

export function sessionAlive(
  record: Pick<SessionRecord, "idleExpiresAt" | "absoluteExpiresAt">,
  now: number,
) {
  return record.idleExpiresAt > now && record.absoluteExpiresAt > now;
}

/**
 * The idle expiry after a touch: never past the absolute expiry, and never
 * earlier than it already is, so two racing requests cannot shorten a session.
 */
export function touchedIdle(current: number, requested: number, absolute: number): number {
  return Math.min(Math.max(current, requested), absolute);
}

export function newUserId(): string {
  return randomUUID();
}

/** Lock leases run on a real clock, so a zero, negative or fractional lease is a caller bug. */
export function checkLease(leaseMs: number): void {
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
    throw new InvalidArgumentError("leaseMs", "must be a positive integer number of milliseconds");
  }
}

/** listIdentities order in every store: oldest first, then by appid and openid (as the SQL stores sort). */
export function byCreation(a: IdentityRecord, b: IdentityRecord): number {
  return a.createdAt - b.createdAt || compare(a.appid, b.appid) || compare(a.openid, b.openid);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The record after a patch of `updateAttempt`: fields the patch names (and defines) replace the old ones. */
export function patchedAttempt(record: LoginAttemptRecord, patch: LoginAttemptPatch): LoginAttemptRecord {
  return {
    ...record,
    status: patch.status ?? record.status,
    openid: patch.openid ?? record.openid,
    unionid: patch.unionid ?? record.unionid,
    ticket: patch.ticket ?? record.ticket,
  };
}

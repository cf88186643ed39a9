import { RateLimiterMemory } from "rate-limiter-flexible";
import { LeaseTable } from "../protocol/leases.js";
import type { Lock, TokenRecord } from "../protocol/records.js";
import { guard } from "./errors.js";
import { markInProcess } from "./in-process.js";
import { type LinkRepository, linkWith } from "./link.js";
import { rateLimitsOn } from "./rate-limit.js";
import { byCreation, checkLease, patchedAttempt, sessionAlive, tokenGoneAt, touchedIdle } from "./rules.js";
import type {
  ConsumeStateResult,
  IdentityRecord,
  LinkIdentityInput,
  LinkIdentityResult,
  LoginAttemptRecord,
  SessionRecord,
  StateRecord,
  Store,
  UserRecord,
} from "./types.js";

export interface MemoryStoreOptions {
  /** The clock of lock leases, in epoch ms (they run on real time, unlike records). Default `Date.now`. */
  now?: () => number;
}

interface StoredState {
  record: StateRecord;
  used: boolean;
  sessionIdHash: string | undefined;
}

const identityKey = (appid: string, openid: string) => `${appid}\n${openid}`;
const handleKey = (kind: string, appid: string, handle: string) => `${kind}\n${appid}\n${handle}`;

/**
 * A store in this process's memory: for tests and single-process development.
 * It keeps the same guarantees as the other stores (single-use states,
 * leases with fencing tokens) but everything is lost on exit and nothing is
 * shared between processes.
 *
 * @example
 * ```ts
 * import { memoryStore } from "wechat-login/stores/memory";
 * const store = memoryStore();
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const leaseClock = options.now ?? Date.now;
  const states = new Map<string, StoredState>();
  const sessions = new Map<string, SessionRecord>();
  const users = new Map<string, UserRecord>();
  const usersByUnionid = new Map<string, string>();
  const identities = new Map<string, IdentityRecord>();
  const tokens = new Map<string, TokenRecord>();
  const attempts = new Map<string, LoginAttemptRecord>();
  // handle key → attempt id; the attempt's own expiry says whether the hold is live.
  const handles = new Map<string, string>();
  const claims = new Map<string, number>();
  const leases = new LeaseTable();

  const repo: LinkRepository = {
    findIdentity: (appid, openid) => identities.get(identityKey(appid, openid)),
    findUser: (userId) => users.get(userId),
    findUserByUnionid: (unionid) => {
      const id = usersByUnionid.get(unionid);
      return id === undefined ? undefined : users.get(id);
    },
    insertUser: (user) => {
      users.set(user.id, user);
      if (user.unionid) usersByUnionid.set(user.unionid, user.id);
    },
    updateUser: (user) => repo.insertUser(user),
    insertIdentity: (identity) => identities.set(identityKey(identity.appid, identity.openid), identity),
    setIdentityUnionid: (appid, openid, unionid) => {
      const key = identityKey(appid, openid);
      const identity = identities.get(key);
      if (identity) identities.set(key, { ...identity, unionid });
    },
  };

  const run = <T>(operation: string, body: () => T) => guard("memory", operation, body);
  // Counters of this store only: two logins on one memoryStore() share them, two processes do not.
  const consumeRateLimit = rateLimitsOn((options) => new RateLimiterMemory(options));
  // Copies keep callers from mutating what the store holds, as a real backend would. Records are flat
  // (primitives only), so a spread is a full copy, at a fraction of structuredClone's cost on the hot reads.
  const copy = <T extends object>(record: T): T => ({ ...record });
  const liveAttempt = (id: string | undefined, now: number) => {
    const record = id === undefined ? undefined : attempts.get(id);
    return record && record.expiresAt > now ? record : undefined;
  };

  return markInProcess({
    kind: "memory",

    putState: (record) =>
      run("putState", () => {
        states.set(record.state, { record: copy(record), used: false, sessionIdHash: undefined });
      }),

    consumeState: (state, now) =>
      run("consumeState", (): ConsumeStateResult => {
        const stored = states.get(state);
        if (!stored || stored.record.expiresAt <= now) return { status: "missing" };
        if (stored.used) {
          return { status: "used", record: copy(stored.record), sessionIdHash: stored.sessionIdHash };
        }
        stored.used = true;
        return { status: "fresh", record: copy(stored.record) };
      }),

    completeState: (state, sessionIdHash) =>
      run("completeState", () => {
        const stored = states.get(state);
        if (stored) stored.sessionIdHash = sessionIdHash;
      }),

    putSession: (record) =>
      run("putSession", () => {
        sessions.set(record.idHash, copy(record));
      }),

    getSession: (idHash, now) =>
      run("getSession", () => {
        const record = sessions.get(idHash);
        return record && sessionAlive(record, now) ? copy(record) : undefined;
      }),

    touchSession: (idHash, idleExpiresAt) =>
      run("touchSession", () => {
        const record = sessions.get(idHash);
        if (!record) return;
        record.idleExpiresAt = touchedIdle(record.idleExpiresAt, idleExpiresAt, record.absoluteExpiresAt);
      }),

    deleteSession: (idHash) =>
      run("deleteSession", () => {
        sessions.delete(idHash);
      }),

    linkIdentity: (input: LinkIdentityInput) =>
      run("linkIdentity", (): LinkIdentityResult => {
        const { user, identity, created } = linkWith(repo, input);
        return { user: copy(user), identity: copy(identity), created };
      }),

    getUser: (userId) =>
      run("getUser", () => {
        const user = users.get(userId);
        return user && copy(user);
      }),

    listIdentities: (userId) =>
      run("listIdentities", () =>
        [...identities.values()]
          .filter((identity) => identity.userId === userId)
          .sort(byCreation)
          .map((i) => copy(i)),
      ),

    getToken: (key, now) =>
      run("getToken", () => {
        const record = tokens.get(key);
        return record && tokenGoneAt(record) > now ? copy(record) : undefined;
      }),

    putToken: (record) =>
      run("putToken", () => {
        tokens.set(record.key, copy(record));
      }),

    expireToken: (key, accessToken) =>
      run("expireToken", () => {
        if (tokens.get(key)?.accessToken !== accessToken) return false;
        return tokens.delete(key);
      }),

    deleteToken: (key) =>
      run("deleteToken", () => {
        tokens.delete(key);
      }),

    acquireLock: (name, leaseMs) =>
      run("acquireLock", (): Lock | undefined => {
        checkLease(leaseMs);
        const fencingToken = leases.acquire(name, leaseMs, leaseClock());
        if (fencingToken === undefined) return undefined;
        return {
          name,
          fencingToken,
          release: () =>
            run("releaseLock", () => {
              leases.release(name, fencingToken);
            }),
        };
      }),

    putAttempt: (record) =>
      run("putAttempt", () => {
        const hold = handleKey(record.kind, record.appid, record.handle);
        if (liveAttempt(handles.get(hold), record.createdAt)) return false;
        if (liveAttempt(record.id, record.createdAt)) return false;
        // The expired holder is replaced, as the SQL stores overwrite its row.
        const previous = handles.get(hold);
        if (previous !== undefined) attempts.delete(previous);
        attempts.set(record.id, copy(record));
        handles.set(hold, record.id);
        return true;
      }),

    getAttempt: (id, now) =>
      run("getAttempt", () => {
        const record = liveAttempt(id, now);
        return record && copy(record);
      }),

    findAttempt: (kind, appid, handle, now) =>
      run("findAttempt", () => {
        const record = liveAttempt(handles.get(handleKey(kind, appid, handle)), now);
        return record && copy(record);
      }),

    updateAttempt: (id, expectedStatus, patch, now) =>
      run("updateAttempt", () => {
        const record = liveAttempt(id, now);
        if (!record || record.status !== expectedStatus) return undefined;
        const updated = patchedAttempt(record, patch);
        attempts.set(id, updated);
        return copy(updated);
      }),

    claimOnce: (key, expiresAt, now) =>
      run("claimOnce", () => {
        const held = claims.get(key);
        if (held !== undefined && held > now) return false;
        claims.set(key, expiresAt);
        return true;
      }),

    consumeRateLimit: (rule, key) => guard("memory", "consumeRateLimit", () => consumeRateLimit(rule, key)),

    // Rate-limit counters need no sweep here: rate-limiter-flexible drops each one when its window ends.
    purgeExpired: (now) =>
      run("purgeExpired", () => {
        for (const [key, stored] of states) if (stored.record.expiresAt <= now) states.delete(key);
        for (const [key, record] of sessions) if (!sessionAlive(record, now)) sessions.delete(key);
        for (const [key, record] of tokens) if (tokenGoneAt(record) <= now) tokens.delete(key);
        for (const [key, record] of attempts) if (record.expiresAt <= now) attempts.delete(key);
        for (const [key, id] of handles) if (!attempts.has(id)) handles.delete(key);
        for (const [key, expiresAt] of claims) if (expiresAt <= now) claims.delete(key);
      }),

    close: () => run("close", () => undefined),
  });
}

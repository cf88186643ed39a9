import type { Lock, TokenRecord, TokenStore } from "../protocol/records.js";

export type { Lock, TokenRecord, TokenStore };

/**
 * The one storage contract of wechat-login. Every implementation (memory,
 * SQLite, Redis, PostgreSQL) passes the same conformance suite
 * (`test/stores/conformance.ts`).
 *
 * Time: every method that reads or writes something with a lifetime takes
 * `now` (epoch ms) from the caller, and records carry absolute `expiresAt`
 * (epoch ms). A record whose `expiresAt <= now` does not exist, whatever the
 * backend's own TTL says; backend TTLs are only garbage collection.
 *
 * Token records and locks are defined in `protocol/records.ts` (the client's
 * UserTokens and AppCredential use them too); a `Store` is a `TokenStore`.
 *
 * Secrets: the store never sees a raw session id (only its hash) and stores
 * token fields as the opaque strings it is given (the flow encrypts them).
 */

/** A login in progress: written at `/login`, consumed once at `/callback`. */
export interface StateRecord {
  /** The state value sent to WeChat (≥128-bit random). Primary key. */
  state: string;
  /** Hash of the pre-login cookie that binds this state to one browser. */
  browserBinding: string;
  /** Same-origin relative path to land on after login. */
  returnTo: string;
  /** The WeChat appid this login goes through. */
  appid: string;
  /**
   * True when the flow issued this state to restart a login whose callback
   * came back without the pre-login cookie: a second such callback shows a
   * "cookies needed" page instead of restarting again.
   */
  restarted: boolean;
  createdAt: number;
  expiresAt: number;
}

/**
 * Result of consuming a state. `fresh`: this caller is the one that consumed
 * it. `used`: it was consumed before (a double callback); `sessionIdHash` is
 * what the first callback recorded with `completeState`, if it got that far.
 */
export type ConsumeStateResult =
  | { status: "fresh"; record: StateRecord }
  | { status: "used"; record: StateRecord; sessionIdHash: string | undefined }
  | { status: "missing" };

export interface SessionRecord {
  /** SHA-256 (hex) of the session id; the raw id lives only in the cookie. */
  idHash: string;
  userId: string;
  /** The identity this session logged in with. */
  appid: string;
  openid: string;
  createdAt: number;
  /** Sliding: renewed on use, never past `absoluteExpiresAt`. */
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

export interface Profile {
  nickname: string;
  headimgurl: string;
}

export interface UserRecord {
  /** Our own stable user id (random, not an openid). */
  id: string;
  unionid: string | undefined;
  nickname: string;
  headimgurl: string;
  createdAt: number;
  updatedAt: number;
}

/** One WeChat identity: openid is per appid, so the key is (appid, openid). */
export interface IdentityRecord {
  appid: string;
  openid: string;
  unionid: string | undefined;
  userId: string;
  createdAt: number;
}

export interface LinkIdentityInput {
  appid: string;
  openid: string;
  unionid: string | undefined;
  /** Latest profile, when the scope allowed reading it. */
  profile: Profile | undefined;
  now: number;
}

export interface LinkIdentityResult {
  user: UserRecord;
  identity: IdentityRecord;
  /** True when this call created the user. */
  created: boolean;
}

/**
 * A limit of {@link Store.consumeRateLimit}: at most `points` hits per key in
 * a window of `durationSeconds` that starts at the key's first hit (a fixed
 * window, as rate-limiter-flexible counts).
 */
export interface RateLimitRule {
  /** Names the counter: letters, digits, `_` and `-`. Keys of different rules never mix. */
  name: string;
  /** Hits allowed per key in one window (a positive integer). */
  points: number;
  /** The window's length in seconds (a positive integer). */
  durationSeconds: number;
  /**
   * A reserve for peaks: once `points` are used up, up to `burst.points` more
   * hits per key are allowed in the burst's own (usually longer) window.
   */
  burst?:
    | {
        /** Extra hits per key in the burst's window (a positive integer). */
        points: number;
        /** The burst's window in seconds (a positive integer). */
        durationSeconds: number;
      }
    | undefined;
}

/** How one hit of {@link Store.consumeRateLimit} stands. */
export interface RateLimitVerdict {
  /** False when this hit is over the limit (it was counted all the same). */
  allowed: boolean;
  /** Milliseconds until the key's window (or, when refused, the sooner of its windows) resets. */
  retryAfterMs: number;
}

/** Which login an attempt belongs to; each kind has its own space of handles. */
export type LoginAttemptKind = "follow-qr" | "follow-code" | "miniprogram-qr";

/**
 * Where an attempt stands. `waiting` until the other device shows up,
 * `scanned` when it did (a QR scanned, not yet confirmed), `confirmed` once
 * the user is known (`openid` set), `refused` when the user declined, and
 * `done` once the bound browser took its session: the single use.
 */
export type LoginAttemptStatus = "waiting" | "scanned" | "confirmed" | "refused" | "done";

/**
 * A login completed on another device (the WeChat app follows an Official
 * Account, or scans a mini-program code) while the browser that started it
 * polls. Written at the start, moved along by compare-and-set on `status`
 * ({@link Store.updateAttempt}), consumed once by the bound browser.
 */
export interface LoginAttemptRecord {
  /** Random, ≥128-bit: the browser polls with it. Primary key. */
  id: string;
  kind: LoginAttemptKind;
  /** The WeChat appid the other device talks to (the Official Account's or the mini program's). */
  appid: string;
  /**
   * What the other device presents: a QR scene, a short code sent as a
   * message, a wxacode scene. Unique per `(kind, appid)` among live attempts.
   */
  handle: string;
  /** Hash of the pre-login cookie that binds this attempt to one browser. */
  browserBinding: string;
  /** Same-origin relative path to land on after login. */
  returnTo: string;
  status: LoginAttemptStatus;
  /** The user, once known. */
  openid?: string | undefined;
  unionid?: string | undefined;
  /** What WeChat issued for the handle (an Official Account QR ticket), checked when the push names it. */
  ticket?: string | undefined;
  createdAt: number;
  expiresAt: number;
}

/**
 * What {@link Store.updateAttempt} may change. A field left out (or
 * `undefined`) keeps its value: fields are set, never cleared.
 */
export type LoginAttemptPatch = Partial<Pick<LoginAttemptRecord, "status" | "openid" | "unionid" | "ticket">>;

export interface Store extends TokenStore {
  /** Human name for logs and errors: "memory", "sqlite", "redis", "postgres". */
  readonly kind: string;

  putState(record: StateRecord): Promise<void>;
  /** Atomically marks the state used. Exactly one concurrent caller, across processes, gets `fresh`. */
  consumeState(state: string, now: number): Promise<ConsumeStateResult>;
  /** Records the session a consumed state led to, so a double callback can be sent on instead of failing. */
  completeState(state: string, sessionIdHash: string): Promise<void>;

  putSession(record: SessionRecord): Promise<void>;
  getSession(idHash: string, now: number): Promise<SessionRecord | undefined>;
  /** Extends the idle expiry (capped by the absolute expiry). */
  touchSession(idHash: string, idleExpiresAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;

  /**
   * Finds or creates the user of a WeChat identity, atomically: by (appid,
   * openid) first, then by unionid (so two apps of one Open Platform account
   * give one user), else a new user. A unionid that appears later is recorded
   * on the identity and its user. The profile, when given, updates the user.
   */
  linkIdentity(input: LinkIdentityInput): Promise<LinkIdentityResult>;
  getUser(userId: string): Promise<UserRecord | undefined>;
  listIdentities(userId: string): Promise<IdentityRecord[]>;

  deleteToken(key: string): Promise<void>;

  /** Every store offers the cluster lock (in-process for memory and SQLite). */
  acquireLock(name: string, leaseMs: number): Promise<Lock | undefined>;

  /**
   * Counts one hit of `key` (e.g. a client's IP) against `rule`, atomically on
   * the store's own backend, so every instance sharing it shares the count:
   * memory counts in this process, SQLite in its file (the processes of one
   * machine), Redis under the store's prefix and PostgreSQL in its schema.
   * Windows run on the real clock (`Date.now()`), like lock leases.
   * @throws {InvalidArgumentError} for a rule whose name or numbers are not valid.
   */
  consumeRateLimit(rule: RateLimitRule, key: string): Promise<RateLimitVerdict>;

  /**
   * Writes a new attempt unless `(kind, appid, handle)` is held by an
   * attempt still live at `record.createdAt` (atomically, across instances):
   * false then, and nothing is written. An expired holder is replaced.
   * `record.id` must be new.
   */
  putAttempt(record: LoginAttemptRecord): Promise<boolean>;
  getAttempt(id: string, now: number): Promise<LoginAttemptRecord | undefined>;
  /** The live attempt holding a handle, whatever its status. */
  findAttempt(
    kind: LoginAttemptKind,
    appid: string,
    handle: string,
    now: number,
  ): Promise<LoginAttemptRecord | undefined>;
  /**
   * Compare-and-set: applies `patch` only if the attempt is live and its
   * status is `expectedStatus`, atomically across instances, and answers the
   * updated record; `undefined` otherwise (gone, expired or moved on). Of
   * concurrent callers expecting the same status exactly one wins.
   */
  updateAttempt(
    id: string,
    expectedStatus: LoginAttemptStatus,
    patch: LoginAttemptPatch,
    now: number,
  ): Promise<LoginAttemptRecord | undefined>;

  /**
   * Set-if-absent: true for the one caller that claims `key` while no live
   * claim holds it (e.g. a push's dedupe key), false for every other until
   * `expiresAt`. Atomic across instances.
   */
  claimOnce(key: string, expiresAt: number, now: number): Promise<boolean>;

  /**
   * Deletes expired states, sessions, tokens, attempts and claims, and
   * rate-limit counters whose window ended (Redis and memory drop those on their own). Cheap to call periodically.
   */
  purgeExpired(now: number): Promise<void>;
  close(): Promise<void>;
}

import { setTimeout as sleep } from "node:timers/promises";
import {
  ConfigError,
  type OAuthToken,
  ReauthorizationRequired,
  type TokenRecord,
  type TokenStore,
  WeChatApiError,
  WeChatTimeoutError,
} from "../protocol/index.js";
import { abortable } from "./abortable.js";
import { assertOpenid } from "./arguments.js";
import type { CallOptions, WeChatClient } from "./client.js";
import { memoryTokenStore } from "./memory-token-store.js";

// Spec §3.2: a refresh_token lives 30 days from the authorization.
const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;
const LOCK_POLL_MS = 25;

/** The token WeChat answered 42001 for, and when its record was written. */
interface Rejected {
  accessToken: string;
  updatedAt: number;
}

/**
 * Options of {@link TokenManager}.
 * @example
 * const options: TokenManagerOptions = { client, store: sqliteStore("./app.db"), refreshMarginSeconds: 300 };
 */
export interface TokenManagerOptions {
  /** The client whose app the tokens belong to (only `appid` and `refreshToken` are used). */
  client: Pick<WeChatClient, "appid" | "refreshToken">;
  /** Where tokens live. Default: a new {@link memoryTokenStore} (this process only). */
  store?: TokenStore;
  /** Refresh this many seconds before the access token expires. Default 300. */
  refreshMarginSeconds?: number;
  /** Lease of the cluster lock taken around a refresh (stores with `acquireLock`). Default 20,000. */
  lockLeaseMs?: number;
  /** How long a caller waits for another holder's refresh before giving up. Default `lockLeaseMs`. */
  lockWaitMs?: number;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * Keeps users' WeChat tokens fresh in a {@link TokenStore}: refreshes ahead
 * of expiry, once per user however many callers ask at the same time (in-process
 * single-flight, plus the store's lock across processes), and recovers from
 * 42001 by compare-and-expire, one refresh and one retry (spec §7).
 *
 * @example
 * const tokens = new TokenManager({ client });
 * await tokens.save(await client.exchangeCode(code));
 * const user = await tokens.call(openid, (accessToken) => client.getUserInfo(accessToken, openid));
 */
export class TokenManager {
  readonly #client: TokenManagerOptions["client"];
  readonly #store: TokenStore;
  readonly #marginMs: number;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<TokenRecord>>();

  constructor(options: TokenManagerOptions) {
    if (typeof options?.client?.refreshToken !== "function") {
      throw new ConfigError("client", "must be a WeChatClient");
    }
    this.#client = options.client;
    this.#store = options.store ?? memoryTokenStore();
    this.#marginMs = nonNegative("refreshMarginSeconds", options.refreshMarginSeconds, 300) * 1000;
    this.#leaseMs = nonNegative("lockLeaseMs", options.lockLeaseMs, 20_000);
    this.#waitMs = nonNegative("lockWaitMs", options.lockWaitMs, this.#leaseMs);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Stores a token fresh from `exchangeCode` (or `refreshToken`) under `${appid}:${openid}`.
   * @example
   * const record = await tokens.save(await client.exchangeCode(code));
   */
  async save(token: OAuthToken): Promise<TokenRecord> {
    assertOpenid(token?.openid, "token.openid");
    const now = this.#now();
    const record: TokenRecord = {
      key: this.#key(token.openid),
      accessToken: token.accessToken,
      refreshToken: token.refreshToken,
      scope: token.scope,
      accessExpiresAt: now + token.expiresIn * 1000,
      refreshExpiresAt: now + REFRESH_TOKEN_LIFETIME_MS,
      updatedAt: now,
    };
    await this.#store.putToken(record);
    return record;
  }

  /**
   * A valid access token for `openid`, refreshed first when it expires within the margin.
   * @throws {ReauthorizationRequired} when no token is stored or the refresh token is dead (40030/42002).
   * @example
   * const accessToken = await tokens.getAccessToken(openid);
   */
  async getAccessToken(openid: string, options: CallOptions = {}): Promise<string> {
    assertOpenid(openid);
    const record = await this.#store.getToken(this.#key(openid), this.#now());
    if (!record) throw new ReauthorizationRequired(openid);
    if (this.#isFresh(record)) return record.accessToken;
    return (await this.#refresh(openid, record, undefined, options.signal)).accessToken;
  }

  /**
   * Runs `fn` with a valid access token. If WeChat answers 42001 (token
   * expired early), the stored token is expired only if it is still the one that
   * failed, refreshed once, and `fn` retried once; a second failure surfaces.
   * @example
   * const user = await tokens.call(openid, (accessToken) => client.getUserInfo(accessToken, openid));
   */
  async call<T>(
    openid: string,
    fn: (accessToken: string) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const accessToken = await this.getAccessToken(openid, options);
    try {
      return await fn(accessToken);
    } catch (error) {
      if (!(error instanceof WeChatApiError && error.action === "refresh_access_token")) throw error;
      const key = this.#key(openid);
      const known = await this.#store.getToken(key, this.#now());
      const stillStored = known?.accessToken === accessToken;
      // Compare-and-expire: a caller holding a stale token cannot throw away a fresh one.
      if (stillStored) await this.#store.expireToken(key, accessToken);
      // Any record written after the failing one will do, even if WeChat handed back the same token string.
      const rejected = { accessToken, updatedAt: stillStored ? known.updatedAt : Number.NEGATIVE_INFINITY };
      const fresh = await this.#refresh(openid, known, rejected, options.signal);
      return fn(fresh.accessToken);
    }
  }

  /** One refresh per openid at a time in this process; joiners wait with their own signal. */
  #refresh(
    openid: string,
    known: TokenRecord | undefined,
    rejected: Rejected | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TokenRecord> {
    const key = this.#key(openid);
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = this.#refreshAcrossProcesses(openid, known, rejected).finally(() =>
        this.#inFlight.delete(key),
      );
      this.#inFlight.set(key, flight);
    }
    return abortable(flight, signal);
  }

  /** With a store lock: one holder refreshes, the others poll the store until its result lands (bounded). */
  async #refreshAcrossProcesses(
    openid: string,
    known: TokenRecord | undefined,
    rejected: Rejected | undefined,
  ): Promise<TokenRecord> {
    const store = this.#store;
    if (!store.acquireLock) return this.#refreshNow(openid, known, rejected);
    const key = this.#key(openid);
    const giveUpAt = performance.now() + this.#waitMs;
    for (;;) {
      const lock = await store.acquireLock(`token-refresh:${key}`, this.#leaseMs);
      if (lock) {
        try {
          return await this.#refreshNow(openid, known, rejected);
        } finally {
          await lock.release();
        }
      }
      const current = await store.getToken(key, this.#now());
      if (current && this.#isUsable(current, rejected)) return current;
      if (performance.now() >= giveUpAt) {
        throw new WeChatTimeoutError("sns/oauth2/refresh_token", this.#waitMs, "total");
      }
      await sleep(LOCK_POLL_MS);
    }
  }

  async #refreshNow(openid: string, known: TokenRecord | undefined, rejected: Rejected | undefined) {
    const key = this.#key(openid);
    // Another process may have refreshed while we waited for the lock.
    const current = await this.#store.getToken(key, this.#now());
    if (current && this.#isUsable(current, rejected)) return current;
    // After a compare-and-expire the store may no longer hold the record: the copy read before still has the refresh token.
    const source = current ?? known;
    if (!source?.refreshToken) throw new ReauthorizationRequired(openid);
    let token: OAuthToken;
    try {
      token = await this.#client.refreshToken(source.refreshToken);
    } catch (error) {
      if (error instanceof WeChatApiError && error.action === "reauthorize") {
        // 40030/42002: the refresh token is dead; drop the record so the next call fails fast.
        await this.#store.expireToken(key, source.accessToken);
        throw new ReauthorizationRequired(openid, { cause: error });
      }
      throw error;
    }
    const now = this.#now();
    const record: TokenRecord = {
      key,
      accessToken: token.accessToken,
      refreshToken: token.refreshToken,
      scope: token.scope,
      accessExpiresAt: now + token.expiresIn * 1000,
      refreshExpiresAt: source.refreshExpiresAt,
      updatedAt: now,
    };
    await this.#store.putToken(record);
    return record;
  }

  #isFresh(record: TokenRecord): boolean {
    return record.accessExpiresAt - this.#marginMs > this.#now();
  }

  /** Fresh, and not the record whose token WeChat just rejected. */
  #isUsable(record: TokenRecord, rejected: Rejected | undefined): boolean {
    if (!this.#isFresh(record)) return false;
    return !rejected || record.accessToken !== rejected.accessToken || record.updatedAt > rejected.updatedAt;
  }

  #key(openid: string): string {
    return `${this.#client.appid}:${openid}`;
  }
}

function nonNegative(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, "must be a number, 0 or more");
  }
  return value;
}

import {
  type AppAccessToken,
  ConfigError,
  type OAuthToken,
  ReauthorizationRequired,
  type TokenRecord,
  type TokenStore,
  WeChatApiError,
} from "../protocol/index.js";
import { abortable } from "./abortable.js";
import { assertOpenid } from "./arguments.js";
import type { CallOptions, WeChatClient } from "./client.js";
import { memoryTokenStore } from "./memory-token-store.js";
import { refreshAcrossProcesses } from "./refresh-across-processes.js";
import { refreshDueAt } from "./refresh-due.js";

// Spec §7: the codes WeChat answers for an app credential that was replaced or expired early.
const APP_TOKEN_REJECTED = new Set([40001, 40014, 42001]);
// Spec §3.2: a refresh_token lives 30 days from the authorization.
const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;

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
  /** The client whose app the tokens belong to (`appid`, `refreshToken`, and `fetchAppAccessToken` for the app credential). */
  client: Pick<WeChatClient, "appid" | "refreshToken"> & Partial<Pick<WeChatClient, "fetchAppAccessToken">>;
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

  /**
   * The app credential (`stable_token`, spec §3.6) shared by every process on
   * the store: read from the store while fresh, otherwise fetched once for
   * the whole cluster under the store's lock and written back. Prefer this to
   * `client.getAppAccessToken()` (one cache per process) when several instances run.
   * @throws {ConfigError} when `client` has no `fetchAppAccessToken` (a stand-in client).
   * @example
   * const { accessToken } = await tokens.getAppAccessToken();
   */
  async getAppAccessToken(options: CallOptions = {}): Promise<AppAccessToken> {
    const fetchAppAccessToken = this.#client.fetchAppAccessToken?.bind(this.#client);
    if (!fetchAppAccessToken) throw new ConfigError("client", "must be a WeChatClient");
    const key = this.#appKey();
    let record = await this.#store.getToken(key, this.#now());
    if (!record || !this.#isFresh(record)) {
      record = await abortable(
        this.#singleFlight(key, () =>
          refreshAcrossProcesses({
            ...this.#lockTimes(key),
            endpoint: "cgi-bin/stable_token",
            isUsable: (current) => this.#isFresh(current),
            refresh: async () => {
              const token = await fetchAppAccessToken();
              const now = this.#now();
              const fresh: TokenRecord = {
                key,
                accessToken: token.accessToken,
                refreshToken: undefined,
                scope: "",
                accessExpiresAt: now + token.expiresIn * 1000,
                refreshExpiresAt: undefined,
                updatedAt: now,
              };
              await this.#store.putToken(fresh);
              return fresh;
            },
          }),
        ),
        options.signal,
      );
    }
    return {
      accessToken: record.accessToken,
      expiresIn: Math.max(0, Math.floor((record.accessExpiresAt - this.#now()) / 1000)),
    };
  }

  /**
   * Runs `fn` with the cluster's app credential. When WeChat rejects it
   * (40001, 40014 or 42001: replaced or expired early, spec §7), the stored
   * one is expired only if it is still the one that failed, a fresh one is
   * fetched once for the cluster, and `fn` is retried once; a second failure surfaces.
   * @example
   * const ips = await tokens.callWithAppToken((accessToken) => getCallbackIp(accessToken));
   */
  async callWithAppToken<T>(fn: (accessToken: string) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const { accessToken } = await this.getAppAccessToken(options);
    try {
      return await fn(accessToken);
    } catch (error) {
      if (!(error instanceof WeChatApiError && APP_TOKEN_REJECTED.has(error.errcode))) throw error;
      await this.#store.expireToken(this.#appKey(), accessToken);
      const fresh = await this.getAppAccessToken(options);
      return fn(fresh.accessToken);
    }
  }

  /** One refresh per openid at a time in this process (the store lock covers other processes); joiners wait with their own signal. */
  #refresh(
    openid: string,
    known: TokenRecord | undefined,
    rejected: Rejected | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TokenRecord> {
    const key = this.#key(openid);
    const flight = this.#singleFlight(key, () =>
      refreshAcrossProcesses({
        ...this.#lockTimes(key),
        endpoint: "sns/oauth2/refresh_token",
        isUsable: (current) => this.#isUsable(current, rejected),
        refresh: (current) => this.#refreshNow(openid, current ?? known),
      }),
    );
    return abortable(flight, signal);
  }

  #singleFlight(key: string, run: () => Promise<TokenRecord>): Promise<TokenRecord> {
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = run().finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, flight);
    }
    return flight;
  }

  #lockTimes(key: string) {
    return { store: this.#store, key, leaseMs: this.#leaseMs, waitMs: this.#waitMs, now: this.#now };
  }

  /** `source` is the stored record, or after a compare-and-expire the copy read before (it still has the refresh token). */
  async #refreshNow(openid: string, source: TokenRecord | undefined): Promise<TokenRecord> {
    const key = this.#key(openid);
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
    return refreshDueAt(record.updatedAt, record.accessExpiresAt, this.#marginMs) > this.#now();
  }

  /** Fresh, and not the record whose token WeChat just rejected. */
  #isUsable(record: TokenRecord, rejected: Rejected | undefined): boolean {
    if (!this.#isFresh(record)) return false;
    return !rejected || record.accessToken !== rejected.accessToken || record.updatedAt > rejected.updatedAt;
  }

  #appKey(): string {
    return `app:${this.#client.appid}`;
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

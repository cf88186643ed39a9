import {
  ConfigError,
  type OAuthToken,
  ReauthorizationRequired,
  type TokenRecord,
  WeChatApiError,
} from "../protocol/index.js";
import { abortable } from "./abortable.js";
import { assertOpenid } from "./arguments.js";
import type { CallOptions, WeChatClient } from "./client.js";
import { TokenRefresher, type TokenRefreshOptions } from "./token-refresh.js";

// Spec §3.2: a refresh_token lives 30 days from the authorization.
const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** The token WeChat answered 42001 for, and when its record was written. */
interface Rejected {
  accessToken: string;
  updatedAt: number;
}

/**
 * Options of {@link UserTokens}.
 * @example
 * const options: UserTokensOptions = { client, store: memoryTokenStore(), refreshMarginSeconds: 300 };
 */
export interface UserTokensOptions extends TokenRefreshOptions {
  /** The client whose app the users logged in through (`appid`, `refreshToken`). */
  client: Pick<WeChatClient, "appid" | "refreshToken">;
}

/**
 * Keeps users' WeChat tokens (from the code exchange) fresh in a store:
 * refreshes ahead of expiry, once per user however many callers ask at the
 * same time (in-process single flight, plus the store's lock across
 * processes), and recovers from 42001 by compare-and-expire, one refresh and
 * one retry (spec §7).
 *
 * @example
 * const tokens = new UserTokens({ client });
 * await tokens.save(await client.exchangeCode(code));
 * const user = await tokens.call(openid, (accessToken) => client.getUserInfo(accessToken, openid));
 */
export class UserTokens {
  readonly #client: UserTokensOptions["client"];
  readonly #refresher: TokenRefresher;

  constructor(options: UserTokensOptions) {
    if (typeof options?.client?.refreshToken !== "function") {
      throw new ConfigError("client", "must be a WeChatClient");
    }
    this.#client = options.client;
    this.#refresher = new TokenRefresher(options);
  }

  /**
   * Stores a token fresh from `exchangeCode` (or `refreshToken`) under `${appid}:${openid}`.
   * @example
   * const record = await tokens.save(await client.exchangeCode(code));
   */
  async save(token: OAuthToken): Promise<TokenRecord> {
    assertOpenid(token?.openid, "token.openid");
    const record = this.#refresher.record(
      this.#key(token.openid),
      token,
      this.#refresher.now() + REFRESH_TOKEN_LIFETIME_MS,
    );
    await this.#refresher.store.putToken(record);
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
    const record = await this.#refresher.store.getToken(this.#key(openid), this.#refresher.now());
    if (!record) throw new ReauthorizationRequired(openid);
    if (this.#refresher.isFresh(record)) return record.accessToken;
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
      const { store, now } = this.#refresher;
      const key = this.#key(openid);
      const known = await store.getToken(key, now());
      const stillStored = known?.accessToken === accessToken;
      // Compare-and-expire: a caller holding a stale token cannot throw away a fresh one.
      if (stillStored) await store.expireToken(key, accessToken);
      // Any record written after the failing one will do, even if WeChat handed back the same token string.
      const rejected = { accessToken, updatedAt: stillStored ? known.updatedAt : Number.NEGATIVE_INFINITY };
      const fresh = await this.#refresh(openid, known, rejected, options.signal);
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
    const flight = this.#refresher.refresh(this.#key(openid), {
      endpoint: "sns/oauth2/refresh_token",
      isUsable: (current) => this.#isUsable(current, rejected),
      refresh: (current) => this.#refreshNow(openid, current ?? known),
    });
    return abortable(flight, signal);
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
        await this.#refresher.store.expireToken(key, source.accessToken);
        throw new ReauthorizationRequired(openid, { cause: error });
      }
      throw error;
    }
    const record = this.#refresher.record(key, token, source.refreshExpiresAt);
    await this.#refresher.store.putToken(record);
    return record;
  }

  /** Fresh, and not the record whose token WeChat just rejected. */
  #isUsable(record: TokenRecord, rejected: Rejected | undefined): boolean {
    if (!this.#refresher.isFresh(record)) return false;
    return !rejected || record.accessToken !== rejected.accessToken || record.updatedAt > rejected.updatedAt;
  }

  #key(openid: string): string {
    return `${this.#client.appid}:${openid}`;
  }
}

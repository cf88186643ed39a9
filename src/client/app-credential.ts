import { type AppAccessToken, ConfigError, type TokenRecord, WeChatApiError } from "../protocol/index.js";
import { abortable } from "./abortable.js";
import type { CallOptions, WeChatClient } from "./client.js";
import { TokenRefresher, type TokenRefreshOptions } from "./token-refresh.js";

// Spec §7: the codes WeChat answers for an app credential that was replaced or expired early.
const APP_TOKEN_REJECTED = new Set([40001, 40014, 42001]);

/**
 * Options of {@link AppCredential}.
 * @example
 * const options: AppCredentialOptions = { client, store: await storeFromUrl(process.env.STORE_URL!) };
 */
export interface AppCredentialOptions extends TokenRefreshOptions {
  /** The client of the app whose credential this is (`appid`, `fetchAppAccessToken`). */
  client: Pick<WeChatClient, "appid" | "fetchAppAccessToken">;
}

/**
 * The app credential (`stable_token`, spec §3.6) shared by every process on
 * the store: read from the store while fresh, otherwise fetched once for the
 * whole cluster under the store's lock and written back under `app:${appid}`.
 * Its cache is the store; `client.getAppAccessToken()` caches in one process
 * only, and `client.fetchAppAccessToken()` never caches.
 *
 * @example
 * const credential = new AppCredential({ client, store });
 * const { accessToken } = await credential.getAccessToken();
 */
export class AppCredential {
  readonly #client: AppCredentialOptions["client"];
  readonly #refresher: TokenRefresher;

  constructor(options: AppCredentialOptions) {
    if (typeof options?.client?.fetchAppAccessToken !== "function") {
      throw new ConfigError("client", "must be a WeChatClient");
    }
    this.#client = options.client;
    this.#refresher = new TokenRefresher(options);
  }

  /**
   * The cluster's app credential, fetched only when the stored one is due.
   * @example
   * const { accessToken, expiresIn } = await credential.getAccessToken();
   */
  async getAccessToken(options: CallOptions = {}): Promise<AppAccessToken> {
    const { store, now } = this.#refresher;
    const key = this.#key();
    let record = await store.getToken(key, now());
    if (!record || !this.#refresher.isFresh(record)) {
      record = await abortable(
        this.#refresher.refresh(key, {
          endpoint: "cgi-bin/stable_token",
          isUsable: (current) => this.#refresher.isFresh(current),
          refresh: () => this.#fetch(key),
        }),
        options.signal,
      );
    }
    return {
      accessToken: record.accessToken,
      expiresIn: Math.max(0, Math.floor((record.accessExpiresAt - now()) / 1000)),
    };
  }

  /**
   * Runs `fn` with the cluster's app credential. When WeChat rejects it
   * (40001, 40014 or 42001: replaced or expired early, spec §7), the stored
   * one is expired only if it is still the one that failed, a fresh one is
   * fetched once for the cluster, and `fn` is retried once; a second failure surfaces.
   * @example
   * const ips = await credential.call((accessToken) => getCallbackIp(accessToken));
   */
  async call<T>(fn: (accessToken: string) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const { accessToken } = await this.getAccessToken(options);
    try {
      return await fn(accessToken);
    } catch (error) {
      if (!(error instanceof WeChatApiError && APP_TOKEN_REJECTED.has(error.errcode))) throw error;
      await this.#refresher.store.expireToken(this.#key(), accessToken);
      const fresh = await this.getAccessToken(options);
      return fn(fresh.accessToken);
    }
  }

  async #fetch(key: string): Promise<TokenRecord> {
    const token = await this.#client.fetchAppAccessToken();
    const record = this.#refresher.record(key, { ...token, refreshToken: undefined, scope: "" }, undefined);
    await this.#refresher.store.putToken(record);
    return record;
  }

  #key(): string {
    return `app:${this.#client.appid}`;
  }
}

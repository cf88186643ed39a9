import { inspect } from "node:util";
import { decodeResponse } from "../protocol/decode.js";
import {
  type AppAccessToken,
  type AuthorizeUrlOptions,
  authorizeUrl,
  type Code2Session,
  type Endpoint,
  type OAuthToken,
  PATHS,
  type QrConnectUrlOptions,
  qrConnectUrl,
  type ResponseOf,
  type UserInfo,
  type WxLoginOptions,
  type WxLoginOptionsInput,
  wxLoginOptions,
} from "../protocol/index.js";
import { AppTokenCache } from "./app-token-cache.js";
import { assertLang, assertOpaque, assertOpenid } from "./arguments.js";
import { type ClientConfig, resolveConfig, type WeChatClientOptions } from "./config.js";
import { Deadline } from "./deadline.js";
import type { HttpResponse } from "./exchange.js";
import { type HttpRequest, HttpTransport, type PoolStats } from "./http.js";
import { nextBackoffMs, type RetryPolicy } from "./retry.js";

/**
 * Options every call takes.
 * @example
 * await client.checkToken(accessToken, openid, { signal: AbortSignal.timeout(2_000) });
 */
export interface CallOptions {
  /** Cancels the call; it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Options of {@link WeChatClient.getUserInfo}.
 * @example
 * await client.getUserInfo(accessToken, openid, { lang: "en" });
 */
export interface UserInfoOptions extends CallOptions {
  /** Language of province/city/country. Default `zh_CN`. */
  lang?: "zh_CN" | "zh_TW" | "en";
}

/** One call through a client's request path: deadline, retries, decoding. */
export interface Call<E extends Endpoint, R = ResponseOf<E>> extends HttpRequest {
  endpoint: E;
  policy: RetryPolicy;
  /** Values sent in this call, blanked from any errmsg WeChat echoes back. */
  sensitive: readonly string[];
  signal: AbortSignal | undefined;
  /** How an answer that is not JSON is read (with `binary`, e.g. a wxacode image); default: the endpoint's schema. */
  decode?: (response: HttpResponse) => R;
}

let send: <E extends Endpoint, R>(client: WeChatClient, call: Call<E, R>) => Promise<R>;

/**
 * Sends `call` through `client`'s own request path (pools, deadline, retries,
 * decoding). Package-internal, not exported from `wechat-login/client`: it lets
 * API families live in modules of their own (official-account.ts, mini-program.ts).
 */
export function callThrough<E extends Endpoint, R = ResponseOf<E>>(
  client: WeChatClient,
  call: Call<E, R>,
): Promise<R> {
  return send(client, call);
}

/**
 * WeChat's server-to-server login API for one app: code exchange, token
 * refresh and check, user info, mini-program login and the app credential.
 * Every call validates its arguments before any I/O, has a deadline, returns
 * validated camelCase data and throws the typed errors of `wechat-login/protocol`.
 *
 * @example
 * import { WeChatClient } from "wechat-login/client";
 *
 * const client = new WeChatClient({ appid: "wx0123456789abcdef", secret: process.env.WECHAT_SECRET! });
 * const token = await client.exchangeCode(code);
 * const user = await client.getUserInfo(token.accessToken, token.openid);
 * await client.close();
 */
export class WeChatClient {
  /** The app's AppID. */
  readonly appid: string;
  readonly #config: ClientConfig;
  readonly #http: HttpTransport;
  readonly #appToken: AppTokenCache;

  static {
    send = (client, call) => client.#call(() => call);
  }

  /**
   * @throws {ConfigError} naming the first missing or malformed option.
   * @example
   * const client = new WeChatClient({ appid, secret, apiBase: "http://127.0.0.1:3001", connections: 4 });
   */
  constructor(options: WeChatClientOptions) {
    this.#config = resolveConfig(options);
    this.appid = this.#config.appid;
    this.#http = new HttpTransport(this.#config);
    this.#appToken = new AppTokenCache(() => this.fetchAppAccessToken(), this.#config.now);
  }

  /**
   * URL of the website QR login page (scope `snsapi_login`) for this app.
   * @example
   * response.redirect(client.qrConnectUrl({ redirectUri: "https://example.com/auth/callback", state }));
   */
  qrConnectUrl(options: Omit<QrConnectUrlOptions, "appid" | "openBase">): string {
    return qrConnectUrl({ ...options, appid: this.appid, openBase: this.#config.openBase });
  }

  /**
   * URL of the in-WeChat web authorization (`snsapi_base` or `snsapi_userinfo`) for this app.
   * @example
   * client.authorizeUrl({ redirectUri: "https://example.com/auth/callback", scope: "snsapi_userinfo", state });
   */
  authorizeUrl(options: Omit<AuthorizeUrlOptions, "appid" | "openBase">): string {
    return authorizeUrl({ ...options, appid: this.appid, openBase: this.#config.openBase });
  }

  /**
   * Options for `new WxLogin(...)` (embedded QR) for this app.
   * @example
   * const options = client.wxLoginOptions({ id: "login_container", redirectUri, state });
   */
  wxLoginOptions(input: Omit<WxLoginOptionsInput, "appid">): WxLoginOptions {
    return wxLoginOptions({ ...input, appid: this.appid });
  }

  /**
   * Exchanges the `code` from the callback for the user's tokens (spec §3.1).
   * Never retried once the request may have reached WeChat: a code works once,
   * and a second try would only hide the real error behind 40163.
   * @example
   * const { accessToken, refreshToken, openid, unionid, scope } = await client.exchangeCode(code);
   */
  exchangeCode(code: string, options: CallOptions = {}): Promise<OAuthToken> {
    return this.#call(() => {
      assertOpaque(code, "code");
      const { appid, secret } = this.#config;
      return {
        endpoint: "sns/oauth2/access_token",
        path: PATHS.accessToken,
        method: "GET",
        query: [
          ["appid", appid],
          ["secret", secret],
          ["code", code],
          ["grant_type", "authorization_code"],
        ],
        policy: "single-use",
        sensitive: [secret, code],
        signal: options.signal,
      };
    });
  }

  /**
   * Renews an access token with the refresh token (spec §3.2). 40030/42002 mean the user must log in again.
   * @example
   * const fresh = await client.refreshToken(stored.refreshToken);
   */
  refreshToken(refreshToken: string, options: CallOptions = {}): Promise<OAuthToken> {
    return this.#call(() => {
      assertOpaque(refreshToken, "refreshToken");
      return {
        endpoint: "sns/oauth2/refresh_token",
        path: PATHS.refreshToken,
        method: "GET",
        query: [
          ["appid", this.appid],
          ["grant_type", "refresh_token"],
          ["refresh_token", refreshToken],
        ],
        policy: "idempotent",
        sensitive: [refreshToken],
        signal: options.signal,
      };
    });
  }

  /**
   * Checks that an access token is valid for `openid` (spec §3.3): resolves `true`, or throws
   * (`WeChatApiError` with reason `access_token_expired`, `invalid_openid`, …).
   * @example
   * await client.checkToken(token.accessToken, token.openid);
   */
  checkToken(accessToken: string, openid: string, options: CallOptions = {}): Promise<true> {
    return this.#call(() => {
      assertOpaque(accessToken, "accessToken");
      assertOpenid(openid);
      return {
        endpoint: "sns/auth",
        path: PATHS.checkToken,
        method: "GET",
        query: [
          ["access_token", accessToken],
          ["openid", openid],
        ],
        policy: "idempotent",
        sensitive: [accessToken],
        signal: options.signal,
      };
    });
  }

  /**
   * Reads the user's profile (spec §3.4; needs scope `snsapi_userinfo` or `snsapi_login`).
   * @example
   * const { nickname, headimgurl, unionid } = await client.getUserInfo(token.accessToken, token.openid, { lang: "en" });
   */
  getUserInfo(accessToken: string, openid: string, options: UserInfoOptions = {}): Promise<UserInfo> {
    return this.#call(() => {
      assertOpaque(accessToken, "accessToken");
      assertOpenid(openid);
      const lang = options.lang ?? "zh_CN";
      assertLang(lang);
      return {
        endpoint: "sns/userinfo",
        path: PATHS.userInfo,
        method: "GET",
        query: [
          ["access_token", accessToken],
          ["openid", openid],
          ["lang", lang],
        ],
        policy: "idempotent",
        sensitive: [accessToken],
        signal: options.signal,
      };
    });
  }

  /**
   * Exchanges a mini program's `wx.login()` code (spec §3.5). `sessionKey` is a
   * secret: keep it on the server. Never retried once sent, like {@link exchangeCode}.
   * @example
   * const { openid, unionid, sessionKey } = await client.code2Session(jsCode);
   */
  code2Session(jsCode: string, options: CallOptions = {}): Promise<Code2Session> {
    return this.#call(() => {
      assertOpaque(jsCode, "jsCode");
      const { appid, secret } = this.#config;
      return {
        endpoint: "sns/jscode2session",
        path: PATHS.code2Session,
        method: "GET",
        query: [
          ["appid", appid],
          ["secret", secret],
          ["js_code", jsCode],
          ["grant_type", "authorization_code"],
        ],
        policy: "single-use",
        sensitive: [secret, jsCode],
        signal: options.signal,
      };
    });
  }

  /**
   * The app credential from `POST cgi-bin/stable_token` (spec §3.6), kept in
   * memory until 5 minutes before it expires and fetched once however many callers
   * ask at the same time. `expiresIn` is what is left of its lifetime.
   * @example
   * const { accessToken } = await client.getAppAccessToken();
   */
  async getAppAccessToken(options: CallOptions = {}): Promise<AppAccessToken> {
    return this.#appToken.get(options.signal);
  }

  /**
   * `POST cgi-bin/stable_token` every time, without a cache: for your own
   * cache. `AppCredential` builds a cluster-wide one on it.
   * @example
   * const { accessToken, expiresIn } = await client.fetchAppAccessToken();
   */
  fetchAppAccessToken(options: CallOptions = {}): Promise<AppAccessToken> {
    return this.#call(() => {
      const { appid, secret } = this.#config;
      return {
        endpoint: "cgi-bin/stable_token",
        path: PATHS.stableToken,
        method: "POST",
        query: [],
        // Without force_refresh the stable token is returned as is: safe to repeat (spec §7).
        json: { grant_type: "client_credential", appid, secret, force_refresh: false },
        policy: "idempotent",
        sensitive: [secret],
        signal: options.signal,
      };
    });
  }

  /**
   * Connection counters per origin of the client's pools (empty with your own `dispatcher`).
   * @example
   * console.log(client.stats()); // { "https://api.weixin.qq.com": { connected: 2, free: 2, running: 0, ... } }
   */
  stats(): Record<string, PoolStats> {
    return this.#http.stats();
  }

  /**
   * Closes the client's connection pools after in-flight calls finish. A
   * user-supplied `dispatcher` is left open. Calls after `close()` fail with `WeChatNetworkError` `CLIENT_CLOSED`.
   * @example
   * process.on("SIGTERM", () => client.close());
   */
  close(): Promise<void> {
    return this.#http.close();
  }

  /**
   * Runs one call: `build` checks the arguments (a bad one rejects, never throws)
   * and describes the request; then attempts and backoffs until it settles. One
   * async function over the transport's promise: each await level more was
   * microseconds per call (bench/README.md).
   */
  async #call<E extends Endpoint, R = ResponseOf<E>>(build: () => Call<E, R>): Promise<R> {
    const call = build();
    const deadline = new Deadline(this.#config.timeouts.totalMs, call.signal);
    try {
      for (let retry = 0; ; retry++) {
        try {
          const response = await this.#http.send(call, deadline);
          if (call.decode) return call.decode(response);
          return decodeResponse(call.endpoint, response.status, response.bodyText, call.sensitive) as R;
        } catch (error) {
          const delay = nextBackoffMs(error, retry, call.policy, this.#config.retry, deadline);
          if (delay === undefined) throw error;
          if (!(await deadline.pause(delay))) throw deadline.abortError(call.endpoint) ?? error;
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  /** What `JSON.stringify(client)` shows: never the secret. */
  toJSON(): { appid: string; apiBase: string; openBase: string } {
    return { appid: this.appid, apiBase: this.#config.apiBase.href, openBase: this.#config.openBase };
  }

  /** What `util.inspect(client)` and `console.log(client)` show: never the secret. */
  [inspect.custom](): string {
    return `WeChatClient ${inspect(this.toJSON())}`;
  }
}

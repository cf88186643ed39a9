import type { UserTokens } from "../client/index.js";
import type {
  DecryptUserDataOptions,
  EncryptedUserData,
  OpenData,
  SignedUserData,
} from "../protocol/open-data.js";
import type { WxLoginOptions } from "../protocol/urls.js";
import type { PageKind } from "./pages.js";

/**
 * The public types of the login flow, in a module of their own: every flow
 * module may import them without importing `createLogin`.
 */

/** The logged-in user as `/session` and `getSession` return it. */
export interface LoginSession {
  user: { id: string; nickname: string; headimgurl: string; unionid: string | undefined };
  identity: { appid: string; openid: string };
  /** When the session ends at the latest (epoch ms). */
  expiresAt: number;
}

/** Options for a page that shows WeChat's QR inside itself (`WxLogin.js`). */
export interface EmbeddedLogin {
  /** Pass to `new WxLogin(options)`. */
  options: WxLoginOptions;
  /** The `<script src>` of `wxLogin.js` for the configured OPEN host. */
  scriptUrl: string;
  /** Set-Cookie header binding the state to this browser: send it with the page. */
  setCookie: string;
}

export interface Login {
  /**
   * Handles `{prefix}/login`, `/callback` (and `/callback/mp` for the official account), `/session`, `/logout`, `/qr`, and with `miniProgram` the `/miniprogram/*` JSON routes; anything else under the prefix is a 404 page.
   * @param connection What a Web `Request` cannot carry: the socket's peer address, for the rate limits
   *   (every adapter passes it; see {@link ClientConnection}).
   * @example
   * createServer(async (req, res) => {
   *   const response = await login.handle(toWebRequest(req), { remoteAddress: req.socket.remoteAddress });
   * });
   */
  handle(request: Request, connection?: ClientConnection): Promise<Response>;
  /**
   * Handles WeChat's redirect back (`{prefix}/callback`, `/callback/mp`) like {@link Login.handle}, and
   * says what came of it, for an auth framework that owns the next step (Passport, Auth.js, better-auth).
   * Every check is the flow's own (the state, its browser binding, the double callback, the code
   * exchange); send `response`'s cookies and headers with whatever the framework answers.
   * @example
   * const result = await login.completeCallback(request, { remoteAddress });
   * if (result.outcome === "logged_in") console.log(result.session.user.id);
   */
  completeCallback(request: Request, connection?: ClientConnection): Promise<CallbackResult>;
  /** True when `request` is for one of the login routes. */
  matches(request: Request): boolean;
  /**
   * The logged-in session of a request, or undefined. Renews the idle expiry.
   * Reads the session cookie, or `Authorization: Bearer <token>` (the mini
   * program's session); a request with a bearer token is judged by it alone.
   */
  getSession(request: Request): Promise<LoginSession | undefined>;
  /**
   * The request's session, ended in the same step: a one-time ticket for an auth framework that opens its
   * own session from ours (Auth.js). Of concurrent calls presenting one session, across every instance
   * sharing the store, exactly one gets it; every later call gets undefined. Cookie or bearer, as
   * {@link Login.getSession} reads them.
   * @example
   * const session = await login.takeSession(request); // undefined the second time
   */
  takeSession(request: Request): Promise<LoginSession | undefined>;
  /** The mini program's open data, checked with the session_key the server keeps (`miniProgram` option). */
  readonly miniprogram: MiniProgramLogin;
  /**
   * Creates a state for a page that embeds the QR (`WxLogin.js`). Counts as a
   * login start for the rate limits: pass the socket's `remoteAddress`.
   * @throws {RateLimited} when this client started too many logins (answer 429 with its `retryAfterSeconds`).
   */
  embeddedLogin(
    request: Request,
    options: {
      containerId: string;
      returnTo?: string;
      selfRedirect?: boolean;
      remoteAddress?: string | undefined;
    },
  ): Promise<EmbeddedLogin>;
  /**
   * The WeChat tokens of users who logged in through app `appid` (default: the
   * website app), kept when `keepTokens` is on, encrypted at rest, refreshed
   * once across every instance sharing the store.
   * @throws {InvalidArgumentError} for an appid this login is not configured with.
   * @example
   * const session = await login.getSession(request);
   * const { appid, openid } = session.identity;
   * const accessToken = await login.tokens(appid).getAccessToken(openid);
   */
  tokens(appid?: string): UserTokens;
  /** The path the login routes live under, e.g. `"/auth"` (`""` for the root). */
  readonly routePrefix: string;
  /** The website app's AppID (public: it is in every QR URL). */
  readonly appid: string;
  /**
   * Where to send a browser to log in and come back to `returnTo` (a same-origin path; checked again by the flow).
   * @example
   * login.loginUrl("/orders?page=2"); // "/auth/login?returnTo=%2Forders%3Fpage%3D2"
   */
  loginUrl(returnTo?: string): string;
  /**
   * The answer for a request that needs a session and has none, with the
   * login routes' security headers: 401 `{"error":"not_logged_in"}` (as
   * `GET {prefix}/session` answers), or for pages a redirect to {@link Login.loginUrl}
   * that comes back to this request's path. Every adapter's `requireSession` answers with it.
   */
  unauthenticated(request: Request, options?: RequireSessionOptions): Response;
  /**
   * True when `X-Forwarded-*` headers from this peer count (the `trustProxy`
   * option): for adapters that build the request's URL before the flow sees it.
   */
  trustsProxy(remoteAddress: string | undefined): boolean;
  /** Closes the WeChat clients' connection pools (not the store, which the app owns). */
  close(): Promise<void>;
}

/**
 * Open data of the mini program (spec B.3), checked with the session_key the
 * server kept at the session's login: the mini program never holds the key.
 * @example
 * const session = await login.getSession(request);
 * const profile = await login.miniprogram.verifyUserData({ rawData, signature }, session);
 */
export interface MiniProgramLogin {
  /** The configured mini program's AppID, or undefined without `miniProgram`. */
  readonly appid: string | undefined;
  /**
   * Checks `signature == sha1(rawData + session_key)` and returns rawData parsed.
   * @throws {MiniProgramLoginRequired} not a mini-program session, or the server holds no key for it.
   * @throws {OpenDataSignatureError} rawData altered, or signed under a key a later `wx.login` replaced.
   * @throws {ConfigError} `miniProgram` is not configured.
   */
  verifyUserData(data: SignedUserData, session: LoginSession): Promise<Record<string, unknown>>;
  /**
   * Decrypts `{encryptedData, iv}` and checks its watermark (this mini program's appid, not stale).
   * @throws {MiniProgramLoginRequired} not a mini-program session, or the server holds no key for it.
   * @throws {OpenDataDecryptError} the key was replaced by a later `wx.login` (log in again), or the data altered.
   * @throws {OpenDataWatermarkError} another app's data, or too old.
   * @throws {ConfigError} `miniProgram` is not configured.
   */
  decryptUserData(
    data: EncryptedUserData,
    session: LoginSession,
    options?: DecryptUserDataOptions,
  ): Promise<OpenData>;
}

/** What `requireSession` (and {@link Login.unauthenticated}) does when a request has no session. */
export interface RequireSessionOptions {
  /**
   * `"json"` (default) answers 401 `{"error":"not_logged_in"}`, like `GET {prefix}/session`;
   * `"redirect"` sends the browser to `{prefix}/login?returnTo=<this page>` (for pages, not APIs).
   */
  onMissing?: "json" | "redirect";
}

/** What the adapter knows about the connection that `login.handle` cannot read from a Web `Request`. */
export interface ClientConnection {
  /**
   * The socket's peer address (`req.socket.remoteAddress`): the client, or the
   * proxy in front of the app, whose `X-Forwarded-For` counts only with
   * `trustProxy`. Without it (and without trusted headers) every such request
   * is counted under one shared key, `"unknown"`.
   */
  remoteAddress?: string | undefined;
}

/** What {@link Login.completeCallback} made of a callback request. */
export type CallbackResult =
  | {
      /** The user logged in: `response` redirects to `returnTo` and opens the flow's session. */
      outcome: "logged_in";
      session: LoginSession;
      /** The same-origin path the login was started for (checked again by the flow). */
      returnTo: string;
      response: Response;
    }
  | {
      /** The flow refused the callback (or the user declined): `response` is its page. */
      outcome: "refused";
      error: PageKind;
      status: number;
      response: Response;
    }
  | {
      /**
       * Neither, but an answer to send as is: a restart that binds a fresh login (the browser dropped its
       * cookie), a double callback from the browser that already logged in (sent on to `returnTo`), a 405.
       */
      outcome: "answered";
      response: Response;
    };

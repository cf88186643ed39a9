import { TokenManager, WeChatClient } from "../client/index.js";
import { InvalidArgumentError } from "../protocol/errors.js";
import type { WxLoginOptions } from "../protocol/urls.js";
import type { Store } from "../stores/types.js";
import { callback } from "./callback.js";
import { proxyTrust } from "./client-address.js";
import { type LoginConfig, type LoginOptions, parseLoginConfig } from "./config.js";
import type { AppClient, FlowContext } from "./context.js";
import { CookiePolicy } from "./cookies.js";
import { TokenCipher } from "./crypto.js";
import { pickLang, renderPage } from "./pages.js";
import { type ClientConnection, LoginLimits } from "./rate-limit.js";
import { sealedTokenStore } from "./sealed-token-store.js";
import { logout, readSession, sessionRoute } from "./session.js";
import { embeddedLogin, login, qrRoute } from "./start.js";
import { StoreUnavailable, withDeadline } from "./store-guard.js";
import { ExpirySweep } from "./sweep.js";

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
   * Handles `{prefix}/login`, `/callback`, `/session`, `/logout`, `/qr`; anything else under the prefix is a 404 page.
   * @param connection What a Web `Request` cannot carry: the socket's peer address, for the rate limits
   *   (every adapter passes it; see {@link ClientConnection}).
   * @example
   * createServer(async (req, res) => {
   *   const response = await login.handle(toWebRequest(req), { remoteAddress: req.socket.remoteAddress });
   * });
   */
  handle(request: Request, connection?: ClientConnection): Promise<Response>;
  /** True when `request` is for one of the login routes. */
  matches(request: Request): boolean;
  /** The logged-in session of a request, or undefined. Renews the idle expiry. */
  getSession(request: Request): Promise<LoginSession | undefined>;
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
  tokens(appid?: string): TokenManager;
  readonly config: LoginConfig;
  /** Closes the WeChat clients' connection pools (not the store, which the app owns). */
  close(): Promise<void>;
}

/**
 * Creates the login flow: a Web-standard `Request → Response` handler.
 * @example
 * const login = createLogin({ appid, secret, redirectUri: "https://example.com/auth/callback",
 *   sessionSecret: process.env.SESSION_SECRET, store: sqliteStore({ filename: "./data/login.db" }) });
 * // in any framework: if (login.matches(request)) return login.handle(request);
 */
export function createLogin(options: LoginOptions): Login {
  const config = parseLoginConfig(options);
  const now = config.now ?? Date.now;
  const prefix = config.routePrefix;
  const timeouts = { totalMs: config.upstreamTimeoutMs };
  const appClient = (appid: string, secret: string): AppClient => ({
    appid,
    client: new WeChatClient({ appid, secret, apiBase: config.apiBase, openBase: config.openBase, timeouts }),
  });
  const website = appClient(config.appid, config.secret);
  const officialAccount =
    config.officialAccount && appClient(config.officialAccount.appid, config.officialAccount.secret);
  const sealedStore = sealedTokenStore(config.store, new TokenCipher(config.sessionSecret));
  const tokenManagers = new Map(
    [website, officialAccount]
      .filter((app) => app !== undefined)
      .map((app) => [app.appid, new TokenManager({ client: app.client, store: sealedStore, now })]),
  );
  const ctx: FlowContext = {
    config,
    now,
    store: config.store,
    cookies: new CookiePolicy(config.redirectUri, prefix || "/"),
    log: config.logger,
    website,
    officialAccount,
    guard: (operation) => withDeadline(operation, config.storeTimeoutMs),
    tokensOf(appid) {
      const manager = tokenManagers.get(appid);
      if (!manager)
        throw new InvalidArgumentError(
          "appid",
          "is not an app of this login (appid or officialAccount.appid)",
        );
      return manager;
    },
    page: (request, kind, status, reference) =>
      renderPage({ kind, status, lang: pickLang(request), retryHref: `${prefix}/login`, reference }),
  };
  const { log, page, store } = ctx;
  // Rate limits and the periodic sweep (issue #11): rate-limit.ts, sweep.ts.
  const limits = new LoginLimits({
    config,
    store,
    trust: proxyTrust(config.trustProxy),
    log,
    guard: ctx.guard,
    page,
  });
  const sweep = new ExpirySweep(
    store,
    config.purgeIntervalSeconds === false ? undefined : config.purgeIntervalSeconds * 1000,
    now,
    log,
    ctx.guard,
  );

  function routeOf(url: URL): string | undefined {
    if (!url.pathname.startsWith(`${prefix}/`)) return undefined;
    return url.pathname.slice(prefix.length);
  }

  async function handle(request: Request, connection: ClientConnection = {}): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return page(request, "invalid_request", 400);
    }
    const route = routeOf(url);
    const method = request.method === "HEAD" ? "GET" : request.method;
    try {
      sweep.poke();
      const limited = await limits.check(request, route, connection);
      if (limited) return limited;
      if (route === "/login" && method === "GET") return await login(ctx, request, url);
      if (route === "/callback" && method === "GET") return await callback(ctx, request, url);
      if (route === "/session" && method === "GET") return await sessionRoute(ctx, request);
      if (route === "/logout" && method === "POST") return await logout(ctx, request, url);
      if (route === "/qr" && method === "GET") return await qrRoute(ctx, request, url);
      if (route !== undefined && ["/login", "/callback", "/session", "/logout", "/qr"].includes(route)) {
        return new Response(null, {
          status: 405,
          headers: { allow: route === "/logout" ? "POST" : "GET, HEAD" },
        });
      }
      return page(request, "not_found", 404);
    } catch (error) {
      if (error instanceof StoreUnavailable) {
        log?.error(
          { event: "store_failed", store: store.kind, reason: describe(error.cause ?? error) },
          error.message,
        );
        return page(request, "store_unavailable", 503);
      }
      log?.error({ event: "internal_error", reason: describe(error) }, "login route failed");
      return page(request, "internal_error", 500);
    }
  }

  return {
    config,
    handle,
    matches: (request) => {
      try {
        return routeOf(new URL(request.url)) !== undefined;
      } catch {
        return false;
      }
    },
    getSession: async (request) => (await readSession(ctx, request))?.session,
    embeddedLogin: async (request, embedded) => {
      await limits.admitStart(request, embedded.remoteAddress);
      return embeddedLogin(ctx, request, embedded);
    },
    tokens: (appid = config.appid) => ctx.tokensOf(appid),
    close: async () => {
      await Promise.all([website.client.close(), officialAccount?.client.close(), sweep.settled()]);
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : "unknown";
}

export type { Store };

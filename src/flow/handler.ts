import { TokenManager, WeChatClient } from "../client/index.js";
import { InvalidArgumentError, WeChatApiError, WeChatError } from "../protocol/errors.js";
import type { OAuthToken, UserInfo } from "../protocol/schemas.js";
import {
  authorizeUrl,
  qrConnectUrl,
  type WxLoginOptions,
  wxLoginOptions,
  wxLoginScriptUrl,
} from "../protocol/urls.js";
import type { SessionRecord, Store } from "../stores/types.js";
import { type LoginConfig, type LoginOptions, parseLoginConfig } from "./config.js";
import { CookiePolicy } from "./cookies.js";
import { randomToken, sha256, TokenCipher } from "./crypto.js";
import { type PageKind, pickLang, renderPage } from "./pages.js";
import { safeReturnTo } from "./return-to.js";
import { sealedTokenStore } from "./sealed-token-store.js";
import { StoreUnavailable, withDeadline } from "./store-guard.js";

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
  /** Handles `{prefix}/login`, `/callback`, `/session`, `/logout`, `/qr`; anything else under the prefix is a 404 page. */
  handle(request: Request): Promise<Response>;
  /** True when `request` is for one of the login routes. */
  matches(request: Request): boolean;
  /** The logged-in session of a request, or undefined. Renews the idle expiry. */
  getSession(request: Request): Promise<LoginSession | undefined>;
  /** Creates a state for a page that embeds the QR (`WxLogin.js`). */
  embeddedLogin(
    request: Request,
    options: { containerId: string; returnTo?: string; selfRedirect?: boolean },
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

interface AppClient {
  appid: string;
  client: WeChatClient;
}

const WECHAT_UA = /MicroMessenger/i;
const CODE_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
const STATE_PATTERN = /^[a-f0-9]{64}$/;

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
  const store = config.store;
  const prefix = config.routePrefix;
  const cookies = new CookiePolicy(config.redirectUri, prefix || "/");
  const cipher = new TokenCipher(config.sessionSecret);
  const log = config.logger;
  const timeouts = { totalMs: config.upstreamTimeoutMs };
  const website: AppClient = {
    appid: config.appid,
    client: new WeChatClient({
      appid: config.appid,
      secret: config.secret,
      apiBase: config.apiBase,
      openBase: config.openBase,
      timeouts,
    }),
  };
  const officialAccount: AppClient | undefined = config.officialAccount && {
    appid: config.officialAccount.appid,
    client: new WeChatClient({
      appid: config.officialAccount.appid,
      secret: config.officialAccount.secret,
      apiBase: config.apiBase,
      openBase: config.openBase,
      timeouts,
    }),
  };
  const guard = <T>(operation: Promise<T>): Promise<T> => withDeadline(operation, config.storeTimeoutMs);
  const sealedStore = sealedTokenStore(store, cipher);
  const tokenManagers = new Map(
    [website, officialAccount]
      .filter((app) => app !== undefined)
      .map((app) => [app.appid, new TokenManager({ client: app.client, store: sealedStore, now })]),
  );
  function tokensOf(appid: string = config.appid): TokenManager {
    const manager = tokenManagers.get(appid);
    if (!manager)
      throw new InvalidArgumentError("appid", "is not an app of this login (appid or officialAccount.appid)");
    return manager;
  }

  function page(request: Request, kind: PageKind, status: number, reference?: string): Response {
    return renderPage({ kind, status, lang: pickLang(request), retryHref: `${prefix}/login`, reference });
  }

  async function startState(request: Request, returnTo: string, appid: string) {
    const existing = cookies.read(request).preLogin;
    // Reusing the browser's pre-login cookie lets two tabs log in at once without invalidating each other.
    const browserSecret = existing && /^[a-f0-9]{64}$/.test(existing) ? existing : randomToken();
    const state = randomToken();
    const createdAt = now();
    await guard(
      store.putState({
        state,
        browserBinding: sha256(browserSecret),
        returnTo,
        appid,
        createdAt,
        expiresAt: createdAt + config.stateTtlSeconds * 1000,
      }),
    );
    return { state, setCookie: cookies.preLogin(browserSecret, config.stateTtlSeconds) };
  }

  async function login(request: Request, url: URL): Promise<Response> {
    const returnTo = safeReturnTo(url.searchParams.get("returnTo"));
    const inWeChat = WECHAT_UA.test(request.headers.get("user-agent") ?? "") && officialAccount !== undefined;
    const app = inWeChat && officialAccount ? officialAccount : website;
    const { state, setCookie } = await startState(request, returnTo, app.appid);
    const location =
      inWeChat && config.officialAccount
        ? authorizeUrl({
            appid: app.appid,
            redirectUri: config.redirectUri,
            scope: config.officialAccount.scope,
            state,
            openBase: config.openBase,
          })
        : qrConnectUrl({
            appid: app.appid,
            redirectUri: config.redirectUri,
            state,
            openBase: config.openBase,
          });
    log?.info({ event: "login_started", appid: app.appid, inWeChat }, "login started");
    return redirect(location, [setCookie]);
  }

  async function callback(request: Request, url: URL): Promise<Response> {
    const state = url.searchParams.get("state");
    const code = url.searchParams.get("code");
    if (!state || !STATE_PATTERN.test(state) || (code !== null && !CODE_PATTERN.test(code))) {
      log?.warn(
        { event: "callback_rejected", reason: "malformed" },
        "callback with a malformed state or code",
      );
      return page(request, state ? "invalid_request" : "state_invalid", 400);
    }
    const browser = cookies.read(request);
    const consumed = await guard(store.consumeState(state, now()));
    if (consumed.status === "missing") {
      log?.warn(
        { event: "callback_rejected", reason: "state_unknown_or_expired" },
        "unknown or expired state",
      );
      return page(request, "state_invalid", 400);
    }
    const bound =
      browser.preLogin !== undefined && sha256(browser.preLogin) === consumed.record.browserBinding;
    if (consumed.status === "used") {
      // A double callback (prefetch, back button, WeChat's in-app browser) from the browser that already
      // logged in: its session cookie, a secret only that browser holds, proves it is the same one.
      const current = browser.session ? sha256(browser.session) : undefined;
      if (current !== undefined && current === consumed.sessionIdHash) {
        return redirect(consumed.record.returnTo, []);
      }
      log?.warn({ event: "callback_rejected", reason: "state_reused" }, "state already used");
      return page(request, "state_used", 400);
    }
    const inWeChat = WECHAT_UA.test(request.headers.get("user-agent") ?? "");
    // WeChat's in-app browser sometimes drops cookies on the way back (spec §8): there the single-use,
    // short-lived server-side state is the check; everywhere else the browser binding must match too.
    if (!bound && !(browser.preLogin === undefined && inWeChat)) {
      log?.warn({ event: "callback_rejected", reason: "browser_mismatch" }, "state bound to another browser");
      return page(request, "state_other_browser", 400);
    }
    if (code === null) {
      log?.info({ event: "login_cancelled" }, "user declined");
      return page(request, "login_cancelled", 200);
    }
    const app = consumed.record.appid === officialAccount?.appid ? officialAccount : website;
    let token: OAuthToken;
    let profile: UserInfo | undefined;
    try {
      token = await app.client.exchangeCode(code);
      if (token.isSnapshotUser) return page(request, "snapshot_user", 400);
      if (token.scope.split(",").some((scope) => scope === "snsapi_login" || scope === "snsapi_userinfo")) {
        profile = await app.client.getUserInfo(token.accessToken, token.openid, { lang: "zh_CN" });
      }
    } catch (error) {
      return upstreamFailure(request, error);
    }
    const linked = await guard(
      store.linkIdentity({
        appid: app.appid,
        openid: token.openid,
        unionid: token.unionid ?? profile?.unionid,
        profile: profile && { nickname: profile.nickname, headimgurl: profile.headimgurl },
        now: now(),
      }),
    );
    if (config.onLogin) {
      try {
        await config.onLogin({ ...linked, profile, request });
      } catch (error) {
        log?.warn(
          {
            event: "login_denied",
            userId: linked.user.id,
            reason: error instanceof Error ? error.message : "",
          },
          "onLogin refused the login",
        );
        return page(request, "login_denied", 403);
      }
    }
    if (config.keepTokens) {
      await guard(tokensOf(app.appid).save(token));
    }
    const sessionId = randomToken();
    const session = newSession(sha256(sessionId), linked.user.id, app.appid, token.openid);
    await guard(store.putSession(session));
    try {
      await guard(store.completeState(state, session.idHash));
      // A new id at every login: an id planted before login (fixation) never becomes a logged-in one.
      if (browser.session) await guard(store.deleteSession(sha256(browser.session)));
    } catch (error) {
      await store.deleteSession(session.idHash).catch(() => undefined);
      throw error;
    }
    log?.info(
      { event: "login_completed", userId: linked.user.id, appid: app.appid, created: linked.created },
      "logged in",
    );
    return redirect(consumed.record.returnTo, [
      cookies.session(sessionId, config.sessionAbsoluteSeconds),
      cookies.clearPreLogin(),
    ]);
  }

  function newSession(idHash: string, userId: string, appid: string, openid: string): SessionRecord {
    const createdAt = now();
    const absoluteExpiresAt = createdAt + config.sessionAbsoluteSeconds * 1000;
    return {
      idHash,
      userId,
      appid,
      openid,
      createdAt,
      idleExpiresAt: Math.min(createdAt + config.sessionIdleSeconds * 1000, absoluteExpiresAt),
      absoluteExpiresAt,
    };
  }

  function upstreamFailure(request: Request, error: unknown): Response {
    if (!(error instanceof WeChatError)) throw error;
    const rid = error instanceof WeChatApiError ? error.rid : undefined;
    log?.warn(
      {
        event: "wechat_call_failed",
        code: error.code,
        errcode: error instanceof WeChatApiError ? error.errcode : undefined,
        rid,
      },
      error.message,
    );
    if (error instanceof WeChatApiError) {
      if (error.action === "restart_login") return page(request, "code_invalid", 400, rid);
      if (error.action === "fix_config") return page(request, "wechat_misconfigured", 502, rid);
    }
    return page(request, "wechat_unavailable", 502, rid);
  }

  async function readSession(
    request: Request,
  ): Promise<{ record: SessionRecord; session: LoginSession } | undefined> {
    const id = cookies.read(request).session;
    if (!id || id.length > 256) return undefined;
    const at = now();
    const record = await guard(store.getSession(sha256(id), at));
    if (!record) return undefined;
    const user = await guard(store.getUser(record.userId));
    if (!user) return undefined;
    const idleExpiresAt = Math.min(at + config.sessionIdleSeconds * 1000, record.absoluteExpiresAt);
    // Renew at most once a minute so a busy page does not write on every request.
    if (idleExpiresAt - record.idleExpiresAt > 60_000)
      await guard(store.touchSession(record.idHash, idleExpiresAt));
    return {
      record,
      session: {
        user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
        identity: { appid: record.appid, openid: record.openid },
        expiresAt: Math.min(idleExpiresAt, record.absoluteExpiresAt),
      },
    };
  }

  async function sessionRoute(request: Request): Promise<Response> {
    const found = await readSession(request);
    if (!found) return json({ error: "not_logged_in" }, 401);
    return json(found.session, 200);
  }

  async function logout(request: Request, url: URL): Promise<Response> {
    const origin = request.headers.get("origin");
    if (origin && origin !== url.origin && origin !== new URL(config.redirectUri).origin) {
      return json({ error: "cross_origin_logout" }, 403);
    }
    const id = cookies.read(request).session;
    if (id && id.length <= 256) await guard(store.deleteSession(sha256(id)));
    const clear = [cookies.clearSession()];
    if ((request.headers.get("accept") ?? "").includes("application/json")) {
      return new Response(null, { status: 204, headers: headersWith(clear) });
    }
    return redirect(safeReturnTo(url.searchParams.get("returnTo")), clear, 303);
  }

  async function embeddedLogin(
    request: Request,
    options: { containerId: string; returnTo?: string; selfRedirect?: boolean },
  ): Promise<EmbeddedLogin> {
    const { state, setCookie } = await startState(request, safeReturnTo(options.returnTo), website.appid);
    return {
      options: wxLoginOptions({
        id: options.containerId,
        appid: website.appid,
        redirectUri: config.redirectUri,
        state,
        selfRedirect: options.selfRedirect ?? false,
      }),
      scriptUrl: wxLoginScriptUrl(config.openBase),
      setCookie,
    };
  }

  async function qrRoute(request: Request, url: URL): Promise<Response> {
    const embedded = await embeddedLogin(request, {
      containerId: url.searchParams.get("containerId") ?? "login_container",
      returnTo: url.searchParams.get("returnTo") ?? "/",
      selfRedirect: url.searchParams.get("selfRedirect") === "true",
    });
    return new Response(JSON.stringify({ options: embedded.options, scriptUrl: embedded.scriptUrl }), {
      headers: headersWith([embedded.setCookie], { "content-type": "application/json; charset=utf-8" }),
    });
  }

  function routeOf(url: URL): string | undefined {
    if (!url.pathname.startsWith(`${prefix}/`)) return undefined;
    return url.pathname.slice(prefix.length);
  }

  async function handle(request: Request): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return page(request, "invalid_request", 400);
    }
    const route = routeOf(url);
    const method = request.method === "HEAD" ? "GET" : request.method;
    try {
      if (route === "/login" && method === "GET") return await login(request, url);
      if (route === "/callback" && method === "GET") return await callback(request, url);
      if (route === "/session" && method === "GET") return await sessionRoute(request);
      if (route === "/logout" && method === "POST") return await logout(request, url);
      if (route === "/qr" && method === "GET") return await qrRoute(request, url);
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
    getSession: async (request) => (await readSession(request))?.session,
    embeddedLogin,
    tokens: tokensOf,
    close: async () => {
      await Promise.all([website.client.close(), officialAccount?.client.close()]);
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : "unknown";
}

function headersWith(setCookies: readonly string[], extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ "cache-control": "no-store", ...extra });
  for (const cookie of setCookies) headers.append("set-cookie", cookie);
  return headers;
}

function redirect(location: string, setCookies: readonly string[], status = 302): Response {
  return new Response(null, { status, headers: headersWith(setCookies, { location }) });
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headersWith([], { "content-type": "application/json; charset=utf-8" }),
  });
}

export type { Store };

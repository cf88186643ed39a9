import { AppCredential, MiniProgramClient, UserTokens, WeChatClient } from "../client/index.js";
import { InvalidArgumentError } from "../protocol/errors.js";
import { authorizeUrl, qrConnectUrl } from "../protocol/urls.js";
import type { Store } from "../stores/types.js";
import { accessLogEntry } from "./access-log.js";
import { embeddedLogin, login, qrRoute } from "./begin-login.js";
import { type CallbackParameters, callback, callbackParameters } from "./callback.js";
import { proxyTrust } from "./client-address.js";
import { type LoginOptions, parseLoginConfig } from "./config.js";
import type { FlowContext, LoginApp } from "./context.js";
import { CookiePolicy } from "./cookies.js";
import { TokenCipher } from "./crypto.js";
import { FollowLogin } from "./follow.js";
import { lastResort } from "./last-guard.js";
import { logoutPage } from "./logout-page.js";
import {
  type MiniProgramApp,
  miniProgramLogin,
  miniProgramOpenData,
  miniProgramOpenDataRoute,
  miniProgramPhone,
} from "./mini-program.js";
import { miniProgramConfirm, miniProgramQr, miniProgramQrPoll, miniProgramScan } from "./mini-program-qr.js";
import { PushReceiver, pushAccountOf } from "./mp-events.js";
import { pickLang, renderPage } from "./pages.js";
import { LoginLimits } from "./rate-limit.js";
import { cookiesOf, json, loginResponse, statusOf, withCookies } from "./responses.js";
import { sealedTokenStore } from "./sealed-token-store.js";
import { withSecurityHeaders } from "./security-headers.js";
import { loginUrl, logout, sessionRoute, unauthenticated } from "./session.js";
import { Sessions } from "./sessions.js";
import { guardedStore, StoreUnavailable } from "./store-guard.js";
import { ExpirySweep } from "./sweep.js";
import type { ClientConnection, Login } from "./types.js";

/**
 * Creates the login flow: a Web-standard `Request → Response` handler.
 * @example
 * const login = createLogin({ appid, secret, redirectUri: "https://example.com/auth/callback",
 *   sessionSecret: process.env.SESSION_SECRET!, store: await sqliteStore({ filename: "./data/login.db" }) });
 * // in any framework: if (login.matches(request)) return login.handle(request);
 */
export function createLogin(options: LoginOptions): Login {
  const config = parseLoginConfig(options);
  const now = config.now ?? Date.now;
  const prefix = config.routePrefix;
  const timeouts = { totalMs: config.upstreamTimeoutMs };
  const client = (appid: string, secret: string) =>
    new WeChatClient({ appid, secret, apiBase: config.apiBase, openBase: config.openBase, timeouts });
  const website: LoginApp = {
    kind: "website",
    appid: config.appid,
    client: client(config.appid, config.secret),
    redirectUri: config.redirectUri,
    callbackRoute: "/callback",
    authorizeUrl: (state, lang) =>
      qrConnectUrl({
        appid: config.appid,
        redirectUri: config.redirectUri,
        state,
        lang,
        openBase: config.openBase,
      }),
  };
  const officialAccount: LoginApp | undefined = config.officialAccount && {
    kind: "officialAccount",
    appid: config.officialAccount.appid,
    client: client(config.officialAccount.appid, config.officialAccount.secret),
    redirectUri: officialAccountRedirectUri(config.redirectUri),
    callbackRoute: "/callback/mp",
    authorizeUrl(state) {
      return authorizeUrl({
        appid: this.appid,
        redirectUri: this.redirectUri,
        scope: config.officialAccount?.scope ?? "snsapi_userinfo",
        state,
        openBase: config.openBase,
      });
    },
  };
  const apps = [website, officialAccount].filter((app) => app !== undefined);
  const store = guardedStore(config.store, config.storeTimeoutMs);
  const sealedStore = sealedTokenStore(store, new TokenCipher(config.sessionSecret));
  const tokenManagers = new Map(
    apps.map((app) => [app.appid, new UserTokens({ client: app.client, store: sealedStore, now })]),
  );
  const miniProgram =
    config.miniProgram &&
    miniProgramApp(
      {
        appid: config.miniProgram.appid,
        client: client(config.miniProgram.appid, config.miniProgram.secret),
      },
      sealedStore,
      now,
    );
  const cookies = new CookiePolicy(config.redirectUri);
  const ctx: FlowContext = {
    config,
    now,
    store,
    cookies,
    sessions: new Sessions(store, cookies, config, now),
    log: config.logger,
    website,
    officialAccount,
    miniProgram,
    siteOrigin: new URL(config.redirectUri).origin,
    tokensOf(appid) {
      const manager = tokenManagers.get(appid);
      if (!manager)
        throw new InvalidArgumentError(
          "appid",
          "is not an app of this login (appid or officialAccount.appid)",
        );
      return manager;
    },
    outcomes: new WeakMap(),
    page: (request, kind, status, reference) => {
      ctx.outcomes.set(request, { kind: "page", page: kind });
      return renderPage({ kind, status, lang: pickLang(request), retryHref: `${prefix}/login`, reference });
    },
  };
  const { log, page } = ctx;
  // Per-client rate limits and the periodic sweep of expired records (rate-limit.ts, sweep.ts).
  const limits = new LoginLimits({ config, store, trust: proxyTrust(config.trustProxy), log, page });
  const sweep = new ExpirySweep(
    store,
    config.purgeIntervalSeconds === false ? undefined : config.purgeIntervalSeconds * 1000,
    now,
    log,
  );

  /** The one route table: dispatch, the 405 answer, the rate limits and `matches` all read it. */
  const routes: Record<string, Route> = {
    "/login": { methods: ["GET"], limit: "start", run: (request, url) => login(ctx, request, url()) },
    "/session": { methods: ["GET"], run: (request) => sessionRoute(ctx, request) },
    "/logout": {
      methods: ["GET", "POST"],
      run: async (request, url) =>
        request.method === "POST" ? logout(ctx, request, url()) : logoutPage(ctx, request, url()),
    },
    // A script fetches /qr and reads JSON, whatever it sent as Accept.
    "/qr": { methods: ["GET"], limit: "start", json: true, run: (_request, url) => qrRoute(ctx, url()) },
  };
  const openData = miniProgramOpenData(ctx, miniProgram);
  if (miniProgram) {
    // The mini program's JSON API (mini-program.ts): a code exchange counts like a callback.
    const api = (run: (request: Request) => Promise<Response>, limit?: "callback"): Route => ({
      methods: ["POST"],
      limit,
      json: true,
      run: (request) => run(request),
    });
    routes["/miniprogram/login"] = api((request) => miniProgramLogin(ctx, miniProgram, request), "callback");
    routes["/miniprogram/phone"] = api((request) => miniProgramPhone(ctx, miniProgram, request), "callback");
    routes["/miniprogram/userinfo"] = api((request) =>
      miniProgramOpenDataRoute(ctx, miniProgram, openData, request, "userinfo"),
    );
    routes["/miniprogram/open-data"] = api((request) =>
      miniProgramOpenDataRoute(ctx, miniProgram, openData, request, "open-data"),
    );
    // "Scan the mini-program code" on the website (mini-program-qr.ts).
    routes["/miniprogram/qr"] = {
      methods: ["GET"],
      limit: "start",
      json: true,
      run: (_request, url) => miniProgramQr(ctx, miniProgram, url()),
    };
    routes[ATTEMPT_POLL] = {
      methods: ["GET"],
      json: true,
      run: (request, url) =>
        miniProgramQrPoll(ctx, miniProgram, request, url().pathname.split("/").pop() ?? ""),
    };
    routes["/miniprogram/scan"] = api((request) => miniProgramScan(ctx, miniProgram, request), "callback");
    routes["/miniprogram/confirm"] = api((request) => miniProgramConfirm(ctx, miniProgram, request));
  }
  for (const app of apps) {
    routes[app.callbackRoute] = {
      methods: ["GET"],
      limit: "callback",
      precheck: (request, url) => callbackParameters(ctx, request, url()),
      // Every outcome but a restart (which binds a new login) ends the pre-login cookie.
      run: async (request, _url, parameters) =>
        endPreLogin(await callback(ctx, request, parameters as CallbackParameters, app), cookies),
    };
  }

  // Follow to log in (issue #14): the push receiver whenever a Token is set, the attempts when followLogin is.
  const followSettings = config.officialAccount?.followLogin;
  const follow =
    officialAccount && followSettings
      ? new FollowLogin(
          ctx,
          officialAccount,
          new AppCredential({ client: officialAccount.client, store: sealedStore }),
          {
            variants: followSettings.variants,
            ttlSeconds: followSettings.ttlSeconds,
            siteName: followSettings.siteName ?? new URL(config.redirectUri).host,
          },
        )
      : undefined;
  const pushAccount = pushAccountOf(config);
  if (pushAccount) {
    const receiver = new PushReceiver(ctx, pushAccount, follow);
    routes["/mp/events"] = {
      methods: ["GET", "POST"],
      run: (request, url) => receiver.handle(request, url()),
    };
  }
  if (follow) {
    routes["/follow"] = {
      methods: ["GET"],
      limit: "start",
      run: (request, url) => follow.start(request, url()),
    };
    // A script polls and reads JSON, whatever it sent as Accept.
    routes["/follow/:id"] = {
      methods: ["GET"],
      json: true,
      run: (request, url) => follow.poll(request, url()),
    };
  }

  const routeStart = `${prefix}/`;
  function routeOf(pathname: string): string | undefined {
    if (!pathname.startsWith(routeStart)) return undefined;
    return pathname.slice(prefix.length);
  }
  // Every adapter asks `matches` and then `handle` of one request: the second reading of its URL is a lookup.
  let lastUrl: string | undefined;
  let lastRoute: string | undefined;
  function routeOfUrl(url: string): string | undefined {
    if (url !== lastUrl) {
      lastRoute = routeOf(pathnameOf(url));
      lastUrl = url;
    }
    return lastRoute;
  }

  /** The route of a path: an exact entry, else one whose last segment is a parameter (`/follow/:id`). */
  function routeAt(path: string): Route | undefined {
    return Object.hasOwn(routes, path) ? routes[path] : routes[`${path.slice(0, path.lastIndexOf("/"))}/:id`];
  }

  let warnedPlainHttp = false;

  async function answer(request: Request, connection: ClientConnection): Promise<Response> {
    // Only a Request-like object can hold a relative URL: a real Request parsed its own.
    if (!ABSOLUTE_HTTP.test(request.url)) return page(request, "invalid_request", 400);
    const path = routeOfUrl(request.url);
    const route = path === undefined ? undefined : routeAt(path);
    if (!route) return page(request, "not_found", 404);
    const method = request.method === "HEAD" ? "GET" : request.method;
    if (!route.methods.includes(method)) {
      return loginResponse(null, 405, { allow: allowHeader(route.methods) });
    }
    if (cookies.secure && request.url.startsWith("http:")) {
      // A Secure cookie must never be offered over plain http; behind a TLS-terminating proxy this means
      // the adapter was not told to trust X-Forwarded-Proto.
      if (!warnedPlainHttp) {
        warnedPlainHttp = true;
        log?.warn(
          { event: "plain_http_request", route: path },
          "a login route was reached over http while redirectUri is https; behind a TLS-terminating proxy, turn on the adapter's trustProxy",
        );
      }
      return page(request, "https_required", 403);
    }
    let parsed: URL | undefined;
    const url = () => {
      parsed ??= new URL(request.url);
      return parsed;
    };
    const checked = route.precheck?.(request, url);
    if (checked instanceof Response) return endPreLogin(checked, cookies);
    try {
      const { limit } = route;
      const alwaysJson = route.json ?? false;
      // Each limit answers at once when it has nothing to look up: no await, no step of the event loop.
      const refusal = limit && limits.admit(request, limit, connection, alwaysJson);
      if (refusal) {
        const refused = await refusal;
        if (refused) return refused;
      }
      const answered = await route.run(request, url, checked);
      const settled = limit ? limits.settle(request, limit, connection, alwaysJson, answered) : answered;
      // Awaited here, inside the try, so a store failure while counting is answered below.
      return settled instanceof Promise ? await settled : settled;
    } catch (error) {
      if (error instanceof StoreUnavailable) {
        log?.error(
          { event: "store_failed", store: store.kind, reason: describe(error.cause ?? error) },
          error.message,
        );
        return route.json
          ? json({ error: "store_unavailable", message: "The store is unavailable; try again." }, 503)
          : page(request, "store_unavailable", 503);
      }
      log?.error({ event: "internal_error", reason: describe(error) }, "login route failed");
      return route.json
        ? json({ error: "internal_error", message: "The login failed on the server." }, 500)
        : page(request, "internal_error", 500);
    } finally {
      // After the answer is decided, beside it: a request refused from its URL alone touches no store.
      sweep.poke();
    }
  }

  const secure = { secure: cookies.secure };
  const trust = proxyTrust(config.trustProxy);
  // One async step around the route's answer, the last guard included (it never throws).
  const handle = async (request: Request, connection: ClientConnection = {}): Promise<Response> => {
    try {
      if (!(config.accessLog && log)) return withSecurityHeaders(await answer(request, connection), secure);
      const started = performance.now();
      const response = withSecurityHeaders(await answer(request, connection), secure);
      const entry = accessLogEntry(request, statusOf(response), performance.now() - started);
      log.info(entry, `${entry.method} ${entry.url} ${entry.status}`);
      return response;
    } catch (error) {
      return lastResort(error, log, secure.secure);
    }
  };
  return {
    routePrefix: prefix,
    appid: config.appid,
    handle,
    completeCallback: async (request, connection) => {
      const response = await handle(request, connection);
      const outcome = ctx.outcomes.get(request);
      if (outcome?.kind === "completed") {
        return { outcome: "logged_in", session: outcome.session, returnTo: outcome.returnTo, response };
      }
      if (outcome?.kind === "page") {
        return { outcome: "refused", error: outcome.page, status: statusOf(response), response };
      }
      return { outcome: "answered", response };
    },
    loginUrl: (returnTo) => loginUrl(ctx, returnTo),
    unauthenticated: (request, options) =>
      withSecurityHeaders(unauthenticated(ctx, request, options), secure),
    trustsProxy: (remoteAddress) => trust.trustsPeer(remoteAddress),
    // Asked of every request an app serves (the adapters' first question): read off the URL string, not parsed.
    matches: (request) => routeOfUrl(request.url) !== undefined,
    getSession: async (request) => (await ctx.sessions.read(request))?.session,
    takeSession: (request) => ctx.sessions.take(request),
    embeddedLogin: async (request, embedded) => {
      await limits.admitStart(request, embedded.remoteAddress);
      return embeddedLogin(ctx, embedded);
    },
    tokens: (appid = config.appid) => ctx.tokensOf(appid),
    miniprogram: openData,
    close: async () => {
      await Promise.all([
        ...apps.map((app) => app.client.close()),
        miniProgram?.client.close(),
        sweep.settled(),
      ]);
    },
  };
}

/** The one route with a parameter: the website polls its mini-program attempt by id. */
const ATTEMPT_POLL = "/miniprogram/qr/:id";

const ABSOLUTE_HTTP = /^https?:\/\//;

/** A route's URL, parsed when first asked for: /session, on every page view, never asks. */
type RequestUrl = () => URL;

interface Route {
  methods: readonly string[];
  /** Which per-client limit the route counts against: starting a login, or arriving back from WeChat. */
  limit?: "start" | "callback";
  /** Its 429 is JSON whatever `Accept` says. */
  json?: boolean;
  /** Checks that need only the URL, before the rate limit counts the request: a Response refuses it. */
  precheck?(request: Request, url: RequestUrl): Response | object;
  run(request: Request, url: RequestUrl, checked: object | undefined): Promise<Response>;
}

/**
 * The path of a `Request`'s URL. `request.url` is always the serialization of a parsed absolute URL (the
 * Request constructor parses it), so its path is the text from the first `/` after the authority up to `?`
 * or `#`: the same string `new URL(url).pathname` gives, without building one.
 */
function pathnameOf(url: string): string {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority === -1 ? 0 : authority + 2);
  if (start === -1) return "/";
  let end = url.length;
  const query = url.indexOf("?", start);
  if (query !== -1) end = query;
  const fragment = url.indexOf("#", start);
  if (fragment !== -1 && fragment < end) end = fragment;
  return url.slice(start, end);
}

function allowHeader(methods: readonly string[]): string {
  return methods.includes("GET") ? [...methods, "HEAD"].join(", ") : methods.join(", ");
}

/** The official account's callback: the website's, one segment deeper (`…/callback/mp`), same origin. */
function officialAccountRedirectUri(redirectUri: string): string {
  const url = new URL(redirectUri);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/mp`;
  return url.toString();
}

/** The answer, ending the pre-login cookie unless it already sets that cookie (a restart binds a new one). */
function endPreLogin(response: Response, cookies: CookiePolicy): Response {
  const prefix = `${cookies.names.preLogin}=`;
  const setsIt = cookiesOf(response).some((cookie) => cookie.startsWith(prefix));
  return setsIt ? response : withCookies(response, [cookies.clearPreLogin()]);
}

/** The mini program's clients; its app credential is shared by every instance on the store (refreshed once across them). */
function miniProgramApp(
  options: { appid: string; client: WeChatClient },
  keys: MiniProgramApp["keys"],
  now: () => number,
): MiniProgramApp {
  const credential = new AppCredential({ client: options.client, store: keys, now });
  return {
    appid: options.appid,
    client: options.client,
    api: new MiniProgramClient({ client: options.client, credential }),
    keys,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : "unknown";
}

export type { Store };

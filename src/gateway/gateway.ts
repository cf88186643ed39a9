import { createHash } from "node:crypto";
import type { FlowLogger } from "../flow/config.js";
import { isWeChatBrowser } from "../flow/context.js";
import {
  type ClientConnection,
  clientKey,
  type Login,
  pickLang,
  proxyTrust,
  StoreUnavailable,
  safeReturnTo,
  type TrustProxy,
} from "../flow/index.js";
import { singleParam } from "../flow/params.js";
import { loginResponse } from "../flow/responses.js";
import { securedHeaders, withSecurityHeaders } from "../flow/security-headers.js";
import { guardedStore } from "../flow/store-guard.js";
import type { Store } from "../stores/types.js";
import { classify, type RequestKind } from "./classify.js";
import { type HeaderSource, headerOf } from "./headers.js";
import { allIdentityHeaders, type GatewayIdentity, identityHeaders } from "./identity.js";
import type { GatewayMetrics } from "./metrics.js";
import { gatewayPage } from "./pages.js";
import { type DenyReason, isPublic, judge, normalisedPath, type Policy, type PublicRoute } from "./policy.js";

/** What the gateway needs besides the login it is built on. */
export interface GatewayOptions {
  /** The login serving `{prefix}/login`, `/callback`, `/logout`…; its `routePrefix` is the gateway's prefix. */
  login: Login;
  /** The login's store, for `{prefix}/ready` and the loop guard. */
  store: Store;
  /** The protected site's public origin (the login's `redirectUri` origin): the login URL and `rd` live on it. */
  siteOrigin: string;
  policy: Policy;
  publicRoutes?: readonly PublicRoute[] | undefined;
  /** True when an official account is configured, so a browser inside WeChat can log in there. */
  inWeChatLogin: boolean;
  /** The same setting as the login's `trustProxy`: the peers whose `X-Forwarded-*` count. */
  trustProxy: TrustProxy;
  logger?: FlowLogger | undefined;
  /** Bound on the `/ready` probe and the loop guard's count (default 3000 ms, the flow's). */
  storeTimeoutMs?: number | undefined;
  metrics?: GatewayMetrics | undefined;
}

/** The original request as the gateway judges it (in auth modes it comes in `X-Forwarded-*`). */
export interface OriginalRequest {
  method: string;
  /** Path and query as received: the query is never matched against public routes. */
  uri: string;
  /** The client's headers (its cookies, its Fetch Metadata): a Web `Headers`, or node's `req.headers`. */
  headers: HeaderSource;
  /**
   * A Web request carrying those same headers (the subrequest, or the proxied request), read for the session
   * as it is instead of building another one.
   */
  request?: Request | undefined;
}

/** Where a request goes: its URL's path and query (a `URL`, or the two read off `Request.url`). */
export type RequestTarget = Pick<URL, "pathname" | "search">;

/** Why the gateway could not decide: every one is an answer that lets nothing through. */
export type GatewayError =
  | "store_unavailable"
  | "untrusted_peer"
  | "missing_forwarded_headers"
  | "host_mismatch";

/** One decision for every mode (gateway spec §5.1). */
export type Decision =
  | { result: "allow"; kind: RequestKind; identity: GatewayIdentity | undefined }
  | { result: "login"; kind: RequestKind; loginUrl: string }
  | { result: "deny"; kind: RequestKind; identity: GatewayIdentity; reason: DenyReason }
  | { result: "error"; kind: RequestKind; reason: GatewayError };

/**
 * A bodiless answer of an auth endpoint, security headers included, as node writes it (`res.writeHead`): the
 * hot path builds no Web Response for it.
 */
export interface AuthAnswer {
  status: number;
  headers: Record<string, string>;
}

/** The gateway: one decision, and the routes it adds under the login's prefix. */
export interface Gateway {
  /** `"/_wl"`: the prefix of every gateway and login route; never protected, never forwarded upstream. */
  readonly prefix: string;
  /** True when `path` (a URL's pathname) belongs to the gateway. */
  owns(path: string): boolean;
  /**
   * The decision for one request.
   * @param groups The route's group rule: any one of them admits (none: any allowed user).
   */
  decide(original: OriginalRequest, groups?: readonly string[]): Promise<Decision>;
  /**
   * Answers a request under the prefix: `/auth` (nginx), `/forward-auth` (Traefik, Caddy), `/ping`, `/ready`,
   * `/login` (with the loop guard), `/denied` (nginx's 403 page), and the login's own routes. Never throws.
   */
  handle(request: Request, connection: ClientConnection): Promise<Response>;
  /**
   * The auth endpoints alone (`GET`/`HEAD` `/auth` and `/forward-auth`), for a server that writes the answer
   * itself: undefined for any other request (then {@link Gateway.handle} answers it). Never throws.
   * @param target The request URL's path and query when the caller has them already.
   * @param headers The request's headers as node parsed them (the same as `request.headers`), read instead.
   */
  auth(
    request: Request,
    connection: ClientConnection,
    target?: RequestTarget,
    headers?: HeaderSource,
  ): Promise<AuthAnswer | Response | undefined>;
  /** The answer of a decision that is not ALLOW, for a request the gateway proxies itself (§5.5). */
  refusal(decision: Exclude<Decision, { result: "allow" }>, request: Request): Response;
}

/** A loop: more than this many login starts for one return address from one client within the window. */
const LOOP_GUARD = { name: "wl_loop_guard", points: 3, durationSeconds: 60 };
const REALM = 'WeChat realm="wechat-login"';
// Regular expressions of the per-request paths live here: a literal in a function body is a new RegExp each call.
const FORWARDED_METHOD = /^[A-Z]{1,16}$/;
const QUERY_OR_FRAGMENT = /[?#]/;

/**
 * Builds the gateway on a login made with `createLogin({ routePrefix: "/_wl", … })`.
 * @example
 * const gateway = createGateway({ login, store, siteOrigin: "https://app.example.com",
 *   policy: { roster: undefined, requireUnionid: false, singleAppid: true }, inWeChatLogin: false, trustProxy: "127.0.0.1" });
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { login, policy, siteOrigin } = options;
  const prefix = login.routePrefix;
  const log = options.logger;
  const trust = proxyTrust(options.trustProxy);
  const store = guardedStore(options.store, options.storeTimeoutMs ?? 3000);
  const publicRoutes = options.publicRoutes ?? [];
  const secure = { secure: siteOrigin.startsWith("https:") };
  const siteHost = new URL(siteOrigin).hostname.toLowerCase();

  const owns = (path: string) => path === prefix || path.startsWith(`${prefix}/`);

  async function decide(original: OriginalRequest, groups: readonly string[] = []): Promise<Decision> {
    const kind = classify(original.method, original.headers);
    const path = pathOf(original.uri);
    const normalised = normalisedPath(path);
    // The gateway's own pages must stay reachable, or a login could never start (a loop). Judged on the
    // normalised path: `/_wl/../admin` is /admin to the backend.
    if ((normalised !== undefined && owns(normalised)) || isPublic(publicRoutes, original.method, path)) {
      return { result: "allow", kind, identity: undefined };
    }
    let session: Awaited<ReturnType<Login["getSession"]>>;
    const { metrics } = options;
    const lookupStarted = metrics ? performance.now() : 0;
    try {
      session = await login.getSession(
        original.request ??
          new Request(`${siteOrigin}/`, { headers: { cookie: headerOf(original.headers, "cookie") ?? "" } }),
      );
    } catch (error) {
      if (error instanceof StoreUnavailable) {
        log?.error({ event: "gateway_store_failed", reason: error.reason }, "session lookup failed");
        return { result: "error", kind, reason: "store_unavailable" };
      }
      throw error;
    }
    metrics?.sessionLookup((performance.now() - lookupStarted) / 1000);
    if (!session) return { result: "login", kind, loginUrl: loginUrlFor(original.uri) };
    const { identity, deny } = judge(policy, session, groups);
    if (deny) {
      log?.info({ event: "gateway_denied", reason: deny, user: identity.user }, "access denied");
      return { result: "deny", kind, identity, reason: deny };
    }
    return { result: "allow", kind, identity };
  }

  /** The absolute login URL coming back to `uri` (path + query; a POST comes back as a GET of it). */
  function loginUrlFor(uri: string): string {
    const returnTo = safeReturnTo(uri, siteOrigin);
    return `${siteOrigin}${login.loginUrl(owns(pathOf(returnTo)) ? "/" : returnTo)}`;
  }

  /** The original request of an auth subrequest: only from a trusted proxy, only with what it must send. */
  function forwarded(
    request: Request,
    connection: ClientConnection,
    headers: HeaderSource,
  ): OriginalRequest | { error: GatewayError } {
    // Anyone else could name any URL and method; the decision would be about a request nobody made.
    if (!trust.trustsPeer(connection.remoteAddress)) return { error: "untrusted_peer" };
    const method = headerOf(headers, "x-forwarded-method")?.trim();
    const uri = (headerOf(headers, "x-forwarded-uri") ?? headerOf(headers, "x-original-uri"))?.trim();
    if (!method || !FORWARDED_METHOD.test(method) || !uri?.startsWith("/"))
      return { error: "missing_forwarded_headers" };
    const host = headerOf(headers, "x-forwarded-host")?.split(",")[0]?.trim();
    // One host per gateway in v1 (spec §5.6): the session cookie lives on the callback's host only.
    if (host && hostnameOf(host) !== siteHost) return { error: "host_mismatch" };
    return { method, uri, headers, request };
  }

  function groupsOf(target: RequestTarget, request: Request): string[] {
    // Most subrequests carry no query: url.searchParams would build and parse one anyway.
    if (target.search === "") return [];
    const rule = singleParam(target instanceof URL ? target : new URL(request.url), "group");
    return rule
      ? rule
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean)
      : [];
  }

  /** nginx `auth_request` (§5.2): 200, 401 or 403 only; a 3xx would become nginx's 500. */
  function nginxAnswer(decision: Decision): AuthAnswer {
    switch (decision.result) {
      case "allow":
        return answered(200, decision.identity ? identityHeaders(decision.identity) : {});
      case "login": {
        const headers: Record<string, string> = { "www-authenticate": REALM };
        // nginx's error_page turns the Location into the browser's redirect; a script gets the JSON 401.
        if (decision.kind === "navigation") headers.location = decision.loginUrl;
        return answered(401, headers);
      }
      case "deny":
        return answered(403, { "x-auth-request-user": decision.identity.user });
      case "error":
        logError(decision.reason);
        return answered(500, {});
    }
  }

  function answered(status: number, headers: Record<string, string>): AuthAnswer {
    return { status, headers: securedHeaders(headers, status, secure) };
  }

  /** Traefik `forwardAuth` and Caddy `forward_auth` (§5.3, §5.4): their non-2xx answers reach the browser as sent. */
  function forwardAnswer(decision: Decision, request: Request): AuthAnswer | Response {
    if (decision.result === "allow") return answered(200, allIdentityHeaders(decision.identity));
    return withSecurityHeaders(refusal(decision, request), secure);
  }

  function refusal(decision: Exclude<Decision, { result: "allow" }>, request: Request): Response {
    const api = decision.kind === "api";
    switch (decision.result) {
      case "login":
        return api
          ? jsonResponse({ error: "login_required", login_url: decision.loginUrl }, 401, {
              "www-authenticate": REALM,
            })
          : empty(302, { location: decision.loginUrl });
      case "deny":
        return api
          ? jsonResponse({ error: "forbidden", reason: decision.reason, user: decision.identity.user }, 403)
          : gatewayPage(decision.reason, 403, pickLang(request), decision.identity.user);
      case "error":
        logError(decision.reason);
        return decision.reason === "store_unavailable"
          ? jsonResponse({ error: "store_unavailable" }, 503)
          : jsonResponse({ error: "gateway_error" }, 500);
    }
  }

  function logError(reason: GatewayError): void {
    if (reason === "store_unavailable") return; // logged where it happened, with the store's reason
    log?.error(
      { event: "gateway_refused", reason },
      reason === "untrusted_peer"
        ? "an auth subrequest came from a peer that is not a --trusted-proxy"
        : reason === "host_mismatch"
          ? "X-Forwarded-Host is not the host of the callback URL"
          : "an auth subrequest lacks X-Forwarded-Method or X-Forwarded-Uri",
    );
  }

  async function ready(): Promise<Response> {
    const problem = await storeProblem(options.store, options.storeTimeoutMs ?? 3000);
    if (problem === undefined) return jsonResponse({ status: "ready" }, 200);
    log?.error({ event: "gateway_not_ready", reason: problem }, "store unreachable");
    return jsonResponse({ status: "store_unavailable" }, 503);
  }

  /**
   * The page nginx shows for its 403 (`error_page 403 = @wl_denied`): nginx answers a denied subrequest itself,
   * so the reason is worked out again from the session, and the user's ID shown.
   */
  async function deniedPage(request: Request): Promise<Response> {
    const session = await login.getSession(request);
    const kind = classify(request.method, request.headers);
    if (!session) {
      return kind === "api"
        ? jsonResponse({ error: "forbidden" }, 403)
        : gatewayPage("not_in_roster", 403, pickLang(request));
    }
    const { identity, deny } = judge(policy, session, []);
    const decision = { result: "deny", kind, identity, reason: deny ?? "not_in_group" } as const;
    return refusal(decision, request);
  }

  /** `{prefix}/login` with the two checks the flow leaves to the gateway, then the flow's own start. */
  async function startLogin(request: Request, url: URL, connection: ClientConnection): Promise<Response> {
    if (isWeChatBrowser(request) && !options.inWeChatLogin) {
      // A QR code inside WeChat cannot be scanned: a dead end (Casdoor #5630). Say what works instead.
      return gatewayPage("open_in_browser", 200, pickLang(request));
    }
    const client = clientKey(
      trust.clientAddress(connection.remoteAddress, request.headers.get("x-forwarded-for")),
    );
    const returnTo = safeReturnTo(singleParam(url, "returnTo"), siteOrigin);
    const key = createHash("sha256").update(`${client}\n${returnTo}`).digest("base64url");
    try {
      const verdict = await store.consumeRateLimit(LOOP_GUARD, key);
      if (!verdict.allowed) {
        log?.warn({ event: "gateway_login_loop", returnTo: pathOf(returnTo) }, "login loop stopped");
        return gatewayPage("login_loop", 429, pickLang(request));
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      // The flow answers its own 503 page for the same outage just below.
    }
    return login.handle(request, connection);
  }

  async function routeAnswer(request: Request, connection: ClientConnection): Promise<Response> {
    const url = new URL(request.url);
    const route = url.pathname.slice(prefix.length);
    const get = request.method === "GET" || request.method === "HEAD";
    if (get && route === "/ping") return loginResponse("ok\n", 200, { "content-type": "text/plain" });
    if (get && route === "/ready") return ready();

    if (get && route === "/login") return startLogin(request, url, connection);
    if (get && route === "/denied") return deniedPage(request);
    return login.handle(request, connection);
  }

  function internalError(error: unknown): Response {
    log?.error(
      { event: "gateway_internal_error", reason: error instanceof Error ? error.name : "error" },
      "gateway route failed",
    );
    return withSecurityHeaders(jsonResponse({ error: "internal_error" }, 500), secure);
  }

  /** The auth endpoints: the hot path, answered without a Web Response when there is no body. */
  async function auth(
    request: Request,
    connection: ClientConnection,
    known?: RequestTarget,
    headers: HeaderSource = request.headers,
  ): Promise<AuthAnswer | Response | undefined> {
    if (request.method !== "GET" && request.method !== "HEAD") return undefined;
    const target = known ?? new URL(request.url);
    const route = target.pathname.slice(prefix.length);
    if (route !== "/auth" && route !== "/forward-auth") return undefined;
    const mode = route === "/auth" ? "nginx" : "forward-auth";
    try {
      const original = forwarded(request, connection, headers);
      if ("error" in original) {
        // Either front gets a bare 500: the subrequest itself is wrong, not the user's request.
        options.metrics?.decision(mode, "error");
        logError(original.error);
        return answered(500, {});
      }
      // One await between the request and its answer: the answers are built synchronously.
      const decision = await decide(original, groupsOf(target, request));
      options.metrics?.decision(mode, decision.result);
      return mode === "nginx" ? nginxAnswer(decision) : forwardAnswer(decision, request);
    } catch (error) {
      return internalError(error);
    }
  }

  return {
    prefix,
    owns,
    decide,
    auth,
    refusal: (decision, request) => withSecurityHeaders(refusal(decision, request), secure),
    async handle(request, connection) {
      const answer = await auth(request, connection);
      if (answer instanceof Response) return answer;
      if (answer) return loginResponse(null, answer.status, answer.headers);
      try {
        return withSecurityHeaders(await routeAnswer(request, connection), secure);
      } catch (error) {
        return internalError(error);
      }
    },
  };
}

// Built with the flow's loginResponse, so withSecurityHeaders keeps the body a string written in one go.
function empty(status: number, headers: Record<string, string>): Response {
  return loginResponse(null, status, headers);
}

function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return loginResponse(JSON.stringify(body), status, {
    "content-type": "application/json; charset=utf-8",
    ...headers,
  });
}

/** The path of a request target (`/a/b?x=1` → `/a/b`); the query never decides what is public. */
function pathOf(uri: string): string {
  const end = uri.search(QUERY_OR_FRAGMENT);
  return end === -1 ? uri : uri.slice(0, end);
}

function hostnameOf(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  return lower.split(":")[0] ?? lower;
}

/**
 * Why the store cannot serve the gateway, or undefined when it answers: a read of a session that cannot
 * exist touches the backend and changes nothing (`/_wl/ready`, `proxy --check`).
 */
export async function storeProblem(store: Store, timeoutMs: number): Promise<string | undefined> {
  try {
    await guardedStore(store, timeoutMs).getSession("0".repeat(64), Date.now());
    return undefined;
  } catch (error) {
    return error instanceof StoreUnavailable ? error.reason : "error";
  }
}

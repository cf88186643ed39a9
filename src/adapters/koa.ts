import type { Context, Middleware, Next } from "koa";
import type { Login, LoginSession, RequireSessionOptions } from "../flow/index.js";
import { connectionOf, isBodyless, toNodeHeaders, toWebRequest, webBodyToNode } from "./node-bridge.js";
import { reencodeParsedBody } from "./shared.js";

export type { RequireSessionOptions } from "../flow/index.js";

/** `ctx.state` after `requireSession`: use as `new Koa<WeChatSessionState>()` for typed access. */
export interface WeChatSessionState {
  /** The logged-in session, set by `requireSession`. */
  wechatSession?: LoginSession;
}

/** What koa-bodyparser and similar leave on `ctx.request`. */
interface ParsedRequest {
  body?: unknown;
  rawBody?: unknown;
}

/**
 * The Web Request of a Koa context: Koa's own scheme and host (so
 * `app.proxy = true` applies), the URL before koa-mount rewrote it, and the
 * body a body parser already read, if any.
 */
function webRequestOf(ctx: Context): Request {
  const parsed = ctx.request as unknown as ParsedRequest;
  const consumed = ctx.req.readableDidRead || ctx.req.readableEnded;
  const body = !consumed
    ? undefined
    : typeof parsed.rawBody === "string"
      ? parsed.rawBody
      : reencodeParsedBody(parsed.body, ctx.get("content-type") || undefined);
  return toWebRequest(ctx.req, {
    origin: ctx.origin,
    path: ctx.originalUrl,
    body,
    res: ctx.res,
  });
}

/** Scheme, host, URL and cookies only: reading a session must leave the body to the app's own parsers. */
function sessionRequestOf(ctx: Context): Request {
  return toWebRequest(ctx.req, { origin: ctx.origin, path: ctx.originalUrl, body: null });
}

/**
 * Answers through Koa's own response (status, headers, body) rather than
 * writing to `ctx.res`, so upstream middleware (logging, compression) still
 * sees and shapes the answer.
 */
function respond(ctx: Context, response: Response): void {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(toNodeHeaders(response.headers))) {
    if (value === undefined) continue;
    // append keeps cookies other middleware set on this response.
    if (name === "set-cookie") ctx.append(name, value as string[]);
    else ctx.set(name, String(value));
  }
  if (response.body && !isBodyless(ctx.method, response.status)) {
    ctx.body = webBodyToNode(response.body);
    return;
  }
  void response.body?.cancel();
  // An empty string, not null: Koa turns a null body into a 204, which would eat a 302's Location.
  const type = response.headers.get("content-type");
  ctx.body = "";
  if (type) ctx.set("Content-Type", type);
  else ctx.remove("Content-Type");
}

/**
 * Koa middleware serving the login routes; every other request goes on to `next()`.
 * @example
 * import Koa from "koa";
 * const app = new Koa();
 * app.use(loginRoutes(login));
 */
export function loginRoutes(login: Login): Middleware {
  return async (ctx: Context, next: Next) => {
    const request = webRequestOf(ctx);
    if (!login.matches(request)) return next();
    respond(ctx, await login.handle(request, connectionOf(ctx.req)));
  };
}

/**
 * The logged-in session of a Koa request, or undefined.
 * @example
 * router.get("/", async (ctx) => { ctx.body = (await getSession(login, ctx))?.user.nickname ?? "guest"; });
 */
export function getSession(login: Login, ctx: Context): Promise<LoginSession | undefined> {
  return login.getSession(sessionRequestOf(ctx));
}

/**
 * Middleware that lets only logged-in requests through, with the session on
 * `ctx.state.wechatSession`. Without a session it answers 401 JSON, or
 * redirects to the login with `{ onMissing: "redirect" }`.
 * @example
 * app.use(requireSession(login)).use((ctx) => { ctx.body = ctx.state.wechatSession.user; });
 */
export function requireSession(
  login: Login,
  options: RequireSessionOptions = {},
): Middleware<WeChatSessionState> {
  return async (ctx, next) => {
    const session = await getSession(login, ctx);
    if (!session) {
      respond(ctx, login.unauthenticated(sessionRequestOf(ctx), options));
      return;
    }
    ctx.state.wechatSession = session;
    return next();
  };
}

import { getConnInfo as nodeConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import type { GetConnInfo } from "hono/conninfo";
import type { ClientConnection, Login, LoginSession, RequireSessionOptions } from "../flow/index.js";

export type { RequireSessionOptions } from "../flow/index.js";

/** Hono variables after `requireSession`: `c.get("wechatSession")`. */
export interface WeChatSessionVariables {
  /** The logged-in session, set by `requireSession`. */
  wechatSession: LoginSession;
}

/** The Hono `Env` of routes behind `requireSession`. */
export interface WeChatSessionEnv {
  /** Typed `c.get("wechatSession")`. */
  Variables: WeChatSessionVariables;
}

/** Options of {@link loginRoutes}. */
export interface LoginRoutesOptions {
  /**
   * Reads the connection's peer address, for the rate limits: Hono's
   * `getConnInfo` of your runtime (`hono/bun`, `hono/deno`,
   * `hono/cloudflare-workers`, …). Default: @hono/node-server's.
   */
  getConnInfo?: GetConnInfo;
}

/**
 * The socket's peer of a Hono request, or no address when the runtime does
 * not say (the flow then counts the request under one shared key).
 * @example
 * const embedded = await login.embeddedLogin(c.req.raw, { containerId: "qr", ...connectionOf(c) });
 */
export function connectionOf(c: Context, getConnInfo: GetConnInfo = nodeConnInfo): ClientConnection {
  try {
    return { remoteAddress: getConnInfo(c).remote.address };
  } catch {
    // Not on @hono/node-server (no c.env.incoming) and no getConnInfo for this runtime given.
    return {};
  }
}

/**
 * Mounts the login routes on a Hono app: Hono already speaks Web
 * `Request`/`Response`, so this only routes, and hands the flow the peer's address.
 * @example
 * import { Hono } from "hono";
 * const app = new Hono();
 * app.use(loginRoutes(login));
 * app.get("/me", async (c) => c.json(await getSession(login, c)));
 */
export function loginRoutes(login: Login, options: LoginRoutesOptions = {}): MiddlewareHandler {
  // Not async: the flow's promise is the answer, with no extra step around it.
  return (c, next) =>
    login.matches(c.req.raw) ? login.handle(c.req.raw, connectionOf(c, options.getConnInfo)) : next();
}

/**
 * The logged-in session of a Hono request, or undefined.
 * @example
 * app.get("/", async (c) => c.text((await getSession(login, c))?.user.nickname ?? "guest"));
 */
export function getSession(login: Login, c: Context): Promise<LoginSession | undefined> {
  return login.getSession(c.req.raw);
}

/**
 * Middleware that lets only logged-in requests through, with the session in
 * `c.get("wechatSession")`. Without a session it answers 401 JSON, or
 * redirects to the login with `{ onMissing: "redirect" }`.
 * @example
 * app.get("/profile", requireSession(login), (c) => c.json(c.get("wechatSession").user));
 */
export function requireSession(
  login: Login,
  options: RequireSessionOptions = {},
): MiddlewareHandler<WeChatSessionEnv> {
  return async (c, next) => {
    const session = await login.getSession(c.req.raw);
    if (!session) return login.unauthenticated(c.req.raw, options);
    c.set("wechatSession", session);
    return next();
  };
}

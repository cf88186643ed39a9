import type { SessionRecord } from "../stores/types.js";
import type { FlowContext } from "./context.js";
import { sha256 } from "./crypto.js";
import { singleParam } from "./params.js";
import { headersWith, json, redirect } from "./responses.js";
import { safeReturnTo } from "./return-to.js";
import type { LoginSession, RequireSessionOptions } from "./types.js";

/** The session cookie's life after login: read (with idle renewal), `/session`, `/logout`. */
export async function readSession(
  ctx: FlowContext,
  request: Request,
): Promise<{ record: SessionRecord; session: LoginSession } | undefined> {
  const id = ctx.cookies.read(request).session;
  if (!id || id.length > 256) return undefined;
  const at = ctx.now();
  const record = await ctx.store.getSession(sha256(id), at);
  if (!record) return undefined;
  const user = await ctx.store.getUser(record.userId);
  if (!user) return undefined;
  const idleExpiresAt = Math.min(at + ctx.config.sessionIdleSeconds * 1000, record.absoluteExpiresAt);
  // Renew at most once a minute so a busy page does not write on every request.
  if (idleExpiresAt - record.idleExpiresAt > 60_000)
    await ctx.store.touchSession(record.idHash, idleExpiresAt);
  return {
    record,
    session: {
      user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
      identity: { appid: record.appid, openid: record.openid },
      expiresAt: Math.min(idleExpiresAt, record.absoluteExpiresAt),
    },
  };
}

export async function sessionRoute(ctx: FlowContext, request: Request): Promise<Response> {
  const found = await readSession(ctx, request);
  if (!found) return unauthenticated(ctx, request);
  return json(found.session, 200);
}

/**
 * Logout CSRF (OWASP CSRF cheat sheet, "Fetch Metadata"): a POST another site
 * made the browser send is refused, by `Origin` when the browser sent one and
 * by `Sec-Fetch-Site: cross-site` when it did not.
 */
function isCrossSite(ctx: FlowContext, request: Request, url: URL): boolean {
  const origin = request.headers.get("origin");
  const sameOrigin = origin !== null && (origin === url.origin || origin === ctx.siteOrigin);
  if (origin !== null && !sameOrigin) return true;
  return request.headers.get("sec-fetch-site") === "cross-site" && !sameOrigin;
}

export async function logout(ctx: FlowContext, request: Request, url: URL): Promise<Response> {
  if (isCrossSite(ctx, request, url)) return json({ error: "cross_origin_logout" }, 403);
  const id = ctx.cookies.read(request).session;
  if (id && id.length <= 256) await ctx.store.deleteSession(sha256(id));
  const clear = [ctx.cookies.clearSession()];
  if ((request.headers.get("accept") ?? "").includes("application/json")) {
    return new Response(null, { status: 204, headers: headersWith(clear) });
  }
  return redirect(safeReturnTo(singleParam(url, "returnTo"), ctx.siteOrigin), clear, 303);
}

/** The answer for a request that needs a session and has none (every adapter's `requireSession`). */
export function unauthenticated(
  ctx: FlowContext,
  request: Request,
  options: RequireSessionOptions = {},
): Response {
  if (options.onMissing === "redirect") {
    const url = new URL(request.url);
    return redirect(loginUrl(ctx, `${url.pathname}${url.search}`), []);
  }
  return json({ error: "not_logged_in" }, 401);
}

/** `{prefix}/login?returnTo=…`; the flow checks returnTo again (same-origin paths only), so any path may pass. */
export function loginUrl(ctx: FlowContext, returnTo?: string): string {
  const query = returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`;
  return `${ctx.config.routePrefix}/login${query}`;
}

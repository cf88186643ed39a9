import type { FlowContext } from "./context.js";
import { singleParam } from "./params.js";
import { json, loginResponse, redirect } from "./responses.js";
import { safeReturnTo } from "./return-to.js";
import type { RequireSessionOptions } from "./types.js";

export async function sessionRoute(ctx: FlowContext, request: Request): Promise<Response> {
  const found = await ctx.sessions.read(request);
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

/**
 * Ends the request's session. The CSRF check is for cookies: a bearer token is
 * not sent by the browser on its own, and another site's page cannot attach
 * `Authorization` without a CORS preflight, which the login routes never grant.
 */
export async function logout(ctx: FlowContext, request: Request, url: URL): Promise<Response> {
  const bearer = ctx.sessions.hasBearer(request);
  if (!bearer && isCrossSite(ctx, request, url)) return json({ error: "cross_origin_logout" }, 403);
  const clear = await ctx.sessions.revoke(request);
  if (bearer || (request.headers.get("accept") ?? "").includes("application/json")) {
    return loginResponse(null, 204, {}, clear);
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

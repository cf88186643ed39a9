import { isSecureSite } from "../flow/cookies.js";
import type { ClientConnection, Login } from "../flow/index.js";
import { withSecurityHeaders } from "../flow/security-headers.js";

/** What `requireSession` does when a request has no session. */
export interface RequireSessionOptions {
  /**
   * `"json"` (default) answers 401 `{"error":"not_logged_in"}`, like `GET {prefix}/session`;
   * `"redirect"` sends the browser to `{prefix}/login?returnTo=<this page>` (for pages, not APIs).
   */
  onMissing?: "json" | "redirect";
}

/**
 * Runs `login.handle` and turns an unexpected throw into a plain 500 answer.
 * The flow already answers its own failures (a failing store is a 503 page);
 * this is the last guard so a bug never takes the process or the framework's
 * error page with a stack trace in it.
 */
export async function handleSafely(
  login: Login,
  request: Request,
  connection?: ClientConnection,
): Promise<Response> {
  try {
    return await login.handle(request, connection);
  } catch (error) {
    reportUnexpected(login, error);
    const headers = { "content-type": "text/plain; charset=utf-8" };
    return withSecurityHeaders(new Response("Internal error / 内部错误", { status: 500, headers }), {
      secure: isSecureSite(login.config.redirectUri),
    });
  }
}

/** Logs a throw by its class name only: messages can carry store URLs or tokens. */
function reportUnexpected(login: Login, error: unknown): void {
  const reason = error instanceof Error ? error.name : typeof error;
  if (login.config.logger) {
    login.config.logger.error({ event: "adapter_error", reason }, "login route threw");
  } else {
    console.error(`wechat-login: login route threw (${reason})`);
  }
}

/** The answer of `requireSession` for a request without a session. */
export function sessionMissing(
  login: Login,
  request: Request,
  options: RequireSessionOptions = {},
): Response {
  const secure = { secure: isSecureSite(login.config.redirectUri) };
  if (options.onMissing === "redirect") {
    const url = new URL(request.url);
    // The flow checks returnTo again (same-origin relative paths only), so passing the path through is safe.
    const returnTo = encodeURIComponent(`${url.pathname}${url.search}`);
    const location = `${login.config.routePrefix}/login?returnTo=${returnTo}`;
    return withSecurityHeaders(new Response(null, { status: 302, headers: { location } }), secure);
  }
  const body = JSON.stringify({ error: "not_logged_in" });
  const headers = { "content-type": "application/json; charset=utf-8" };
  return withSecurityHeaders(new Response(body, { status: 401, headers }), secure);
}

/**
 * Re-encodes a body that a framework's body parser already read (Express's
 * `express.json()`, koa-bodyparser), since the request stream is then empty.
 * Returns `null` when the parsed value cannot be sent again faithfully; the
 * login routes do not depend on request bodies.
 */
export function reencodeParsedBody(body: unknown, contentType: string | undefined): BodyInit | null {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("json")) return JSON.stringify(body);
  if (type.includes("application/x-www-form-urlencoded") && typeof body === "object") {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body)) {
      if (typeof value !== "string") return null;
      form.append(name, value);
    }
    return form;
  }
  return null;
}

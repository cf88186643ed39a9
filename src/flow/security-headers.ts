import { bodyOf, loginResponse } from "./responses.js";

/**
 * The headers every response of the login routes carries, added in one place
 * so no route can forget them (OWASP Session Management / Clickjacking cheat
 * sheets, RFC 9700 §4.2.4 on referrer leaks of the code):
 * - `Cache-Control: no-store`: login answers are per user; no shared cache keeps one.
 * - `Referrer-Policy: no-referrer`: the callback URL holds a code and a state.
 * - `X-Content-Type-Options: nosniff`, and framing refused (`X-Frame-Options`
 *   plus CSP `frame-ancestors`) unless the response chose its own.
 * - `Strict-Transport-Security` when the site runs on https.
 * - `Retry-After` on 503 and 429, so clients and proxies back off.
 */
export function withSecurityHeaders(response: Response, options: { secure: boolean }): Response {
  // A new response with every header in its init: headers set on the old one in place can be lost
  // (@hono/node-server's lightweight Response rebuilds itself from its first init when read further).
  const headers = new Headers(response.headers);
  addSecurityHeaders(headers, response.status, options);
  // No statusText: the flow never sets one, and reading it would build the full Response anyway.
  return new Response(bodyOf(response), { status: response.status, headers });
}

/**
 * A response built with the security headers in its init, for an answer made many times a second (the
 * gateway's auth endpoints): the same headers as {@link withSecurityHeaders}, without a second Response.
 */
export function securedResponse(
  body: string | null,
  status: number,
  init: Record<string, string>,
  options: { secure: boolean },
): Response {
  const headers = new Headers(init);
  addSecurityHeaders(headers, status, options);
  return loginResponse(body, status, headers);
}

function addSecurityHeaders(headers: Headers, status: number, options: { secure: boolean }): void {
  headers.set("cache-control", "no-store");
  headers.set("referrer-policy", "no-referrer");
  headers.set("x-content-type-options", "nosniff");
  if (options.secure) headers.set("strict-transport-security", `max-age=${HSTS_MAX_AGE_SECONDS}`);
  if (!headers.has("x-frame-options")) headers.set("x-frame-options", "DENY");
  const policy = headers.get("content-security-policy");
  if (!policy) headers.set("content-security-policy", "frame-ancestors 'none'");
  else if (!/(^|;)\s*frame-ancestors\s/.test(policy))
    headers.set("content-security-policy", `${policy}; frame-ancestors 'none'`);
  if ((status === 503 || status === 429) && !headers.has("retry-after")) {
    headers.set("retry-after", String(status === 503 ? STORE_RETRY_AFTER_SECONDS : 60));
  }
}

/** One year: above the 180 days (15552000 s) that HSTS preload lists and scanners ask for. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;
/** A store outage is usually a restart or a failover: seconds, not minutes. */
const STORE_RETRY_AFTER_SECONDS = 5;

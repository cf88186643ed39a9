import { loginResponse, partsOf } from "./responses.js";

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
  const parts = partsOf(response);
  if (parts) {
    const { body, status, headers, cookies } = parts;
    return loginResponse(body, status, securedHeaders(headers, status, options), cookies);
  }
  // Made elsewhere (a hook's answer): a new response with every header in its init, since headers set on
  // the old one in place can be lost (@hono/node-server's lightweight Response rebuilds itself from its first init).
  const headers = new Headers(response.headers);
  addSecurityHeaders(headers, response.status, options);
  // No statusText: the flow never sets one, and reading it would build the full Response anyway.
  return new Response(response.body, { status: response.status, headers });
}

/**
 * `init` (lower-case names) with the security headers added, as a plain record: for an answer node writes
 * itself (`res.writeHead`), where even a Headers object is work a bodiless answer does not need.
 */
export function securedHeaders(
  init: Record<string, string>,
  status: number,
  options: { secure: boolean },
): Record<string, string> {
  // The usual answer (none of the headers an answer may choose itself, no back-off) gets the same set every time.
  // Not `{ ...init, ...usual }`: V8 runs a spread after a spread of a fresh record (the gateway's identity
  // headers) through the runtime, property by property: 27k instructions of each /_wl/auth (callgrind).
  if (
    status !== 503 &&
    status !== 429 &&
    init["x-frame-options"] === undefined &&
    init["content-security-policy"] === undefined
  )
    return Object.assign({}, init, options.secure ? USUAL.secure : USUAL.plain);
  const headers: Record<string, string> = { ...init };
  for (const [name, value] of securityHeaders((name) => headers[name], status, options))
    headers[name] = value;
  return headers;
}

function addSecurityHeaders(headers: Headers, status: number, options: { secure: boolean }): void {
  for (const [name, value] of securityHeaders((name) => headers.get(name) ?? undefined, status, options))
    headers.set(name, value);
}

/** The security headers to set on an answer whose own headers `get` reads (names in lower case). */
function securityHeaders(
  get: (name: string) => string | undefined,
  status: number,
  options: { secure: boolean },
): [string, string][] {
  const set: [string, string][] = [
    ["cache-control", "no-store"],
    ["referrer-policy", "no-referrer"],
    ["x-content-type-options", "nosniff"],
  ];
  if (options.secure) set.push(["strict-transport-security", `max-age=${HSTS_MAX_AGE_SECONDS}`]);
  if (get("x-frame-options") === undefined) set.push(["x-frame-options", "DENY"]);
  const policy = get("content-security-policy");
  if (!policy) set.push(["content-security-policy", "frame-ancestors 'none'"]);
  else if (!/(^|;)\s*frame-ancestors\s/.test(policy))
    set.push(["content-security-policy", `${policy}; frame-ancestors 'none'`]);
  if ((status === 503 || status === 429) && get("retry-after") === undefined) {
    set.push(["retry-after", String(status === 503 ? STORE_RETRY_AFTER_SECONDS : 60)]);
  }
  return set;
}

/** One year: above the 180 days (15552000 s) that HSTS preload lists and scanners ask for. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;
/** A store outage is usually a restart or a failover: seconds, not minutes. */
const STORE_RETRY_AFTER_SECONDS = 5;

const USUAL = {
  plain: Object.fromEntries(securityHeaders(() => undefined, 200, { secure: false })),
  secure: Object.fromEntries(securityHeaders(() => undefined, 200, { secure: true })),
};

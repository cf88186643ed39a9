import { type HeaderSource, headerOf } from "./headers.js";

/**
 * Whether a request is a page the browser navigates to (it can follow a
 * redirect to the login) or a script's call (it needs a 401 it can read):
 * one rule for the nginx, forward-auth and proxy modes (gateway spec §5.1).
 * A JSON-only rule (oauth2-proxy's) redirects every `fetch()` that forgot an
 * `Accept`, so the browser's own Fetch Metadata comes first.
 */
export type RequestKind = "navigation" | "api";

/**
 * @param method The original request's method (in auth mode it comes in `X-Forwarded-Method`: the subrequest is a GET).
 * @example
 * classify("GET", new Headers({ "sec-fetch-mode": "navigate" })); // "navigation"
 * classify("GET", new Headers({ accept: "application/json" })); // "api"
 */
export function classify(method: string, headers: HeaderSource): RequestKind {
  const mode = headerOf(headers, "sec-fetch-mode");
  if (mode !== null) return mode.trim().toLowerCase() === "navigate" ? "navigation" : "api";
  // Older browsers and WeChat's older webviews send no Fetch Metadata.
  const upper = method.toUpperCase();
  const accept = (headerOf(headers, "accept") ?? "").toLowerCase();
  const xhr = (headerOf(headers, "x-requested-with") ?? "").toLowerCase() === "xmlhttprequest";
  return (upper === "GET" || upper === "HEAD") && accept.includes("text/html") && !xhr ? "navigation" : "api";
}

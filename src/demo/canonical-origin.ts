import type { MiddlewareHandler } from "hono";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Sends a browser that opened the demo on another loopback name (127.0.0.1
 * while the callback is on localhost) to the callback's origin first:
 * cookies are per host, so a login started on one name could never finish
 * on the other ("started in another browser").
 */
export function canonicalOrigin(siteOrigin: string): MiddlewareHandler {
  const site = new URL(siteOrigin);
  return async (c, next) => {
    const url = new URL(c.req.url);
    const sameMachine = LOOPBACK.has(url.hostname) && LOOPBACK.has(site.hostname);
    if (url.origin === site.origin || !sameMachine || !["GET", "HEAD"].includes(c.req.method)) return next();
    return c.redirect(`${site.origin}${url.pathname}${url.search}`, 302);
  };
}

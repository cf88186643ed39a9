import type { IncomingHttpHeaders } from "node:http";

/**
 * A request's headers: a Web `Headers`, or node's own `req.headers` (lower-case names), which the gateway's
 * server hands over as they are: each `Headers.get` checks and lower-cases the name again, a few hundred
 * nanoseconds apiece on the auth endpoints' hot path.
 */
export type HeaderSource = Headers | IncomingHttpHeaders;

/**
 * One header as `Headers.get` reads it (repeated fields joined with ", "), null when absent.
 * @param name In lower case: node's record is keyed so.
 */
export function headerOf(headers: HeaderSource, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  const value = headers[name];
  if (value === undefined) return null;
  return typeof value === "string" ? value : value.join(", ");
}

import { parseSetCookie } from "cookie";

/** The session cookie's name on plain-http localhost (no `__Host-` prefix without Secure). */
export const SESSION_COOKIE = "wl_session";

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser's cookie jar for one host name. Cookies ignore the port (RFC 6265
 * §8.5), so instances on 127.0.0.1:A and 127.0.0.1:B share them, as
 * instances behind one public domain do.
 */
export class ClusterBrowser {
  readonly cookies = new Map<string, StoredCookie>();

  constructor(readonly acceptLanguage = "en") {}

  /** A second browser holding a copy of this one's cookies (someone who copied them, or a second tab). */
  clone(): ClusterBrowser {
    const copy = new ClusterBrowser(this.acceptLanguage);
    for (const [name, cookie] of this.cookies) copy.cookies.set(name, { ...cookie });
    return copy;
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  /** One request, redirects not followed; stores what Set-Cookie says. */
  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    headers.set("accept-language", this.acceptLanguage);
    const sent = [...this.cookies].filter(([, cookie]) => target.pathname.startsWith(cookie.path));
    if (sent.length > 0)
      headers.set("cookie", sent.map(([name, { value }]) => `${name}=${value}`).join("; "));
    const response = await fetch(target, {
      method: init.method ?? "GET",
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    });
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      if (cookie.maxAge === 0 || cookie.value === "") this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, { value: cookie.value ?? "", path: cookie.path ?? "/" });
    }
    return response;
  }
}

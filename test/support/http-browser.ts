import { parseSetCookie } from "cookie";

/**
 * A browser over real HTTP with its own cookie jar (one site), following no
 * redirects by itself so a test sees each hop.
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly userAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0",
    readonly acceptLanguage = "en",
  ) {}

  async get(url: string, init: { method?: string; headers?: Record<string, string> } = {}) {
    const headers = new Headers(init.headers);
    headers.set("user-agent", this.userAgent);
    headers.set("accept-language", this.acceptLanguage);
    if (this.cookies.size > 0)
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(url, { method: init.method ?? "GET", headers, redirect: "manual" });
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      if (cookie.maxAge === 0 || !cookie.value) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  /** The Location of a redirect, resolved against the URL asked for. */
  static location(response: Response, from: string): string {
    const location = response.headers.get("location");
    if (!location) throw new Error(`expected a redirect, got ${response.status}`);
    return new URL(location, from).href;
  }
}

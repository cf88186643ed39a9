import { parse, type SerializeOptions, serialize } from "cookie";

/** Secure mode: everywhere but a plain-http site on localhost (development). */
export function isSecureSite(redirectUri: string): boolean {
  const url = new URL(redirectUri);
  return !(url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
}

export interface CookieNames {
  session: string;
  preLogin: string;
}

/**
 * Cookie policy. `Secure` is on unless the site runs on plain http on
 * localhost. With Secure both cookies take the `__Host-` prefix, which
 * browsers only accept with Secure, Path=/ and no Domain: no subdomain and no
 * plain-http page can plant or overwrite one (RFC 6265bis §4.1.3.2).
 */
export class CookiePolicy {
  readonly secure: boolean;
  readonly names: CookieNames;

  constructor(redirectUri: string) {
    this.secure = isSecureSite(redirectUri);
    this.names = this.secure
      ? { session: "__Host-wl_session", preLogin: "__Host-wl_login" }
      : { session: "wl_session", preLogin: "wl_login" };
  }

  read(request: Request): { session: string | undefined; preLogin: string | undefined } {
    const header = request.headers.get("cookie");
    if (!header) return { session: undefined, preLogin: undefined };
    const cookies = parse(header);
    return { session: cookies[this.names.session], preLogin: cookies[this.names.preLogin] };
  }

  session(value: string, maxAgeSeconds: number): string {
    return this.#serialize(this.names.session, value, maxAgeSeconds);
  }

  clearSession(): string {
    return this.#serialize(this.names.session, "", 0);
  }

  preLogin(value: string, maxAgeSeconds: number): string {
    return this.#serialize(this.names.preLogin, value, maxAgeSeconds);
  }

  clearPreLogin(): string {
    return this.#serialize(this.names.preLogin, "", 0);
  }

  /**
   * `cookie`'s serialize, its attribute part written once per name and lifetime: a login wrote two
   * Set-Cookie headers, and serializing the same attributes each time was a fifth of the callback's own
   * work. The value is encoded as serialize encodes it (`encodeURIComponent`, whose output it always accepts).
   */
  #serialize(name: string, value: string, maxAgeSeconds: number): string {
    const key = `${name}\n${maxAgeSeconds}`;
    let attributes = this.#attributeParts.get(key);
    if (attributes === undefined) {
      attributes = serialize(name, "", this.attributes(maxAgeSeconds)).slice(name.length + 1);
      this.#attributeParts.set(key, attributes);
    }
    return `${name}=${value === "" ? "" : encodeURIComponent(value)}${attributes}`;
  }

  /** A handful of entries: two names, and the few lifetimes the flow sets. */
  readonly #attributeParts = new Map<string, string>();

  private attributes(maxAgeSeconds: number): SerializeOptions {
    return {
      httpOnly: true,
      secure: this.secure,
      // Lax: WeChat sends the browser back with a top-level GET, which carries Lax cookies.
      sameSite: "lax",
      path: "/",
      maxAge: maxAgeSeconds,
    };
  }
}

import { parse, serialize } from "cookie";

export interface CookieNames {
  session: string;
  preLogin: string;
}

/**
 * Cookie policy. `Secure` is on unless the site runs on plain http on
 * localhost; with Secure the session cookie takes the `__Host-` prefix, which
 * browsers only accept with Secure, Path=/ and no Domain (no subdomain can plant one).
 */
export class CookiePolicy {
  readonly secure: boolean;
  readonly names: CookieNames;

  constructor(
    redirectUri: string,
    private readonly preLoginPath: string,
  ) {
    const url = new URL(redirectUri);
    const localHttp = url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    this.secure = !localHttp;
    this.names = this.secure
      ? { session: "__Host-wl_session", preLogin: "__Secure-wl_login" }
      : { session: "wl_session", preLogin: "wl_login" };
  }

  read(request: Request): { session: string | undefined; preLogin: string | undefined } {
    const header = request.headers.get("cookie");
    if (!header) return { session: undefined, preLogin: undefined };
    const cookies = parse(header);
    return { session: cookies[this.names.session], preLogin: cookies[this.names.preLogin] };
  }

  session(value: string, maxAgeSeconds: number): string {
    return serialize(this.names.session, value, {
      httpOnly: true,
      secure: this.secure,
      sameSite: "lax",
      path: "/",
      maxAge: maxAgeSeconds,
    });
  }

  clearSession(): string {
    return serialize(this.names.session, "", {
      httpOnly: true,
      secure: this.secure,
      sameSite: "lax",
      path: "/",
      maxAge: 0,
    });
  }

  preLogin(value: string, maxAgeSeconds: number): string {
    return serialize(this.names.preLogin, value, {
      httpOnly: true,
      secure: this.secure,
      // Lax: WeChat sends the browser back with a top-level GET, which carries Lax cookies.
      sameSite: "lax",
      path: this.preLoginPath,
      maxAge: maxAgeSeconds,
    });
  }

  clearPreLogin(): string {
    return serialize(this.names.preLogin, "", {
      httpOnly: true,
      secure: this.secure,
      sameSite: "lax",
      path: this.preLoginPath,
      maxAge: 0,
    });
  }
}

import type { AppKind, EmulatorApp } from "./config.js";
import type { GrantScope } from "./grants.js";

const SCOPES: Record<AppKind, readonly GrantScope[]> = {
  website: ["snsapi_login"],
  "official-account": ["snsapi_base", "snsapi_userinfo"],
  "mini-program": [],
};

/** Scopes an app of this kind may request. */
export function scopesOf(kind: AppKind): readonly GrantScope[] {
  return SCOPES[kind];
}

export function isGrantScope(kind: AppKind, scope: string): scope is GrantScope {
  return (SCOPES[kind] as readonly string[]).includes(scope);
}

/**
 * Whether WeChat would send a code to this redirect_uri (spec §2): its host must
 * be a registered callback domain; website apps also accept subdomains
 * (verify-marked in the spec), official accounts only the exact domain. A
 * domain registered without a port accepts any port.
 */
export function isRedirectAllowed(app: EmulatorApp, redirectUri: string): boolean {
  if (!URL.canParse(redirectUri)) return false;
  const url = new URL(redirectUri);
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  return app.domains.some((domain) => {
    const [host = "", port] = domain.split(":");
    if (port !== undefined && url.port !== port) return false;
    const hostname = url.hostname.toLowerCase();
    if (hostname === host) return true;
    return app.kind === "website" && hostname.endsWith(`.${host}`);
  });
}

/** Where the browser goes after the user decides: WeChat appends `code` (on consent) and `state`. */
export function redirectLocation(redirectUri: string, state: string, code?: string): string {
  const separator = redirectUri.includes("?") ? "&" : "?";
  const codePart = code === undefined ? "" : `code=${encodeURIComponent(code)}&`;
  return `${redirectUri}${separator}${codePart}state=${encodeURIComponent(state)}`;
}

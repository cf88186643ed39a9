import type { RosterEntry } from "./roster.js";

/** The identity the gateway hands a backend, from the session and the roster. */
export interface GatewayIdentity {
  /** The user key: the unionid, or `appid:openid` when the login has one AppID and WeChat gave no unionid. */
  user: string;
  unionid: string | undefined;
  openid: string;
  appid: string;
  /** From the roster; WeChat gives no e-mail. */
  email: string | undefined;
  groups: readonly string[];
  /** The roster's name, else a short form of the user key (WeChat gives no nickname since 2021). */
  preferredUsername: string;
  /** The roster's entry, or undefined for a user it does not list. */
  entry: RosterEntry | undefined;
}

/** The headers the gateway owns (gateway spec §5.2): emitted on ALLOW with a session, removed from every inbound request. */
export const IDENTITY_HEADERS = [
  "x-auth-request-user",
  "x-auth-request-email",
  "x-auth-request-groups",
  "x-auth-request-preferred-username",
  "x-wechat-unionid",
  "x-wechat-openid",
  "x-wechat-appid",
] as const;

/**
 * Names a backend may read as an identity though the gateway never sends
 * them: a client's copy must not reach it (oauth2-proxy GHSA-vjrc-mh2v-45x6).
 */
const ALSO_STRIPPED = [
  "x-forwarded-user",
  "x-forwarded-email",
  "x-forwarded-groups",
  "x-forwarded-preferred-username",
];

const OWNED = new Set<string>([...IDENTITY_HEADERS, ...ALSO_STRIPPED]);

/**
 * True for every spelling of an identity header: any case, `_` for `-`
 * (PHP/CGI and `underscores_in_headers on` map both to one variable).
 */
export function isIdentityHeader(name: string): boolean {
  return OWNED.has(name.toLowerCase().replaceAll("_", "-"));
}

/** The identity headers of an ALLOW, values limited to what a header can carry. */
export function identityHeaders(identity: GatewayIdentity): Record<string, string> {
  const headers: Record<string, string> = {
    "x-auth-request-user": identity.user,
    "x-auth-request-preferred-username": headerSafe(identity.preferredUsername),
    "x-auth-request-groups": identity.groups.map(headerSafe).join(","),
    "x-wechat-openid": identity.openid,
    "x-wechat-appid": identity.appid,
  };
  if (identity.email !== undefined) headers["x-auth-request-email"] = headerSafe(identity.email);
  if (identity.unionid !== undefined) headers["x-wechat-unionid"] = identity.unionid;
  return headers;
}

/**
 * Every identity header, empty where the identity has no value (or there is no identity: a public route),
 * for the forward-auth answer: Caddy 2.6's `copy_headers` passes its own placeholder text
 * (`{http.reverse_proxy.header.X-Auth-Request-Email}`) to the app for a header the answer lacks; an empty
 * one sets nothing. (nginx's `auth_request_set` reads an absent header as empty already.)
 */
export function allIdentityHeaders(identity: GatewayIdentity | undefined): Record<string, string> {
  const empty = Object.fromEntries(IDENTITY_HEADERS.map((name) => [name, ""]));
  // Not `{ ...empty, ...identityHeaders() }`: V8 runs a spread after a spread in microseconds.
  return identity ? Object.assign(empty, identityHeaders(identity)) : empty;
}

// A module constant: a regular expression literal in a function body is a new RegExp on every call.
const VISIBLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A roster's name may be Chinese: a header value carries only visible ASCII
 * reliably, so anything else is percent-encoded (RFC 3986 style), which a
 * backend decodes with one call.
 */
function headerSafe(value: string): string {
  return VISIBLE_ASCII.test(value) ? value : encodeURIComponent(value);
}

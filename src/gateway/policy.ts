import type { LoginSession } from "../flow/index.js";
import { ConfigError } from "../protocol/errors.js";
import type { GatewayIdentity } from "./identity.js";
import type { Roster } from "./roster.js";

/** A route served without a login: a method (or any) and an anchored path prefix. */
export interface PublicRoute {
  method: string | undefined;
  prefix: string;
}

/**
 * Parses `--public GET:/healthz` or `/static/`.
 * @throws {ConfigError} for a prefix that is not a plain absolute path.
 */
export function parsePublicRoute(text: string): PublicRoute {
  const match = /^(?:([A-Z]+):)?(\/[^?#]*)$/.exec(text.trim());
  const prefix = match?.[2];
  if (!match || prefix === undefined || normalisedPath(prefix) !== prefix)
    throw new ConfigError("public", `"${text}" must be [METHOD:]/path, a normalised path without ? or #`);
  return { method: match[1], prefix };
}

// Module constants: a regular expression literal in a function body is a new RegExp on every call.
// biome-ignore lint/suspicious/noControlCharactersInRegex: a control character is the refusal.
const REFUSED = /[%;\\\u0000-\u001f\u007f]|\/\//;
/** What sends a path the long way: something refused or to decode, or a dot segment. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: a control character leaves the shortcut.
const NOT_PLAIN = /[%;\\\u0000-\u001f\u007f]|\/\/|\/\.\.?(?:\/|$)/;

/**
 * The path a public rule is matched against: decoded once, dot segments
 * resolved, and undefined (so: not public, the login applies) for anything a
 * backend could read differently: a `%` still there after one decoding, `;`
 * parameters, `//`, backslashes or control characters. Never the query
 * (oauth2-proxy GHSA-7rh7-c77v-6434).
 */
export function normalisedPath(path: string): string | undefined {
  // The usual path (nothing to decode, no dot segment, nothing refused) is its own normal form: the
  // decoding, splitting and joining below would give it back unchanged.
  if (path.startsWith("/") && !NOT_PLAIN.test(path)) return path;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith("/") || REFUSED.test(decoded)) return undefined;
  const segments: string[] = [];
  for (const segment of decoded.split("/").slice(1)) {
    if (segment === "..") segments.pop();
    else if (segment !== ".") segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/** True when the request's path (path only) falls under one of the public rules. */
export function isPublic(routes: readonly PublicRoute[], method: string, path: string): boolean {
  if (routes.length === 0) return false;
  const normalised = normalisedPath(path);
  if (normalised === undefined) return false;
  const upper = method.toUpperCase();
  return routes.some((route) => {
    if (route.method !== undefined && route.method !== upper && !(route.method === "GET" && upper === "HEAD"))
      return false;
    if (normalised === route.prefix) return true;
    return normalised.startsWith(route.prefix.endsWith("/") ? route.prefix : `${route.prefix}/`);
  });
}

/** Who may pass, once logged in. */
export interface Policy {
  /** Without a roster every logged-in WeChat user passes (said at start-up). */
  roster: Roster | undefined;
  /** Refuse a login that brought no unionid (the user key would depend on the AppID). */
  requireUnionid: boolean;
  /**
   * True when the login has one AppID: only then is `appid:openid` a stable
   * key; with two, one person has two openids (wechat-protocol.md §8).
   */
  singleAppid: boolean;
}

/** Why a logged-in user is refused: shown to them with their ID, logged without it. */
export type DenyReason = "not_in_roster" | "not_in_group" | "no_unionid";

/**
 * The identity of a session and whether the policy lets it through.
 * `groups` is the route's rule: any one of them admits.
 */
export function judge(
  policy: Policy,
  session: LoginSession,
  groups: readonly string[],
): { identity: GatewayIdentity; deny: DenyReason | undefined } {
  const { unionid } = session.user;
  const { appid, openid } = session.identity;
  const user = unionid ?? `${appid}:${openid}`;
  const entry = policy.roster?.get(user);
  const identity: GatewayIdentity = {
    user,
    unionid,
    openid,
    appid,
    email: entry?.email,
    groups: entry?.groups ?? [],
    preferredUsername: entry?.name ?? shortId(user),
    entry,
  };
  let deny: DenyReason | undefined;
  if (unionid === undefined && (policy.requireUnionid || !policy.singleAppid)) deny = "no_unionid";
  else if (policy.roster !== undefined && entry === undefined) deny = "not_in_roster";
  else if (groups.length > 0 && !groups.some((name) => identity.groups.includes(name))) deny = "not_in_group";
  return { identity, deny };
}

/** A readable handle for a user without a roster name: the key's last 8 characters. */
function shortId(user: string): string {
  return `wx-${user.slice(-8)}`;
}

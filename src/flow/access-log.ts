/**
 * Query parameters whose values are credentials or one-time secrets: WeChat's
 * `code` and `state`, tokens, session keys and tickets. Their values never reach a log.
 */
const SECRET_PARAMETERS = new Set([
  "code",
  "state",
  "access_token",
  "refresh_token",
  "session_key",
  "js_code",
  "ticket",
  "token",
  "secret",
  "appsecret",
  "session",
  // An Official Account push's URL signature covers only token, timestamp and nonce, not the body:
  // in plaintext mode a logged one would let whoever reads the log sign a forged push.
  "signature",
  "msg_signature",
  "echostr",
]);

/** Headers that carry a session or a credential: left out of logs whole. */
const SECRET_HEADERS = new Set(["cookie", "set-cookie", "authorization", "proxy-authorization"]);

/** Headers holding a URL that may carry `code` or `state` (the callback's, as a referrer or a redirect). */
const URL_HEADERS = new Set(["referer", "location"]);

const REDACTED = "[redacted]";

/** A secret in a path: the attempt id a website polls a login finished on the phone with (mini-program code, follow). */
const SECRET_PATH = /(\/(?:miniprogram\/qr|follow)\/)[^/?#]+/;

/**
 * A URL (absolute, or a path with its query) fit for a log line: the value of
 * every secret query parameter (`code`, `state`, tokens, …) becomes `[redacted]`,
 * and so does the attempt id in `…/miniprogram/qr/{attemptId}` and `…/follow/{attemptId}`.
 * Use it in your own access logger, e.g. pino-http's `serializers.req`.
 * @example
 * redactUrl("/auth/callback?code=071abc&state=9f2e"); // "/auth/callback?code=[redacted]&state=[redacted]"
 */
export function redactUrl(given: string): string {
  const pathEnd = given.search(/[?#]/);
  const url =
    pathEnd === -1
      ? given.replace(SECRET_PATH, `$1${REDACTED}`)
      : given.slice(0, pathEnd).replace(SECRET_PATH, `$1${REDACTED}`) + given.slice(pathEnd);
  const queryAt = url.indexOf("?");
  if (queryAt === -1) return url;
  const hashAt = url.indexOf("#", queryAt);
  const query = url.slice(queryAt + 1, hashAt === -1 ? undefined : hashAt);
  const pairs = query.split("&").map((pair) => {
    const equalsAt = pair.indexOf("=");
    const name = equalsAt === -1 ? pair : pair.slice(0, equalsAt);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // A malformed name is logged as sent; only known names are secret.
    }
    return SECRET_PARAMETERS.has(decoded.toLowerCase()) && equalsAt !== -1 ? `${name}=${REDACTED}` : pair;
  });
  // A fragment never reaches the server; one in a logged Location header is dropped rather than parsed.
  return `${url.slice(0, queryAt)}?${pairs.join("&")}`;
}

/** Request or response headers fit for a debug log: no cookies or credentials, URLs redacted. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (SECRET_HEADERS.has(name)) return;
    kept[name] = URL_HEADERS.has(name) ? redactUrl(value) : value;
  });
  return kept;
}

/** One access-log line's fields: what was asked, what was answered, how long it took. */
export interface AccessLogEntry {
  event: "request";
  method: string;
  /** The path and query, secrets redacted. */
  url: string;
  status: number;
  durationMs: number;
}

/** The access-log fields of one answered request. */
export function accessLogEntry(request: Request, status: number, durationMs: number): AccessLogEntry {
  let path = request.url;
  if (URL.canParse(request.url)) {
    const url = new URL(request.url);
    path = `${url.pathname}${url.search}`;
  }
  return {
    event: "request",
    method: request.method,
    url: redactUrl(path),
    status,
    durationMs: Math.round(durationMs * 10) / 10,
  };
}

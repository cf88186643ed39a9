/**
 * The bodies of the responses built here, by response. `withSecurityHeaders` rebuilds every answer
 * with its headers added; from the recorded string it makes a response the Node servers write in one
 * go, where `response.body` would have turned it into a stream (and /session lost half its throughput).
 */
const bodies = new WeakMap<Response, string | null>();

/** A login response whose body `withSecurityHeaders` can reuse as it is; every route builds its answers with it. */
export function loginResponse(body: string | null, status: number, headers: HeadersInit): Response {
  const response = new Response(body, { status, headers });
  bodies.set(response, body);
  return response;
}

/** The body to rebuild `response` with: its string when it was made by {@link loginResponse}, else its stream. */
export function bodyOf(response: Response): BodyInit | null {
  const body = bodies.get(response);
  return body === undefined ? response.body : body;
}

/** Headers of a login response; `withSecurityHeaders` adds the security headers on the way out. */
export function headersWith(setCookies: readonly string[], extra: Record<string, string> = {}): Headers {
  const headers = new Headers(extra);
  for (const cookie of setCookies) headers.append("set-cookie", cookie);
  return headers;
}

export function redirect(location: string, setCookies: readonly string[], status = 302): Response {
  return loginResponse(null, status, headersWith(setCookies, { location }));
}

export function json(body: unknown, status: number, setCookies: readonly string[] = []): Response {
  return loginResponse(
    JSON.stringify(body),
    status,
    headersWith(setCookies, { "content-type": "application/json; charset=utf-8" }),
  );
}

/** Adds Set-Cookie headers to a response built elsewhere (an error page, say). */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  for (const cookie of setCookies) response.headers.append("set-cookie", cookie);
  return response;
}

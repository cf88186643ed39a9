/** Headers of a login response; `withSecurityHeaders` adds the security headers on the way out. */
export function headersWith(setCookies: readonly string[], extra: Record<string, string> = {}): Headers {
  const headers = new Headers(extra);
  for (const cookie of setCookies) headers.append("set-cookie", cookie);
  return headers;
}

export function redirect(location: string, setCookies: readonly string[], status = 302): Response {
  return new Response(null, { status, headers: headersWith(setCookies, { location }) });
}

export function json(body: unknown, status: number, setCookies: readonly string[] = []): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headersWith(setCookies, { "content-type": "application/json; charset=utf-8" }),
  });
}

/** Adds Set-Cookie headers to a response built elsewhere (an error page, say). */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  for (const cookie of setCookies) response.headers.append("set-cookie", cookie);
  return response;
}

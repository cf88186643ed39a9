/** Login responses are per user: never stored by a shared cache. */
export function headersWith(setCookies: readonly string[], extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ "cache-control": "no-store", ...extra });
  for (const cookie of setCookies) headers.append("set-cookie", cookie);
  return headers;
}

export function redirect(location: string, setCookies: readonly string[], status = 302): Response {
  return new Response(null, { status, headers: headersWith(setCookies, { location }) });
}

export function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headersWith([], { "content-type": "application/json; charset=utf-8" }),
  });
}

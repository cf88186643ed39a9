/**
 * What a login response is made of, kept on it: `withSecurityHeaders` and the Node bridge build the
 * answer again from these plain parts, so an answer the flow made never goes through undici `Headers`
 * (building, copying and iterating them was a fifth of `/session`'s CPU), and a string body stays a
 * string the Node servers write in one go (`response.body` would have turned it into a stream).
 * A response carrying parts is never changed in place: {@link withCookies} and {@link withHeader} make a new one.
 */
export interface AnswerParts {
  readonly body: string | null;
  readonly status: number;
  /** Lower-case names; `set-cookie` lives in `cookies`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
}

const PARTS = Symbol("wechat-login.answer-parts");
type WithParts = Response & { [PARTS]?: AnswerParts };

/** A login response; every route builds its answers with it (the security headers are added on the way out). */
export function loginResponse(
  body: string | null,
  status: number,
  headers: Readonly<Record<string, string>>,
  cookies: readonly string[] = [],
): Response {
  // A plain record is the init @hono/node-server writes without building Headers; pairs only when cookies repeat a name.
  const init: HeadersInit =
    cookies.length === 0
      ? (headers as Record<string, string>)
      : [...Object.entries(headers), ...cookies.map((cookie): [string, string] => ["set-cookie", cookie])];
  const response: WithParts = new Response(body, { status, headers: init });
  response[PARTS] = { body, status, headers, cookies };
  return response;
}

/** The parts of a response made by {@link loginResponse}; undefined for one made elsewhere. */
export function partsOf(response: Response): AnswerParts | undefined {
  return (response as WithParts)[PARTS];
}

/** The Set-Cookie values of a response. */
export function cookiesOf(response: Response): readonly string[] {
  return partsOf(response)?.cookies ?? response.headers.getSetCookie();
}

/** The status of a response, read from its parts when it has them (reading a lightweight Response's can rebuild it). */
export function statusOf(response: Response): number {
  return partsOf(response)?.status ?? response.status;
}

/**
 * A redirect, with an empty body rather than none: the same bytes on the wire (`Content-Length: 0`), but
 * @hono/node-server's lightweight Response keeps only a body it can write at once, and one without a body
 * is rebuilt as a full undici Response (and its Headers) on the first read of its status or headers.
 */
export function redirect(location: string, setCookies: readonly string[], status = 302): Response {
  return loginResponse("", status, { location }, setCookies);
}

export function json(body: unknown, status: number, setCookies: readonly string[] = []): Response {
  return loginResponse(JSON.stringify(body), status, JSON_HEADERS, setCookies);
}

const JSON_HEADERS = Object.freeze({ "content-type": "application/json; charset=utf-8" });

/** The response with Set-Cookie headers added (an error page, say). */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  const parts = partsOf(response);
  if (!parts) {
    for (const cookie of setCookies) response.headers.append("set-cookie", cookie);
    return response;
  }
  return loginResponse(parts.body, parts.status, parts.headers, [...parts.cookies, ...setCookies]);
}

/** The response with one header set (`name` in lower case). */
export function withHeader(response: Response, name: string, value: string): Response {
  const parts = partsOf(response);
  if (!parts) {
    response.headers.set(name, value);
    return response;
  }
  return loginResponse(parts.body, parts.status, { ...parts.headers, [name]: value }, parts.cookies);
}

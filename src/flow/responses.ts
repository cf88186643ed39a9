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

/**
 * The headers of an answer that sets cookies, as a record whose `set-cookie` is the list of them, which
 * is also iterable as name-value pairs. @hono/node-server writes a record (anything but Headers or an
 * array) as it is, with `res.writeHead`, which writes each element of an array value as a header line of
 * its own; pairs or Headers it turns into undici Headers first, and that was a tenth of a login's CPU.
 * Whoever reads `response.headers` gets Headers made from the init, and WebIDL converts an object with
 * `@@iterator` as a sequence of pairs, not as a record: each cookie stays a header of its own (a record's
 * array value would be joined into one).
 */
class CookieHeaders {
  [name: string]: string | number | readonly string[];

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    // Keys only: @hono/node-server adds a numeric Content-Length to the record it writes.
    for (const name of Object.keys(this)) {
      const value = this[name];
      if (typeof value === "object") for (const each of value) yield [name, each];
      else if (value !== undefined) yield [name, String(value)];
    }
  }
}

/** A login response; every route builds its answers with it (the security headers are added on the way out). */
export function loginResponse(
  body: string | null,
  status: number,
  headers: Readonly<Record<string, string>>,
  cookies: readonly string[] = [],
): Response {
  const init =
    cookies.length === 0
      ? (headers as Record<string, string>)
      : // HeadersInit's sequence form: iterable as [name, value] pairs.
        (Object.assign(new CookieHeaders(), headers, { "set-cookie": cookies }) as unknown as HeadersInit);
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

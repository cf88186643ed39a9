/**
 * The Node ⇄ Web bridge: node:http requests as Web `Request`s and Web
 * `Response`s written back, shared by the node, Express, Koa and Fastify adapters.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { ClientConnection, Login } from "../flow/index.js";
import { partsOf } from "../flow/responses.js";

/** Options of {@link toWebRequest}. */
export interface ToWebRequestOptions {
  /**
   * Believe `X-Forwarded-Proto` for the URL's scheme. `loginRoutes` of the node adapter
   * sets it from the login's `trustProxy` (true when the connecting peer is a
   * trusted proxy); set it yourself only behind a reverse proxy you control,
   * which overwrites the header: a client can send any value.
   */
  trustProxy?: boolean;
  /**
   * The origin (`https://example.com`) to use instead of reading `Host`: for
   * frameworks that already worked it out under their own proxy settings.
   */
  origin?: string;
  /** Path and query, when a framework rewrote `req.url` (Express and Koa mounts). Default `req.url`. */
  path?: string;
  /**
   * The body, when a body parser already read the request stream. Leave it
   * undefined to stream the body from `req` (read once, and only if the handler reads it).
   */
  body?: BodyInit | null;
  /** Aborts the Request's signal when this response closes before it finished (the client went away). */
  res?: ServerResponse;
}

/**
 * Converts a node:http request into a Web `Request`. The conversion every
 * Node adapter (node, Express, Koa, Fastify) shares.
 * @throws TypeError when the Host header cannot form a URL.
 * @example
 * const request = toWebRequest(req, { res });
 */
export function toWebRequest(req: IncomingMessage, options: ToWebRequestOptions = {}): Request {
  const origin = options.origin ?? `${schemeOf(req, options.trustProxy ?? false)}://${hostOf(req)}`;
  const target = options.path ?? req.url ?? "/";
  // Concatenated, not resolved: resolving "//evil.example/x" against the origin would change the host.
  const url = new URL(`${origin}${target.startsWith("/") ? target : "/"}`);
  const method = req.method ?? "GET";
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (":path") are not headers a Request can carry.
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (method !== "GET" && method !== "HEAD") {
    if (options.body !== undefined) {
      init.body = options.body;
      // The original length and encoding describe bytes that were already read.
      headers.delete("content-length");
      headers.delete("transfer-encoding");
    } else if (hasBody(req)) {
      init.body = nodeToWebStream(req);
      init.duplex = "half";
    }
  }
  if (options.res) init.signal = closedEarly(options.res);
  return new Request(url, init);
}

function schemeOf(req: IncomingMessage, trustProxy: boolean): "http" | "https" {
  if (trustProxy) {
    const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
      .split(",")[0]
      ?.trim()
      .toLowerCase();
    if (forwarded === "http" || forwarded === "https") return forwarded;
  }
  return (req.socket as TLSSocket).encrypted ? "https" : "http";
}

function hostOf(req: IncomingMessage): string {
  const authority = req.headers.host ?? req.headers[":authority"];
  return typeof authority === "string" && authority !== "" ? authority : "localhost";
}

/** A body is there when the stream was not read yet and HTTP/1.1 framing says one follows. */
function hasBody(req: IncomingMessage): boolean {
  if (req.readableEnded || req.readableDidRead) return false;
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  return length !== undefined && length !== "0";
}

function nodeToWebStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  // Nothing is read before the handler asks (highWaterMark 0, iterator made on the first pull): a body the
  // handler ignores stays unread, and node discards it after the response so the keep-alive connection lives on.
  let iterator: AsyncIterator<Buffer | string> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        iterator ??= req[Symbol.asyncIterator]();
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(typeof value === "string" ? Buffer.from(value) : new Uint8Array(value));
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

function closedEarly(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Response headers in node's shape: every `Set-Cookie` kept as its own entry
 * (joining them with commas breaks cookies whose `Expires` holds a comma).
 */
export function toNodeHeaders(headers: Headers): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of headers) {
    if (name !== "set-cookie") result[name] = value;
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) result["set-cookie"] = cookies;
  return result;
}

/** A Web body as a node stream, for frameworks that send node streams (Koa, Fastify). */
export function webBodyToNode(body: ReadableStream<Uint8Array>): Readable {
  return Readable.from(readChunks(body), { objectMode: false });
}

async function* readChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Runs when the consumer stops early (client gone): the producer stops too.
    await reader.cancel().catch(() => undefined);
  }
}

/** True when a response to `method` with `status` carries no body on the wire. */
export function isBodyless(method: string | undefined, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Writes a Web `Response` to a node:http response: status, every header
 * (`Set-Cookie` entries separate, after any the app already set), and the body
 * streamed with backpressure; no body for HEAD, 204 and 304.
 * @param method The request's method, so HEAD gets headers only.
 */
export async function writeWebResponse(
  res: ServerResponse,
  response: Response,
  method?: string,
): Promise<void> {
  res.statusCode = response.status;
  const parts = partsOf(response);
  if (parts) {
    // The flow's own answer: written from its parts, with no Headers to iterate and no body stream to read.
    for (const [name, value] of Object.entries(parts.headers)) {
      if (name === "set-cookie") addCookies(res, [value]);
      else res.setHeader(name, value);
    }
    if (parts.cookies.length > 0) addCookies(res, parts.cookies);
    res.end(parts.body === null || isBodyless(method, parts.status) ? undefined : parts.body);
    return;
  }
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of Object.entries(toNodeHeaders(response.headers))) {
    if (value === undefined) continue;
    if (name === "set-cookie") addCookies(res, value as string[]);
    else res.setHeader(name, value);
  }
  if (!response.body || isBodyless(method, response.status)) {
    await response.body?.cancel();
    res.end();
    return;
  }
  for await (const chunk of readChunks(response.body)) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

/** Adds Set-Cookie values after any the app already set (express-session's, say). */
function addCookies(res: ServerResponse, cookies: readonly string[]): void {
  const earlier = res.getHeader("set-cookie");
  const before = earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [String(earlier)];
  res.setHeader("set-cookie", [...before, ...cookies]);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** The socket's peer, for the flow's rate limits (which apply the login's `trustProxy` to it). */
export function connectionOf(req: IncomingMessage): ClientConnection {
  return { remoteAddress: req.socket.remoteAddress };
}

/**
 * Hands a converted request to the flow and writes its answer on `res`. The
 * flow never throws; only the write can fail (the client went away
 * mid-body), and then nothing is left to answer.
 */
export function answerWith(login: Login, request: Request, req: IncomingMessage, res: ServerResponse): void {
  login
    .handle(request, connectionOf(req))
    .then((response) => writeWebResponse(res, response, req.method))
    .catch(() => res.destroy());
}

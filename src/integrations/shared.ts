/**
 * What every framework drop-in shares: the Web request of a framework's Node
 * request, the flow's answer carried over onto the framework's response, and
 * the one error type a drop-in raises. The WeChat part is the flow's
 * (`login.completeCallback`, `login.handle`): nothing here checks a state.
 */
import type { IncomingMessage } from "node:http";
import { toWebRequest } from "../adapters/node-bridge.js";
import type { ClientConnection, Login } from "../flow/index.js";

export { LoginRefused } from "../flow/index.js";

/** The parts of a Node request a drop-in reads: Express's `req`, koa-passport's stand-in for it. */
export interface NodeRequestLike {
  headers: IncomingMessage["headers"];
  method?: string | undefined;
  url?: string | undefined;
  /** Express: the URL before a mount path was stripped. */
  originalUrl?: string | undefined;
  /** Express and Koa work the scheme out under their own proxy settings. */
  protocol?: string | undefined;
  /** Express 5: the host (with port) under its proxy settings. */
  host?: string | undefined;
  socket?: { remoteAddress?: string | undefined } | undefined;
}

/** The Web Request of a framework's request: its own view of scheme and host, headers (cookies, UA), no body. */
export function webRequestOf(req: NodeRequestLike, path?: string): Request {
  const scheme = req.protocol === "https" ? "https" : "http";
  const host = typeof req.host === "string" && req.host !== "" ? req.host : undefined;
  return toWebRequest(req as IncomingMessage, {
    origin: `${scheme}://${host ?? req.headers.host ?? "localhost"}`,
    path: path ?? req.originalUrl ?? req.url ?? "/",
    body: null,
  });
}

export function connectionOf(req: NodeRequestLike): ClientConnection {
  return { remoteAddress: req.socket?.remoteAddress };
}

/** Response headers that describe the flow's own body; a framework that answers itself drops them. */
const BODY_HEADERS = new Set(["content-type", "content-length", "location"]);

/**
 * The flow's headers other than its body's: the cookies it set or cleared (pre-login, session) and the
 * security headers. A drop-in sends them with the framework's own answer.
 */
export function carriedHeaders(response: Response): Array<[name: string, value: string | string[]]> {
  const carried: Array<[string, string | string[]]> = [];
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie" && !BODY_HEADERS.has(name)) carried.push([name, value]);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) carried.push(["set-cookie", cookies]);
  return carried;
}

/** Starts a login through the flow's `{prefix}/login` route, as the browser that sent `request`. */
export function beginLogin(
  login: Login,
  request: Request,
  connection: ClientConnection,
  returnTo: string | undefined,
): Promise<Response> {
  const url = new URL(login.loginUrl(returnTo), request.url);
  return login.handle(new Request(url, { headers: request.headers }), connection);
}

/** True for WeChat's redirect back: it carries a `state` (and a `code` unless the user declined). */
export function isCallback(request: Request): boolean {
  const { searchParams } = new URL(request.url);
  return searchParams.has("state") || searchParams.has("code");
}

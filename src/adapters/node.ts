import type { IncomingMessage, ServerResponse } from "node:http";
import type { Login, LoginSession } from "../flow/index.js";
import { answerWith, toWebRequest } from "./node-bridge.js";

export {
  connectionOf,
  isBodyless,
  type ToWebRequestOptions,
  toNodeHeaders,
  toWebRequest,
  webBodyToNode,
  writeWebResponse,
} from "./node-bridge.js";

/** Options of {@link loginRoutes}. */
export interface LoginRoutesOptions {
  /**
   * For requests outside the login routes: call `next()` when the server
   * passes one (Connect, Express, Vite), so the app's routes answer them.
   * `false` answers them with the flow's 404 page. Default true.
   */
  fallthrough?: boolean;
}

/** A node:http / Connect-style handler. */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * Serves the login routes on node:http, or as Connect-style middleware.
 * Behind a reverse proxy, set `trustProxy` on `createLogin`: the scheme
 * (`X-Forwarded-Proto`) and the client IP (`X-Forwarded-For`) are then read
 * from the headers of the proxies it trusts.
 * @example
 * import { createServer } from "node:http";
 * createServer(loginRoutes(login)).listen(3000);
 */
export function loginRoutes(login: Login, options: LoginRoutesOptions = {}): NodeHandler {
  const fallthrough = options.fallthrough ?? true;
  return (req, res, next) => {
    let request: Request;
    try {
      request = toWebRequest(req, { trustProxy: login.trustsProxy(req.socket.remoteAddress), res });
    } catch {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Bad Request");
      return;
    }
    if (fallthrough && next && !login.matches(request)) {
      next();
      return;
    }
    answerWith(login, request, req, res);
  };
}

/**
 * The logged-in session of a node:http request, or undefined.
 * @example
 * const session = await getSession(login, req);
 * if (!session) return res.writeHead(401).end();
 */
export function getSession(login: Login, req: IncomingMessage): Promise<LoginSession | undefined> {
  const trustProxy = login.trustsProxy(req.socket.remoteAddress);
  return login.getSession(toWebRequest(req, { trustProxy, body: null }));
}

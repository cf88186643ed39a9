import type {
  Request as ExpressRequest,
  Response as ExpressResponse,
  NextFunction,
  RequestHandler,
} from "express";
import type { Login, LoginSession, RequireSessionOptions } from "../flow/index.js";
import { answerWith, toWebRequest, writeWebResponse } from "./node-bridge.js";
import { reencodeParsedBody } from "./shared.js";

export type { RequireSessionOptions } from "../flow/index.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set by `requireSession`: the logged-in WeChat session. */
    wechatSession?: LoginSession;
  }
  interface Locals {
    /** Set by `requireSession`, for templates: the logged-in WeChat session. */
    wechatSession?: LoginSession;
  }
}

/**
 * The Web Request of an Express request. Uses Express's own view of the
 * scheme and host (so `app.set("trust proxy", ...)` applies), the URL before
 * any mount path was stripped, and the body a parser already read, if any.
 */
function webRequestOf(req: ExpressRequest, res?: ExpressResponse): Request {
  const consumed = req.readableDidRead || req.readableEnded;
  return toWebRequest(req, {
    origin: `${req.protocol}://${req.host ?? "localhost"}`,
    path: req.originalUrl,
    body: consumed ? reencodeParsedBody(req.body, req.get("content-type")) : undefined,
    res,
  });
}

/** Scheme, host, URL and cookies only: reading a session must leave the body to the app's own parsers. */
function sessionRequestOf(req: ExpressRequest): Request {
  return toWebRequest(req, {
    origin: `${req.protocol}://${req.host ?? "localhost"}`,
    path: req.originalUrl,
    body: null,
  });
}

/**
 * Express middleware serving `{prefix}/login`, `/callback`, `/session`,
 * `/logout` and `/qr`; every other request goes on to `next()`. Works before
 * or after `express.json()` / `express.urlencoded()`.
 * @example
 * const app = express();
 * app.use(loginRoutes(login));
 * app.get("/me", requireSession(login), (req, res) => res.json(req.wechatSession));
 */
export function loginRoutes(login: Login): RequestHandler {
  return (req, res, next) => {
    let request: Request;
    try {
      request = webRequestOf(req, res);
    } catch (error) {
      next(error);
      return;
    }
    if (!login.matches(request)) {
      next();
      return;
    }
    answerWith(login, request, req, res);
  };
}

/**
 * The logged-in session of an Express request, or undefined.
 * @example
 * app.get("/", async (req, res) => res.send((await getSession(login, req))?.user.nickname ?? "guest"));
 */
export function getSession(login: Login, req: ExpressRequest): Promise<LoginSession | undefined> {
  return login.getSession(sessionRequestOf(req));
}

/**
 * Middleware that lets only logged-in requests through, with the session on
 * `req.wechatSession` and `res.locals.wechatSession`. Without a session it
 * answers 401 JSON, or redirects to the login with `{ onMissing: "redirect" }`.
 * A failing store goes to Express's error handler.
 * @example
 * app.get("/profile", requireSession(login, { onMissing: "redirect" }), (req, res) =>
 *   res.send(`Hello ${req.wechatSession?.user.nickname}`));
 */
export function requireSession(login: Login, options: RequireSessionOptions = {}): RequestHandler {
  return (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    getSession(login, req).then(
      async (session) => {
        if (session) {
          req.wechatSession = session;
          res.locals.wechatSession = session;
          next();
          return;
        }
        await writeWebResponse(res, login.unauthenticated(sessionRequestOf(req), options), req.method);
      },
      (error: unknown) => next(error),
    );
  };
}

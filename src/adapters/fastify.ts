import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
  preHandlerAsyncHookHandler,
} from "fastify";
import type { Login, LoginSession, RequireSessionOptions } from "../flow/index.js";
import { connectionOf, isBodyless, toNodeHeaders, toWebRequest, webBodyToNode } from "./node-bridge.js";

export type { RequireSessionOptions } from "../flow/index.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `requireSession`: the logged-in WeChat session. */
    wechatSession?: LoginSession;
  }
}

const METHODS: HTTPMethods[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * The Web Request of a Fastify request: Fastify's own scheme and host (so its
 * `trustProxy` applies) and, inside the plugin, the raw body bytes.
 */
function webRequestOf(request: FastifyRequest, reply?: FastifyReply): Request {
  // Without a reply this only reads a session, which needs no body.
  const body = reply && Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : null;
  return toWebRequest(request.raw, {
    origin: `${request.protocol}://${request.host}`,
    path: request.url,
    body,
    res: reply?.raw,
  });
}

function send(reply: FastifyReply, response: Response, method: string): FastifyReply {
  reply.code(response.status).headers(toNodeHeaders(response.headers));
  if (!response.body || isBodyless(method, response.status)) {
    void response.body?.cancel();
    return reply.send();
  }
  return reply.send(webBodyToNode(response.body));
}

/**
 * Fastify plugin serving the login routes under `login.routePrefix`.
 * Register it without a `prefix` option: the paths come from the login config.
 * It stays encapsulated, so its catch-all body parser (raw bytes, any content
 * type, for the login routes) does not change how the app's routes parse bodies.
 * @example
 * import Fastify from "fastify";
 * const app = Fastify();
 * await app.register(loginRoutes(login));
 * app.get("/me", { preHandler: requireSession(login) }, async (request) => request.wechatSession);
 */
export function loginRoutes(login: Login): FastifyPluginAsync {
  return async (fastify) => {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    fastify.route({
      method: METHODS,
      url: `${login.routePrefix}/*`,
      exposeHeadRoute: false,
      handler: async (request, reply) =>
        send(
          reply,
          await login.handle(webRequestOf(request, reply), connectionOf(request.raw)),
          request.method,
        ),
    });
  };
}

/**
 * The logged-in session of a Fastify request, or undefined.
 * @example
 * app.get("/", async (request) => (await getSession(login, request))?.user.nickname ?? "guest");
 */
export function getSession(login: Login, request: FastifyRequest): Promise<LoginSession | undefined> {
  return login.getSession(webRequestOf(request));
}

/**
 * A `preHandler` that lets only logged-in requests through, with the session
 * on `request.wechatSession`. Without a session it answers 401 JSON, or
 * redirects to the login with `{ onMissing: "redirect" }`.
 * @example
 * app.get("/profile", { preHandler: requireSession(login) }, async (request) => request.wechatSession?.user);
 */
export function requireSession(
  login: Login,
  options: RequireSessionOptions = {},
): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const session = await getSession(login, request);
    if (session) {
      request.wechatSession = session;
      return;
    }
    await send(reply, login.unauthenticated(webRequestOf(request), options), request.method);
  };
}

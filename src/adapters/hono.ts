import type { Context, MiddlewareHandler } from "hono";
import type { Login, LoginSession } from "../flow/index.js";

/**
 * Mounts the login routes on a Hono app: Hono already speaks Web
 * `Request`/`Response`, so this only routes.
 * @example
 * const app = new Hono();
 * app.use(loginRoutes(login));
 * app.get("/me", async (c) => c.json(await login.getSession(c.req.raw)));
 */
export function loginRoutes(login: Login): MiddlewareHandler {
  return async (c, next) => {
    if (!login.matches(c.req.raw)) return next();
    return login.handle(c.req.raw);
  };
}

/** The logged-in session of a Hono request, or undefined. */
export function getSession(login: Login, c: Context): Promise<LoginSession | undefined> {
  return login.getSession(c.req.raw);
}

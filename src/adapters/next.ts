import type { Login, LoginSession } from "../flow/index.js";

/** An App Router route handler: Next.js passes a `NextRequest`, which is a `Request`. */
export type RouteHandler = (request: Request) => Promise<Response>;

/** The handlers to export from `app/auth/[...wechat]/route.ts`. */
export interface NextRouteHandlers {
  /** `/login`, `/callback`, `/session` and `/qr`. */
  GET: RouteHandler;
  /** Like GET, headers only. */
  HEAD: RouteHandler;
  /** `/logout`. */
  POST: RouteHandler;
}

/**
 * Route handlers for the Next.js App Router. Route handlers already take a
 * Web `Request` and return a `Response`, so this needs nothing from `next`.
 * Put them in `app/auth/[...wechat]/route.ts` (the folder matches `routePrefix`).
 * @example
 * // app/auth/[...wechat]/route.ts
 * import { loginRoutes } from "wechat-login/adapters/next";
 * import { login } from "@/lib/login";
 * export const { GET, HEAD, POST } = loginRoutes(login);
 */
export function loginRoutes(login: Login): NextRouteHandlers {
  const handle: RouteHandler = (request) => login.handle(request);
  return { GET: handle, HEAD: handle, POST: handle };
}

/**
 * The logged-in session, or undefined: from a route handler's `Request` (its
 * cookie, or a mini program's `Authorization: Bearer`), or in a server
 * component from the cookie header string.
 * @example
 * // app/page.tsx (a server component)
 * import { cookies } from "next/headers";
 * const session = await getSession(login, (await cookies()).toString());
 */
export function getSession(
  login: Login,
  source: Request | string | null | undefined,
): Promise<LoginSession | undefined> {
  if (source instanceof Request) return login.getSession(source);
  // Only the cookie header matters for a session, so the URL is a placeholder.
  const headers = source ? { cookie: source } : undefined;
  return login.getSession(new Request("http://localhost/", { headers }));
}

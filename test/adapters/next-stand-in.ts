// Runs the Next.js adapter's route handlers the way Next.js does (a Web Request in, a Response out) on
// plain node:http, in-process: the adapter's conversion tests run against it in milliseconds, with a
// fake Login. next.test.ts builds and starts the real examples/next app.
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { getSession, loginRoutes } from "../../src/adapters/next.js";
import { toWebRequest, writeWebResponse } from "../../src/adapters/node.js";
import type { Login } from "../../src/flow/index.js";

export async function start({ port, login }: { port: number; login: Login }) {
  const routes = loginRoutes(login);

  // Stands in for app/page.tsx, a server component that passes `(await cookies()).toString()`, and
  // app/me/route.ts, a route handler that passes its Request (so a mini program's bearer token counts).
  async function page(pathname: string, request: Request, cookie: string | undefined): Promise<Response> {
    const session = await getSession(login, pathname === "/me" ? request : cookie);
    if (pathname === "/")
      return new Response(session ? `Hello ${session.user.nickname}` : "Log in with WeChat");
    if (pathname !== "/me") return new Response("Not found", { status: 404 });
    return Response.json(session ? session.user : { error: "not_logged_in" }, {
      status: session ? 200 : 401,
    });
  }

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const request = toWebRequest(req, { res });
    const { pathname } = new URL(request.url);
    const handler = { GET: routes.GET, HEAD: routes.HEAD, POST: routes.POST }[request.method];
    let response: Response;
    if (!pathname.startsWith("/auth/")) response = await page(pathname, request, req.headers.cookie);
    else if (handler) response = await handler(request);
    // Next.js answers methods that route.ts does not export itself.
    else response = new Response(null, { status: 405, headers: { allow: "GET, HEAD, POST" } });
    await writeWebResponse(res, response, request.method);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.writeHead(500).end());
  });
  server.listen(port);
  await once(server, "listening");
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Plain node:http site with "Log in with WeChat". Run: WECHAT_APPID=… WECHAT_SECRET=… SESSION_SECRET=… npx tsx server.ts
import { once } from "node:events";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { createLogin, type Login } from "wechat-login";
import { getSession, loginRoutes } from "wechat-login/adapters/node";
import { sqliteStore } from "wechat-login/stores/sqlite";

// WeChat nicknames are user input: escape them in HTML.
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function start({ port, login }: { port: number; login: Login }) {
  const routes = loginRoutes(login);
  const server = createServer((req, res) => {
    // Login routes are answered by the handler; every other request comes to this callback.
    routes(req, res, async () => {
      const session = await getSession(login, req).catch(() => undefined);
      if (req.url === "/me") {
        res.writeHead(session ? 200 : 401, { "content-type": "application/json" });
        res.end(JSON.stringify(session ? session.user : { error: "not_logged_in" }));
      } else if (req.url === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(
          session
            ? `Hello ${escapeHtml(session.user.nickname)} <form method="post" action="/auth/logout"><button>Log out</button></form>`
            : `<a href="/auth/login?returnTo=/">Log in with WeChat</a>`,
        );
      } else {
        res.writeHead(404).end("Not found");
      }
    });
  });
  server.listen(port);
  await once(server, "listening");
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const port = Number(env.PORT ?? 3000);
  const login = createLogin({
    appid: env.WECHAT_APPID ?? "",
    secret: env.WECHAT_SECRET ?? "",
    redirectUri: env.WECHAT_REDIRECT_URI ?? `http://localhost:${port}/auth/callback`,
    sessionSecret: env.SESSION_SECRET ?? "",
    openBase: env.WECHAT_OPEN_BASE,
    apiBase: env.WECHAT_API_BASE,
    store: await sqliteStore({ filename: "./data/login.db" }),
  });
  console.log(`Listening on ${(await start({ port, login })).url}`);
}

// Express site with "Log in with WeChat". Run: WECHAT_APPID=… WECHAT_SECRET=… SESSION_SECRET=… npx tsx server.ts
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import express from "express";
import { createLogin, type Login } from "wechat-login";
import { getSession, loginRoutes, requireSession } from "wechat-login/adapters/express";
import { sqliteStore } from "wechat-login/stores/sqlite";

// WeChat nicknames are user input: escape them in HTML.
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function start({ port, login }: { port: number; login: Login }) {
  const app = express();
  // Body parsers may come first: the login routes still get the body they need.
  app.use(express.json(), express.urlencoded());
  app.use(loginRoutes(login));
  app.get("/", async (req, res) => {
    const session = await getSession(login, req);
    res
      .type("html")
      .send(
        session
          ? `Hello ${escapeHtml(session.user.nickname)} <form method="post" action="/auth/logout"><button>Log out</button></form>`
          : `<a href="/auth/login?returnTo=/">Log in with WeChat</a>`,
      );
  });
  app.get("/me", requireSession(login), (req, res) => {
    res.json(req.wechatSession?.user);
  });
  const server = app.listen(port);
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

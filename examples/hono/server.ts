// Hono site (on Node) with "Log in with WeChat". Run: WECHAT_APPID=… WECHAT_SECRET=… SESSION_SECRET=… npx tsx server.ts
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { html } from "hono/html";
import { createLogin, type Login } from "wechat-login";
import { getSession, loginRoutes, requireSession } from "wechat-login/adapters/hono";
import { sqliteStore } from "wechat-login/stores/sqlite";

export async function start({ port, login }: { port: number; login: Login }) {
  const app = new Hono();
  app.use(loginRoutes(login));
  app.get("/", async (c) => {
    const session = await getSession(login, c);
    // hono/html escapes the nickname, which is user input.
    return c.html(
      session
        ? html`Hello ${session.user.nickname} <form method="post" action="/auth/logout"><button>Log out</button></form>`
        : html`<a href="/auth/login?returnTo=/">Log in with WeChat</a>`,
    );
  });
  app.get("/me", requireSession(login), (c) => c.json(c.get("wechatSession").user));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve({ fetch: app.fetch, port }, () => resolve(listening));
  });
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

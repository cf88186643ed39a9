// Koa site with "Log in with WeChat". Run: WECHAT_APPID=… WECHAT_SECRET=… SESSION_SECRET=… npx tsx server.ts
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import Koa from "koa";
import { createLogin, type Login } from "wechat-login";
import { getSession, loginRoutes, requireSession, type WeChatSessionState } from "wechat-login/adapters/koa";
import { sqliteStore } from "wechat-login/stores/sqlite";

// WeChat nicknames are user input: escape them in HTML.
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function start({ port, login }: { port: number; login: Login }) {
  const app = new Koa<WeChatSessionState>();
  app.use(loginRoutes(login));
  app.use(async (ctx, next) => {
    if (ctx.path !== "/") return next();
    const session = await getSession(login, ctx);
    ctx.type = "html";
    ctx.body = session
      ? `Hello ${escapeHtml(session.user.nickname)} <form method="post" action="/auth/logout"><button>Log out</button></form>`
      : `<a href="/auth/login?returnTo=/">Log in with WeChat</a>`;
  });
  app.use(async (ctx, next) => {
    if (ctx.path !== "/me") return next();
    await requireSession(login)(ctx, async () => {
      ctx.body = ctx.state.wechatSession?.user;
    });
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

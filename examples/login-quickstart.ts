import { Hono } from "hono";
import { html } from "hono/html";
import { createLogin } from "wechat-login";
import { loginRoutes } from "wechat-login/adapters/hono";
import { sqliteStore } from "wechat-login/stores/sqlite";

/** A whole site with "Log in with WeChat": /auth/login, /auth/callback, /auth/session, /auth/logout. */
export async function createSite(env: NodeJS.ProcessEnv = process.env) {
  const store = await sqliteStore({ filename: env.SQLITE_FILE ?? "./data/wechat-login.db" });
  const login = createLogin({
    appid: env.WECHAT_APPID ?? "",
    secret: env.WECHAT_SECRET ?? "",
    // Must be on the callback domain registered for the AppID (授权回调域).
    redirectUri: env.WECHAT_REDIRECT_URI ?? "",
    sessionSecret: env.SESSION_SECRET ?? "",
    // Unset in production; the emulator's URL in development.
    openBase: env.WECHAT_OPEN_BASE || undefined,
    apiBase: env.WECHAT_API_BASE || undefined,
    store,
  });

  const app = new Hono();
  app.use(loginRoutes(login));
  app.get("/", async (c) => {
    const session = await login.getSession(c.req.raw);
    return session
      ? c.html(html`<p>你好，${session.user.nickname}</p>
          <form method="post" action="/auth/logout"><button>退出登录</button></form>`)
      : c.html(html`<a href="/auth/login?returnTo=/">微信登录</a>`);
  });
  return { app, login, store };
}

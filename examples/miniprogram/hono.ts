// The mini program's API on Hono (Node). Run: WECHAT_APPID=… WECHAT_SECRET=… WECHAT_MP_APPID=… WECHAT_MP_SECRET=… SESSION_SECRET=… npx tsx hono.ts
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import {
  createLogin,
  InvalidArgumentError,
  type Login,
  MiniProgramLoginRequired,
  OpenDataError,
} from "wechat-login";
import { loginRoutes, requireSession, type WeChatSessionEnv } from "wechat-login/adapters/hono";
import { sqliteStore } from "wechat-login/stores/sqlite";

export async function start({ port, login }: { port: number; login: Login }) {
  const app = new Hono<WeChatSessionEnv>();
  app.use(loginRoutes(login));
  // Authorization: Bearer <token> from the mini program, or the website's cookie: one session either way.
  app.get("/api/me", requireSession(login), (c) => c.json(c.get("wechatSession").user));
  app.post("/api/profile", requireSession(login), async (c) => {
    // wx.getUserInfo's rawData and signature, checked with the session_key the server kept.
    try {
      return c.json(await login.miniprogram.verifyUserData(await c.req.json(), c.get("wechatSession")));
    } catch (error) {
      // The key was replaced by a later wx.login (or none is kept): the mini program logs in again.
      if (error instanceof MiniProgramLoginRequired || (error instanceof OpenDataError && error.relogin)) {
        return c.json({ error: "relogin" }, 409);
      }
      if (
        error instanceof OpenDataError ||
        error instanceof InvalidArgumentError ||
        error instanceof SyntaxError
      ) {
        return c.json({ error: "invalid_open_data" }, 400);
      }
      throw error;
    }
  });
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
    miniProgram: { appid: env.WECHAT_MP_APPID ?? "", secret: env.WECHAT_MP_SECRET ?? "" },
    sessionSecret: env.SESSION_SECRET ?? "",
    openBase: env.WECHAT_OPEN_BASE,
    apiBase: env.WECHAT_API_BASE,
    store: await sqliteStore({ filename: "./data/login.db" }),
  });
  console.log(`Listening on ${(await start({ port, login })).url}`);
}

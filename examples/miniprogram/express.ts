// The mini program's API on Express. Run: WECHAT_APPID=… WECHAT_SECRET=… WECHAT_MP_APPID=… WECHAT_MP_SECRET=… SESSION_SECRET=… npx tsx express.ts
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import express from "express";
import {
  createLogin,
  InvalidArgumentError,
  type Login,
  MiniProgramLoginRequired,
  OpenDataError,
} from "wechat-login";
import { loginRoutes, requireSession } from "wechat-login/adapters/express";
import { sqliteStore } from "wechat-login/stores/sqlite";

export async function start({ port, login }: { port: number; login: Login }) {
  const app = express();
  app.use(express.json());
  // POST /auth/miniprogram/login, /phone, /scan, /confirm … and the website's own login routes.
  app.use(loginRoutes(login));
  // The mini program sends Authorization: Bearer <token>; requireSession reads it as it reads the cookie.
  app.get("/api/me", requireSession(login), (req, res) => {
    res.json(req.wechatSession?.user);
  });
  // Open data (e.g. wx.getUserInfo's encryptedData and iv), decrypted with the session_key the server kept.
  app.post("/api/open-data", requireSession(login), async (req, res) => {
    try {
      const session = req.wechatSession!;
      res.json(await login.miniprogram.decryptUserData(req.body, session));
    } catch (error) {
      // A later wx.login replaced the key (or none is kept): the mini program logs in again and retries.
      if (error instanceof MiniProgramLoginRequired || (error instanceof OpenDataError && error.relogin)) {
        res.status(409).json({ error: "relogin" });
      } else if (error instanceof OpenDataError || error instanceof InvalidArgumentError) {
        res.status(400).json({ error: error.code });
      } else throw error;
    }
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
    miniProgram: { appid: env.WECHAT_MP_APPID ?? "", secret: env.WECHAT_MP_SECRET ?? "" },
    sessionSecret: env.SESSION_SECRET ?? "",
    openBase: env.WECHAT_OPEN_BASE,
    apiBase: env.WECHAT_API_BASE,
    store: await sqliteStore({ filename: "./data/login.db" }),
  });
  console.log(`Listening on ${(await start({ port, login })).url}`);
}

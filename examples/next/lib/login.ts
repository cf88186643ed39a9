// One Login for the whole Next.js app (lib/login.ts). Route handlers and server components import it.
import { createLogin } from "wechat-login";
import { sqliteStore } from "wechat-login/stores/sqlite";

const env = process.env;

export const login = createLogin({
  appid: env.WECHAT_APPID ?? "",
  secret: env.WECHAT_SECRET ?? "",
  redirectUri: env.WECHAT_REDIRECT_URI ?? "http://localhost:3000/auth/callback",
  sessionSecret: env.SESSION_SECRET ?? "",
  openBase: env.WECHAT_OPEN_BASE,
  apiBase: env.WECHAT_API_BASE,
  store: await sqliteStore({ filename: "./data/login.db" }),
});

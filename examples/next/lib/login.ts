// One Login for the whole Next.js app (lib/login.ts). Route handlers and server components import it.
import { createLogin } from "wechat-login";
import { storeFromUrl } from "wechat-login/stores";

const env = process.env;

export const login = createLogin({
  appid: env.WECHAT_APPID ?? "",
  secret: env.WECHAT_SECRET ?? "",
  redirectUri: env.WECHAT_REDIRECT_URI ?? "http://localhost:3000/auth/callback",
  sessionSecret: env.SESSION_SECRET ?? "",
  openBase: env.WECHAT_OPEN_BASE,
  apiBase: env.WECHAT_API_BASE,
  // A file or a server, not memory: Next.js may evaluate this module more than once (per route bundle, per worker).
  store: await storeFromUrl(env.STORE_URL ?? "sqlite:./data/login.db"),
});

// login.ts: one Login per process, made by Nest at startup (an async provider: CommonJS has no top-level await)
import { createLogin, type Login } from "wechat-login";
import { storeFromUrl } from "wechat-login/stores";

export const WECHAT_LOGIN = "WECHAT_LOGIN";

export const loginProvider = {
  provide: WECHAT_LOGIN,
  useFactory: async (): Promise<Login> =>
    createLogin({
      appid: process.env.WECHAT_APPID!, // the website app's AppID (wx…)
      secret: process.env.WECHAT_SECRET!,
      redirectUri: process.env.WECHAT_REDIRECT_URI!, // https://your.site/auth/callback
      sessionSecret: process.env.SESSION_SECRET!, // 32+ random characters
      openBase: process.env.WECHAT_OPEN_BASE, // unset for real WeChat; the emulator's URL to try it locally
      apiBase: process.env.WECHAT_API_BASE,
      store: await storeFromUrl(process.env.STORE_URL ?? "sqlite:./data/login.db"), // SQLite: npm install better-sqlite3@12
    }),
};

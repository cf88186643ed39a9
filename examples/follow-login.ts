// Follow the Official Account to log in: the options of createLogin, the same for every framework adapter.
import { createLogin, type Login } from "wechat-login";
import type { Store } from "wechat-login/stores";

export function createFollowLogin(env: Record<string, string | undefined>, store: Store): Login {
  return createLogin({
    appid: env.WECHAT_APPID ?? "",
    secret: env.WECHAT_SECRET ?? "",
    redirectUri: env.WECHAT_REDIRECT_URI ?? "http://localhost:3000/auth/callback",
    sessionSecret: env.SESSION_SECRET ?? "",
    store,
    officialAccount: {
      appid: env.MP_APPID ?? "",
      secret: env.MP_SECRET ?? "",
      // 公众平台 → 设置与开发 → 基本配置 → 服务器配置: the Token (令牌) and the EncodingAESKey (消息加解密密钥).
      token: env.MP_TOKEN,
      encodingAESKey: env.MP_ENCODING_AES_KEY,
      originalId: env.MP_ORIGINAL_ID,
      // "qr" needs a verified service account; "code" works for any account, subscription accounts too.
      followLogin: { variants: env.MP_SERVICE_ACCOUNT === "1" ? ["qr", "code"] : ["code"] },
      // Every other push (a follow, a message, an unfollow) comes here; it never delays the answer to WeChat.
      onEvent: (event) => {
        if (event.type === "subscribe") console.log("new follower");
      },
    },
    // Development only: the emulator's URLs.
    openBase: env.WECHAT_OPEN_BASE,
    apiBase: env.WECHAT_API_BASE,
    mpBase: env.WECHAT_MP_BASE,
  });
}

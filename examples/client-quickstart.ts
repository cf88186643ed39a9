import { ReauthorizationRequired, UserTokens, WeChatApiError, WeChatClient } from "wechat-login/client";

// One client per app, created once at startup. apiBase is unset in production;
// in development point it at the local emulator (`npx wechat-login emulator`).
const client = new WeChatClient({
  appid: process.env.WECHAT_APPID ?? "",
  secret: process.env.WECHAT_SECRET ?? "",
  apiBase: process.env.WECHAT_API_BASE || undefined,
});
// Keeps each user's tokens fresh; pass a store from wechat-login/stores to share them across servers.
const tokens = new UserTokens({ client });

/** Your callback route: WeChat sent the browser back with ?code=…&state=… (check the state first). */
export async function onCallback(code: string) {
  try {
    const token = await client.exchangeCode(code);
    await tokens.save(token);
    const user = await tokens.call(token.openid, (accessToken) =>
      client.getUserInfo(accessToken, token.openid),
    );
    return { openid: token.openid, unionid: token.unionid ?? user.unionid, nickname: user.nickname };
  } catch (error) {
    // 40029 invalid code, 40163 code already used, 42003 expired: send the user through the login again.
    if (error instanceof WeChatApiError && error.action === "restart_login") return { restartLogin: true };
    throw error;
  }
}

/** Later, anywhere: a call on the user's behalf, refreshed as needed. */
export async function profileOf(openid: string) {
  try {
    return await tokens.call(openid, (accessToken) => client.getUserInfo(accessToken, openid));
  } catch (error) {
    if (error instanceof ReauthorizationRequired) return undefined; // the user must log in again
    throw error;
  }
}

/** On shutdown. */
export function close() {
  return client.close();
}

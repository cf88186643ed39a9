import {
  AppCredential,
  decryptUserData,
  MiniProgramClient,
  memoryTokenStore,
  OpenDataError,
  WeChatApiError,
  WeChatClient,
} from "wechat-login/client";

// The mini program's own client; apiBase points at the emulator in development.
const client = new WeChatClient({
  appid: process.env.WECHAT_MP_APPID ?? "",
  secret: process.env.WECHAT_MP_SECRET ?? "",
  apiBase: process.env.WECHAT_API_BASE,
});
// Every wxa/ call runs on the app credential; with several instances, give AppCredential your shared store.
const mini = new MiniProgramClient({
  client,
  credential: new AppCredential({ client, store: memoryTokenStore() }),
});

// The session_key never leaves the server: keep the latest per openid (a new wx.login replaces it).
const sessionKeys = new Map<string, string>();

/** `wx.login()` in the mini program sent its code here. */
export async function onLogin(jsCode: string) {
  const { openid, unionid, sessionKey } = await client.code2Session(jsCode);
  sessionKeys.set(openid, sessionKey);
  return { openid, unionid };
}

/** The mini program sent `encryptedData` and `iv` (e.g. from wx.getUserInfo). */
export function openDataOf(openid: string, data: { encryptedData: string; iv: string }) {
  const sessionKey = sessionKeys.get(openid);
  if (sessionKey === undefined) return { relogin: true };
  try {
    return decryptUserData(data, sessionKey, client.appid, Date.now());
  } catch (error) {
    // The key was replaced by a later wx.login (or the data was tampered with): log in again.
    if (error instanceof OpenDataError && error.relogin) return { relogin: true };
    throw error;
  }
}

/** `<button open-type="getPhoneNumber">` sent `e.detail.code` here. */
export async function onPhoneNumber(code: string) {
  try {
    const { phoneNumber, countryCode } = await mini.getUserPhoneNumber(code);
    return { phoneNumber, countryCode };
  } catch (error) {
    // 40029: used, expired, or the wx.login code sent by mistake (the error's hint says which).
    if (error instanceof WeChatApiError && error.errcode === 40029) return { askAgain: true };
    throw error;
  }
}

/** A mini-program code for the website's login page: it opens pages/login/confirm with this scene. */
export async function loginCode(scene: string) {
  const { contentType, image } = await mini.getWxaCodeUnlimited({ scene, page: "pages/login/confirm" });
  return { contentType, image };
}

/** On shutdown. */
export function close() {
  return client.close();
}

import type { EmulatorApp, EmulatorUser } from "../config.js";
import type { EmulatorState } from "../state.js";
import { avatarUrl } from "../users.js";
import { encryptOpenData, signRawData } from "./crypto.js";

/** What `wx.getUserInfo` hands a mini program: a signed profile and the same profile encrypted with ids. */
export interface EmulatedOpenData {
  rawData: string;
  signature: string;
  encryptedData: string;
  iv: string;
}

/**
 * Open data for a user who logged in: signed and encrypted with their current
 * session_key, watermarked with the app and the emulator's time. `extra`
 * fields go into the encrypted payload (e.g. a phone number).
 */
export function openDataFor(
  state: EmulatorState,
  app: EmulatorApp,
  user: EmulatorUser,
  base: string,
  extra: Record<string, unknown> = {},
): EmulatedOpenData | undefined {
  const openid = state.openid(app, user.id);
  const sessionKey = state.miniProgram.sessions.current(app.appid, openid);
  if (!sessionKey) return undefined;
  // Since 2021 WeChat shares neither gender nor location: zeros and empty strings, as sns/userinfo.
  const profile = {
    nickName: user.nickname,
    gender: 0,
    language: "zh_CN",
    city: "",
    province: "",
    country: "",
    avatarUrl: avatarUrl(user, base),
  };
  const rawData = JSON.stringify(profile);
  const unionid = state.unionid(app, user.id);
  const encrypted = encryptOpenData(
    {
      openId: openid,
      ...profile,
      ...(unionid ? { unionId: unionid } : {}),
      ...extra,
      watermark: { timestamp: Math.floor(state.clock.now() / 1000), appid: app.appid },
    },
    sessionKey,
  );
  return { rawData, signature: signRawData(rawData, sessionKey), ...encrypted };
}

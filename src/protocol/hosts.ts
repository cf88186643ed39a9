/** Browser-facing WeChat host: the QR and consent pages live here. */
export const DEFAULT_OPEN_BASE = "https://open.weixin.qq.com";
/** Server-to-server WeChat host: every JSON endpoint lives here. */
export const DEFAULT_API_BASE = "https://api.weixin.qq.com";

/** Official Account platform host: `showqrcode` serves a parametric QR's image here (spec A.1). */
export const DEFAULT_MP_BASE = "https://mp.weixin.qq.com";

/** Where WeChat serves `wxLogin.js` for the embedded QR; the emulator serves it under the same path. */
export const DEFAULT_WXLOGIN_SCRIPT = "https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js";

/**
 * Every host a WeChat SDK talks to for login: OPEN, API, MP, the QR page's
 * long-poll hosts (spec §2) and the host of `wxLogin.js`. The emulator's
 * proxy answers for these and refuses every other host.
 */
export const WECHAT_HOSTS = [
  "open.weixin.qq.com",
  "api.weixin.qq.com",
  "mp.weixin.qq.com",
  "lp.open.weixin.qq.com",
  "long.open.weixin.qq.com",
  "res.wx.qq.com",
] as const;

/** Paths WeChat serves, relative to `OPEN` (pages) or `API` (JSON). The emulator serves all of them on one origin. */
export const PATHS = {
  qrConnect: "/connect/qrconnect",
  wxLoginScript: "/connect/zh_CN/htmledition/js/wxLogin.js",
  authorize: "/connect/oauth2/authorize",
  accessToken: "/sns/oauth2/access_token",
  refreshToken: "/sns/oauth2/refresh_token",
  checkToken: "/sns/auth",
  userInfo: "/sns/userinfo",
  code2Session: "/sns/jscode2session",
  appToken: "/cgi-bin/token",
  stableToken: "/cgi-bin/stable_token",
  qrCodeCreate: "/cgi-bin/qrcode/create",
  followerInfo: "/cgi-bin/user/info",
  /** Under `MP`, not `API` (spec A.1). */
  showQrCode: "/cgi-bin/showqrcode",
  wxaCodeUnlimited: "/wxa/getwxacodeunlimit",
  userPhoneNumber: "/wxa/business/getuserphonenumber",
  checkSession: "/wxa/checksession",
  resetSessionKey: "/wxa/resetusersessionkey",
} as const;

/** The JSON endpoints of the spec, named as they appear in errors and logs. */
export type Endpoint =
  | "sns/oauth2/access_token"
  | "sns/oauth2/refresh_token"
  | "sns/auth"
  | "sns/userinfo"
  | "sns/jscode2session"
  | "cgi-bin/token"
  | "cgi-bin/stable_token"
  | "cgi-bin/qrcode/create"
  | "cgi-bin/user/info"
  | "wxa/getwxacodeunlimit"
  | "wxa/business/getuserphonenumber"
  | "wxa/checksession"
  | "wxa/resetusersessionkey";

/** Languages of WeChat's QR page (`lang=cn|en`). */
export type PageLang = "cn" | "en";

export const QR_TEXTS = {
  cn: {
    title: "微信登录",
    waiting: "使用微信扫一扫登录",
    scanned: "扫描成功，请在手机上确认",
    confirmed: "登录成功，正在跳转…",
    refused: "你已取消此次登录",
    expired: "二维码已失效",
    refresh: "刷新",
    openPhone: "在本机打开模拟手机页面",
  },
  en: {
    title: "WeChat Login",
    waiting: "Scan with WeChat to log in",
    scanned: "Scanned. Please confirm on your phone",
    confirmed: "Logged in, redirecting…",
    refused: "You cancelled this login",
    expired: "QR code expired",
    refresh: "Refresh",
    openPhone: "Open the emulated phone page here",
  },
} as const;

export function pageLang(lang: string | undefined): PageLang {
  return lang === "en" ? "en" : "cn";
}

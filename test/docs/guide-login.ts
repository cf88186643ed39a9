import { expect } from "vitest";
import { DEFAULT_CONFIG } from "../../src/emulator/defaults.js";
import { CookieClient } from "../adapters/sites.js";
import { confirmOnPhone } from "../support/confirm.js";

/** The emulator's default apps and first user, which every guide's "Try it" quotes. */
const website = DEFAULT_CONFIG.apps.find((app) => app.kind === "website")!;
const officialAccount = DEFAULT_CONFIG.apps.find((app) => app.kind === "official-account")!;
const firstUser = DEFAULT_CONFIG.users[0]!;
const WECHAT_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 MicroMessenger/8.0.50.2701";

async function sessionOf(browser: CookieClient) {
  const response = await browser.request("/auth/session");
  return {
    status: response.status,
    body: response.status === 200 ? ((await response.json()) as SessionBody) : undefined,
  };
}
interface SessionBody {
  user: { nickname: string };
  identity: { appid: string };
}

/** The guide's own page that greets a logged-in user, and how a login reaches it. */
export interface GuidePage {
  path: string;
  greeting: string;
  /** Where the login returns to, when not `path` (an auth framework's sign-in step). */
  returnTo?: string;
  /** What the browser does there before `path` greets it (the page's script, for a framework's sign-in). */
  signIn?: (browser: CookieClient) => Promise<void>;
  /** The sign-in takes the flow's session as a one-time ticket (Auth.js): it is checked before, and gone after. */
  takesTicket?: boolean;
}

/**
 * A user logging in on a site built from a guide, against the emulator the guide started: on the desktop
 * (QR page, confirmed on the phone), then inside WeChat (the guide's `officialAccount`), then out again.
 * `page` is the guide's own page that greets a logged-in user. Returns when the first login completed.
 */
export async function logInThroughGuide(
  siteUrl: string,
  emulatorUrl: string,
  page: GuidePage,
): Promise<{ firstLoginAt: number }> {
  const browser = new CookieClient(siteUrl);
  expect((await sessionOf(browser)).status).toBe(401);
  const returnTo = page.returnTo ?? page.path;

  const started = await browser.request(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(started.status).toBe(302);
  const authorize = new URL(started.headers.get("location")!);
  // The guide's step 2 points the login at the emulator, not at WeChat.
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${emulatorUrl}/connect/qrconnect`);
  expect(authorize.searchParams.get("appid")).toBe(website.appid);
  const landed = await browser.request(await confirmOnPhone(emulatorUrl, authorize.href));
  expect(landed.status).toBe(302);
  expect(landed.headers.get("location")).toBe(returnTo);
  const beforeSignIn = page.takesTicket ? await sessionOf(browser) : undefined;
  await page.signIn?.(browser);
  const afterSignIn = await sessionOf(browser);
  if (page.takesTicket) expect(afterSignIn.status).toBe(401);
  const session = beforeSignIn ?? afterSignIn;
  const firstLoginAt = Date.now();
  expect(session.status).toBe(200);
  expect(session.body?.user.nickname).toBe(firstUser.nickname);
  expect(session.body?.identity.appid).toBe(website.appid);
  const greeting = await browser.request(page.path);
  expect(greeting.status).toBe(200);
  expect(await greeting.text()).toContain(`${page.greeting}${firstUser.nickname}`);

  // WeChat's in-app browser: the official account's authorization instead of a QR page.
  const inWeChat = new CookieClient(siteUrl);
  const inApp = await inWeChat.request("/auth/login?returnTo=%2F", { headers: { "user-agent": WECHAT_UA } });
  expect(inApp.status).toBe(302);
  const oauth = new URL(inApp.headers.get("location")!);
  expect(`${oauth.origin}${oauth.pathname}`).toBe(`${emulatorUrl}/connect/oauth2/authorize`);
  expect(oauth.searchParams.get("appid")).toBe(officialAccount.appid);
  const back = await inWeChat.request(await confirmOnPhone(emulatorUrl, oauth.href), {
    headers: { "user-agent": WECHAT_UA },
  });
  expect(back.status).toBe(302);
  const inAppSession = await sessionOf(inWeChat);
  expect(inAppSession.body?.identity.appid).toBe(officialAccount.appid);
  expect(inAppSession.body?.user.nickname).toBe(firstUser.nickname);

  const logout = await browser.request("/auth/logout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: siteUrl },
    body: "returnTo=%2F",
  });
  expect(logout.status).toBe(303);
  expect((await sessionOf(browser)).status).toBe(401);
  return { firstLoginAt };
}

import { expect } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { confirmOnPhone } from "../support/confirm.js";
import { CookieClient } from "./sites.js";

/**
 * The whole login every framework's example must pass, with a cookie-jar
 * client: /me refused, login, the phone confirms, callback, /auth/session and
 * /me serve the user, logout, refused again.
 */
export async function loginAndLogOut(siteUrl: string, emulator: RunningEmulator, appid: string) {
  const browser = new CookieClient(siteUrl);
  expect((await browser.request("/me")).status).toBe(401);

  const started = await browser.request("/auth/login?returnTo=%2Fme");
  expect(started.status).toBe(302);
  const authorize = started.headers.get("location")!;
  expect(authorize.startsWith(`${emulator.url}/connect/qrconnect?`)).toBe(true);

  const callback = await confirmOnPhone(emulator.url, authorize);
  expect(callback.startsWith(`${siteUrl}/auth/callback?`)).toBe(true);
  const landed = await browser.request(callback);
  expect(landed.status).toBe(302);
  expect(landed.headers.get("location")).toBe("/me");
  // The callback sets the session cookie and clears the pre-login cookie: two Set-Cookie headers, intact.
  const [sessionCookie, clearedPreLogin] = browser.lastSetCookies;
  expect(browser.lastSetCookies).toHaveLength(2);
  expect(sessionCookie).toMatch(
    /^wl_session=[A-Za-z0-9_-]{43,}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
  );
  expect(clearedPreLogin).toBe("wl_login=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");

  const session = await browser.request("/auth/session");
  expect(session.status).toBe(200);
  const body = (await session.json()) as { user: { nickname: string }; identity: { appid: string } };
  expect(body.user.nickname).toBe(emulator.users[0]!.nickname);
  expect(body.identity.appid).toBe(appid);
  const me = await browser.request("/me");
  expect(me.status).toBe(200);
  expect(((await me.json()) as { nickname: string }).nickname).toBe(emulator.users[0]!.nickname);

  const logout = await browser.request("/auth/logout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "returnTo=%2F",
  });
  expect(logout.status).toBe(303);
  expect(browser.cookies.has("wl_session")).toBe(false);
  expect((await browser.request("/auth/session")).status).toBe(401);
  expect((await browser.request("/me")).status).toBe(401);
}

/**
 * The mini program's side: its bearer token, sent as `Authorization`, is the
 * session the app's `requireSession` sees; after logout it is refused.
 */
export async function bearerReachesTheApp(siteUrl: string, emulator: RunningEmulator) {
  const mini = emulator.apps.find((app) => app.kind === "mini-program" && app.openAccount)!;
  const minted = await fetch(`${emulator.url}/_emulator/jscode`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appid: mini.appid }),
  });
  const { js_code: code } = (await minted.json()) as { js_code: string };
  const login = await fetch(`${siteUrl}/auth/miniprogram/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  const authorization = `Bearer ${token}`;
  const me = await fetch(`${siteUrl}/me`, { headers: { authorization } });
  expect(me.status).toBe(200);
  expect(((await me.json()) as { nickname: string }).nickname).toBe(emulator.users[0]!.nickname);
  const logout = await fetch(`${siteUrl}/auth/logout`, { method: "POST", headers: { authorization } });
  expect(logout.status).toBe(204);
  expect((await fetch(`${siteUrl}/me`, { headers: { authorization } })).status).toBe(401);
}

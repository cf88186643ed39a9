import type { Server } from "node:http";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import Database from "better-sqlite3";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginRoutes } from "../../src/adapters/express.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login } from "../../src/flow/index.js";
import { wechat } from "../../src/integrations/better-auth.js";
import { memoryStore } from "../../src/stores/memory.js";
import { CookieClient, freePort, SESSION_SECRET } from "../adapters/sites.js";
import { confirmOnPhone } from "../support/confirm.js";

const IN_WECHAT = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";

let emulator: RunningEmulator;
let server: Server;
let login: Login;
let siteUrl: string;
let db: Database.Database;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  const port = await freePort();
  siteUrl = `http://localhost:${port}`;
  const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount)!;
  const officialAccount = emulator.apps.find((app) => app.kind === "official-account" && app.openAccount)!;
  login = createLogin({
    appid: website.appid,
    secret: website.secret,
    redirectUri: `${siteUrl}/auth/callback`,
    openBase: emulator.url,
    apiBase: emulator.url,
    sessionSecret: SESSION_SECRET,
    store: memoryStore(),
    officialAccount: { appid: officialAccount.appid, secret: officialAccount.secret },
  });
  db = new Database(":memory:");
  const auth = betterAuth({
    database: db,
    baseURL: siteUrl,
    basePath: "/api/auth",
    secret: SESSION_SECRET,
    plugins: [await wechat({ login })],
  });
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const app = express();
  app.use(loginRoutes(login));
  app.all("/api/auth/*splat", toNodeHandler(auth));
  server = await new Promise<Server>((resolve) => {
    const started = app.listen(port, () => resolve(started));
  });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await login?.close();
  await emulator?.close();
  db?.close();
});

interface Row {
  id: string;
  name: string;
  email: string | null;
  wechatUnionid: string | null;
}

/** A browser through /wechat/authorize, the flow's login, the phone, the callback, to `callbackURL`. */
async function signIn(browser: CookieClient, userAgent?: string): Promise<Response> {
  const headers: Record<string, string> = userAgent ? { "user-agent": userAgent } : {};
  const authorize = await browser.request("/api/auth/wechat/authorize?callbackURL=%2Fhome", { headers });
  expect(authorize.status).toBe(302);
  const started = await browser.request(authorize.headers.get("location")!, { headers });
  expect(started.status).toBe(302);
  const landed = await browser.request(await confirmOnPhone(emulator.url, started.headers.get("location")!), {
    headers,
  });
  expect(landed.status).toBe(302);
  expect(landed.headers.get("location")).toBe("/api/auth/wechat/callback?callbackURL=%2Fhome");
  return browser.request(landed.headers.get("location")!, { headers });
}

describe("better-auth plugin (better-auth on SQLite)", () => {
  it("signs in through the flow; the account is (wechat:appid, openid), the unionid kept, no e-mail made up", async () => {
    const browser = new CookieClient(siteUrl);
    const done = await signIn(browser);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/home");
    expect([...browser.cookies.keys()].some((name) => name.endsWith("better-auth.session_token"))).toBe(true);

    const session = (await (await browser.request("/api/auth/get-session")).json()) as {
      user: { id: string; name: string; email: string | null };
    };
    expect(session.user.name).toBe(emulator.users[0]!.nickname);
    expect(session.user.email).toBeNull();
    const ours = (await (await browser.request("/auth/session")).json()) as {
      user: { unionid: string };
      identity: { appid: string; openid: string };
    };
    const accounts = db
      .prepare("select providerId, accountId, userId from account where userId = ?")
      .all(session.user.id) as Array<{ providerId: string; accountId: string }>;
    expect(accounts).toEqual([
      { providerId: `wechat:${login.appid}`, accountId: ours.identity.openid, userId: session.user.id },
    ]);
    const user = db.prepare("select * from user where id = ?").get(session.user.id) as Row;
    expect(user.wechatUnionid).toBe(ours.user.unionid);
    expect(user.email).toBeNull();
    expect(session.user.id).not.toBe(ours.user.unionid);

    // The same person inside WeChat (the official account: another appid, another openid) is the same user.
    const phone = new CookieClient(siteUrl);
    expect((await signIn(phone, IN_WECHAT)).headers.get("location")).toBe("/home");
    const inApp = (await (await phone.request("/api/auth/get-session")).json()) as { user: { id: string } };
    expect(inApp.user.id).toBe(session.user.id);
    const linked = db
      .prepare("select providerId from account where userId = ? order by providerId")
      .all(session.user.id);
    expect(linked).toHaveLength(2);
    // And a second sign-in reuses the account.
    await signIn(new CookieClient(siteUrl));
    expect(db.prepare("select count(*) as n from user").get()).toEqual({ n: 1 });
  });

  it("refuses a browser that did not finish a WeChat login", async () => {
    const stranger = new CookieClient(siteUrl);
    const refused = await stranger.request("/api/auth/wechat/callback?callbackURL=%2Fhome");
    expect(refused.status).toBe(302);
    expect(refused.headers.get("location")).toBe("/home?error=wechat_login_required");
    expect([...stranger.cookies.keys()].some((name) => name.endsWith("session_token"))).toBe(false);
    // An off-site callbackURL is never followed.
    const offsite = await stranger.request(
      "/api/auth/wechat/callback?callbackURL=https%3A%2F%2Fevil.example%2F",
    );
    expect(offsite.headers.get("location")).toBe("/?error=wechat_login_required");
  });

  it("embedded QR: /wechat/qr gives WxLogin.js options with the flow's state, /wechat/status follows the login", async () => {
    const browser = new CookieClient(siteUrl);
    const moved = await browser.request("/api/auth/wechat/qr?callbackURL=%2Fhome");
    expect(moved.status).toBe(302);
    const qr = await browser.request(moved.headers.get("location")!);
    expect(qr.status).toBe(200);
    expect(browser.cookies.has("wl_login")).toBe(true);
    const { options } = (await qr.json()) as {
      options: { appid: string; redirect_uri: string; state: string };
    };
    expect(options.state).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect(await (await browser.request("/api/auth/wechat/status")).json()).toEqual({
      wechatLoggedIn: false,
    });
    const authorize = new URL(`${emulator.url}/connect/qrconnect`);
    authorize.search = new URLSearchParams({
      appid: options.appid,
      redirect_uri: decodeURIComponent(options.redirect_uri),
      response_type: "code",
      scope: "snsapi_login",
      state: options.state,
    }).toString();
    const landed = await browser.request(await confirmOnPhone(emulator.url, authorize.href));
    expect(landed.headers.get("location")).toBe("/api/auth/wechat/callback?callbackURL=%2Fhome");
    expect(await (await browser.request("/api/auth/wechat/status")).json()).toEqual({ wechatLoggedIn: true });
    expect((await browser.request(landed.headers.get("location")!)).headers.get("location")).toBe("/home");
  });
});

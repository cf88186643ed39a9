import type { Server } from "node:http";
import { ExpressAuth, type ExpressAuthConfig, getSession } from "@auth/express";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginRoutes } from "../../src/adapters/express.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login } from "../../src/flow/index.js";
import { signInPage, WeChat, type WeChatAuthUser } from "../../src/integrations/authjs.js";
import { memoryStore } from "../../src/stores/memory.js";
import { CookieClient, freePort, SESSION_SECRET } from "../adapters/sites.js";
import { confirmOnPhone } from "../support/confirm.js";

const IN_WECHAT = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";

let emulator: RunningEmulator;
let server: Server;
let login: Login;
let siteUrl: string;

interface AuthSession {
  user: { id: string; name: string; image: string | null; email?: string | null; appid?: string };
}

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
  const authConfig: ExpressAuthConfig = {
    providers: [WeChat({ login })],
    secret: SESSION_SECRET,
    trustHost: true,
    callbacks: {
      jwt({ token, user }) {
        if (user) token.appid = (user as WeChatAuthUser).wechat.appid;
        return token;
      },
      session({ session, token }) {
        return { ...session, user: { ...session.user, id: token.sub!, appid: token.appid as string } };
      },
    },
  };
  const app = express();
  app.use(loginRoutes(login));
  app.get("/signin/wechat", (_req, res) => {
    res.type("html").send(signInPage({ basePath: "/api/auth", callbackUrl: "/me" }));
  });
  app.use("/api/auth", ExpressAuth(authConfig));
  app.get("/me", async (req, res) => {
    const session = await getSession(req, authConfig);
    if (!session) res.status(401).json({ error: "not_logged_in" });
    else res.json(session);
  });
  server = await new Promise<Server>((resolve) => {
    const started = app.listen(port, () => resolve(started));
  });
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await login?.close();
  await emulator?.close();
});

/** What `signInPage`'s script does in a browser: Auth.js's CSRF token, then the form post. */
async function postSignIn(browser: CookieClient): Promise<Response> {
  const page = await browser.request("/signin/wechat");
  const text = await page.text();
  expect(text).toContain('action="/api/auth/callback/wechat"');
  expect(text).toContain('name="callbackUrl" value="/me"');
  const { csrfToken } = (await (await browser.request("/api/auth/csrf")).json()) as { csrfToken: string };
  return browser.request("/api/auth/callback/wechat", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/me" }).toString(),
  });
}

/** A browser that went through WeChat's QR login in our flow and is back on the sign-in page. */
async function loggedInThroughWeChat(): Promise<CookieClient> {
  const browser = new CookieClient(siteUrl);
  const started = await browser.request("/auth/login?returnTo=%2Fsignin%2Fwechat");
  const landed = await browser.request(await confirmOnPhone(emulator.url, started.headers.get("location")!));
  expect(landed.headers.get("location")).toBe("/signin/wechat");
  expect(browser.cookies.has("wl_session")).toBe(true);
  return browser;
}

describe("Auth.js provider (@auth/core through @auth/express)", () => {
  it("signs in the browser whose WeChat login the flow completed: our state, our exchange, our user id", async () => {
    const browser = new CookieClient(siteUrl);
    expect((await browser.request("/me")).status).toBe(401);
    const started = await browser.request("/auth/login?returnTo=%2Fsignin%2Fwechat");
    expect(started.status).toBe(302);
    const authorize = new URL(started.headers.get("location")!);
    // The state WeChat sees is ours: letters and digits within WeChat's 128, not Auth.js's encrypted token.
    expect(authorize.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    const landed = await browser.request(await confirmOnPhone(emulator.url, authorize.href));
    expect(landed.headers.get("location")).toBe("/signin/wechat");
    const ours = (await (await browser.request("/auth/session")).json()) as {
      user: { id: string; unionid?: string };
      identity: { appid: string; openid: string };
    };

    const signedIn = await postSignIn(browser);
    expect(signedIn.status).toBe(302);
    expect(new URL(signedIn.headers.get("location")!, siteUrl).pathname).toBe("/me");
    expect(browser.cookies.has("authjs.session-token")).toBe(true);
    // The ticket is spent: the flow's session ended as Auth.js's began.
    expect((await browser.request("/auth/session")).status).toBe(401);

    const me = await browser.request("/me");
    expect(me.status).toBe(200);
    const session = (await me.json()) as AuthSession;
    expect(session.user.name).toBe(emulator.users[0]!.nickname);
    expect(session.user.id).toBe(ours.user.id);
    expect(session.user.id).not.toBe(ours.user.unionid);
    expect(session.user.id).not.toBe(ours.identity.openid);
    expect(session.user.appid).toBe(login.appid);
    // No e-mail made up for a user WeChat gives none for.
    expect(session.user.email ?? null).toBeNull();
  });

  it("the ticket is single use: a replay of the same cookie is refused and opens no second session", async () => {
    const browser = await loggedInThroughWeChat();
    const ticket = browser.cookies.get("wl_session")!;
    expect((await postSignIn(browser)).status).toBe(302);
    expect(browser.cookies.has("authjs.session-token")).toBe(true);

    // The same cookie, replayed from the same browser and from a copy of it.
    const again = await postSignIn(browser);
    expect(again.headers.get("location")).toMatch(/error=CredentialsSignin/);
    const copy = new CookieClient(siteUrl);
    copy.cookies.set("wl_session", ticket);
    const replayed = await postSignIn(copy);
    expect(replayed.headers.get("location")).toMatch(/error=CredentialsSignin/);
    expect(copy.cookies.has("authjs.session-token")).toBe(false);
    expect((await copy.request("/me")).status).toBe(401);
  });

  it("a double submit of the sign-in, at once, yields exactly one Auth.js session", async () => {
    const browser = await loggedInThroughWeChat();
    const { csrfToken } = (await (await browser.request("/api/auth/csrf")).json()) as { csrfToken: string };
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const submits = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`${siteUrl}/api/auth/callback/wechat`, {
          method: "POST",
          redirect: "manual",
          headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrfToken, callbackUrl: "/me" }).toString(),
        }),
      ),
    );
    const opened = submits.filter((response) =>
      response.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token=")),
    );
    expect(opened).toHaveLength(1);
    expect(
      submits.filter((r) => /error=CredentialsSignin/.test(r.headers.get("location") ?? "")),
    ).toHaveLength(3);
  });

  it("refuses a browser without a completed WeChat login (CredentialsSignin), and a post without CSRF", async () => {
    const stranger = new CookieClient(siteUrl);
    const refused = await postSignIn(stranger);
    expect(refused.status).toBe(302);
    expect(refused.headers.get("location")).toMatch(/error=CredentialsSignin/);
    expect(stranger.cookies.has("authjs.session-token")).toBe(false);

    const forged = await stranger.request("/api/auth/callback/wechat", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrfToken=forged&callbackUrl=%2Fme",
    });
    expect(forged.headers.get("location")).toMatch(/error=MissingCSRF/);
    expect((await stranger.request("/me")).status).toBe(401);
  });

  it("the embedded QR (WxLogin.js): our /auth/qr state, confirmed on the phone, then the same sign-in", async () => {
    const browser = new CookieClient(siteUrl);
    const qr = await browser.request("/auth/qr?returnTo=%2Fsignin%2Fwechat");
    const { options } = (await qr.json()) as {
      options: { appid: string; redirect_uri: string; state: string };
    };
    // What WeChat's QR iframe does with those options once the phone confirms.
    const authorize = new URL(`${emulator.url}/connect/qrconnect`);
    authorize.search = new URLSearchParams({
      appid: options.appid,
      redirect_uri: decodeURIComponent(options.redirect_uri),
      response_type: "code",
      scope: "snsapi_login",
      state: options.state,
    }).toString();
    const landed = await browser.request(await confirmOnPhone(emulator.url, authorize.href));
    expect(landed.headers.get("location")).toBe("/signin/wechat");
    expect((await postSignIn(browser)).status).toBe(302);
    expect((await browser.request("/me")).status).toBe(200);
  });

  it("inside WeChat's browser, the flow goes through the official account and Auth.js signs in the same way", async () => {
    const phone = new CookieClient(siteUrl);
    const started = await phone.request("/auth/login?returnTo=%2Fsignin%2Fwechat", {
      headers: { "user-agent": IN_WECHAT },
    });
    const authorize = new URL(started.headers.get("location")!);
    expect(authorize.pathname).toBe("/connect/oauth2/authorize");
    const landed = await phone.request(await confirmOnPhone(emulator.url, authorize.href), {
      headers: { "user-agent": IN_WECHAT },
    });
    expect(landed.status).toBe(302);
    expect((await postSignIn(phone)).status).toBe(302);
    const session = (await (await phone.request("/me")).json()) as AuthSession;
    expect(session.user.appid).not.toBe(login.appid);
  });
});

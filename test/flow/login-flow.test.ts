import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, type Harness, startHarness, startLogin } from "./harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

async function loggedInBrowser(returnTo = "/profile", userId?: string) {
  const browser = new Browser(harness.login);
  const callback = await startLogin(harness, browser, { returnTo, userId });
  const response = await browser.request(callback);
  return { browser, callback, response };
}

describe("GET /auth/login", () => {
  it("redirects to the emulator's qrconnect with a 256-bit state and sets a pre-login cookie", async () => {
    const browser = new Browser(harness.login);
    const response = await browser.request("/auth/login?returnTo=%2Fprofile");
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${harness.emulator.url}/connect/qrconnect`);
    expect(location.searchParams.get("appid")).toBe(harness.website.appid);
    expect(location.searchParams.get("scope")).toBe("snsapi_login");
    expect(location.searchParams.get("state")).toMatch(/^[a-f0-9]{64}$/);
    expect(location.hash).toBe("#wechat_redirect");
    expect(browser.cookies.has("wl_login")).toBe(true);
  });

  it("uses in-WeChat oauth2/authorize with the official account when the user agent is WeChat's", async () => {
    const browser = new Browser(harness.login);
    browser.userAgent = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";
    const response = await browser.request("/auth/login");
    const location = new URL(response.headers.get("location")!);
    expect(location.pathname).toBe("/connect/oauth2/authorize");
    expect(location.searchParams.get("appid")).toBe(harness.officialAccount.appid);
    expect(location.searchParams.get("scope")).toBe("snsapi_userinfo");
  });
});

describe("the whole login", () => {
  it("logs in, lands on returnTo, and /session returns the emulator user's profile", async () => {
    const { browser, response } = await loggedInBrowser("/profile?tab=1");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/profile?tab=1");
    const session = await browser.request("/auth/session");
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { id: string; nickname: string; unionid?: string } };
    const defaultUser = harness.emulator.users[0]!;
    expect(body.user.nickname).toBe(defaultUser.nickname);
    expect(body.user.unionid).toBeTruthy();
    expect(browser.cookies.has("wl_login")).toBe(false);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, Path=/ and without Secure on http://localhost", async () => {
    const { browser } = await loggedInBrowser();
    expect(browser.lastSetCookies.length).toBeGreaterThan(0);
    const sessionCookie = browser.lastSetCookies.find((cookie) => cookie.startsWith("wl_session="))!;
    expect(sessionCookie).toMatch(/; HttpOnly/);
    expect(sessionCookie).toMatch(/; SameSite=Lax/);
    expect(sessionCookie).toMatch(/; Path=\//);
    expect(sessionCookie).not.toMatch(/Secure/);
    expect(sessionCookie).toMatch(/^wl_session=[A-Za-z0-9_-]{43,}/);
  });

  it("shows a friendly cancelled page on refusal and creates no session", async () => {
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser, { decision: "deny" });
    expect(new URL(callback).searchParams.has("code")).toBe(false);
    const response = await browser.request(callback);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('data-outcome="login_cancelled"');
    expect((await browser.request("/auth/session")).status).toBe(401);
  });

  it("links the website login and the in-WeChat login of one person by unionid", async () => {
    const { browser } = await loggedInBrowser("/", harness.emulator.users[1]!.id);
    const viaWebsite = (await (await browser.request("/auth/session")).json()) as { user: { id: string } };

    const phone = new Browser(harness.login);
    phone.userAgent = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";
    const callback = await startLogin(harness, phone, { userId: harness.emulator.users[1]!.id });
    expect((await phone.request(callback)).status).toBe(302);
    const viaWeChat = (await (await phone.request("/auth/session")).json()) as {
      user: { id: string };
      identity: { appid: string };
    };
    expect(viaWeChat.identity.appid).toBe(harness.officialAccount.appid);
    expect(viaWeChat.user.id).toBe(viaWebsite.user.id);
  });
});

describe("a snapshot-page visitor (is_snapshotuser, spec §3.1)", () => {
  it("gets the snapshot page and no session: WeChat's virtual account is not a login", async () => {
    const added = await fetch(`${harness.emulator.url}/_emulator/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "snapshot-visitor", nickname: "微信用户", snapshot: true }),
    });
    expect(added.status).toBe(201);
    const phone = new Browser(harness.login);
    phone.userAgent = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";
    const callback = await startLogin(harness, phone, { userId: "snapshot-visitor" });
    const response = await phone.request(callback);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-outcome="snapshot_user"');
    expect((await phone.request("/auth/session")).status).toBe(401);
  });
});

describe("state checks", () => {
  it("rejects a forged state with a clear page and no session", async () => {
    const browser = new Browser(harness.login);
    await browser.request("/auth/login");
    const response = await browser.request(`/auth/callback?code=abc&state=${"f".repeat(64)}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-outcome="state_invalid"');
    expect((await browser.request("/auth/session")).status).toBe(401);
  });

  it("rejects a state without a code or state parameter", async () => {
    const browser = new Browser(harness.login);
    const response = await browser.request("/auth/callback?code=abc");
    expect(response.status).toBe(400);
  });

  it("rejects a state started by another cookie jar", async () => {
    const victim = new Browser(harness.login);
    const callback = await startLogin(harness, victim);
    const attacker = new Browser(harness.login);
    await attacker.request("/auth/login");
    const response = await attacker.request(callback);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('data-outcome="state_other_browser"');
    expect((await attacker.request("/auth/session")).status).toBe(401);
  });

  it("never exchanges a callback without the pre-login cookie: it restarts the login once, then explains", async () => {
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser);
    browser.cookies.clear();
    const restart = await browser.request(callback);
    expect(restart.status).toBe(302);
    expect(restart.headers.get("location")).toContain(`${harness.emulator.url}/connect/qrconnect?`);
    expect(browser.cookies.has("wl_login")).toBe(true);
    expect((await browser.request("/auth/session")).status).toBe(401);

    const again = await harness.confirm(restart.headers.get("location")!);
    browser.cookies.clear();
    const refused = await browser.request(again);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('data-outcome="cookies_required"');
    expect((await browser.request("/auth/session")).status).toBe(401);
  });

  it("inside WeChat, a browser that dropped the cookie logs in after one silent restart", async () => {
    const phone = new Browser(harness.login);
    phone.userAgent = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";
    const callback = await startLogin(harness, phone, { returnTo: "/profile" });
    phone.cookies.clear();
    const restart = await phone.request(callback);
    expect(restart.status).toBe(302);
    expect(restart.headers.get("location")).toContain(`${harness.emulator.url}/connect/oauth2/authorize?`);
    const landed = await phone.request(await harness.confirm(restart.headers.get("location")!));
    expect(landed.status).toBe(302);
    expect(landed.headers.get("location")).toBe("/profile");
    expect((await phone.request("/auth/session")).status).toBe(200);
  });

  it("rejects a replayed state from another browser, and sends the same browser on (double callback)", async () => {
    const { browser, callback } = await loggedInBrowser("/profile");
    const again = await browser.request(callback);
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/profile");

    const other = new Browser(harness.login);
    const replay = await other.request(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('data-outcome="state_used"');
  });

  it("rejects an expired state", async () => {
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser);
    harness.clock.offsetMs += 11 * 60 * 1000;
    try {
      const response = await browser.request(callback);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('data-outcome="state_invalid"');
    } finally {
      harness.clock.offsetMs -= 11 * 60 * 1000;
    }
  });

  it("turns a replayed code (40163) into a clean page", async () => {
    const first = new Browser(harness.login);
    const callback = await startLogin(harness, first);
    expect((await first.request(callback)).status).toBe(302);
    const code = new URL(callback).searchParams.get("code")!;

    const second = new Browser(harness.login);
    const secondCallback = new URL(await startLogin(harness, second));
    secondCallback.searchParams.set("code", code);
    const response = await second.request(secondCallback.toString());
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('data-outcome="code_invalid"');
    expect(body).not.toContain(code);
  });
});

describe("sessions", () => {
  it("issues a new session id at login (no fixation) and forgets the planted one", async () => {
    const browser = new Browser(harness.login);
    browser.cookies.set("wl_session", "planted-by-attacker-0123456789");
    const callback = await startLogin(harness, browser);
    await browser.request(callback);
    expect(browser.cookies.get("wl_session")).not.toBe("planted-by-attacker-0123456789");

    const planted = new Browser(harness.login);
    planted.cookies.set("wl_session", "planted-by-attacker-0123456789");
    expect((await planted.request("/auth/session")).status).toBe(401);
  });

  it("rotates the id when an already logged-in browser logs in again", async () => {
    const { browser } = await loggedInBrowser();
    const before = browser.cookies.get("wl_session")!;
    const stale = new Browser(harness.login);
    stale.cookies.set("wl_session", before);
    await browser.request(await startLogin(harness, browser));
    expect(browser.cookies.get("wl_session")).not.toBe(before);
    expect((await stale.request("/auth/session")).status).toBe(401);
  });

  it("logout deletes the session server-side, so a copied cookie stops working", async () => {
    const { browser } = await loggedInBrowser();
    const copy = new Browser(harness.login);
    copy.cookies.set("wl_session", browser.cookies.get("wl_session")!);
    const response = await browser.request("/auth/logout", { method: "POST" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(browser.cookies.has("wl_session")).toBe(false);
    expect((await copy.request("/auth/session")).status).toBe(401);
  });

  it("refuses a cross-origin logout", async () => {
    const { browser } = await loggedInBrowser();
    const response = await browser.request("/auth/logout", {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect((await browser.request("/auth/session")).status).toBe(200);
  });

  it("ends a session after its idle expiry", async () => {
    const { browser } = await loggedInBrowser();
    harness.clock.offsetMs += 8 * 24 * 3600 * 1000;
    try {
      expect((await browser.request("/auth/session")).status).toBe(401);
    } finally {
      harness.clock.offsetMs -= 8 * 24 * 3600 * 1000;
    }
  });

  it("getSession serves the app's own routes", async () => {
    const { browser } = await loggedInBrowser();
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const session = await harness.login.getSession(
      new Request("http://localhost:3999/anything", { headers: { cookie } }),
    );
    expect(session?.user.nickname).toBe(harness.emulator.users[0]!.nickname);
    expect(await harness.login.getSession(new Request("http://localhost:3999/anything"))).toBeUndefined();
  });
});

describe("routes", () => {
  it("answers 404 pages under the prefix and 405 for wrong methods", async () => {
    const browser = new Browser(harness.login);
    expect((await browser.request("/auth/nope")).status).toBe(404);
    const wrong = await browser.request("/auth/login", { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD");
  });

  it("serves error pages in Chinese to zh browsers", async () => {
    const browser = new Browser(harness.login, "zh-CN,zh;q=0.9");
    const response = await browser.request(`/auth/callback?state=${"a".repeat(64)}&code=x`);
    const body = await response.text();
    expect(body).toContain('lang="zh-CN"');
    expect(body).toContain("登录已失效");
  });

  it("gives /qr the WxLogin options bound to a pre-login cookie", async () => {
    const browser = new Browser(harness.login);
    const response = await browser.request("/auth/qr?returnTo=%2Fprofile");
    const body = (await response.json()) as {
      options: { appid: string; state: string; redirect_uri: string };
      scriptUrl: string;
    };
    expect(body.options.appid).toBe(harness.website.appid);
    expect(decodeURIComponent(body.options.redirect_uri)).toBe("http://localhost:3999/auth/callback");
    expect(body.scriptUrl).toBe(`${harness.emulator.url}/connect/zh_CN/htmledition/js/wxLogin.js`);
    expect(browser.cookies.has("wl_login")).toBe(true);
  });
});

describe("the Login object", () => {
  it("shows no secret when printed (console.log, util.inspect)", () => {
    const printed = inspect(harness.login, { depth: 10, showHidden: true });
    expect(printed).toContain("routePrefix");
    for (const secret of [
      harness.website.secret,
      harness.officialAccount.secret,
      "s".repeat(16) + "e".repeat(16),
    ]) {
      expect(printed).not.toContain(secret);
    }
    expect(JSON.stringify(harness.login)).not.toContain(harness.website.secret);
  });
});

describe("secrets in this file's transcript", () => {
  it("no page or log line above holds the app secrets", async () => {
    const { transcript } = await import("./harness.js");
    const text = transcript.join("\n");
    expect(transcript.length).toBeGreaterThan(20);
    expect(text).not.toContain(harness.website.secret);
    expect(text).not.toContain(harness.officialAccount.secret);
  });
});

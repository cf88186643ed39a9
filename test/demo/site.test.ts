import { get } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDemo } from "../../src/cli/demo-server.js";
import { confirmOnPhone } from "../support/confirm.js";
import { HttpBrowser } from "../support/http-browser.js";
import { useDemo } from "./fixture.js";

const IN_WECHAT =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50";

describe("the demo site over HTTP", () => {
  const currentDemo = useDemo({ beforeAll, afterAll });
  let demo: RunningDemo;

  beforeAll(async () => {
    demo = currentDemo();
  });

  /** Logs `userId` in through the demo's /auth/login and returns /auth/session's answer. */
  async function logIn(browser: HttpBrowser, userId: string, expectedPath: string) {
    const start = await browser.get(`${demo.url}/auth/login?returnTo=%2Fprofile`);
    expect(start.status).toBe(302);
    const authorize = HttpBrowser.location(start, demo.url);
    expect(new URL(authorize).pathname).toBe(expectedPath);
    const callback = await confirmOnPhone(demo.emulatorUrl!, authorize, { userId });
    const landed = await browser.get(callback);
    expect(landed.status).toBe(302);
    expect(HttpBrowser.location(landed, callback)).toBe(`${demo.url}/profile`);
    const session = await browser.get(`${demo.url}/auth/session`);
    expect(session.status).toBe(200);
    return (await session.json()) as {
      user: { id: string; unionid: string };
      identity: { appid: string; openid: string };
    };
  }

  it("sends a MicroMessenger browser through oauth2/authorize and logs it in as the QR login's user", async () => {
    const inWeChat = await logIn(new HttpBrowser(IN_WECHAT), "zhangsan", "/connect/oauth2/authorize");
    const byQr = await logIn(new HttpBrowser(), "zhangsan", "/connect/qrconnect");

    // Two WeChat apps, two openids, one person: the unionid links them to one user of the site.
    expect(inWeChat.identity.appid).not.toBe(byQr.identity.appid);
    expect(inWeChat.identity.openid).not.toBe(byQr.identity.openid);
    expect(inWeChat.user.unionid).toBeTruthy();
    expect(inWeChat.user.unionid).toBe(byQr.user.unionid);
    expect(inWeChat.user.id).toBe(byQr.user.id);
  });

  it("says on the home page that the login works inside WeChat, in CSS that is not HTML-escaped", async () => {
    const home = await (await new HttpBrowser().get(`${demo.url}/`)).text();
    expect(home).toContain('id="in-wechat"');
    expect(home).toContain("font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif");
    expect(/<style>([^<]*)<\/style>/.exec(home)?.[1]).not.toMatch(/&#39;|&quot;|&amp;/);
  });

  it("shows after a login what just happened: each step with its time, code and state masked", async () => {
    const browser = new HttpBrowser();
    const start = await browser.get(`${demo.url}/auth/login?returnTo=%2Fprofile`);
    const callback = await confirmOnPhone(demo.emulatorUrl!, HttpBrowser.location(start, demo.url));
    await browser.get(callback);
    const profile = await (await browser.get(`${demo.url}/profile`)).text();
    const steps = [
      ...profile.matchAll(/<li data-step="([a-z_]+)"><p><time>(\d\d:\d\d:\d\d\.\d{3})<\/time>/g),
    ];
    expect(steps.map((step) => step[1])).toEqual([
      "authorize_redirect",
      "callback_received",
      "code_exchanged",
      "userinfo_fetched",
      "login_completed",
    ]);
    const { searchParams } = new URL(callback);
    const [code, state] = [searchParams.get("code")!, searchParams.get("state")!];
    expect(profile).toContain(`<code>${code.slice(0, 4)}…</code>`);
    expect(profile).toContain(`<code>${state.slice(0, 4)}…</code>`);
    expect(profile).not.toContain(code);
    expect(profile).not.toContain(state);
    expect(profile).toContain("<dt>secret</dt><dd><code>(hidden)</code></dd>");
  });

  it("asks WeChat for its QR page in the browser's language", async () => {
    const english = await new HttpBrowser(undefined, "en-US,en;q=0.9").get(`${demo.url}/auth/login`);
    const englishQr = HttpBrowser.location(english, demo.url);
    expect(new URL(englishQr).searchParams.get("lang")).toBe("en");
    expect(await (await fetch(englishQr)).text()).toContain('<html lang="en">');
    const chinese = await new HttpBrowser(undefined, "zh-CN,zh;q=0.9").get(`${demo.url}/auth/login`);
    const chineseQr = HttpBrowser.location(chinese, demo.url);
    expect(new URL(chineseQr).searchParams.has("lang")).toBe(false);
    expect(await (await fetch(chineseQr)).text()).toContain('<html lang="zh-CN">');
  });

  it("sends a browser on 127.0.0.1 to the callback's origin (localhost) before anything else", async () => {
    const port = new URL(demo.url).port;
    const answer = await new Promise<{ status: number; location: string | undefined }>(
      (resolveAnswer, reject) => {
        get(
          { host: "localhost", port, path: "/profile?tab=1", headers: { host: `127.0.0.1:${port}` } },
          (response) => {
            response.resume();
            resolveAnswer({ status: response.statusCode ?? 0, location: response.headers.location });
          },
        ).once("error", reject);
      },
    );
    expect(answer).toEqual({ status: 302, location: `http://localhost:${port}/profile?tab=1` });
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogin, type LoginOptions } from "../../src/flow/index.js";
import { ConfigError } from "../../src/protocol/errors.js";
import type { MpEvent } from "../../src/protocol/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import {
  confirmOnPhone,
  control,
  type FollowSite,
  type FollowWorld,
  type Format,
  HttpBrowser,
  type Mode,
  phone,
  poll,
  startAttempt,
  startFollowSite,
  startWorld,
  type Variant,
} from "./support.js";

let world: FollowWorld;
let site: FollowSite | undefined;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.emulator.close();
});
beforeEach(async () => {
  await control(world, "POST", "/reset");
});
afterEach(async () => {
  await site?.close();
  site = undefined;
});

const MODES: Mode[] = ["plain", "compat", "safe"];
const FORMATS: Format[] = ["xml", "json"];
const VARIANTS: Variant[] = ["qr", "code"];
const matrix = VARIANTS.flatMap((variant) =>
  MODES.flatMap((mode) => FORMATS.map((format) => ({ variant, mode, format }))),
);

describe.each(matrix)("follow to log in: $variant, $mode mode, $format", ({ variant, mode, format }) => {
  it("logs a first-time follower in, then a returning one as the same user", async () => {
    site = await startFollowSite(world, memoryStore(), { mode, format });
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, variant);
    expect(started.attemptId).toMatch(/^[0-9a-f]{64}$/);
    expect(started.expiresIn).toBe(300);
    if (variant === "qr") expect(started.qrImageUrl).toContain("/cgi-bin/showqrcode?ticket=");
    else expect(started.code).toMatch(/^\d{6}$/);
    expect((await poll(site, browser, started)).body).toEqual({ status: "waiting" });

    const delivered = await confirmOnPhone(world, started, "lily");
    expect(delivered.body).toMatchObject({ delivered: true, attempts: 1 });
    // XML pushes get the passive reply naming the site; JSON ones are acknowledged with `success`.
    if (format === "xml") expect(String(delivered.body.replyText)).toContain("example.com");

    const done = await poll(site, browser, started);
    expect(done.body).toEqual({ status: "confirmed", redirect: "/profile" });
    const session = await (await browser.get(`${site.url}/auth/session`)).json();
    expect(session.identity).toEqual({ appid: world.officialAccount.appid, openid: expect.any(String) });
    expect(session.user.unionid).toMatch(/^o/);
    // Single use: the pre-login cookie is gone with the attempt, and a replayed poll gets no second session.
    const cookieAfter = new Map(browser.cookies);
    const replay = await poll(site, browser, started);
    expect(replay).toEqual({ status: 403, body: { error: "attempt_other_browser" } });
    expect(browser.cookies).toEqual(cookieAfter);

    const again = new HttpBrowser();
    const second = await startAttempt(site, again, variant);
    await confirmOnPhone(world, second, "lily", true);
    expect((await poll(site, again, second)).body).toMatchObject({ status: "confirmed" });
    const returning = await (await again.get(`${site.url}/auth/session`)).json();
    expect(returning.user.id).toBe(session.user.id);
  });
});

describe("officialAccount.onEvent", () => {
  it("gets the pushes that are not a login's, and a throwing or slow hook never breaks the acknowledgement", async () => {
    const seen: MpEvent[] = [];
    let calls = 0;
    site = await startFollowSite(world, memoryStore(), {
      mode: "safe",
      onEvent: (event) => {
        calls++;
        seen.push(event);
        if (calls === 2) throw new Error("the app's bug");
        if (calls === 3) return new Promise((resolve) => setTimeout(resolve, 10_000));
        return undefined;
      },
    });
    const lily = phone(world, "lily");
    expect((await lily.follow()).body).toMatchObject({ delivered: true });
    expect((await lily.text("hello")).body).toMatchObject({ delivered: true });
    const started = Date.now();
    expect((await lily.unfollow()).body).toMatchObject({ delivered: true, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen.map((event) => event.type)).toEqual(["subscribe", "text", "unsubscribe"]);
    expect(site.log.some((line) => line.includes('"on_event_failed"'))).toBe(true);
  });
});

describe("options", () => {
  const base = {
    appid: "wx0123456789abcdef",
    secret: "0123456789abcdef0123456789abcdef",
    redirectUri: "https://example.com/auth/callback",
    sessionSecret: "s".repeat(32),
    store: memoryStore(),
  };
  const oa = { appid: "wxfedcba9876543210", secret: "fedcba9876543210fedcba9876543210" };
  it.each([
    [{ ...oa, token: "a b" }, "officialAccount.token"],
    [{ ...oa, token: "emulatorToken2024", encodingAESKey: "short" }, "officialAccount.encodingAESKey"],
    [{ ...oa, followLogin: { variants: ["qr"] } }, "officialAccount.token"],
    [
      { ...oa, token: "emulatorToken2024", followLogin: { variants: [] } },
      "officialAccount.followLogin.variants",
    ],
    [
      { ...oa, token: "emulatorToken2024", followLogin: { variants: ["sms"] } },
      "officialAccount.followLogin.variants.0",
    ],
    [{ ...oa, token: "emulatorToken2024", originalId: "5d2e7a9c3b1f" }, "officialAccount.originalId"],
    [
      { ...oa, token: "emulatorToken2024", previousEncodingAESKey: "a".repeat(43) },
      "officialAccount.encodingAESKey",
    ],
  ])("refuses %j with a ConfigError naming %s, never echoing a value", (officialAccount, field) => {
    let error: unknown;
    try {
      createLogin({ ...base, officialAccount } as LoginOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message).not.toContain("emulatorToken2024");
  });
});

describe("the follow page and its limits", () => {
  it("serves the QR or the code as a zh-CN or English page whose only script carries the CSP's nonce", async () => {
    site = await startFollowSite(world, memoryStore());
    const zh = new HttpBrowser(undefined, "zh-CN,zh;q=0.9");
    const page = await zh.get(`${site.url}/auth/follow?variant=qr`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("请用微信扫描二维码并关注公众号");
    expect(html).toMatch(/<img id="qr" src="http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/showqrcode\?ticket=/);
    const csp = page.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(csp).toContain(`img-src ${world.emulator.url}`);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(zh.cookies.has("wl_login")).toBe(true);
    const en = await new HttpBrowser().get(`${site.url}/auth/follow?variant=code`);
    expect(await en.text()).toMatch(/<p id="code" class="code">\d{6}<\/p>/);
  });

  it("answers a subscription account's QR with 502 wechat_misconfigured; the code variant still works", async () => {
    site = await startFollowSite(world, memoryStore());
    await control(world, "PUT", `/mp/${world.officialAccount.appid}`, { accountType: "subscription" });
    const browser = new HttpBrowser();
    const qr = await browser.get(`${site.url}/auth/follow?variant=qr`, {
      headers: { accept: "application/json" },
    });
    expect(qr.status).toBe(502);
    expect(await qr.json()).toMatchObject({ error: "wechat_misconfigured" });
    expect(site.log.some((line) => line.includes("48001"))).toBe(true);
    const started = await startAttempt(site, browser, "code");
    await confirmOnPhone(world, started, "lily");
    expect((await poll(site, browser, started)).body).toMatchObject({ status: "confirmed" });
  });

  it("limits the codes one sender may try", async () => {
    site = await startFollowSite(world, memoryStore(), { variants: ["code"] });
    const lily = phone(world, "lily");
    await lily.follow();
    const replies: string[] = [];
    for (let i = 0; i < 11; i++) replies.push(String((await lily.text(String(100000 + i))).body.replyText));
    expect(replies.slice(0, 10).every((reply) => reply.includes("登录码无效或已过期"))).toBe(true);
    expect(replies[10]).toContain("尝试次数过多");
    // Even a live code is refused to this sender now.
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, "code");
    expect(String((await lily.text(started.code ?? "")).body.replyText)).toContain("尝试次数过多");
    expect((await poll(site, browser, started)).body).toEqual({ status: "waiting" });
  });
});

describe("a key change", () => {
  it("accepts pushes under the current and the previous EncodingAESKey", async () => {
    const appid = world.officialAccount.appid;
    const rotated = await control(world, "POST", `/mp/${appid}/rotate-key`);
    const keys = rotated.body.console as { encodingAesKey: string; previousEncodingAesKey: string };
    site = await startFollowSite(world, memoryStore(), {
      mode: "safe",
      overrides: {
        mpBase: world.emulator.url,
        officialAccount: {
          ...world.officialAccount,
          token: world.console.token,
          encodingAESKey: keys.encodingAesKey,
          previousEncodingAESKey: keys.previousEncodingAesKey,
          originalId: world.console.originalId,
          followLogin: { variants: ["code"] },
        },
      },
    });
    for (const stale of [false, true]) {
      await control(world, "PUT", `/mp/${appid}/faults`, { staleKey: stale });
      const browser = new HttpBrowser();
      const started = await startAttempt(site, browser, "code");
      const delivered = await confirmOnPhone(world, started, "lily", stale);
      expect(delivered.body).toMatchObject({ delivered: true });
      expect(String(delivered.body.replyText)).toContain("你正在登录");
      expect((await poll(site, browser, started)).body).toMatchObject({ status: "confirmed" });
    }
  });
});

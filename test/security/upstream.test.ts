import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  countingStore,
  OFFICIAL_ACCOUNT,
  ScriptedWeChat,
  SecurityBrowser,
  type SecuritySite,
  STORE_KINDS,
  startSite,
  stateOf,
  useStore,
  WEBSITE,
} from "./support.js";

const TOKEN = "/sns/oauth2/access_token";
const USERINFO = "/sns/userinfo";

const token = (fields: Record<string, unknown> = {}) => ({
  access_token: "scripted-access-token-0123456789",
  expires_in: 7200,
  refresh_token: "scripted-refresh-token-0123456789",
  openid: "o_scripted_user_0001",
  scope: "snsapi_login",
  unionid: "u_scripted_union_0001",
  ...fields,
});
const userinfo = (fields: Record<string, unknown> = {}) => ({
  openid: "o_scripted_user_0001",
  nickname: "脚本用户",
  sex: 0,
  province: "",
  city: "",
  country: "",
  headimgurl: "",
  privilege: [],
  unionid: "u_scripted_union_0001",
  ...fields,
});

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`callbacks against a scripted WeChat on ${kind.name}`, () => {
    const backing = useStore(kind, { beforeAll, afterAll });
    const wechat = new ScriptedWeChat();
    let site: SecuritySite;
    let strict: SecuritySite;
    let calls: Map<string, number>;
    beforeAll(async () => {
      await wechat.start();
      const counted = countingStore(backing());
      calls = counted.calls;
      site = await startSite({ store: counted.store, upstream: wechat.url });
      strict = await startSite({
        store: backing(),
        upstream: wechat.url,
        overrides: { requireUnionid: true },
      });
    });
    afterAll(async () => {
      await site.close();
      await strict.close();
      await wechat.close();
    });
    beforeEach(() => {
      wechat.calls.clear();
      wechat.answers.set(TOKEN, () => token());
      wechat.answers.set(USERINFO, () => userinfo());
    });

    /** A browser that started a login on `on`: its state is bound to the browser's pre-login cookie. */
    async function started(on = site, returnTo?: string) {
      const browser = new SecurityBrowser();
      const query = returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`;
      const start = await browser.request(`${on.url}/auth/login${query}`);
      return { browser, state: stateOf(start.headers.get("location")) };
    }

    const storeCalls = () => [...calls.values()].reduce((sum, n) => sum + n, 0);

    it("refuses a duplicated code or state before any store or WeChat call", async () => {
      const { browser, state } = await started();
      const before = storeCalls();
      for (const query of [`code=AAA&code=BBB&state=${state}`, `code=AAA&state=${state}&state=${state}`]) {
        const answer = await browser.request(`${site.url}/auth/callback?${query}`);
        expect(answer.status).toBe(400);
        expect(await answer.text()).toContain('data-outcome="invalid_request"');
      }
      expect(storeCalls()).toBe(before);
      expect(wechat.total()).toBe(0);
      // The state was not spent: the browser's real callback still logs in.
      const landed = await browser.request(`${site.url}/auth/callback?code=ScriptedCode01&state=${state}`);
      expect(landed.status).toBe(302);
    });

    it.each([
      ["longer than 128 characters", "A".repeat(129)],
      ["outside the documented charset", "abc$def"],
      ["with a space", "abc def"],
      ["empty", ""],
    ])("refuses a code %s with 0 WeChat calls", async (_, code) => {
      const { browser, state } = await started();
      const answer = await browser.request(
        `${site.url}/auth/callback?code=${encodeURIComponent(code)}&state=${state}`,
      );
      expect(answer.status).toBe(400);
      expect(wechat.total()).toBe(0);
    });

    it("accepts a 128-character code of letters, digits, - and _", async () => {
      const { browser, state } = await started();
      const code = `${"a1B2-_".repeat(21)}xy`;
      expect(code).toHaveLength(128);
      expect((await browser.request(`${site.url}/auth/callback?code=${code}&state=${state}`)).status).toBe(
        302,
      );
      expect(wechat.count(TOKEN)).toBe(1);
    });

    it("a duplicated returnTo falls back to /", async () => {
      const browser = new SecurityBrowser();
      const start = await browser.request(`${site.url}/auth/login?returnTo=%2Fa&returnTo=%2Fb`);
      const state = stateOf(start.headers.get("location"));
      const landed = await browser.request(`${site.url}/auth/callback?code=ScriptedCode02&state=${state}`);
      expect(landed.headers.get("location")).toBe("/");
    });

    it.each([
      ["userinfo names another openid", () => userinfo({ openid: "o_someone_else_0002" })],
      ["userinfo names another unionid", () => userinfo({ unionid: "u_someone_else_0002" })],
    ])("stops the login when %s: a 502 page, no session, an upstream_integrity event", async (_, answer) => {
      wechat.answers.set(USERINFO, answer);
      const { browser, state } = await started();
      const sessionsBefore = calls.get("putSession") ?? 0;
      const linksBefore = calls.get("linkIdentity") ?? 0;
      const page = await browser.request(`${site.url}/auth/callback?code=ScriptedCode03&state=${state}`);
      expect(page.status).toBe(502);
      expect(await page.text()).toContain('data-outcome="wechat_integrity"');
      expect(browser.has("wl_session")).toBe(false);
      expect(calls.get("putSession") ?? 0).toBe(sessionsBefore);
      expect(calls.get("linkIdentity") ?? 0).toBe(linksBefore);
      expect(site.log.some((line) => line.includes('"event":"upstream_integrity"'))).toBe(true);
    });

    it("requireUnionid refuses a login without a unionid, and creates no user", async () => {
      wechat.answers.set(TOKEN, () => token({ unionid: undefined, openid: "o_no_union_0003" }));
      wechat.answers.set(USERINFO, () => userinfo({ unionid: undefined, openid: "o_no_union_0003" }));
      const { browser, state } = await started(strict);
      const page = await browser.request(`${strict.url}/auth/callback?code=ScriptedCode04&state=${state}`);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('data-outcome="unionid_required"');
      expect(browser.has("wl_session")).toBe(false);
      // Without the option the same answer logs in, by (appid, openid).
      const relaxed = await started();
      expect(
        (
          await relaxed.browser.request(
            `${site.url}/auth/callback?code=ScriptedCode05&state=${relaxed.state}`,
          )
        ).status,
      ).toBe(302);
      const identities = await backing().listIdentities(
        (
          await backing().linkIdentity({
            appid: WEBSITE.appid,
            openid: "o_no_union_0003",
            unionid: undefined,
            profile: undefined,
            now: Date.now(),
          })
        ).user.id,
      );
      expect(identities).toHaveLength(1);
    });

    it.each([40029, 40163, 42003, 41008])(
      "errcode %i (a spent, expired or missing code) answers a 400 log-in-again page, exchanged once",
      async (errcode) => {
        wechat.answers.set(TOKEN, () => ({ errcode, errmsg: `scripted, rid: 0a1b2c3d-${errcode}` }));
        const { browser, state } = await started();
        const page = await browser.request(`${site.url}/auth/callback?code=ScriptedCode06&state=${state}`);
        expect(page.status).toBe(400);
        const body = await page.text();
        expect(body).toContain('data-outcome="code_invalid"');
        expect(body).toContain("Log in again");
        expect(wechat.count(TOKEN)).toBe(1);
      },
    );

    it.each([40013, 40125, 40001])(
      "errcode %i (configuration) answers 502, exchanged once",
      async (errcode) => {
        wechat.answers.set(TOKEN, () => ({ errcode, errmsg: "scripted" }));
        const { browser, state } = await started();
        const page = await browser.request(`${site.url}/auth/callback?code=ScriptedCode07&state=${state}`);
        expect(page.status).toBe(502);
        expect(await page.text()).toContain('data-outcome="wechat_misconfigured"');
        expect(wechat.count(TOKEN)).toBe(1);
      },
    );

    it("re-validates returnTo at the callback: a stored value that fails validation lands on /", async () => {
      const secret = "c".repeat(64);
      const { createHash } = await import("node:crypto");
      for (const returnTo of ["//evil.example/steal", "https://evil.example/", "/\\evil.example"]) {
        const state = createHash("sha256").update(returnTo).digest("hex");
        const now = Date.now();
        await backing().putState({
          state,
          browserBinding: createHash("sha256").update(secret).digest("hex"),
          returnTo,
          appid: WEBSITE.appid,
          restarted: false,
          createdAt: now,
          expiresAt: now + 60_000,
        });
        const browser = new SecurityBrowser();
        browser.cookies.set("wl_login", { value: secret, path: "/" });
        const landed = await browser.request(`${site.url}/auth/callback?code=ScriptedCode08&state=${state}`);
        expect(landed.status).toBe(302);
        expect(landed.headers.get("location")).toBe("/");
      }
    });

    it.each([
      [(url: string) => `${url}/ok?x=1#y`, "/ok?x=1#y"],
      [() => "https://evil.example/ok", "/"],
      [() => "/a%0d%0aSet-Cookie:%20x=1", "/"],
      [() => "/%00admin", "/"],
      [() => "/orders/%E4%B8%AD?q=%0A", "/orders/%E4%B8%AD?q=%0A"],
    ])(
      "returnTo %#: a same-origin absolute URL is kept as its path, control characters fall back",
      async (make, expected) => {
        const { browser, state } = await started(site, make(site.url));
        const landed = await browser.request(`${site.url}/auth/callback?code=ScriptedCode09&state=${state}`);
        expect(landed.headers.get("location")).toBe(expected);
      },
    );

    it("refuses a cross-site logout (Sec-Fetch-Site) without a same-origin Origin, and keeps the session", async () => {
      const { browser, state } = await started();
      await browser.request(`${site.url}/auth/callback?code=ScriptedCode10&state=${state}`);
      const forged = await browser.request(`${site.url}/auth/logout`, {
        method: "POST",
        headers: { "sec-fetch-site": "cross-site" },
      });
      expect(forged.status).toBe(403);
      expect((await browser.request(`${site.url}/auth/session`)).status).toBe(200);
      const own = await browser.request(`${site.url}/auth/logout`, {
        method: "POST",
        headers: { "sec-fetch-site": "same-origin", origin: site.url },
      });
      expect(own.status).toBe(303);
      expect((await browser.request(`${site.url}/auth/session`)).status).toBe(401);
    });

    it("the official account's state is refused at the website's callback with 0 WeChat calls", async () => {
      const phone = new SecurityBrowser("Mozilla/5.0 MicroMessenger/8.0.50");
      const start = await phone.request(`${site.url}/auth/login`);
      expect(new URL(start.headers.get("location")!).searchParams.get("appid")).toBe(OFFICIAL_ACCOUNT.appid);
      const state = stateOf(start.headers.get("location"));
      expect(
        (await phone.request(`${site.url}/auth/callback?code=ScriptedCode11&state=${state}`)).status,
      ).toBe(400);
      expect(wechat.total()).toBe(0);
    });
  });
}

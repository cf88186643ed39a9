import { parseSetCookie } from "cookie";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmOnPhone } from "../support/confirm.js";
import {
  appsOf,
  countingStore,
  onSite,
  SecurityBrowser,
  type SecuritySite,
  STORE_KINDS,
  startSite,
  stateOf,
  useEmulator,
  useStore,
  WECHAT_BROWSER,
} from "./support.js";

const emulator = useEmulator({ beforeAll, afterAll });
const emulatorApps = () => appsOf(emulator());

const tokenCalls = () => emulator().state.log.snapshot().counts["/sns/oauth2/access_token"] ?? 0;

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`state binding on ${kind.name}`, () => {
    const backing = useStore(kind, { beforeAll, afterAll });
    let site: SecuritySite;
    let calls: Map<string, number>;
    beforeAll(async () => {
      const counted = countingStore(backing());
      calls = counted.calls;
      site = await startSite({ store: counted.store, upstream: emulator().url, apps: emulatorApps() });
    });
    afterAll(async () => {
      await site.close();
    });

    /** The attacker's own login, confirmed on their own phone: the link they would share in a chat. */
    async function attackersLink(userAgent: string): Promise<string> {
      const attacker = new SecurityBrowser(userAgent);
      const start = await attacker.request(`${site.url}/auth/login`);
      return onSite(
        site,
        await confirmOnPhone(emulator().url, start.headers.get("location")!, {
          userId: emulator().users[1]!.id,
        }),
      );
    }

    it("an attacker's callback link opened in WeChat's cookie-less browser logs nobody in and exchanges nothing", async () => {
      const link = await attackersLink(WECHAT_BROWSER);
      const victim = new SecurityBrowser(WECHAT_BROWSER);
      const tokensBefore = tokenCalls();
      const sessionsBefore = calls.get("putSession") ?? 0;
      const answer = await victim.request(link);
      // One restart for this browser, through WeChat's own authorize page, with a state bound to it.
      expect(answer.status).toBe(302);
      const restart = new URL(answer.headers.get("location")!);
      expect(restart.pathname).toBe("/connect/oauth2/authorize");
      expect(restart.searchParams.get("state")).not.toBe(new URL(link).searchParams.get("state"));
      expect(victim.has("wl_login")).toBe(true);
      expect(victim.has("wl_session")).toBe(false);
      expect(tokenCalls()).toBe(tokensBefore);
      expect(calls.get("putSession") ?? 0).toBe(sessionsBefore);
      expect((await victim.request(`${site.url}/auth/session`)).status).toBe(401);
    });

    it("the same link in a desktop browser without the cookie is not exchanged either", async () => {
      const link = await attackersLink(WECHAT_BROWSER);
      const tokensBefore = tokenCalls();
      const answer = await new SecurityBrowser().request(link);
      expect(answer.status).toBe(302);
      expect(tokenCalls()).toBe(tokensBefore);
    });

    it("a browser that keeps no cookie at all gets one restart, then a page saying how to continue", async () => {
      const phone = new SecurityBrowser(WECHAT_BROWSER);
      const start = await phone.request(`${site.url}/auth/login?returnTo=%2Forders`);
      phone.cookies.clear();
      const restart = await phone.request(
        onSite(site, await confirmOnPhone(emulator().url, start.headers.get("location")!)),
      );
      expect(restart.status).toBe(302);
      phone.cookies.clear();
      const tokensBefore = tokenCalls();
      const page = await phone.request(
        onSite(site, await confirmOnPhone(emulator().url, restart.headers.get("location")!)),
      );
      expect(page.status).toBe(400);
      const body = await page.text();
      expect(body).toContain('data-outcome="cookies_required"');
      expect(body).toContain("Open in Browser");
      expect(body).toContain("在浏览器打开");
      expect(tokenCalls()).toBe(tokensBefore);
    });

    it("a browser that lost the cookie once lands logged in where it wanted to go", async () => {
      const phone = new SecurityBrowser(WECHAT_BROWSER);
      const start = await phone.request(`${site.url}/auth/login?returnTo=%2Forders%3Fpage%3D2`);
      phone.cookies.clear();
      const restart = await phone.request(
        onSite(site, await confirmOnPhone(emulator().url, start.headers.get("location")!)),
      );
      const landed = await phone.request(
        onSite(site, await confirmOnPhone(emulator().url, restart.headers.get("location")!)),
      );
      expect(landed.status).toBe(302);
      expect(landed.headers.get("location")).toBe("/orders?page=2");
      expect((await phone.request(`${site.url}/auth/session`)).status).toBe(200);
    });

    it("a state is accepted only at the callback of the app it was issued for", async () => {
      const phone = new SecurityBrowser(WECHAT_BROWSER);
      const inWeChat = await phone.request(`${site.url}/auth/login`);
      const authorize = new URL(inWeChat.headers.get("location")!);
      expect(authorize.searchParams.get("redirect_uri")).toBe(`${site.url}/auth/callback/mp`);
      const back = new URL(await confirmOnPhone(emulator().url, authorize.toString()));
      const tokensBefore = tokenCalls();
      const mixedUp = await phone.request(`${site.url}/auth/callback${back.search}`);
      expect(mixedUp.status).toBe(400);
      expect(tokenCalls()).toBe(tokensBefore);

      const desktop = new SecurityBrowser();
      const qr = await desktop.request(`${site.url}/auth/login`);
      const website = new URL(await confirmOnPhone(emulator().url, qr.headers.get("location")!));
      expect(website.pathname).toBe("/auth/callback");
      const wrongWay = await desktop.request(`${site.url}/auth/callback/mp${website.search}`);
      expect(wrongWay.status).toBe(400);
      expect(tokenCalls()).toBe(tokensBefore);
    });

    it("a QR login and an in-WeChat login of one person are one user, each through its own callback", async () => {
      const desktop = new SecurityBrowser();
      const qr = await desktop.request(`${site.url}/auth/login`);
      await desktop.request(onSite(site, await confirmOnPhone(emulator().url, qr.headers.get("location")!)));
      const phone = new SecurityBrowser(WECHAT_BROWSER);
      const oa = await phone.request(`${site.url}/auth/login`);
      const back = await confirmOnPhone(emulator().url, oa.headers.get("location")!);
      expect(new URL(back).pathname).toBe("/auth/callback/mp");
      await phone.request(onSite(site, back));
      const a = (await (await desktop.request(`${site.url}/auth/session`)).json()) as {
        user: { id: string };
      };
      const b = (await (await phone.request(`${site.url}/auth/session`)).json()) as { user: { id: string } };
      expect(a.user.id).toBe(b.user.id);
    });

    it("clears the pre-login cookie on success, refusal and failure, and generates it fresh every time", async () => {
      const cleared = (response: Response) =>
        response.headers
          .getSetCookie()
          .map((header) => parseSetCookie(header))
          .some((cookie) => cookie.name === "wl_login" && cookie.maxAge === 0);

      const success = new SecurityBrowser();
      const planted = "a".repeat(64);
      success.cookies.set("wl_login", { value: planted, path: "/" });
      const start = await success.request(`${site.url}/auth/login`);
      expect(parseSetCookie(start.headers.getSetCookie()[0]!).value).not.toBe(planted);
      expect(
        cleared(
          await success.request(
            onSite(site, await confirmOnPhone(emulator().url, start.headers.get("location")!)),
          ),
        ),
      ).toBe(true);

      const refusal = new SecurityBrowser();
      const declined = await refusal.request(`${site.url}/auth/login`);
      const cancelled = await refusal.request(
        onSite(
          site,
          await confirmOnPhone(emulator().url, declined.headers.get("location")!, { decision: "deny" }),
        ),
      );
      expect(cancelled.status).toBe(200);
      expect(cleared(cancelled)).toBe(true);

      const failure = new SecurityBrowser();
      const failing = await failure.request(`${site.url}/auth/login`);
      const back = onSite(site, await confirmOnPhone(emulator().url, failing.headers.get("location")!));
      await emulator().state.faults.add({
        endpoint: "/sns/oauth2/access_token",
        kind: "errcode",
        times: 1,
        errcode: 40163,
      });
      const spent = await failure.request(back);
      expect(spent.status).toBe(400);
      expect(cleared(spent)).toBe(true);

      const mismatch = new SecurityBrowser();
      const other = await mismatch.request(`${site.url}/auth/login`);
      const stolen = onSite(site, await confirmOnPhone(emulator().url, other.headers.get("location")!));
      mismatch.cookies.set("wl_login", { value: "b".repeat(64), path: "/" });
      const refused = await mismatch.request(stolen);
      expect(refused.status).toBe(400);
      expect(cleared(refused)).toBe(true);
      expect(stateOf(other.headers.get("location"))).toHaveLength(64);
    });
  });
}

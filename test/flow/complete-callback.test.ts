import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, useStore } from "../security/support.js";
import { Browser, type Harness, SITE, startHarness, startLogin } from "./harness.js";

/** The request a browser sends for `url`, with its cookies, as `Browser.request` would. */
function requestOf(browser: Browser, url: string): Request {
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  return new Request(url, { headers: cookie ? { cookie } : {} });
}

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(
    `login.completeCallback on ${kind.name}: what a callback came to, for auth frameworks`,
    () => {
      const backing = useStore(kind, { beforeAll, afterAll });
      let harness: Harness;
      beforeAll(async () => {
        harness = await startHarness({ store: backing() });
      });
      afterAll(async () => {
        await harness.close();
      });

      it("logged_in: the session getSession then serves, the returnTo, and the answer that opens it", async () => {
        const browser = new Browser(harness.login);
        const callback = await startLogin(harness, browser, { returnTo: "/orders?page=2" });
        const result = await harness.login.completeCallback(requestOf(browser, callback));
        expect(result.outcome).toBe("logged_in");
        if (result.outcome !== "logged_in") return;
        expect(result.returnTo).toBe("/orders?page=2");
        expect(result.response.status).toBe(302);
        expect(result.response.headers.get("cache-control")).toBe("no-store");
        const sessionCookie = result.response.headers
          .getSetCookie()
          .find((c) => c.startsWith("wl_session="))!;
        const held = new Request(`${SITE}/`, { headers: { cookie: sessionCookie.split(";")[0]! } });
        const session = await harness.login.getSession(held);
        expect(session?.user).toEqual(result.session.user);
        expect(session?.identity).toEqual(result.session.identity);
        expect(result.session.identity.appid).toBe(harness.website.appid);
        expect(Math.abs(result.session.expiresAt - session!.expiresAt)).toBeLessThan(5_000);

        // The same browser again, now holding the session: sent on, not logged in twice.
        browser.cookies.set("wl_session", sessionCookie.split(";")[0]!.slice("wl_session=".length));
        const twice = await harness.login.completeCallback(requestOf(browser, callback));
        expect(twice.outcome).toBe("answered");
        expect(twice.response.headers.get("location")).toBe("/orders?page=2");
      });

      it("refused: the flow's stable code and status, its page as the response", async () => {
        const browser = new Browser(harness.login);
        const callback = await startLogin(harness, browser);
        const other = await harness.login.completeCallback(requestOf(new Browser(harness.login), callback));
        // No pre-login cookie: the flow restarts the login once (a fresh state for this browser).
        expect(other.outcome).toBe("answered");
        expect(other.response.status).toBe(302);
        const used = await harness.login.completeCallback(requestOf(browser, callback));
        expect(used).toMatchObject({ outcome: "refused", error: "state_used", status: 400 });
        const malformed = await harness.login.completeCallback(
          new Request(`${SITE}/auth/callback?state=x&code=y`),
        );
        expect(malformed).toMatchObject({ outcome: "refused", error: "invalid_request", status: 400 });
        const declined = await startLogin(harness, browser, { decision: "deny" });
        expect(await harness.login.completeCallback(requestOf(browser, declined))).toMatchObject({
          outcome: "refused",
          error: "login_cancelled",
        });
      });
    },
  );
}

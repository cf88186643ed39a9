import { describe, expect, it } from "vitest";
import { ClusterBrowser, SESSION_COOKIE } from "./browser.js";
import { beginLogin, type Cluster, on, sessionOf } from "./cluster.js";

/** One login across two real server processes sharing one store. */
export function loginTests(current: () => Cluster): void {
  describe("a login across instances", () => {
    it("starts a login on A, completes it on B, shares the session, and logs out everywhere", async () => {
      const { a, b, backend } = current();
      const browser = new ClusterBrowser();
      const sessionsBefore = await backend.sessions();
      const { callbackUrl } = await beginLogin(current(), browser, a);
      expect(new URL(callbackUrl).origin).toBe(b.origin);

      const callback = await browser.request(callbackUrl);
      expect(callback.status).toBe(302);
      expect(callback.headers.get("location")).toBe("/");
      expect(browser.has(SESSION_COOKIE)).toBe(true);
      expect(await backend.sessions()).toBe(sessionsBefore + 1);

      const onB = await sessionOf(browser, b.origin);
      expect(onB.status).toBe(200);
      expect(await sessionOf(browser, a.origin)).toEqual(onB);

      // A copy of the cookie taken before logout proves the session is gone from the store, not just the browser.
      const copied = browser.clone();
      const logout = await browser.request(`${a.origin}/auth/logout`, {
        method: "POST",
        headers: { origin: a.origin, accept: "application/json" },
      });
      expect(logout.status).toBe(204);
      expect(browser.has(SESSION_COOKIE)).toBe(false);
      expect((await sessionOf(copied, b.origin)).status).toBe(401);
      expect((await sessionOf(copied, a.origin)).status).toBe(401);
      expect(await backend.sessions()).toBe(sessionsBefore);
    });

    it("uses a callback state once across the cluster: a replay on the other instance fails", async () => {
      const { a, b } = current();
      const browser = new ClusterBrowser();
      const { callbackUrl } = await beginLogin(current(), browser, a);
      // Someone holding the same pre-login cookie and the callback URL (a copied link, a second tab).
      const replayer = browser.clone();

      expect((await browser.request(on(b, callbackUrl))).status).toBe(302);
      const replay = await replayer.request(on(a, callbackUrl));
      expect(replay.status).toBe(400);
      expect(await replay.text()).toMatch(/already used|已使用/i);
      expect(replayer.has(SESSION_COOKIE)).toBe(false);
      expect((await sessionOf(replayer, a.origin)).status).toBe(401);
    });

    it("lets exactly one of two simultaneous callbacks, one per instance, log in", async () => {
      const { a, b, backend } = current();
      const browser = new ClusterBrowser();
      const { callbackUrl } = await beginLogin(current(), browser, b);
      const racers = [browser, browser.clone()];
      const sessionsBefore = await backend.sessions();

      const answers = await Promise.all([
        racers[0]!.request(on(a, callbackUrl)),
        racers[1]!.request(on(b, callbackUrl)),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([302, 400]);
      expect(racers.filter((racer) => racer.has(SESSION_COOKIE))).toHaveLength(1);
      expect(await backend.sessions()).toBe(sessionsBefore + 1);
      await Promise.all(answers.map((answer) => answer.body?.cancel()));
    });
  });
}

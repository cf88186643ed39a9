import { describe, expect, it } from "vitest";
import { until } from "../support/until.js";
import { ClusterBrowser, SESSION_COOKIE } from "./browser.js";
import { beginLogin, type Cluster, logIn, on, sessionOf } from "./cluster.js";
import { expectAlive, proxyOf, SLACK_MS, STORE_DEADLINE_MS, timed, UNAVAILABLE } from "./expectations.js";

/** The store becomes unreachable under running instances, then comes back on the same address. */
export function outageTests(current: () => Cluster): void {
  describe("the store going away and coming back", () => {
    it("answers 503 on every route within the store deadline, keeps no half-done login, and recovers without a restart", async () => {
      const cluster = current();
      const { a, b, backend } = cluster;
      const proxy = proxyOf(cluster);
      const user = new ClusterBrowser();
      expect(await logIn(cluster, user, a, b)).toBe(302);
      const pending = new ClusterBrowser("zh-CN,zh;q=0.9");
      const { callbackUrl, state } = await beginLogin(cluster, pending, a);
      const sessionsBefore = await backend.sessions();

      await proxy.cut();
      const [login, callback, ...sessions] = await Promise.all([
        timed(new ClusterBrowser().request(`${a.origin}/auth/login`)),
        timed(pending.request(on(b, callbackUrl))),
        timed(user.request(`${b.origin}/auth/session`)),
        timed(user.request(`${a.origin}/auth/session`)),
      ]);
      for (const answer of [login!, callback!, ...sessions]) {
        expect(answer.status).toBe(503);
        expect(answer.ms).toBeLessThan(STORE_DEADLINE_MS + SLACK_MS);
      }
      expect(login!.body).toContain(UNAVAILABLE.en);
      expect(callback!.body).toContain(UNAVAILABLE["zh-CN"]);
      expect(pending.has(SESSION_COOKIE)).toBe(false);
      expect(await backend.sessions()).toBe(sessionsBefore);
      expect(await backend.stateUsed(state)).toBe(false);

      await proxy.restore();
      await until(
        async () =>
          (await sessionOf(user, a.origin)).status === 200 &&
          (await sessionOf(user, b.origin)).status === 200,
        10_000,
        "the session after the store came back",
      );
      // Refused before it consumed anything, the interrupted callback can simply be followed again.
      const retried = await pending.request(on(b, callbackUrl));
      expect(retried.status).toBe(302);
      expect(pending.has(SESSION_COOKIE)).toBe(true);
      expect(await logIn(cluster, new ClusterBrowser(), b, a)).toBe(302);
      expectAlive(cluster);
    });

    it("answers 503 within the deadline when the store hangs, and serves again once it answers", async () => {
      const cluster = current();
      const { a, b } = cluster;
      const proxy = proxyOf(cluster);
      const user = new ClusterBrowser();
      expect(await logIn(cluster, user, a, b)).toBe(302);

      // Connections stay open but silent: only a deadline (the flow's, or the driver's) ends the wait.
      proxy.stall();
      const answers = await Promise.all([
        timed(new ClusterBrowser().request(`${a.origin}/auth/login`)),
        timed(user.request(`${b.origin}/auth/session`)),
      ]).finally(() => proxy.resume());
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.ms).toBeLessThan(STORE_DEADLINE_MS + SLACK_MS);
      }
      await until(
        async () => (await sessionOf(user, a.origin)).status === 200,
        10_000,
        "the session after the store answered again",
      );
      expect(await logIn(cluster, new ClusterBrowser(), a, b)).toBe(302);
      expectAlive(cluster);
    });

    it("loses the store in the middle of a callback: 503, no session, no cookie, and the state stays used", async () => {
      const cluster = current();
      const { a, b, backend, emulator } = cluster;
      const proxy = proxyOf(cluster);
      // Holds the code exchange, so the store can go away between consuming the state and writing the session.
      const fault = await fetch(`${emulator.url}/_emulator/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "/sns/oauth2/access_token", kind: "delay", delayMs: 2_500 }),
      });
      expect(fault.status).toBe(201);
      const browser = new ClusterBrowser();
      const { callbackUrl, state } = await beginLogin(cluster, browser, a);
      const before = { sessions: await backend.sessions(), users: await backend.users() };

      const answer = timed(browser.request(on(b, callbackUrl)));
      await until(() => backend.stateUsed(state), 5_000, "the callback consuming its state");
      await proxy.cut();
      const callback = await answer;
      expect(callback.status).toBe(503);
      expect(callback.body).toContain(UNAVAILABLE.en);
      expect(browser.has(SESSION_COOKIE)).toBe(false);
      expect({ sessions: await backend.sessions(), users: await backend.users() }).toEqual(before);

      await proxy.restore();
      await until(
        async () => (await new ClusterBrowser().request(`${a.origin}/auth/login`)).status === 302,
        10_000,
        "a login starting after the store came back",
      );
      // The state was spent and WeChat's code exchanged: the same callback must not log in now.
      const replay = await browser.request(on(a, callbackUrl));
      expect(replay.status).toBe(400);
      expect(browser.has(SESSION_COOKIE)).toBe(false);
      expect(await logIn(cluster, browser, a, b)).toBe(302);
      expect(browser.has(SESSION_COOKIE)).toBe(true);
      expectAlive(cluster);
    });
  });
}

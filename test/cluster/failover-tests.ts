import { describe, expect, it } from "vitest";
import { until } from "../support/until.js";
import { ClusterBrowser, SESSION_COOKIE } from "./browser.js";
import { beginLogin, type Cluster, logIn, on, sessionOf } from "./cluster.js";
import { expectAlive, SLACK_MS, STORE_DEADLINE_MS, timed, UNAVAILABLE } from "./expectations.js";

/**
 * How long the emulator holds the code exchange, so the master fails between
 * the callback consuming its state and writing the session: time enough to
 * fail it first, and early enough that the store's next command and the
 * client's retries of it (up to 1.6 s on a cluster) are over before a
 * replica is promoted (FAILOVER_AFTER_MS, 4 s, in test/support/redis-servers.ts).
 */
const EXCHANGE_DELAY_MS = 1_500;

/** How long a replica may take to be promoted and the clients to find it, on two loaded CI cores. */
const RECOVERY_MS = 30_000;

const HOW = {
  hang: "hangs (SIGSTOP: connections open, no answer)",
  kill: "dies (SIGKILL: connections refused)",
} as const;

/**
 * The master holding the store's keys fails mid-login, in each way of `ways`
 * in turn; a replica takes over; the same processes carry on.
 */
export function failoverTests(current: () => Cluster, ways: (keyof typeof HOW)[]): void {
  describe.each(ways)("the master failing over in the middle of a login: it %s", (how) => {
    it(`${HOW[how]}: 503 within the store deadline, no session, then service on the new master without a restart`, async () => {
      const cluster = current();
      const { a, b, backend, emulator } = cluster;
      const failover = backend.failover;
      if (!failover) throw new Error(`${backend.name} has no replica to fail over to`);
      // After an earlier failover the old master must have rejoined as a replica before it can take over again.
      await until(failover.ready, RECOVERY_MS, `${backend.name} having a replica in sync`);
      const user = new ClusterBrowser();
      expect(await logIn(cluster, user, a, b)).toBe(302);

      const fault = await fetch(`${emulator.url}/_emulator/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          endpoint: "/sns/oauth2/access_token",
          kind: "delay",
          delayMs: EXCHANGE_DELAY_MS,
        }),
      });
      expect(fault.status).toBe(201);
      const browser = new ClusterBrowser("zh-CN,zh;q=0.9");
      const { callbackUrl, state } = await beginLogin(cluster, browser, a);
      const before = { sessions: await backend.sessions(), users: await backend.users() };

      const answer = timed(browser.request(on(b, callbackUrl)));
      await until(() => backend.stateUsed(state), 5_000, "the callback consuming its state");
      try {
        await failover.failMaster(how);
        const [callback, ...others] = await Promise.all([
          answer,
          timed(user.request(`${a.origin}/auth/session`)),
          timed(new ClusterBrowser().request(`${b.origin}/auth/login`)),
        ]);
        for (const response of [callback!, ...others]) {
          expect(response.status).toBe(503);
          expect(response.ms).toBeLessThan(STORE_DEADLINE_MS + SLACK_MS);
        }
        expect(callback!.body).toContain(UNAVAILABLE["zh-CN"]);
        expect(browser.has(SESSION_COOKIE)).toBe(false);

        const took = await until(
          failover.replaced,
          RECOVERY_MS,
          `a replica replacing the ${backend.name} master`,
        );
        // Read straight from the new master: the interrupted login left nothing behind.
        expect({ sessions: await backend.sessions(), users: await backend.users() }).toEqual(before);

        await until(
          async () =>
            (await sessionOf(user, a.origin)).status === 200 &&
            (await sessionOf(user, b.origin)).status === 200,
          RECOVERY_MS - took,
          "the session on both instances after the failover",
        );
        expect(await logIn(cluster, new ClusterBrowser(), b, a)).toBe(302);
        expect(await logIn(cluster, browser, a, b)).toBe(302);
        expect(browser.has(SESSION_COOKIE)).toBe(true);
        expectAlive(cluster);
      } finally {
        await failover.resumeOldMaster();
      }
    }, 60_000);
  });
}

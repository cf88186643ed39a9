import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceCheck } from "../support/services.js";
import type { ClusterBackend } from "./backends.js";
import { ClusterBrowser } from "./browser.js";
import { beginLogin, type Cluster, on, startCluster } from "./cluster.js";

const SESSION_COOKIE = "wl_session";

interface SessionBody {
  user: { id: string; nickname: string };
}

async function sessionOf(
  browser: ClusterBrowser,
  origin: string,
): Promise<{ status: number; userId?: string }> {
  const response = await browser.request(`${origin}/auth/session`);
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const body = (await response.json()) as SessionBody;
  return { status: 200, userId: body.user.id };
}

/** One login across two real server processes sharing `backend`. */
export function describeCluster(service: ServiceCheck, open: () => ClusterBackend): void {
  describe.skipIf(!service.available)("two wechat-login processes sharing one store", () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster(open());
    }, 30_000);
    afterAll(async () => {
      await cluster?.close();
    }, 15_000);

    it("starts a login on A, completes it on B, shares the session, and logs out everywhere", async () => {
      const { a, b, backend } = cluster;
      const browser = new ClusterBrowser();
      const sessionsBefore = await backend.sessions();
      const { callbackUrl } = await beginLogin(cluster, browser, a);
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
      const { a, b } = cluster;
      const browser = new ClusterBrowser();
      const { callbackUrl } = await beginLogin(cluster, browser, a);
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
      const { a, b, backend } = cluster;
      const browser = new ClusterBrowser();
      const { callbackUrl } = await beginLogin(cluster, browser, b);
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

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, useStore } from "../security/support.js";
import { Browser, type Harness, SITE, startHarness, startLogin } from "./harness.js";

/** Logs a browser in through the flow and returns the request that carries its session cookie. */
async function loggedIn(harness: Harness): Promise<Request> {
  const browser = new Browser(harness.login);
  const callback = await startLogin(harness, browser);
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  const result = await harness.login.completeCallback(new Request(callback, { headers: { cookie } }));
  if (result.outcome !== "logged_in") throw new Error(`login did not complete: ${result.outcome}`);
  const session = result.response.headers.getSetCookie().find((c) => c.startsWith("wl_session="))!;
  return new Request(`${SITE}/signin`, { headers: { cookie: session.split(";")[0]! } });
}

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(
    `login.takeSession on ${kind.name}: the session as a one-time ticket`,
    () => {
      const backing = useStore(kind, { beforeAll, afterAll });
      let harness: Harness;
      beforeAll(async () => {
        harness = await startHarness({ store: backing() });
      });
      afterAll(async () => {
        await harness.close();
      });

      it("returns the session once and ends it: a replay, getSession and /session find nothing", async () => {
        const request = await loggedIn(harness);
        const before = await harness.login.getSession(request.clone());
        const taken = await harness.login.takeSession(request.clone());
        expect(taken?.user).toEqual(before?.user);
        expect(taken?.identity).toEqual(before?.identity);
        expect(await harness.login.takeSession(request.clone())).toBeUndefined();
        expect(await harness.login.getSession(request.clone())).toBeUndefined();
        const route = await harness.login.handle(
          new Request(`${SITE}/auth/session`, { headers: request.headers }),
        );
        expect(route.status).toBe(401);
      });

      it("of concurrent takers of one session exactly one gets it", async () => {
        const request = await loggedIn(harness);
        const results = await Promise.all(
          Array.from({ length: 8 }, () => harness.login.takeSession(request.clone())),
        );
        expect(results.filter((result) => result !== undefined)).toHaveLength(1);
      });

      it("takes nothing from a request without a session, or with a garbage cookie", async () => {
        expect(await harness.login.takeSession(new Request(`${SITE}/`))).toBeUndefined();
        const garbage = new Request(`${SITE}/`, { headers: { cookie: "wl_session=nope" } });
        expect(await harness.login.takeSession(garbage)).toBeUndefined();
        // Another browser's session is untouched by a take that failed.
        const other = await loggedIn(harness);
        expect(await harness.login.getSession(other)).toBeDefined();
      });
    },
  );
}

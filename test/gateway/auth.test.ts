import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OPEN_ACCOUNT } from "../../src/emulator/defaults.js";
import { unionidFor } from "../../src/emulator/ids.js";
import { parsePublicRoute, parseRoster, type RunningGateway, startGateway } from "../../src/gateway/index.js";
import type { Store } from "../../src/stores/types.js";
import { STORE_KINDS } from "../security/support.js";
import { confirmOnPhone } from "../support/confirm.js";
import { freePort } from "../support/ports.js";

import { CADDY, ForwardAuthProxy, TRAEFIK } from "./forward-auth-harness.js";
import {
  EchoUpstream,
  GatewayBrowser,
  type GatewayHarness,
  loginThrough,
  raw,
  startGatewayHarness,
} from "./harness.js";

/**
 * Open-redirect attempts (oauth2-proxy's advisories and more), as a
 * `returnTo` and as the original URI of an auth subrequest: each must land on
 * the site itself.
 */
const REDIRECT_PAYLOADS = [
  "//evil.example",
  "//evil.example/path",
  "///evil.example",
  "////evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "\\/evil.example",
  "https:evil.example",
  "https:/evil.example",
  "https://evil.example/",
  "http://evil.example",
  "HTTPS://EVIL.EXAMPLE",
  "ftp://evil.example",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/%2f%2fevil.example",
  "/%2F/evil.example",
  "%2f%2fevil.example",
  "/%5cevil.example",
  "/%5C%5Cevil.example",
  "/\t/evil.example",
  "/%09/evil.example",
  "/\n/evil.example",
  "/%0a/evil.example",
  "/%0d%0aSet-Cookie:%20x=1",
  "/\r\nLocation: https://evil.example",
  " //evil.example",
  "/.//evil.example",
  "/..//evil.example",
  "/a/..//evil.example",
  "/%2e%2e//evil.example",
  "//evil.example@127.0.0.1",
  "evil.example",
  "@evil.example",
  "/_wl/login?returnTo=//evil.example",
  "/\u3000/evil.example",
  "/%E3%80%80/evil.example",
  `/${"a".repeat(3000)}`,
];

/** True when `location` (resolved against the site) stays on the site, with nothing a header could split on. */
function staysOn(site: string, location: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character is the failure.
  if (/[\u0000-\u001f\\]/.test(location)) return false;
  const url = new URL(location, site);
  return url.origin === site && !url.pathname.startsWith("//");
}

function breakable(store: Store): { store: Store; down: { on: boolean } } {
  const down = { on: false };
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) =>
        down.on
          ? Promise.reject(new Error("connection refused"))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store: wrapped, down };
}

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`the auth endpoints (nginx, Traefik, Caddy), on ${kind.name}`, () => {
    let upstream: EchoUpstream;
    let harness: GatewayHarness;
    let untrusted: RunningGateway;
    let traefik: ForwardAuthProxy;
    let caddy: ForwardAuthProxy;
    let site: string;
    let down: { on: boolean };
    let opened: Store;
    let cleanup: () => Promise<void>;
    const zhang = unionidFor(DEFAULT_OPEN_ACCOUNT, "zhangsan");
    const lily = unionidFor(DEFAULT_OPEN_ACCOUNT, "lily");

    beforeAll(async () => {
      upstream = await new EchoUpstream().start();
      const open = await kind.open();
      opened = open.store;
      cleanup = open.cleanup;
      const broken = breakable(open.store);
      down = broken.down;
      const front = await freePort();
      site = `http://127.0.0.1:${front}`;
      harness = await startGatewayHarness(broken.store, {
        port: await freePort(),
        publicOrigin: site,
        trustProxy: "127.0.0.1",
        roster: parseRoster(`users:\n  ${zhang}:\n    groups: [ops]\n  ${lily}: {}\n`),
        publicRoutes: [parsePublicRoute("GET:/public")],
      });
      untrusted = await startGateway({
        appid: harness.emulator.apps[0]?.appid ?? "",
        secret: harness.emulator.apps[0]?.secret ?? "",
        publicOrigin: site,
        sessionSecret: "g".repeat(32),
        store: broken.store,
        host: "127.0.0.1",
        port: 0,
        trustProxy: "10.0.0.0/8",
        openBase: harness.emulator.url,
        apiBase: harness.emulator.url,
      });
      traefik = await new ForwardAuthProxy(TRAEFIK, harness.gateway.url, upstream.url).start(front);
      caddy = await new ForwardAuthProxy(CADDY, harness.gateway.url, upstream.url).start(0);
    });

    afterAll(async () => {
      await traefik?.close();
      await caddy?.close();
      await untrusted?.close();
      await harness?.close();
      await upstream?.close();
      await opened?.close();
      await cleanup?.();
    });

    /** A subrequest as nginx sends it, from the trusted loopback. */
    const subrequest = (uri: string, headers: Record<string, string> = {}, query = "") =>
      raw(`${harness.gateway.url}/_wl/auth${query}`, {
        headers: {
          "x-forwarded-method": "GET",
          "x-forwarded-proto": "http",
          "x-forwarded-host": "127.0.0.1",
          "x-forwarded-uri": uri,
          ...headers,
        },
      });

    let logins = 0;
    async function sessionCookie(userId: string): Promise<string> {
      const browser = new GatewayBrowser();
      logins += 1;
      await loginThrough(browser, harness.emulator.url, `${site}/start-${userId}-${logins}`, { userId });
      return [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }

    it("nginx: never a 3xx, at most one Set-Cookie, whatever the decision", async () => {
      const allowed = await sessionCookie("zhangsan");
      const denied = await sessionCookie("lily");
      const cases: [string, Promise<Response>, number][] = [
        ["login, navigation", subrequest("/a", { "sec-fetch-mode": "navigate" }), 401],
        ["login, api", subrequest("/a", { accept: "application/json" }), 401],
        ["login, stale cookie", subrequest("/a", { cookie: "wl_session=gone", accept: "text/html" }), 401],
        ["allow", subrequest("/a", { cookie: allowed }), 200],
        ["allow, group", subrequest("/a", { cookie: allowed }, "?group=ops"), 200],
        ["deny, group", subrequest("/a", { cookie: denied }, "?group=ops"), 403],
        ["public", subrequest("/public/x"), 200],
        ["gateway path", subrequest("/_wl/login"), 200],
        [
          "no forwarded uri",
          raw(`${harness.gateway.url}/_wl/auth`, { headers: { "x-forwarded-method": "GET" } }),
          500,
        ],
        ["other host", subrequest("/a", { "x-forwarded-host": "evil.example" }), 500],
        [
          "untrusted peer",
          raw(`${untrusted.url}/_wl/auth`, {
            headers: { "x-forwarded-method": "GET", "x-forwarded-uri": "/a" },
          }),
          500,
        ],
      ];
      for (const [name, answer, status] of cases) {
        const response = await answer;
        expect([name, response.status]).toEqual([name, status]);
        expect(response.headers.getSetCookie().length).toBeLessThanOrEqual(1);
        // The login routes' security headers, on every answer of the endpoint too.
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("referrer-policy")).toBe("no-referrer");
        if (status === 401) {
          expect(response.headers.get("cache-control")).toBe("no-store");
          expect(response.headers.get("www-authenticate")).toMatch(/^WeChat realm=/);
        }
      }
    });

    it("nginx: Location on a navigation's 401 only; identity headers only on ALLOW with a session", async () => {
      const navigation = await subrequest("/orders?page=2", { "sec-fetch-mode": "navigate" });
      expect(navigation.headers.get("location")).toBe(
        `${site}/_wl/login?returnTo=${encodeURIComponent("/orders?page=2")}`,
      );
      expect((await subrequest("/orders", { "sec-fetch-mode": "cors" })).headers.get("location")).toBeNull();
      const cookie = await sessionCookie("zhangsan");
      const allowed = await subrequest("/orders", { cookie });
      expect(allowed.headers.get("x-auth-request-user")).toBe(zhang);
      expect(allowed.headers.get("x-auth-request-groups")).toBe("ops");
      expect(allowed.headers.get("x-wechat-unionid")).toBe(zhang);
      const publicWithSession = await subrequest("/public", { cookie, "x-auth-request-user": "mallory" });
      expect(publicWithSession.status).toBe(200);
      expect(publicWithSession.headers.get("x-auth-request-user")).toBeNull();
      const denied = await subrequest("/orders", { cookie: await sessionCookie("lily") }, "?group=ops");
      expect(denied.headers.get("x-auth-request-user")).toBe(lily);
      expect(denied.headers.get("location")).toBeNull();
    });

    it("nginx: the method comes in X-Forwarded-Method (the subrequest is a GET), and a POST form navigates", async () => {
      const post = await subrequest("/form", { "x-forwarded-method": "POST", "sec-fetch-mode": "navigate" });
      expect(post.status).toBe(401);
      expect(post.headers.get("location")).toContain(encodeURIComponent("/form"));
      const api = await subrequest("/form", { "x-forwarded-method": "POST", accept: "text/html" });
      expect(api.headers.get("location")).toBeNull();
    });

    it("store down: /ready 503, the nginx endpoint 500, forward-auth 503 — nothing is let through", async () => {
      const cookie = await sessionCookie("zhangsan");
      down.on = true;
      try {
        expect((await raw(`${harness.gateway.url}/_wl/ready`)).status).toBe(503);
        expect((await subrequest("/a", { cookie })).status).toBe(500);
        const seen = upstream.seen.length;
        expect((await raw(`${site}/a`, { headers: { cookie } })).status).toBe(503);
        expect(upstream.seen.length).toBe(seen);
      } finally {
        down.on = false;
      }
      expect((await subrequest("/a", { cookie })).status).toBe(200);
    });

    it("forwarded headers: refused from an untrusted peer, honoured from a trusted one, X-Forwarded-For read right to left", async () => {
      const untrustedForward = await raw(`${untrusted.url}/_wl/forward-auth`, {
        headers: { "x-forwarded-method": "GET", "x-forwarded-uri": "/a", "x-forwarded-host": "127.0.0.1" },
      });
      expect(untrustedForward.status).toBe(500);
      expect((await subrequest("/a", { accept: "application/json" })).status).toBe(401);
      // The loop guard counts per client: behind the trusted loopback proxy that is the rightmost untrusted hop.
      const start = (forwardedFor: string) =>
        raw(`${harness.gateway.url}/_wl/login?returnTo=%2Fxff`, {
          headers: { "x-forwarded-for": forwardedFor },
        });
      for (let i = 0; i < 3; i++) expect((await start(`1.1.1.${i}, 10.9.9.9`)).status).toBe(302);
      // A different leftmost (client-chosen) entry is the same client.
      expect((await start("2.2.2.2, 10.9.9.9")).status).toBe(429);
      expect((await start("10.9.9.10")).status).toBe(302);
    });

    it.each(REDIRECT_PAYLOADS.map((payload, index) => [index, payload]))(
      "redirect payload %i (%j) stays on the site, as returnTo and as X-Forwarded-Uri",
      async (index, payload) => {
        // As the original URI of a subrequest: the login URL it names comes back to the site.
        const uri = payload.startsWith("/") ? payload : `/${payload}`;
        // As nginx's $request_uri holds it: whatever is not printable ASCII arrives percent-encoded.
        const sent = uri.replace(/[^\x21-\x7e]/g, (character) => encodeURIComponent(character));
        const answer = await subrequest(sent, { "sec-fetch-mode": "navigate" });
        if (answer.status === 401) {
          const location = answer.headers.get("location") ?? "";
          const returnTo = new URL(location).searchParams.get("returnTo") ?? "";
          expect(staysOn(site, location)).toBe(true);
          expect(staysOn(site, returnTo)).toBe(true);
        } else {
          expect(answer.status).toBe(200); // a gateway path: served, never protected
        }
        // As returnTo of a whole login: the callback's redirect stays on the site. One client per payload
        // (X-Forwarded-For from the trusted loopback), so the loop guard counts each apart.
        const browser = new GatewayBrowser();
        const client = { "x-forwarded-for": `10.1.${Math.floor(index / 200)}.${index % 200}` };
        const start = await browser.get(`${site}/_wl/login?returnTo=${encodeURIComponent(payload)}`, {
          headers: client,
        });
        expect(start.status).toBe(302);
        const callback = await confirmOnPhone(harness.emulator.url, GatewayBrowser.location(start, site));
        const done = await browser.get(callback, { headers: client });
        expect(done.status).toBe(302);
        expect(staysOn(site, done.headers.get("location") ?? "")).toBe(true);
      },
    );

    it("Traefik: a page is sent to the login (302), a script gets 401 JSON, and after login the app sees who", async () => {
      const page = await raw(`${site}/reports?y=2026`, { headers: { "sec-fetch-mode": "navigate" } });
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe(
        `${site}/_wl/login?returnTo=${encodeURIComponent("/reports?y=2026")}`,
      );
      const api = await raw(`${site}/api/reports`, { headers: { "sec-fetch-mode": "cors" } });
      expect(api.status).toBe(401);
      expect(await api.json()).toEqual({
        error: "login_required",
        login_url: `${site}/_wl/login?returnTo=%2Fapi%2Freports`,
      });
      const browser = new GatewayBrowser();
      const { back } = await loginThrough(browser, harness.emulator.url, `${site}/reports?y=2026`);
      expect(back).toBe(`${site}/reports?y=2026`);
      const app = await browser.get(back, {
        headers: { "x-auth-request-user": "mallory", "x-wechat-unionid": "mallory" },
      });
      expect(app.status).toBe(200);
      const seen = JSON.parse(await app.text()) as { headers: Record<string, string> };
      expect(seen.headers["x-auth-request-user"]).toBe(zhang);
      expect(seen.headers["x-wechat-unionid"]).toBe(zhang);
      // DENY is a 403 page with the user's ID, never a redirect.
      const lilyBrowser = new GatewayBrowser();
      const lilyLogin = await loginThrough(lilyBrowser, harness.emulator.url, `${site}/lily`, {
        userId: "lily",
      });
      expect((await lilyBrowser.get(lilyLogin.back)).status).toBe(200);
    });

    it("Caddy: copy_headers replace the client's copies, and a public route carries none", async () => {
      const cookie = await sessionCookie("zhangsan");
      const spoof = {
        "x-auth-request-user": "mallory",
        "x-auth-request-groups": "admin",
        "x-wechat-unionid": "m",
      };
      const allowed = await raw(`${caddy.url}/x`, { headers: { cookie, ...spoof } });
      const seen = JSON.parse(await allowed.text()) as { headers: Record<string, string> };
      expect(seen.headers["x-auth-request-user"]).toBe(zhang);
      expect(seen.headers["x-auth-request-groups"]).toBe("ops");
      const open = await raw(`${caddy.url}/public`, { headers: spoof });
      const openSeen = JSON.parse(await open.text()) as { headers: Record<string, string> };
      expect(openSeen.headers["x-auth-request-user"]).toBeUndefined();
      expect(openSeen.headers["x-wechat-unionid"]).toBeUndefined();
      // The in-WeChat browser without an official account would get a page, never a dead-end QR; here one is configured.
      const inWeChat = await raw(`${caddy.url}/_wl/login`, {
        headers: { "user-agent": "MicroMessenger/8.0.49" },
      });
      expect(new URL(inWeChat.headers.get("location") ?? "").pathname).toBe("/connect/oauth2/authorize");
    });

    it("in WeChat without an official account: a page saying to open a browser, not a dead-end QR", async () => {
      const answer = await raw(`${untrusted.url}/_wl/login`, {
        headers: { "user-agent": "Mozilla/5.0 MicroMessenger/8.0.49", "accept-language": "zh-CN" },
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain("请在浏览器中打开");
    });
  });
}

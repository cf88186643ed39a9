import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parsePublicRoute, parseRoster, startGateway } from "../../src/gateway/index.js";
import type { Store } from "../../src/stores/types.js";
import { STORE_KINDS } from "../security/support.js";
import { confirmOnPhone } from "../support/confirm.js";
import { freePort } from "../support/ports.js";

import {
  EchoUpstream,
  GatewayBrowser,
  type GatewayHarness,
  loginThrough,
  raw,
  startGatewayHarness,
} from "./harness.js";

const IN_WECHAT =
  "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36 MicroMessenger/8.0.49.2600 NetType/WIFI Language/zh_CN";

/** The store, but every call fails while `down.on` is set: a Redis or PostgreSQL outage. */
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

/** A websocket handshake's outcome: the first message, or the HTTP status that refused it. */
function openSocket(
  url: string,
  headers: Record<string, string>,
): Promise<{ status?: number; first?: string; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once("message", (data) => resolve({ first: data.toString(), socket }));
    socket.once("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`wechat-login proxy --upstream, on ${kind.name}`, () => {
    let upstream: EchoUpstream;
    let harness: GatewayHarness;
    let base: string;
    let down: { on: boolean };
    let cleanup: () => Promise<void>;
    let opened: Store;

    beforeAll(async () => {
      upstream = await new EchoUpstream().start();
      const open = await kind.open();
      cleanup = open.cleanup;
      opened = open.store;
      const broken = breakable(open.store);
      down = broken.down;
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const lilyUnion = (await import("../../src/emulator/ids.js")).unionidFor("open_emulator_demo", "lily");
      const zhangUnion = (await import("../../src/emulator/ids.js")).unionidFor(
        "open_emulator_demo",
        "zhangsan",
      );
      harness = await startGatewayHarness(broken.store, {
        port,
        publicOrigin: base,
        upstream: upstream.url,
        roster: parseRoster(
          `users:\n  ${zhangUnion}:\n    name: 张三\n    email: zhang@example.com\n    groups: [ops]\n  ${lilyUnion}:\n    name: Lily\n`,
        ),
        publicRoutes: [parsePublicRoute("GET:/public"), parsePublicRoute("/static/")],
        routeGroups: [{ prefix: "/admin", groups: ["ops"] }],
      });
    });

    afterAll(async () => {
      await harness?.close();
      await upstream?.close();
      await opened?.close();
      await cleanup?.();
    });

    it("QR login from a protected URL comes back to it, path and query intact, and the backend sees who", async () => {
      const browser = new GatewayBrowser();
      const { back, authorize } = await loginThrough(
        browser,
        harness.emulator.url,
        `${base}/orders?page=2&q=a%20b`,
      );
      expect(new URL(authorize).pathname).toBe("/connect/qrconnect");
      expect(back).toBe(`${base}/orders?page=2&q=a%20b`);
      const page = await browser.get(back, { headers: { "sec-fetch-mode": "navigate" } });
      expect(page.status).toBe(200);
      const seen = upstream.last();
      expect(seen.url).toBe("/orders?page=2&q=a%20b");
      expect(seen.headers["x-auth-request-user"]).toBe(harness.unionid("zhangsan"));
      expect(seen.headers["x-wechat-unionid"]).toBe(harness.unionid("zhangsan"));
      expect(seen.headers["x-auth-request-email"]).toBe("zhang@example.com");
      expect(seen.headers["x-auth-request-groups"]).toBe("ops");
      expect(seen.headers["x-auth-request-preferred-username"]).toBe(encodeURIComponent("张三"));
      expect(seen.headers["x-wechat-appid"]).toBe(harness.emulator.apps[0]?.appid);
      // The gateway's own cookie never reaches the backend.
      expect(seen.headers.cookie ?? "").not.toMatch(/wl_session|wl_login/);
    });

    it("in WeChat the login goes through the official account and finds the same user", async () => {
      const browser = new GatewayBrowser(IN_WECHAT);
      const { authorize, back } = await loginThrough(browser, harness.emulator.url, `${base}/in-app`);
      expect(new URL(authorize).pathname).toBe("/connect/oauth2/authorize");
      expect(authorize).toContain("#wechat_redirect");
      await browser.get(back);
      expect(upstream.last().headers["x-auth-request-user"]).toBe(harness.unionid("zhangsan"));
      expect(upstream.last().headers["x-wechat-appid"]).not.toBe(harness.emulator.apps[0]?.appid);
    });

    it("WeCom's browser (wxwork) is not WeChat: it gets the QR", async () => {
      const browser = new GatewayBrowser(`${IN_WECHAT} wxwork/4.1.0`);
      const first = await browser.get(`${base}/x`, { headers: { "sec-fetch-mode": "navigate" } });
      const start = await browser.get(GatewayBrowser.location(first, `${base}/x`));
      expect(new URL(GatewayBrowser.location(start, base)).pathname).toBe("/connect/qrconnect");
    });

    it("navigation vs API: a page is redirected, a script gets a 401 JSON with login_url", async () => {
      const cases: [Record<string, string>, string, number][] = [
        [{ "sec-fetch-mode": "navigate" }, "GET", 302],
        [{ "sec-fetch-mode": "cors", accept: "text/html" }, "GET", 401],
        [{ "sec-fetch-mode": "no-cors" }, "GET", 401],
        [{ accept: "text/html,application/xhtml+xml" }, "GET", 302],
        [{ accept: "text/html" }, "HEAD", 302],
        [{ accept: "application/json" }, "GET", 401],
        [{ accept: "text/html", "x-requested-with": "XMLHttpRequest" }, "GET", 401],
        [{ accept: "text/html" }, "POST", 401],
        [{ "sec-fetch-mode": "navigate" }, "POST", 302],
        [{}, "GET", 401],
      ];
      for (const [headers, method, status] of cases) {
        const response = await raw(`${base}/api/x?y=1`, { method, headers });
        expect([method, headers, response.status]).toEqual([method, headers, status]);
        if (status === 401 && method !== "HEAD") {
          const body = (await response.json()) as { error: string; login_url: string };
          expect(body.error).toBe("login_required");
          expect(body.login_url).toBe(`${base}/_wl/login?returnTo=${encodeURIComponent("/api/x?y=1")}`);
        }
        if (status === 302) expect(response.headers.get("location")).toContain("/_wl/login?returnTo=");
      }
    });

    it("strips every spelling of the identity headers, with and without a session, on public routes too", async () => {
      const spoof = {
        "X-Auth-Request-User": "mallory",
        x_auth_request_user: "mallory",
        "X-AUTH-REQUEST-EMAIL": "boss@example.com",
        "x-auth-request-groups": "admin",
        X_Auth_Request_Groups: "admin",
        "X-WeChat-UnionID": "mallory-union",
        "x-wechat-openid": "mallory-open",
        "X-Forwarded-User": "mallory",
        "X-Forwarded-Email": "boss@example.com",
        "X-Forwarded-Groups": "admin",
        "X-Auth-Request-Preferred-Username": "boss",
      };
      const owned = /^(x[-_]auth[-_]request[-_]|x[-_]wechat[-_]|x[-_]forwarded[-_](user|email|groups))/i;
      // Public route, no session: nothing of the client's reaches the backend, nothing of ours either.
      const anonymous = await raw(`${base}/public/page`, { headers: spoof });
      expect(anonymous.status).toBe(200);
      expect(Object.keys(upstream.last().headers).filter((name) => owned.test(name))).toEqual([]);
      // Duplicated header lines, on a raw connection so nothing merges them first.
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${base}/first`, { userId: "lily" });
      const withSession = await browser.get(`${base}/me`, { headers: spoof });
      expect(withSession.status).toBe(200);
      const headers = upstream.last().headers;
      expect(headers["x-auth-request-user"]).toBe(harness.unionid("lily"));
      expect(headers["x-auth-request-groups"]).toBe("");
      expect(headers["x-auth-request-email"]).toBeUndefined();
      expect(headers["x-forwarded-user"]).toBeUndefined();
      expect(headers.x_auth_request_user).toBeUndefined();
      // A public route with a session: the client's copies go, the gateway adds none.
      await browser.get(`${base}/public/x`, { headers: spoof });
      expect(Object.keys(upstream.last().headers).filter((name) => owned.test(name))).toEqual([]);
    });

    it("duplicated identity header lines are all removed", async () => {
      const { request } = await import("node:http");
      const port = Number(new URL(base).port);
      const body = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            path: "/public/dup",
            method: "GET",
            headers: [
              "Host",
              `127.0.0.1:${port}`,
              "X-Auth-Request-User",
              "a",
              "X-Auth-Request-User",
              "b",
              "x-forwarded-user",
              "c",
              "x-forwarded-user",
              "d",
            ] as unknown as Record<string, string>,
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(body).toBe(200);
      expect(upstream.last().headers["x-auth-request-user"]).toBeUndefined();
      expect(upstream.last().headers["x-forwarded-user"]).toBeUndefined();
    });

    it("public routes match the normalised path only, never the query", async () => {
      const protectedPaths = [
        "/api?x=/public",
        "/api?/public",
        "/public/../admin",
        "/public/%2e%2e/admin",
        "/public%2f..%2fadmin",
        "/public;/x",
        "//public",
        "/publicity",
        "/public%252e%252e/x",
      ];
      for (const path of protectedPaths) {
        const response = await raw(`${base}${path}`);
        expect([path, response.status]).toEqual([path, 401]);
      }
      expect((await raw(`${base}/public`)).status).toBe(200);
      expect((await raw(`${base}/static/app.js`)).status).toBe(200);
      // GET:/public is GET only (and HEAD); /static/ is any method.
      expect((await raw(`${base}/public`, { method: "POST" })).status).toBe(401);
      expect((await raw(`${base}/static/x`, { method: "POST" })).status).toBe(200);
    });

    it("allow and deny: the roster, its groups, and a 403 page that shows the user's ID", async () => {
      const lily = new GatewayBrowser();
      await loginThrough(lily, harness.emulator.url, `${base}/a`, { userId: "lily" });
      const page = await lily.get(`${base}/admin/panel`, {
        headers: { "sec-fetch-mode": "navigate", "accept-language": "zh-CN" },
      });
      expect(page.status).toBe(403);
      expect(page.headers.get("location")).toBeNull();
      expect(await page.text()).toContain(harness.unionid("lily"));
      const api = await lily.get(`${base}/admin/api`, { headers: { accept: "application/json" } });
      expect(api.status).toBe(403);
      expect(await api.json()).toEqual({
        error: "forbidden",
        reason: "not_in_group",
        user: harness.unionid("lily"),
      });
      const zhang = new GatewayBrowser();
      await loginThrough(zhang, harness.emulator.url, `${base}/admin/panel`);
      expect((await zhang.get(`${base}/admin/panel`)).status).toBe(200);
      // Not on the roster at all: 403 with their ID, in the browser's language.
      const stranger = new GatewayBrowser("Mozilla/5.0 Chrome/156", "zh-CN");
      const { back } = await loginThrough(stranger, harness.emulator.url, `${base}/hello`, {
        userId: "noavatar",
      });
      const denied = await stranger.get(back, { headers: { "sec-fetch-mode": "navigate" } });
      expect(denied.status).toBe(403);
      const html = await denied.text();
      expect(html).toContain("没有访问权限");
      expect(html).toContain(harness.unionid("noavatar"));
      expect(denied.headers.get("cache-control")).toBe("no-store");
    });

    it.each([-1, 40029])(
      "WeChat answering errcode %i: an error page, no session, nothing reaches the backend",
      async (errcode) => {
        const browser = new GatewayBrowser();
        const first = await browser.get(`${base}/wechat-error-${errcode}`, {
          headers: { "sec-fetch-mode": "navigate" },
        });
        const start = await browser.get(GatewayBrowser.location(first, base));
        const callback = await confirmOnPhone(harness.emulator.url, GatewayBrowser.location(start, base));
        const faults = `${harness.emulator.url}/_emulator/faults`;
        await fetch(faults, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ endpoint: "/sns/oauth2/access_token", kind: "errcode", errcode }),
        });
        try {
          const seen = upstream.seen.length;
          const answer = await browser.get(callback, { headers: { "sec-fetch-mode": "navigate" } });
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.headers.get("content-type")).toContain("text/html");
          expect(browser.cookies.has("wl_session")).toBe(false);
          expect(upstream.seen.length).toBe(seen);
        } finally {
          await fetch(faults, { method: "DELETE" });
        }
      },
    );

    it("logout ends the session: the next request is sent to the login again", async () => {
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${base}/before`);
      expect((await browser.get(`${base}/before`)).status).toBe(200);
      const out = await browser.get(`${base}/_wl/logout`, { method: "POST", headers: { origin: base } });
      expect(out.status).toBe(303);
      const after = await browser.get(`${base}/before`, { headers: { "sec-fetch-mode": "navigate" } });
      expect(after.status).toBe(302);
    });

    it("websockets: an authenticated upgrade tunnels, an unauthenticated one is refused", async () => {
      const ws = base.replace("http:", "ws:");
      const refused = await openSocket(`${ws}/live`, {});
      expect(refused.status).toBe(401);
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${base}/ws-page`);
      const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}; other=1`).join("; ");
      const opened = await openSocket(`${ws}/live`, { cookie, origin: base });
      expect(JSON.parse(opened.first ?? "{}")).toEqual({
        user: harness.unionid("zhangsan"),
        cookie: "other=1",
        // Host and Origin reach the backend as the browser sent them (oauth2-proxy #3444).
        origin: base,
        host: new URL(base).host,
      });
      const echoed = await new Promise<string>((resolve) => {
        opened.socket?.once("message", (data) => resolve(data.toString()));
        opened.socket?.send("ping");
      });
      expect(echoed).toBe("echo:ping");
      opened.socket?.close();
    });

    it("streams an upstream answer without buffering it", async () => {
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${base}/stream`);
      const response = await browser.get(`${base}/stream`);
      const reader = response.body!.getReader();
      const started = Date.now();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toBe("data: one\n\n");
      // The second chunk comes 150 ms later: the first one was not held back for it.
      expect(Date.now() - started).toBeLessThan(140);
      await reader.cancel();
    });

    it("the loop guard stops a fourth login start for one address within a minute", async () => {
      const browser = new GatewayBrowser();
      const target = `${base}/_wl/login?returnTo=${encodeURIComponent("/looping")}`;
      for (let i = 0; i < 3; i++) expect((await browser.get(target)).status).toBe(302);
      const stopped = await browser.get(target, { headers: { "accept-language": "en" } });
      expect(stopped.status).toBe(429);
      expect(await stopped.text()).toContain("Login keeps failing");
      // Another return address is another count.
      expect((await browser.get(`${base}/_wl/login?returnTo=%2Felsewhere`)).status).toBe(302);
    });

    it("ping answers only itself; ready says 503 while the store is down, and auth fails closed", async () => {
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${base}/up`);
      expect((await raw(`${base}/_wl/ping`)).status).toBe(200);
      expect((await raw(`${base}/_wl/ping/../../admin`)).status).toBe(401);
      expect((await raw(`${base}/_wl/ready`)).status).toBe(200);
      down.on = true;
      try {
        const ready = await raw(`${base}/_wl/ready`);
        expect(ready.status).toBe(503);
        const page = await browser.get(`${base}/up`);
        expect(page.status).toBe(503);
        expect(await page.json()).toEqual({ error: "store_unavailable" });
        expect(upstream.last().url).not.toBe("/up?down");
      } finally {
        down.on = false;
      }
      expect((await browser.get(`${base}/up`)).status).toBe(200);
    });

    it("a trusted front proxy's forwarded headers are kept, X-Forwarded-For appended", async () => {
      const trusted = await startGateway({
        appid: harness.emulator.apps[0]?.appid ?? "",
        secret: harness.emulator.apps[0]?.secret ?? "",
        publicOrigin: base,
        sessionSecret: "g".repeat(32),
        store: opened,
        host: "127.0.0.1",
        port: 0,
        upstream: upstream.url,
        trustProxy: "127.0.0.1/32",
        publicRoutes: [parsePublicRoute("/static/")],
        openBase: harness.emulator.url,
        apiBase: harness.emulator.url,
      });
      try {
        const response = await raw(`${trusted.url}/static/t`, {
          headers: {
            "x-forwarded-for": "6.6.6.6",
            "x-forwarded-host": "app.example.com",
            "x-forwarded-proto": "https",
          },
        });
        expect(response.status).toBe(200);
        const headers = upstream.last().headers;
        expect(headers["x-forwarded-for"]).toBe("6.6.6.6, 127.0.0.1");
        expect(headers["x-forwarded-host"]).toBe("app.example.com");
        expect(headers["x-forwarded-proto"]).toBe("https");
      } finally {
        await trusted.close();
      }
    });

    it("forwarded headers from an untrusted client are replaced, not passed on", async () => {
      const response = await raw(`${base}/static/f`, {
        headers: {
          "x-forwarded-for": "6.6.6.6",
          "x-forwarded-host": "evil.example",
          "x-forwarded-proto": "https",
        },
      });
      expect(response.status).toBe(200);
      const headers = upstream.last().headers;
      expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(headers["x-forwarded-host"]).toBe(new URL(base).host);
      expect(headers["x-forwarded-proto"]).toBe("http");
    });
  });
}

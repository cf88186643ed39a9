import { parseSetCookie } from "cookie";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireSession } from "../../src/adapters/hono.js";
import { createLogin } from "../../src/flow/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { confirmOnPhone } from "../support/confirm.js";
import {
  appsOf,
  onSite,
  SecurityBrowser,
  type SecuritySite,
  STORE_KINDS,
  startSite,
  useEmulator,
  useStore,
  WECHAT_BROWSER,
} from "./support.js";

const emulator = useEmulator({ beforeAll, afterAll });
const emulatorApps = () => appsOf(emulator());

/** The headers every login response carries (security-headers.ts), checked one response at a time. */
function expectSecurityHeaders(response: Response, options: { secure: boolean }, what: string) {
  const headers = response.headers;
  expect(headers.get("cache-control"), what).toBe("no-store");
  expect(headers.get("referrer-policy"), what).toBe("no-referrer");
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(headers.get("x-frame-options"), what).toBe("DENY");
  expect(headers.get("content-security-policy"), what).toMatch(/frame-ancestors 'none'/);
  const hsts = headers.get("strict-transport-security");
  if (options.secure)
    expect(Number(/max-age=(\d+)/.exec(hsts ?? "")?.[1]), what).toBeGreaterThanOrEqual(15_552_000);
  else expect(hsts, what).toBeNull();
  if (response.status === 503 || response.status === 429)
    expect(Number(headers.get("retry-after")), what).toBeGreaterThan(0);
}

/** Every route and outcome a browser can reach, with what each answered. */
async function everyRoute(site: SecuritySite, behindTls: boolean): Promise<Array<[string, Response]>> {
  const seen: Array<[string, Response]> = [];
  const browser = new SecurityBrowser(undefined, behindTls);
  const go = async (what: string, url: string, init?: Parameters<SecurityBrowser["request"]>[1]) => {
    const response = await browser.request(url, init);
    seen.push([what, response]);
    return response;
  };
  const start = await go("GET /login", `${site.url}/auth/login`);
  await go("GET /session (401)", `${site.url}/auth/session`);
  await go("GET /callback (bad state)", `${site.url}/auth/callback?state=zz&code=x`);
  await go("GET /callback (duplicate)", `${site.url}/auth/callback?state=a&state=b`);
  await go(
    "GET /callback/mp (unknown state)",
    `${site.url}/auth/callback/mp?state=${"d".repeat(64)}&code=abc`,
  );
  await go(
    "GET /callback (success)",
    onSite(site, await confirmOnPhone(emulator().url, start.headers.get("location")!)),
  );
  await go("GET /session (200)", `${site.url}/auth/session`);
  await go("GET /qr", `${site.url}/auth/qr`);
  await go("HEAD /login", `${site.url}/auth/login`, { method: "HEAD" });
  await go("GET /nope (404)", `${site.url}/auth/nope`);
  await go("GET /logout (the page with the button)", `${site.url}/auth/logout`);
  await go("POST /logout cross-site (403)", `${site.url}/auth/logout`, {
    method: "POST",
    headers: { origin: "https://evil.example" },
  });
  await go("POST /logout (204)", `${site.url}/auth/logout`, {
    method: "POST",
    headers: { accept: "application/json" },
  });
  await go("POST /logout (303)", `${site.url}/auth/logout`, { method: "POST" });
  const phone = new SecurityBrowser(WECHAT_BROWSER, behindTls);
  const inWeChat = await phone.request(`${site.url}/auth/login`);
  seen.push(["GET /login in WeChat", inWeChat]);
  const denied = onSite(
    site,
    await confirmOnPhone(emulator().url, inWeChat.headers.get("location")!, { decision: "deny" }),
  );
  seen.push(["GET /callback/mp (denied)", await phone.request(denied)]);
  return seen;
}

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`security headers and cookies on ${kind.name}`, () => {
    const backing = useStore(kind, { beforeAll, afterAll });
    let local: SecuritySite;
    let secure: SecuritySite;
    beforeAll(async () => {
      local = await startSite({ store: backing(), upstream: emulator().url, apps: emulatorApps() });
      secure = await startSite({
        store: backing(),
        upstream: emulator().url,
        apps: emulatorApps(),
        publicOrigin: "https://localhost",
      });
    });
    afterAll(async () => {
      await local.close();
      await secure.close();
    });

    it("every route and outcome on a plain-http localhost site carries the headers (no HSTS)", async () => {
      const seen = await everyRoute(local, false);
      expect(seen.length).toBeGreaterThanOrEqual(16);
      for (const [what, response] of seen) expectSecurityHeaders(response, { secure: false }, what);
    });

    it("every route and outcome of an https site behind a TLS-terminating proxy carries them, HSTS included", async () => {
      const seen = await everyRoute(secure, true);
      for (const [what, response] of seen) {
        expectSecurityHeaders(response, { secure: true }, what);
      }
    });

    it("in secure mode both cookies are __Host- (Secure, Path=/, no Domain)", async () => {
      const browser = new SecurityBrowser(undefined, true);
      const start = await browser.request(`${secure.url}/auth/login`);
      const preLogin = parseSetCookie(start.headers.getSetCookie()[0]!);
      expect(preLogin).toMatchObject({
        name: "__Host-wl_login",
        path: "/",
        secure: true,
        httpOnly: true,
        sameSite: "lax",
      });
      expect(preLogin.domain).toBeUndefined();
      const landed = await browser.request(
        onSite(secure, await confirmOnPhone(emulator().url, start.headers.get("location")!)),
      );
      const cookies = landed.headers.getSetCookie().map((header) => parseSetCookie(header));
      const session = cookies.find((cookie) => cookie.name === "__Host-wl_session");
      expect(session).toMatchObject({ path: "/", secure: true, httpOnly: true });
      expect(session?.domain).toBeUndefined();
      expect(cookies.find((cookie) => cookie.name === "__Host-wl_login")?.maxAge).toBe(0);
      expect((await browser.request(`${secure.url}/auth/session`)).status).toBe(200);
    });

    it("in secure mode a plain-http request gets no cookie at all: a clear page instead", async () => {
      for (const path of ["/auth/login", "/auth/qr", `/auth/callback?state=${"e".repeat(64)}&code=abc`]) {
        const response = await new SecurityBrowser(undefined, false).request(`${secure.url}${path}`);
        expect(response.status, path).toBe(403);
        expect(response.headers.getSetCookie(), path).toEqual([]);
        expect(await response.text(), path).toContain('data-outcome="https_required"');
      }
      expect(secure.log.some((line) => line.includes("trustProxy"))).toBe(true);
    });
  });
}

describe("responses outside the flow's routes", () => {
  it("a store outage answers 503 with Retry-After and every header", async () => {
    const failing = new Proxy(memoryStore(), {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === "putState") return () => Promise.reject(new Error("connection refused"));
        return value;
      },
    }) as Store;
    const site = await startSite({ store: failing, upstream: emulator().url, apps: emulatorApps() });
    try {
      const response = await new SecurityBrowser().request(`${site.url}/auth/login`);
      expect(response.status).toBe(503);
      expectSecurityHeaders(response, { secure: false }, "503");
    } finally {
      await site.close();
    }
  });

  it("requireSession's 401 and redirect carry the headers too", async () => {
    const login = createLogin({
      ...emulatorApps().website,
      redirectUri: "https://login.example.com/auth/callback",
      sessionSecret: "security-session-secret-0123456789abcdef",
      store: memoryStore(),
      openBase: emulator().url,
      apiBase: emulator().url,
    });
    const app = new Hono();
    app.get("/api/me", requireSession(login), (c) => c.json({}));
    app.get("/page", requireSession(login, { onMissing: "redirect" }), (c) => c.text(""));
    try {
      expectSecurityHeaders(await app.request("https://login.example.com/api/me"), { secure: true }, "401");
      expectSecurityHeaders(await app.request("https://login.example.com/page"), { secure: true }, "302");
    } finally {
      await login.close();
    }
  });
});

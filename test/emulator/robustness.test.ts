import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { RID, useEmulator } from "./helpers.js";

const h = useEmulator();

const API_ROUTES = [
  "/sns/oauth2/access_token",
  "/sns/oauth2/refresh_token",
  "/sns/auth",
  "/sns/userinfo",
  "/sns/jscode2session",
  "/cgi-bin/token",
  "/cgi-bin/getcallbackip",
];
const PARAMETER_NAMES = [
  "appid",
  "secret",
  "code",
  "grant_type",
  "refresh_token",
  "access_token",
  "openid",
  "lang",
  "js_code",
];

// Random query strings: known names with hostile values, unknown names, repeats, raw percent garbage.
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...PARAMETER_NAMES), fc.string({ maxLength: 8 })),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom("%", "%zz", "wx8f3a6b2c1d0e4f57", "a".repeat(3000)),
      ),
    ),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(
        ([key, value]) =>
          `${encodeURIComponent(key)}=${value.includes("%") ? value : encodeURIComponent(value)}`,
      )
      .join("&"),
  );

describe("bad input never breaks the emulator", () => {
  it.each(API_ROUTES)("%s answers WeChat-style JSON for random query strings", async (route) => {
    await fc.assert(
      fc.asyncProperty(queryString, async (query) => {
        const response = await fetch(`${h.url}${route}?${query}`);
        expect(response.status).toBe(200);
        const body = JSON.parse(await response.text());
        expect(typeof body.errcode).toBe("number");
        expect(body.errcode).not.toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it.each([
    "/connect/qrconnect",
    "/connect/oauth2/authorize",
    "/connect/l/qrconnect",
    "/connect/zh_CN/htmledition/js/wxLogin.js",
    "/_emulator/phone/x",
  ])("page %s never answers 5xx for random query strings", async (route) => {
    await fc.assert(
      fc.asyncProperty(queryString, async (query) => {
        const response = await fetch(`${h.url}${route}?${query}`, { redirect: "manual" });
        expect([200, 302, 404]).toContain(response.status);
        expect(await response.text()).not.toMatch(/at .*\.(ts|js):\d+/);
      }),
      { numRuns: 30 },
    );
  });

  it.each(["/connect/oauth2/authorize", "/_emulator/phone/x"])(
    "form %s never answers 5xx for random bodies",
    async (route) => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 80 }), async (body) => {
          const response = await fetch(`${h.url}${route}`, {
            method: "POST",
            body,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            redirect: "manual",
          });
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: 30 },
      );
    },
  );

  it.each([
    "/_emulator/apps",
    "/_emulator/users",
    "/_emulator/authorize",
    "/_emulator/jscode",
    "/_emulator/faults",
    "/_emulator/clock/advance",
    "/_emulator/oauth/user",
  ])("%s answers 400 JSON for random bodies", async (route) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.json({ maxDepth: 2 })), async (body) => {
        const response = await fetch(`${h.url}${route}`, { method: "POST", body });
        expect([200, 201, 400]).toContain(response.status);
        const answer = await response.json();
        if (response.status === 400) expect(answer.error).toBe("invalid_request");
      }),
      { numRuns: 30 },
    );
  });

  it("answers an oversized control body with 413", async () => {
    const response = await fetch(`${h.url}/_emulator/apps`, { method: "POST", body: "x".repeat(70_000) });
    expect(response.status).toBe(413);
  });

  it("answers a 10 kB query value with an errcode", async () => {
    const body = await h.getJson("/sns/userinfo", { access_token: "x".repeat(10_000), openid: "o" });
    expect(body.errcode).toBe(40001);
  });
});

describe("onError", () => {
  it("turns a thrown error into errcode -1 on API paths and an error page elsewhere, never a stack", async () => {
    const { createEmulatorApp } = await import("../../src/emulator/index.js");
    const { app } = createEmulatorApp();
    app.get("/sns/boom", () => {
      throw new Error("secret stack detail");
    });
    app.get("/connect/boom", () => {
      throw new Error("secret stack detail");
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const api = await app.request("/sns/boom");
      expect(api.status).toBe(200);
      const body = await api.json();
      expect(body.errcode).toBe(-1);
      expect(body.errmsg).toMatch(RID);
      const page = await app.request("/connect/boom");
      const text = await page.text();
      expect(page.status).toBe(200);
      expect(text).toContain("rid:");
      expect(text).not.toContain("secret stack detail");
      expect(logged).toHaveBeenCalledTimes(2);
    } finally {
      logged.mockRestore();
    }
  });
});

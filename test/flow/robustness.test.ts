import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory.js";
import { sqliteStore } from "../../src/stores/sqlite.js";
import type { Store } from "../../src/stores/types.js";
import { Browser, type Harness, startHarness, startLogin, transcript } from "./harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const routes = ["/auth/login", "/auth/callback", "/auth/session", "/auth/qr", "/auth/logout", "/auth/x"];
const queryValue = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("", "%", "%zz", "a".repeat(5000), "//evil.com", "/\\evil.com", "f".repeat(64), "\u0000"),
);

describe("fuzzed query strings", () => {
  it("never yield a 500 or a hang on any route", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom("GET", "POST", "HEAD", "PUT"),
        fc.array(fc.tuple(fc.constantFrom("state", "code", "returnTo", "x", "selfRedirect"), queryValue), {
          maxLength: 4,
        }),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        async (route, method, pairs, cookie) => {
          const query = pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join("&");
          const headers = new Headers();
          if (cookie !== undefined) {
            try {
              headers.set("cookie", cookie);
            } catch {
              // Headers rejects values a browser could not send either.
            }
          }
          const response = await harness.login.handle(
            new Request(`http://localhost:3999${route}?${query}`, { method, headers }),
          );
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function failingStore(base: Store, failOn: ReadonlySet<string>): Store {
  return new Proxy(base, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property === "string" && failOn.has(property)) {
        return async () => {
          throw new Error("ECONNREFUSED 127.0.0.1:6390");
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("a failing store", () => {
  it("answers 503 pages on every route and never half-writes a session", async () => {
    const real = memoryStore();
    const failOn = new Set<string>();
    const broken = await startHarness({ store: failingStore(real, failOn) });
    try {
      const browser = new Browser(broken.login);
      const callback = await startLogin(broken, browser);
      failOn.add("completeState");
      const response = await browser.request(callback);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('data-outcome="store_unavailable"');
      expect(browser.cookies.has("wl_session")).toBe(false);
      // The session written before the failure was rolled back.
      failOn.clear();
      const probe = await real.getSession("x", Date.now());
      expect(probe).toBeUndefined();

      for (const method of ["putState", "getSession", "deleteSession"]) failOn.add(method);
      expect((await browser.request("/auth/login")).status).toBe(503);
      browser.cookies.set("wl_session", "a".repeat(43));
      expect((await browser.request("/auth/session")).status).toBe(503);
      expect((await browser.request("/auth/logout", { method: "POST" })).status).toBe(503);
    } finally {
      await broken.close();
    }
  });

  it("answers 503, never a 500, when a store that answers in-process fails underneath it", async () => {
    // SQLite's calls run without a deadline timer (stores/in-process.ts); a failure must still be the store's 503.
    const database = new Database(":memory:");
    const store = await sqliteStore({ database });
    const broken = await startHarness({ store });
    try {
      const browser = new Browser(broken.login);
      browser.cookies.set("wl_session", "a".repeat(43));
      expect((await browser.request("/auth/session")).status).toBe(401);
      database.close();
      const response = await browser.request("/auth/session");
      expect(response.status).toBe(503);
      expect(await response.text()).not.toContain("not open");
    } finally {
      await broken.close();
      await store.close();
    }
  });

  it("answers 503 within the store deadline when the store hangs", async () => {
    const real = memoryStore();
    const hanging = new Proxy(real, {
      get(target, property, receiver) {
        if (property === "putState") return () => new Promise(() => undefined);
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const slow = await startHarness({ store: hanging, storeTimeoutMs: 300 });
    try {
      const started = Date.now();
      const response = await new Browser(slow.login).request("/auth/login");
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await slow.close();
    }
  });
});

describe("secrets", () => {
  it("never appear in any log line or page the flow produced", async () => {
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser);
    await browser.request(callback);
    await browser.request(callback);
    await new Browser(harness.login).request(callback);
    const sessionId = browser.cookies.get("wl_session")!;
    const code = new URL(callback).searchParams.get("code")!;
    const log = await (await fetch(`${harness.emulator.url}/_emulator/requests`)).json();
    expect(JSON.stringify(log)).not.toContain(harness.website.secret);

    const text = transcript.join("\n");
    expect(transcript.length).toBeGreaterThan(5);
    for (const secret of [harness.website.secret, harness.officialAccount.secret, code, sessionId]) {
      expect(text).not.toContain(secret);
    }
  });
});

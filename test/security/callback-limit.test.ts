import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { Browser, type Harness, startHarness, startLogin } from "../flow/harness.js";

// The callback limit counts refused callbacks only: a login that succeeds spent a state the start's limit counted.
const CALLBACK_POINTS = 3;

/** Counts the store's rate-limit hits and state reads, to see which requests reached it. */
function countingStore(real: Store) {
  const calls = { consumeRateLimit: 0, consumeState: 0, rulesHit: [] as string[] };
  const store = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "consumeRateLimit" || property === "consumeState") {
        return (...args: unknown[]) => {
          calls[property] += 1;
          if (property === "consumeRateLimit") calls.rulesHit.push((args[0] as { name: string }).name);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, calls };
}

describe("the callback limit", () => {
  let harness: Harness;
  let calls: ReturnType<typeof countingStore>["calls"];

  beforeAll(async () => {
    const counted = countingStore(memoryStore());
    calls = counted.calls;
    harness = await startHarness({
      store: counted.store,
      rateLimit: {
        login: { points: 1000, durationSeconds: 60 },
        callback: { points: CALLBACK_POINTS, durationSeconds: 60 },
      },
    });
  });
  afterAll(() => harness.close());

  it("never refuses a login that succeeds, and writes no counter for it", async () => {
    const before = calls.rulesHit.length;
    for (let index = 0; index < CALLBACK_POINTS * 2; index++) {
      const browser = new Browser(harness.login);
      const callback = await startLogin(harness, browser);
      const landed = await browser.request(callback);
      expect(landed.status).toBe(302);
      expect(landed.headers.get("location")).not.toContain("/auth/");
      expect((await browser.request("/auth/session")).status).toBe(200);
    }
    // Each /login was counted (its rate and its states); no callback was.
    const hit = calls.rulesHit.slice(before);
    expect(hit.filter((rule) => rule === "login")).toHaveLength(CALLBACK_POINTS * 2);
    expect(hit).not.toContain("callback");
  });

  it("refuses a client after its refused callbacks use up the limit, then stops it before the store", async () => {
    const guesser = new Browser(harness.login);
    const guess = (index: number) =>
      guesser.request(`/auth/callback?code=c${index}&state=${index.toString(16).padStart(64, "0")}`);
    const statuses: number[] = [];
    for (let index = 0; index < CALLBACK_POINTS + 1; index++) statuses.push((await guess(index)).status);
    expect(statuses).toEqual([...Array(CALLBACK_POINTS).fill(400), 429]);

    // Refused here already: the next callbacks, a real one included, are answered without a store call.
    const reads = calls.consumeState;
    const hits = calls.consumeRateLimit;
    const refused = await guess(99);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("cache-control")).toBe("no-store");
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser);
    expect((await browser.request(callback)).status).toBe(429);
    expect(calls.consumeState).toBe(reads);
    // Only the new login's start reached the limiter.
    expect(calls.rulesHit.slice(hits)).not.toContain("callback");
  });
});

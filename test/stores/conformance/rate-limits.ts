import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/protocol/errors.js";
import type { RateLimitRule, Store } from "../../../src/stores/types.js";
import { randomId, sleep } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

const rule = (overrides: Partial<RateLimitRule> = {}): RateLimitRule => ({
  name: `test-${randomId(4)}`,
  points: 3,
  durationSeconds: 60,
  ...overrides,
});

async function hits(store: Store, limit: RateLimitRule, key: string, count: number) {
  const verdicts = [];
  for (let i = 0; i < count; i++) verdicts.push(await store.consumeRateLimit(limit, key));
  return verdicts;
}

export function describeRateLimits(fixture: Fixture): void {
  describe("rate limits", () => {
    it("allows `points` hits per key in a window, then refuses with the time left", async () => {
      const { store } = fixture();
      const limit = rule();
      const verdicts = await hits(store, limit, "203.0.113.7", 5);
      expect(verdicts.map((verdict) => verdict.allowed)).toEqual([true, true, true, false, false]);
      const refused = verdicts[4]!;
      expect(refused.retryAfterMs).toBeGreaterThan(50_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it("counts each key and each rule on its own", async () => {
      const { store } = fixture();
      const [first, second] = [rule({ points: 1 }), rule({ points: 1 })];
      expect((await store.consumeRateLimit(first, "198.51.100.1")).allowed).toBe(true);
      expect((await store.consumeRateLimit(first, "198.51.100.1")).allowed).toBe(false);
      expect((await store.consumeRateLimit(first, "198.51.100.2")).allowed).toBe(true);
      expect((await store.consumeRateLimit(first, "2001:db8::/64")).allowed).toBe(true);
      expect((await store.consumeRateLimit(second, "198.51.100.1")).allowed).toBe(true);
    });

    it("shares one count among every instance on the backend, even hit concurrently", async () => {
      const { store, openSibling } = fixture();
      const sibling = await openSibling();
      const limit = rule({ points: 10 });
      const verdicts = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? sibling : store).consumeRateLimit(limit, "192.0.2.9")),
      );
      expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    });

    it("allows the burst's reserve once the steady points are used up", async () => {
      const { store } = fixture();
      const limit = rule({ points: 2, burst: { points: 3, durationSeconds: 600 } });
      const verdicts = await hits(store, limit, "192.0.2.10", 7);
      expect(verdicts.map((verdict) => verdict.allowed)).toEqual([
        true,
        true,
        true,
        true,
        true,
        false,
        false,
      ]);
      // Refused by both windows: told the sooner one, the steady minute.
      expect(verdicts[6]!.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it("starts a new window when the old one ends, also after purgeExpired swept it", async () => {
      const { store } = fixture();
      const limit = rule({ points: 1, durationSeconds: 1 });
      expect((await store.consumeRateLimit(limit, "192.0.2.11")).allowed).toBe(true);
      expect((await store.consumeRateLimit(limit, "192.0.2.11")).allowed).toBe(false);
      await sleep(1_100);
      await store.purgeExpired(Date.now());
      expect((await store.consumeRateLimit(limit, "192.0.2.11")).allowed).toBe(true);
      expect((await store.consumeRateLimit(limit, "192.0.2.11")).allowed).toBe(false);
    });

    it("rejects a rule whose name or numbers are not valid", async () => {
      const { store } = fixture();
      for (const bad of [
        rule({ name: "two words" }),
        rule({ points: 0 }),
        rule({ durationSeconds: 1.5 }),
        rule({ burst: { points: -1, durationSeconds: 60 } }),
      ]) {
        await expect(store.consumeRateLimit(bad, "192.0.2.12")).rejects.toBeInstanceOf(InvalidArgumentError);
      }
    });
  });
}

import { describe, expect, it } from "vitest";
import { randomId, sleep } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

export function describeLocks(fixture: Fixture): void {
  describe("locks", () => {
    it("is exclusive until released", async () => {
      const { store } = fixture();
      const name = `refresh:${randomId(8)}`;
      const lock = await store.acquireLock(name, 10_000);
      expect(lock).toMatchObject({ name });
      expect(await store.acquireLock(name, 10_000)).toBeUndefined();
      const other = await store.acquireLock(`refresh:${randomId(8)}`, 10_000);
      expect(other).toBeDefined();
      await lock!.release();
      await lock!.release();
      const next = await store.acquireLock(name, 10_000);
      expect(next!.fencingToken).toBeGreaterThan(lock!.fencingToken);
      await next!.release();
      await other!.release();
    });

    it("hands out strictly increasing fencing tokens", async () => {
      const { store } = fixture();
      const name = `refresh:${randomId(8)}`;
      const tokens: number[] = [];
      for (let i = 0; i < 5; i++) {
        const lock = await store.acquireLock(name, 10_000);
        tokens.push(lock!.fencingToken);
        await lock!.release();
      }
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
    });

    it("lets one of many concurrent callers take a free lock", async () => {
      const { store, openSibling } = fixture();
      const sibling = await openSibling();
      const name = `refresh:${randomId(8)}`;
      const locks = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? sibling : store).acquireLock(name, 10_000)),
      );
      const held = locks.filter((lock) => lock !== undefined);
      expect(held).toHaveLength(1);
      await held[0]!.release();
    });

    it("frees a dead holder's lock after its lease, and the late release does not free the new holder's", async () => {
      const { store } = fixture();
      const name = `refresh:${randomId(8)}`;
      const dead = await store.acquireLock(name, 150);
      expect(await store.acquireLock(name, 10_000)).toBeUndefined();
      await sleep(300);
      const next = await store.acquireLock(name, 10_000);
      expect(next!.fencingToken).toBeGreaterThan(dead!.fencingToken);
      await dead!.release();
      expect(await store.acquireLock(name, 10_000)).toBeUndefined();
      await next!.release();
    });

    it("rejects a lease that is not a positive integer", async () => {
      const { store } = fixture();
      await expect(store.acquireLock(`refresh:${randomId(8)}`, 0)).rejects.toThrow(/leaseMs/);
      await expect(store.acquireLock(`refresh:${randomId(8)}`, 1.5)).rejects.toThrow(/leaseMs/);
    });
  });
}

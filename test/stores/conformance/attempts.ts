import { describe, expect, it } from "vitest";
import { attemptRecord, day, minute, randomId } from "../fixtures.js";
import { appA, appB, type Fixture } from "./fixture.js";

export function describeAttempts(fixture: Fixture): void {
  describe("login attempts", () => {
    it("reads back what was written, by id and by handle, with every optional field", async () => {
      const { store, now } = fixture();
      const plain = attemptRecord(now);
      const full = attemptRecord(now, {
        kind: "follow-qr",
        handle: `login:${randomId(8)}`,
        status: "confirmed",
        openid: "o:1/é",
        unionid: "u:1",
        ticket: "gQH47joAAAAAAAAAASxodHRwOi8v+/=",
      });
      expect(await store.putAttempt(plain)).toBe(true);
      expect(await store.putAttempt(full)).toBe(true);
      expect(await store.getAttempt(plain.id, now)).toEqual(plain);
      expect(await store.getAttempt(full.id, now)).toEqual(full);
      expect(await store.findAttempt(full.kind, full.appid, full.handle, now)).toEqual(full);
      expect(await store.findAttempt("follow-qr", plain.appid, plain.handle, now)).toBeUndefined();
      expect(await store.getAttempt(randomId(), now)).toBeUndefined();
    });

    it("refuses a handle held by a live attempt, of any status, and takes it over once that one expired", async () => {
      const { store, now } = fixture();
      const first = attemptRecord(now, { handle: "123456" });
      expect(await store.putAttempt(first)).toBe(true);
      await store.updateAttempt(first.id, "waiting", { status: "done" }, now);
      const rival = attemptRecord(now + minute, { handle: "123456" });
      expect(await store.putAttempt(rival)).toBe(false);
      expect(await store.getAttempt(rival.id, now + minute)).toBeUndefined();
      // The same handle in another kind or for another appid is another handle.
      expect(await store.putAttempt(attemptRecord(now, { handle: "123456", kind: "miniprogram-qr" }))).toBe(
        true,
      );
      expect(await store.putAttempt(attemptRecord(now, { handle: "123456", appid: appB }))).toBe(true);
      const next = attemptRecord(first.expiresAt, { handle: "123456" });
      expect(await store.putAttempt(next)).toBe(true);
      expect(await store.findAttempt(next.kind, next.appid, "123456", first.expiresAt)).toEqual(next);
      expect(await store.getAttempt(first.id, first.expiresAt - 1)).toBeUndefined();
    });

    it("is gone once `now` reaches its expiry", async () => {
      const { store, now } = fixture();
      const record = attemptRecord(now);
      await store.putAttempt(record);
      expect(await store.getAttempt(record.id, record.expiresAt - 1)).toEqual(record);
      expect(await store.getAttempt(record.id, record.expiresAt)).toBeUndefined();
      expect(
        await store.findAttempt(record.kind, record.appid, record.handle, record.expiresAt),
      ).toBeUndefined();
      expect(await store.updateAttempt(record.id, "waiting", { status: "scanned" }, record.expiresAt)).toBe(
        undefined,
      );
    });

    it("updates by compare-and-set on the status, setting the named fields and keeping the rest", async () => {
      const { store, now } = fixture();
      const record = attemptRecord(now, { kind: "follow-qr", ticket: "t1" });
      await store.putAttempt(record);
      expect(await store.updateAttempt(record.id, "scanned", { status: "confirmed" }, now)).toBeUndefined();
      const scanned = await store.updateAttempt(
        record.id,
        "waiting",
        { status: "scanned", openid: "o1" },
        now,
      );
      expect(scanned).toEqual({ ...record, status: "scanned", openid: "o1" });
      const confirmed = await store.updateAttempt(
        record.id,
        "scanned",
        { status: "confirmed", unionid: "u1", openid: undefined },
        now + 1,
      );
      expect(confirmed).toEqual({ ...record, status: "confirmed", openid: "o1", unionid: "u1" });
      expect(await store.getAttempt(record.id, now + 2)).toEqual(confirmed);
      expect(await store.updateAttempt(randomId(), "waiting", { status: "scanned" }, now)).toBeUndefined();
    });

    it("lets exactly one of 50 concurrent callers across two instances consume a confirmed attempt", async () => {
      const { store, now, openSibling } = fixture();
      const sibling = await openSibling();
      for (let round = 0; round < 3; round++) {
        const record = attemptRecord(now, { status: "confirmed", openid: "o1" });
        await store.putAttempt(record);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            (i % 2 ? sibling : store).updateAttempt(record.id, "confirmed", { status: "done" }, now + 1),
          ),
        );
        expect(results.filter((r) => r?.status === "done")).toHaveLength(1);
      }
    });

    it("gives a handle to exactly one of 50 concurrent writers across two instances", async () => {
      const { store, now, openSibling } = fixture();
      const sibling = await openSibling();
      const handle = randomId(4);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? sibling : store).putAttempt(attemptRecord(now, { handle })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe("claimOnce", () => {
    it("is true once per key until the claim expires", async () => {
      const { store, now } = fixture();
      const key = `${appA}:push:${randomId(8)}`;
      expect(await store.claimOnce(key, now + minute, now)).toBe(true);
      expect(await store.claimOnce(key, now + 2 * minute, now + 1)).toBe(false);
      expect(await store.claimOnce(`${key}x`, now + minute, now)).toBe(true);
      expect(await store.claimOnce(key, now + 2 * minute, now + minute)).toBe(true);
      expect(await store.claimOnce(key, now + 3 * minute, now + minute + 1)).toBe(false);
    });

    it("is true for exactly one of 50 concurrent callers across two instances", async () => {
      const { store, now, openSibling } = fixture();
      const sibling = await openSibling();
      const key = randomId();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? sibling : store).claimOnce(key, now + minute, now)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("is removed with expired attempts by purgeExpired, while live ones stay", async () => {
      const { store, now } = fixture();
      const live = attemptRecord(now);
      const dead = attemptRecord(now - day, { expiresAt: now - 1 });
      await store.putAttempt(live);
      await store.putAttempt(dead);
      await store.claimOnce("dead", now - 1, now - day);
      await store.claimOnce("live", now + minute, now);
      await store.purgeExpired(now);
      expect(await store.getAttempt(live.id, now)).toEqual(live);
      // Asked at a time they were still live: only a purged record is missing then.
      expect(await store.getAttempt(dead.id, now - 2)).toBeUndefined();
      expect(await store.findAttempt(dead.kind, dead.appid, dead.handle, now - 2)).toBeUndefined();
      expect(await store.claimOnce("dead", now + minute, now - 2)).toBe(true);
      expect(await store.claimOnce("live", now + 2 * minute, now)).toBe(false);
    });
  });
}

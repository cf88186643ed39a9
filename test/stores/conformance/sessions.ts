import { describe, expect, it } from "vitest";
import { day, minute, randomId, sessionRecord } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

export function describeSessions(fixture: Fixture): void {
  describe("sessions", () => {
    it("reads back what was put, and nothing for an unknown hash", async () => {
      const { store, now } = fixture();
      const record = sessionRecord(now);
      await store.putSession(record);
      expect(await store.getSession(record.idHash, now)).toEqual(record);
      expect(await store.getSession(randomId(32), now)).toBeUndefined();
    });

    it("expires by `now` at the idle or the absolute expiry, whichever comes first", async () => {
      const { store, now } = fixture();
      const idle = sessionRecord(now, { idleExpiresAt: now + minute, absoluteExpiresAt: now + day });
      const absolute = sessionRecord(now, { idleExpiresAt: now + day, absoluteExpiresAt: now + minute });
      await store.putSession(idle);
      await store.putSession(absolute);
      for (const record of [idle, absolute]) {
        expect(await store.getSession(record.idHash, now + minute - 1)).toEqual(record);
        expect(await store.getSession(record.idHash, now + minute)).toBeUndefined();
      }
    });

    it("extends the idle expiry on touch, capped by the absolute expiry and never shortened", async () => {
      const { store, now } = fixture();
      const record = sessionRecord(now, {
        idleExpiresAt: now + minute,
        absoluteExpiresAt: now + 10 * minute,
      });
      await store.putSession(record);
      await store.touchSession(record.idHash, now + 5 * minute);
      expect((await store.getSession(record.idHash, now))?.idleExpiresAt).toBe(now + 5 * minute);
      await store.touchSession(record.idHash, now + 2 * minute);
      expect((await store.getSession(record.idHash, now))?.idleExpiresAt).toBe(now + 5 * minute);
      await store.touchSession(record.idHash, now + day);
      expect((await store.getSession(record.idHash, now + 9 * minute))?.idleExpiresAt).toBe(
        now + 10 * minute,
      );
      expect(await store.getSession(record.idHash, now + 10 * minute)).toBeUndefined();
      await store.touchSession(randomId(32), now + minute);
      expect(await store.getSession(randomId(32), now)).toBeUndefined();
    });

    it("deletes a session", async () => {
      const { store, now } = fixture();
      const record = sessionRecord(now);
      await store.putSession(record);
      await store.deleteSession(record.idHash);
      expect(await store.getSession(record.idHash, now)).toBeUndefined();
      await store.deleteSession(record.idHash);
    });
  });
}

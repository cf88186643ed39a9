import { describe, expect, it } from "vitest";
import { day, sessionRecord, stateRecord, tokenRecord } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

export function describePurge(fixture: Fixture): void {
  describe("purgeExpired", () => {
    it("removes expired states, sessions and tokens and keeps live ones", async () => {
      const { store, now } = fixture();
      const liveState = stateRecord(now);
      const deadState = stateRecord(now - day, { expiresAt: now - 1 });
      const liveSession = sessionRecord(now);
      const idleSession = sessionRecord(now - day, { idleExpiresAt: now - 1 });
      const liveToken = tokenRecord(now);
      const deadToken = tokenRecord(now - day, { refreshExpiresAt: now - 1, accessExpiresAt: now - 2 });
      await Promise.all([
        store.putState(liveState),
        store.putState(deadState),
        store.putSession(liveSession),
        store.putSession(idleSession),
        store.putToken(liveToken),
        store.putToken(deadToken),
      ]);
      await store.purgeExpired(now);
      expect((await store.consumeState(liveState.state, now)).status).toBe("fresh");
      expect(await store.consumeState(deadState.state, now - 2)).toEqual({ status: "missing" });
      expect(await store.getSession(liveSession.idHash, now)).toEqual(liveSession);
      expect(await store.getSession(idleSession.idHash, now - 2)).toBeUndefined();
      expect(await store.getToken(liveToken.key, now)).toEqual(liveToken);
      expect(await store.getToken(deadToken.key, now - 3)).toBeUndefined();
    });
  });
}

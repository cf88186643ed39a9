import { describe, expect, it } from "vitest";
import { randomId, stateRecord } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

export function describeStates(fixture: Fixture): void {
  describe("states", () => {
    it("is fresh once, then used with the session the first callback recorded", async () => {
      const { store, now } = fixture();
      const record = stateRecord(now);
      await store.putState(record);
      expect(await store.consumeState(record.state, now + 1)).toEqual({ status: "fresh", record });
      expect(await store.consumeState(record.state, now + 2)).toEqual({
        status: "used",
        record,
        sessionIdHash: undefined,
      });
      const sessionIdHash = randomId(32);
      await store.completeState(record.state, sessionIdHash);
      expect(await store.consumeState(record.state, now + 3)).toEqual({
        status: "used",
        record,
        sessionIdHash,
      });
    });

    it("keeps whether the state restarted a login, through consume and replay", async () => {
      const { store, now } = fixture();
      const restarted = stateRecord(now, { restarted: true });
      const first = stateRecord(now);
      await store.putState(restarted);
      await store.putState(first);
      expect(await store.consumeState(restarted.state, now + 1)).toEqual({
        status: "fresh",
        record: restarted,
      });
      expect(await store.consumeState(first.state, now + 1)).toEqual({ status: "fresh", record: first });
      const replay = await store.consumeState(restarted.state, now + 2);
      expect(replay.status === "used" && replay.record.restarted).toBe(true);
    });

    it("is missing when unknown, and completing an unknown state is a no-op", async () => {
      const { store, now } = fixture();
      expect(await store.consumeState(randomId(), now)).toEqual({ status: "missing" });
      await store.completeState(randomId(), randomId(32));
      expect(await store.consumeState(randomId(), now)).toEqual({ status: "missing" });
    });

    it("is missing once `now` reaches its expiry, used or not", async () => {
      const { store, now } = fixture();
      const unused = stateRecord(now);
      const used = stateRecord(now);
      await store.putState(unused);
      await store.putState(used);
      await store.consumeState(used.state, now);
      expect(await store.consumeState(unused.state, unused.expiresAt)).toEqual({ status: "missing" });
      expect(await store.consumeState(used.state, used.expiresAt + 1)).toEqual({ status: "missing" });
      expect((await store.consumeState(unused.state, unused.expiresAt - 1)).status).toBe("fresh");
    });

    it("gives `fresh` to exactly one of 50 concurrent consumers", async () => {
      const { store, now } = fixture();
      const record = stateRecord(now);
      await store.putState(record);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.consumeState(record.state, now + 1)),
      );
      expect(results.filter((r) => r.status === "fresh")).toHaveLength(1);
      expect(results.filter((r) => r.status === "used")).toHaveLength(49);
    });

    it("gives `fresh` to exactly one consumer across two instances on the same backend", async () => {
      const { store, now, openSibling } = fixture();
      const sibling = await openSibling();
      for (let round = 0; round < 5; round++) {
        const record = stateRecord(now);
        await store.putState(record);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? sibling : store).consumeState(record.state, now + 1)),
        );
        expect(results.filter((r) => r.status === "fresh")).toHaveLength(1);
      }
    });
  });
}

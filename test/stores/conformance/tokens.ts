import { describe, expect, it } from "vitest";
import { day, minute, randomId, tokenRecord } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

export function describeTokens(fixture: Fixture): void {
  describe("tokens", () => {
    it("reads back what was put, overwrites on put, and deletes", async () => {
      const { store, now } = fixture();
      const record = tokenRecord(now);
      await store.putToken(record);
      expect(await store.getToken(record.key, now)).toEqual(record);
      const refreshed = { ...record, accessToken: `enc:${randomId()}`, updatedAt: now + 1 };
      await store.putToken(refreshed);
      expect(await store.getToken(record.key, now + 1)).toEqual(refreshed);
      await store.deleteToken(record.key);
      expect(await store.getToken(record.key, now + 1)).toBeUndefined();
      expect(await store.getToken(randomId(), now)).toBeUndefined();
    });

    it("stays readable after the access token expires, until the refresh token does", async () => {
      const { store, now } = fixture();
      const record = tokenRecord(now, { accessExpiresAt: now + minute, refreshExpiresAt: now + day });
      await store.putToken(record);
      expect(await store.getToken(record.key, now + 2 * minute)).toEqual(record);
      expect(await store.getToken(record.key, now + day - 1)).toEqual(record);
      expect(await store.getToken(record.key, now + day)).toBeUndefined();
    });

    it("keeps an app credential (no refresh token) until its access token expires", async () => {
      const { store, now } = fixture();
      const record = tokenRecord(now, {
        key: `app:${randomId(8)}`,
        refreshToken: undefined,
        refreshExpiresAt: undefined,
        scope: "",
        accessExpiresAt: now + minute,
      });
      await store.putToken(record);
      expect(await store.getToken(record.key, now + minute - 1)).toEqual(record);
      expect(await store.getToken(record.key, now + minute)).toBeUndefined();
    });

    it("expires a token only when the caller names the access token it holds", async () => {
      const { store, now } = fixture();
      const record = tokenRecord(now);
      await store.putToken(record);
      expect(await store.expireToken(record.key, `enc:${randomId()}`)).toBe(false);
      expect(await store.getToken(record.key, now)).toEqual(record);
      expect(await store.expireToken(record.key, record.accessToken)).toBe(true);
      expect(await store.getToken(record.key, now)).toBeUndefined();
      expect(await store.expireToken(record.key, record.accessToken)).toBe(false);
    });
  });
}

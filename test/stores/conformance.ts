import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/types.js";
import { day, minute, randomId, sessionRecord, sleep, stateRecord, tokenRecord } from "./fixtures.js";

export interface StoreUnderTest {
  store: Store;
  /** Closes the store and removes whatever the test wrote (file, key prefix, schema). */
  cleanup(): Promise<void>;
  /**
   * Opens a second, independent store on the same backend (another
   * connection, as another process would): used to check atomicity across
   * instances. Absent for the memory store, which shares nothing.
   */
  sibling?(): Promise<Store>;
}

const appA = "wx00000000000000aa";
const appB = "wx00000000000000bb";

/**
 * The behaviour every `Store` promises (src/stores/types.ts). Each store's
 * test file calls this with a factory that opens a fresh, empty store.
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name} store conformance`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    let siblings: Store[];
    let now: number;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      siblings = [];
      now = Date.now();
    });

    afterEach(async () => {
      for (const sibling of siblings) await sibling.close();
      await subject.cleanup();
    });

    const openSibling = async () => {
      if (!subject.sibling) return undefined;
      const sibling = await subject.sibling();
      siblings.push(sibling);
      return sibling;
    };

    describe("states", () => {
      it("is fresh once, then used with the session the first callback recorded", async () => {
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

      it("is missing when unknown, and completing an unknown state is a no-op", async () => {
        expect(await store.consumeState(randomId(), now)).toEqual({ status: "missing" });
        await store.completeState(randomId(), randomId(32));
        expect(await store.consumeState(randomId(), now)).toEqual({ status: "missing" });
      });

      it("is missing once `now` reaches its expiry, used or not", async () => {
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
        const record = stateRecord(now);
        await store.putState(record);
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.consumeState(record.state, now + 1)),
        );
        expect(results.filter((r) => r.status === "fresh")).toHaveLength(1);
        expect(results.filter((r) => r.status === "used")).toHaveLength(49);
      });

      it("gives `fresh` to exactly one consumer across two instances on the same backend", async () => {
        const sibling = await openSibling();
        if (!sibling) return;
        for (let round = 0; round < 5; round++) {
          const record = stateRecord(now);
          await store.putState(record);
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              (i % 2 ? sibling : store).consumeState(record.state, now + 1),
            ),
          );
          expect(results.filter((r) => r.status === "fresh")).toHaveLength(1);
        }
      });
    });

    describe("sessions", () => {
      it("reads back what was put, and nothing for an unknown hash", async () => {
        const record = sessionRecord(now);
        await store.putSession(record);
        expect(await store.getSession(record.idHash, now)).toEqual(record);
        expect(await store.getSession(randomId(32), now)).toBeUndefined();
      });

      it("expires by `now` at the idle or the absolute expiry, whichever comes first", async () => {
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
        const record = sessionRecord(now);
        await store.putSession(record);
        await store.deleteSession(record.idHash);
        expect(await store.getSession(record.idHash, now)).toBeUndefined();
        await store.deleteSession(record.idHash);
      });
    });

    describe("identities", () => {
      const profile = { nickname: "小明", headimgurl: "https://thirdwx.qlogo.cn/mmopen/a/132" };

      it("gives the same user to the same (appid, openid)", async () => {
        const openid = `o_${randomId(8)}`;
        const first = await store.linkIdentity({ appid: appA, openid, unionid: undefined, profile, now });
        expect(first.created).toBe(true);
        expect(first.user).toMatchObject({ unionid: undefined, ...profile, createdAt: now, updatedAt: now });
        expect(first.identity).toEqual({
          appid: appA,
          openid,
          unionid: undefined,
          userId: first.user.id,
          createdAt: now,
        });
        const again = await store.linkIdentity({
          appid: appA,
          openid,
          unionid: undefined,
          profile: undefined,
          now: now + 1,
        });
        expect(again).toEqual({ user: first.user, identity: first.identity, created: false });
        expect(await store.getUser(first.user.id)).toEqual(first.user);
        const other = await store.linkIdentity({ appid: appB, openid, unionid: undefined, profile, now });
        expect(other.user.id).not.toBe(first.user.id);
      });

      it("links two apps' identities with the same unionid to one user", async () => {
        const unionid = `u_${randomId(8)}`;
        const web = await store.linkIdentity({
          appid: appA,
          openid: `o_${randomId(8)}`,
          unionid,
          profile,
          now,
        });
        const mp = await store.linkIdentity({
          appid: appB,
          openid: `o_${randomId(8)}`,
          unionid,
          profile,
          now,
        });
        expect(web.created).toBe(true);
        expect(mp.created).toBe(false);
        expect(mp.user.id).toBe(web.user.id);
        expect(mp.user.unionid).toBe(unionid);
        const identities = await store.listIdentities(web.user.id);
        expect(identities.map((i) => i.appid).sort()).toEqual([appA, appB]);
        expect(identities.every((i) => i.unionid === unionid && i.userId === web.user.id)).toBe(true);
      });

      it("records a unionid that appears later on the existing identity and its user", async () => {
        const openid = `o_${randomId(8)}`;
        const unionid = `u_${randomId(8)}`;
        const before = await store.linkIdentity({
          appid: appA,
          openid,
          unionid: undefined,
          profile: undefined,
          now,
        });
        const later = await store.linkIdentity({
          appid: appA,
          openid,
          unionid,
          profile: undefined,
          now: now + 5,
        });
        expect(later.created).toBe(false);
        expect(later.user).toMatchObject({ id: before.user.id, unionid, updatedAt: now + 5 });
        expect(later.identity).toMatchObject({ unionid, userId: before.user.id, createdAt: now });
        const otherApp = await store.linkIdentity({
          appid: appB,
          openid: `o_${randomId(8)}`,
          unionid,
          profile,
          now,
        });
        expect(otherApp.user.id).toBe(before.user.id);
        expect(await store.getUser(before.user.id)).toMatchObject({ unionid, ...profile });
        expect(await store.listIdentities(before.user.id)).toHaveLength(2);
      });

      it("keeps an identity on its user when its late unionid already belongs to another user", async () => {
        const openid = `o_${randomId(8)}`;
        const unionid = `u_${randomId(8)}`;
        const alone = await store.linkIdentity({ appid: appA, openid, unionid: undefined, profile, now });
        const owner = await store.linkIdentity({
          appid: appB,
          openid: `o_${randomId(8)}`,
          unionid,
          profile,
          now,
        });
        const later = await store.linkIdentity({ appid: appA, openid, unionid, profile: undefined, now });
        expect(later.user.id).toBe(alone.user.id);
        expect(later.user.unionid).toBeUndefined();
        expect(later.identity.unionid).toBe(unionid);
        expect((await store.getUser(owner.user.id))?.unionid).toBe(unionid);
      });

      it("updates the user's profile when one is given, and keeps it otherwise", async () => {
        const openid = `o_${randomId(8)}`;
        const first = await store.linkIdentity({ appid: appA, openid, unionid: undefined, profile, now });
        const renamed = { nickname: "Xiao Ming 🐼", headimgurl: "https://thirdwx.qlogo.cn/mmopen/b/132" };
        const second = await store.linkIdentity({
          appid: appA,
          openid,
          unionid: undefined,
          profile: renamed,
          now: now + 7,
        });
        expect(second.user).toEqual({ ...first.user, ...renamed, updatedAt: now + 7 });
        await store.linkIdentity({
          appid: appA,
          openid,
          unionid: undefined,
          profile: undefined,
          now: now + 9,
        });
        expect(await store.getUser(first.user.id)).toEqual(second.user);
        const bare = await store.linkIdentity({
          appid: appA,
          openid: `o_${randomId(8)}`,
          unionid: undefined,
          profile: undefined,
          now,
        });
        expect(bare.user).toMatchObject({ nickname: "", headimgurl: "" });
      });

      it("creates one user for 20 concurrent first logins of one new identity", async () => {
        const sibling = (await openSibling()) ?? store;
        const openid = `o_${randomId(8)}`;
        const unionid = `u_${randomId(8)}`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? sibling : store).linkIdentity({ appid: appA, openid, unionid, profile, now }),
          ),
        );
        expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(await store.listIdentities(results[0]!.user.id)).toHaveLength(1);
      });

      it("creates one user when two apps log in the same new unionid at once", async () => {
        const sibling = (await openSibling()) ?? store;
        const unionid = `u_${randomId(8)}`;
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? sibling : store).linkIdentity({
              appid: i % 2 ? appA : appB,
              openid: `o_${i}_${randomId(8)}`,
              unionid,
              profile: undefined,
              now,
            }),
          ),
        );
        expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
        expect(await store.listIdentities(results[0]!.user.id)).toHaveLength(10);
      });

      it("finds nothing for an unknown user", async () => {
        expect(await store.getUser(randomId())).toBeUndefined();
        expect(await store.listIdentities(randomId())).toEqual([]);
      });
    });

    describe("tokens", () => {
      it("reads back what was put, overwrites on put, and deletes", async () => {
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
        const record = tokenRecord(now, { accessExpiresAt: now + minute, refreshExpiresAt: now + day });
        await store.putToken(record);
        expect(await store.getToken(record.key, now + 2 * minute)).toEqual(record);
        expect(await store.getToken(record.key, now + day - 1)).toEqual(record);
        expect(await store.getToken(record.key, now + day)).toBeUndefined();
      });

      it("keeps an app credential (no refresh token) until its access token expires", async () => {
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
        const record = tokenRecord(now);
        await store.putToken(record);
        expect(await store.expireToken(record.key, `enc:${randomId()}`)).toBe(false);
        expect(await store.getToken(record.key, now)).toEqual(record);
        expect(await store.expireToken(record.key, record.accessToken)).toBe(true);
        expect(await store.getToken(record.key, now)).toBeUndefined();
        expect(await store.expireToken(record.key, record.accessToken)).toBe(false);
      });
    });

    describe("locks", () => {
      it("is exclusive until released", async () => {
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
        const sibling = (await openSibling()) ?? store;
        const name = `refresh:${randomId(8)}`;
        const locks = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? sibling : store).acquireLock(name, 10_000)),
        );
        const held = locks.filter((lock) => lock !== undefined);
        expect(held).toHaveLength(1);
        await held[0]!.release();
      });

      it("frees a dead holder's lock after its lease, and the late release does not free the new holder's", async () => {
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
        await expect(store.acquireLock(`refresh:${randomId(8)}`, 0)).rejects.toThrow(/leaseMs/);
        await expect(store.acquireLock(`refresh:${randomId(8)}`, 1.5)).rejects.toThrow(/leaseMs/);
      });
    });

    describe("purgeExpired", () => {
      it("removes expired states, sessions and tokens and keeps live ones", async () => {
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
  });
}

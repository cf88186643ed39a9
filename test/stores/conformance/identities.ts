import { describe, expect, it } from "vitest";
import { randomId } from "../fixtures.js";
import { appA, appB, type Fixture } from "./fixture.js";

export function describeIdentities(fixture: Fixture): void {
  describe("identities", () => {
    const profile = { nickname: "小明", headimgurl: "https://thirdwx.qlogo.cn/mmopen/a/132" };

    it("gives the same user to the same (appid, openid)", async () => {
      const { store, now } = fixture();
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
      const { store, now } = fixture();
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
      const { store, now } = fixture();
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
      const { store, now } = fixture();
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
      const { store, now } = fixture();
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
      const { store, now, openSibling } = fixture();
      const sibling = await openSibling();
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
      const { store, now, openSibling } = fixture();
      const sibling = await openSibling();
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

    it("lists a user's identities oldest first, then by appid and openid", async () => {
      const { store, now } = fixture();
      const unionid = `u_${randomId(8)}`;
      const link = (appid: string, openid: string, at: number) =>
        store.linkIdentity({ appid, openid, unionid, profile: undefined, now: at });
      const first = await link(appB, "o_b", now);
      await link(appA, "o_z", now + 5);
      await link(appA, "o_a", now + 5);
      await link(appB, "o_a", now + 5);
      const listed = await store.listIdentities(first.user.id);
      expect(listed.map((i) => `${i.appid}/${i.openid}`)).toEqual([
        `${appB}/o_b`,
        `${appA}/o_a`,
        `${appA}/o_z`,
        `${appB}/o_a`,
      ]);
    });

    it("finds nothing for an unknown user", async () => {
      const { store } = fixture();
      expect(await store.getUser(randomId())).toBeUndefined();
      expect(await store.listIdentities(randomId())).toEqual([]);
    });
  });
}

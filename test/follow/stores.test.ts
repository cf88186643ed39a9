import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { storeFromUrl } from "../../src/stores/from-url.js";
import type { Store } from "../../src/stores/types.js";
import { STORE_KINDS, useStore } from "../security/support.js";
import { deleteRedisKeys, dropSchema, runName, withParam } from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from "../support/databases.js";
import {
  confirmOnPhone,
  control,
  type FollowSite,
  type FollowWorld,
  HttpBrowser,
  poll,
  startAttempt,
  startFollowSite,
  startWorld,
} from "./support.js";

let world: FollowWorld;
const sites: FollowSite[] = [];
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.emulator.close();
});
beforeEach(async () => {
  await control(world, "POST", "/reset");
});
afterEach(async () => {
  for (const site of sites.splice(0)) await site.close();
});

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`follow to log in on ${kind.name}`, () => {
    const store = useStore(kind, { beforeAll, afterAll });

    it("logs in by QR and by code, once per attempt, with duplicated pushes, and only in the bound browser", async () => {
      const site = await startFollowSite(world, store(), { mode: "safe" });
      sites.push(site);
      await control(world, "PUT", `/mp/${world.officialAccount.appid}/faults`, { duplicate: true });
      const userIds = new Set<string>();
      for (const variant of ["qr", "code"] as const) {
        const browser = new HttpBrowser();
        const started = await startAttempt(site, browser, variant);
        const delivered = await confirmOnPhone(world, started, "lily", variant === "code");
        expect(delivered.body).toMatchObject({ delivered: true });
        expect(await poll(site, new HttpBrowser(), started)).toMatchObject({ status: 403 });
        const done = await Promise.all([poll(site, browser, started), poll(site, browser, started)]);
        expect(done.filter((answer) => answer.body.status === "confirmed")).toHaveLength(1);
        const session = await (await browser.get(`${site.url}/auth/session`)).json();
        userIds.add(session.user.id);
      }
      expect(userIds.size).toBe(1);
      const duplicates = site.log.filter((line) => line.includes('"push_duplicate"'));
      expect(duplicates.length).toBeGreaterThanOrEqual(2);
    });

    it("is one user with the website QR login of the same person (linked by unionid)", async () => {
      const site = await startFollowSite(world, store());
      sites.push(site);
      const browser = new HttpBrowser();
      const started = await startAttempt(site, browser, "qr");
      await confirmOnPhone(world, started, "zhangsan");
      await poll(site, browser, started);
      const byFollowing = await (await browser.get(`${site.url}/auth/session`)).json();

      const web = new HttpBrowser();
      const start = await web.get(`${site.url}/auth/login`);
      const { confirmOnPhone: confirmWebsite } = await import("../support/confirm.js");
      const callback = await confirmWebsite(world.emulator.url, start.headers.get("location") ?? "", {
        userId: "zhangsan",
      });
      const landed = await web.get(callback.replace(/^https?:\/\/[^/]+/, site.url));
      expect(landed.status).toBe(302);
      const byWebsite = await (await web.get(`${site.url}/auth/session`)).json();
      expect(byWebsite.identity.appid).toBe(world.website.appid);
      expect(byWebsite.user.id).toBe(byFollowing.user.id);
    });
  });
}

/** Two stores on one backend, as two instances behind a load balancer have. */
const SHARED = [
  {
    name: "redis",
    check: requireRedis,
    async open(): Promise<{ stores: Store[]; cleanup(): Promise<void> }> {
      const prefix = `${runName("follow")}:`;
      const url = withParam(REDIS_URL, "prefix", prefix);
      return {
        stores: [await storeFromUrl(url), await storeFromUrl(url)],
        async cleanup() {
          const admin = new Redis(REDIS_URL);
          await deleteRedisKeys(admin, prefix);
          admin.disconnect();
        },
      };
    },
  },
  {
    name: "postgres",
    check: requirePostgres,
    async open(): Promise<{ stores: Store[]; cleanup(): Promise<void> }> {
      const schema = runName("follow");
      const url = withParam(POSTGRES_URL, "schema", schema);
      return {
        stores: [await storeFromUrl(url), await storeFromUrl(url)],
        async cleanup() {
          const admin = new pg.Client({ connectionString: POSTGRES_URL });
          await admin.connect();
          await dropSchema(admin, schema);
          await admin.end();
        },
      };
    },
  },
];

for (const shared of SHARED) {
  const service = await shared.check();
  describe.skipIf(!service.available)(`two instances on ${shared.name}`, () => {
    it("the push reaches instance 1 while the browser polls instance 2", async () => {
      const opened = await shared.open();
      try {
        const [one, two] = opened.stores as [Store, Store];
        const receiving = await startFollowSite(world, one, { mode: "compat" });
        const polled = await startFollowSite(world, two, { register: false });
        sites.push(receiving, polled);
        for (const variant of ["qr", "code"] as const) {
          const browser = new HttpBrowser();
          const started = await startAttempt(polled, browser, variant);
          expect((await poll(polled, browser, started)).body).toEqual({ status: "waiting" });
          const delivered = await confirmOnPhone(world, started, "lily", variant === "code");
          expect(delivered.body).toMatchObject({ delivered: true });
          expect(receiving.log.some((line) => line.includes('"follow_confirmed"'))).toBe(true);
          expect((await poll(polled, browser, started)).body).toMatchObject({ status: "confirmed" });
          expect((await (await browser.get(`${polled.url}/auth/session`)).json()).user.id).toBeTruthy();
        }
      } finally {
        for (const store of opened.stores) await store.close();
        await opened.cleanup();
      }
    });
  });
}

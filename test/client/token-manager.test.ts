import { describe, expect, it } from "vitest";
import {
  memoryTokenStore,
  type OAuthToken,
  ReauthorizationRequired,
  RefreshWaitTimeoutError,
  type TokenStore,
  UserTokens,
  WeChatApiError,
  WeChatTimeoutError,
} from "../../src/client/index.js";
import { APPID, caught } from "./support.js";

const OPENID = "oFakeOpenid";
const HOUR = 3_600_000;

/** A stand-in for WeChatClient.refreshToken that counts upstream refreshes and can fail on demand. */
function fakeClient(
  options: { fail?: number; delayMs?: number; sameToken?: boolean; onRefresh?: () => void } = {},
) {
  let refreshes = 0;
  return {
    appid: APPID,
    get refreshes() {
      return refreshes;
    },
    async refreshToken(refreshToken: string): Promise<OAuthToken> {
      refreshes++;
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
      if (options.fail) throw new WeChatApiError("sns/oauth2/refresh_token", options.fail, "refresh failed");
      options.onRefresh?.();
      return { ...token(options.sameToken ? "AT1" : `AT${refreshes + 1}`), refreshToken };
    },
  };
}

function token(accessToken: string): OAuthToken {
  return {
    accessToken,
    expiresIn: 7200,
    refreshToken: "RT1",
    openid: OPENID,
    scope: "snsapi_userinfo",
    unionid: undefined,
    isSnapshotUser: false,
  };
}

function clock(start = 1_000_000) {
  const state = { now: start };
  return {
    now: () => state.now,
    advance(ms: number) {
      state.now += ms;
    },
  };
}

describe("UserTokens", () => {
  it("returns the stored token while it is fresh, refreshes within the margin", async () => {
    const client = fakeClient();
    const time = clock();
    const manager = new UserTokens({ client, now: time.now });
    const record = await manager.save(token("AT1"));
    expect(record.key).toBe(`${APPID}:${OPENID}`);
    expect(await manager.getAccessToken(OPENID)).toBe("AT1");
    time.advance(2 * HOUR - 299_000); // inside the 300 s margin
    expect(await manager.getAccessToken(OPENID)).toBe("AT2");
    expect(await manager.getAccessToken(OPENID)).toBe("AT2");
    expect(client.refreshes).toBe(1);
  });

  it.each([
    ["with", (store: TokenStore) => store],
    ["without", ({ acquireLock: _lock, ...store }: TokenStore) => store],
  ])("refreshes once for 100 concurrent callers, %s a store lock", async (_name, shape) => {
    const client = fakeClient({ delayMs: 20 });
    const time = clock();
    const store = shape(memoryTokenStore({ now: time.now }));
    const manager = new UserTokens({ client, now: time.now, store });
    await manager.save(token("AT1"));
    time.advance(3 * HOUR);
    const tokens = await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken(OPENID)));
    expect(new Set(tokens)).toEqual(new Set(["AT2"]));
    expect(client.refreshes).toBe(1);
  });

  it("refreshes once across two processes sharing a store with a lock", async () => {
    const time = clock();
    const store = memoryTokenStore();
    const clients = [fakeClient({ delayMs: 50 }), fakeClient({ delayMs: 50 })];
    const managers = clients.map((client) => new UserTokens({ client, store, now: time.now }));
    await managers[0]!.save(token("AT1"));
    time.advance(3 * HOUR);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => managers[i % 2]!.getAccessToken(OPENID)),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(clients[0]!.refreshes + clients[1]!.refreshes).toBe(1);
  });

  it("gives up waiting for a lock someone else holds, after lockWaitMs", async () => {
    const time = clock();
    const store = memoryTokenStore();
    const manager = new UserTokens({ client: fakeClient(), store, now: time.now, lockWaitMs: 150 });
    await manager.save(token("AT1"));
    time.advance(3 * HOUR);
    await store.acquireLock!(`token-refresh:${APPID}:${OPENID}`, 60_000);
    const error = await caught(manager.getAccessToken(OPENID));
    // The store's lock holder is slow, not WeChat: its own error, not a network timeout.
    expect(error).toBeInstanceOf(RefreshWaitTimeoutError);
    expect(error).not.toBeInstanceOf(WeChatTimeoutError);
  });

  it("requires re-authorization when nothing is stored", async () => {
    const error = await caught(new UserTokens({ client: fakeClient() }).getAccessToken(OPENID));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect((error as ReauthorizationRequired).openid).toBe(OPENID);
  });

  it.each([40030, 42002])(
    "turns refresh errcode %i into ReauthorizationRequired and drops the record",
    async (errcode) => {
      const client = fakeClient({ fail: errcode });
      const time = clock();
      const manager = new UserTokens({ client, now: time.now });
      await manager.save(token("AT1"));
      time.advance(3 * HOUR);
      const error = await caught(manager.getAccessToken(OPENID));
      expect(error).toBeInstanceOf(ReauthorizationRequired);
      expect((error as Error).cause).toMatchObject({ errcode });
      expect(await caught(manager.getAccessToken(OPENID))).toBeInstanceOf(ReauthorizationRequired);
      expect(client.refreshes).toBe(1);
    },
  );

  it("surfaces other refresh errors unchanged and keeps the record", async () => {
    const client = fakeClient({ fail: 45011 });
    const time = clock();
    const manager = new UserTokens({ client, now: time.now });
    await manager.save(token("AT1"));
    time.advance(3 * HOUR);
    expect(await caught(manager.getAccessToken(OPENID))).toMatchObject({ errcode: 45011 });
    expect(await caught(manager.getAccessToken(OPENID))).toMatchObject({ errcode: 45011 });
    expect(client.refreshes).toBe(2);
  });

  describe("call", () => {
    const expired = () => new WeChatApiError("sns/userinfo", 42001, "access_token expired");

    it("on 42001 expires the token, refreshes once and retries once", async () => {
      const client = fakeClient();
      const manager = new UserTokens({ client });
      await manager.save(token("AT1"));
      const seen: string[] = [];
      const result = await manager.call(OPENID, async (accessToken) => {
        seen.push(accessToken);
        if (accessToken === "AT1") throw expired();
        return "ok";
      });
      expect(result).toBe("ok");
      expect(seen).toEqual(["AT1", "AT2"]);
      expect(client.refreshes).toBe(1);
      expect(await manager.getAccessToken(OPENID)).toBe("AT2");
    });

    it("does not recurse: a second 42001 surfaces", async () => {
      const client = fakeClient();
      const manager = new UserTokens({ client });
      await manager.save(token("AT1"));
      let calls = 0;
      const error = await caught(
        manager.call(OPENID, async () => {
          calls++;
          throw expired();
        }),
      );
      expect(error).toMatchObject({ errcode: 42001 });
      expect(calls).toBe(2);
      expect(client.refreshes).toBe(1);
    });

    it("leaves other errors alone", async () => {
      const client = fakeClient();
      const manager = new UserTokens({ client });
      await manager.save(token("AT1"));
      const error = await caught(
        manager.call(OPENID, async () => {
          throw new WeChatApiError("sns/userinfo", 48001, "api unauthorized");
        }),
      );
      expect(error).toMatchObject({ reason: "api_unauthorized" });
      expect(client.refreshes).toBe(0);
    });

    it("two processes hitting 42001 together refresh once, even if WeChat hands back the same token", async () => {
      // Models WeChat: the token is rejected until someone refreshes it.
      let rejectedAtWeChat = true;
      const onRefresh = () => {
        rejectedAtWeChat = false;
      };
      let tick = 1_000_000;
      const now = () => tick++;
      const store = memoryTokenStore();
      const clients = [1, 2].map(() => fakeClient({ delayMs: 30, sameToken: true, onRefresh }));
      const managers = clients.map((client) => new UserTokens({ client, store, now }));
      await managers[0]!.save(token("AT1"));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          managers[i % 2]!.call(OPENID, async (accessToken) => {
            if (rejectedAtWeChat) throw expired();
            return accessToken;
          }),
        ),
      );
      expect(new Set(results)).toEqual(new Set(["AT1"]));
      expect(clients[0]!.refreshes + clients[1]!.refreshes).toBe(1);
    });

    it("many callers hitting 42001 together cause one refresh", async () => {
      const client = fakeClient({ delayMs: 20 });
      const manager = new UserTokens({ client });
      await manager.save(token("AT1"));
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          manager.call(OPENID, async (accessToken) => {
            if (accessToken === "AT1") throw expired();
            return accessToken;
          }),
        ),
      );
      expect(new Set(results)).toEqual(new Set(["AT2"]));
      expect(client.refreshes).toBe(1);
    });
  });
});

describe("memoryTokenStore", () => {
  const record = { key: "k", accessToken: "A", refreshToken: "R", scope: "s", updatedAt: 0 };

  it("expires a token only if it is still the one that failed", async () => {
    const store: TokenStore = memoryTokenStore();
    await store.putToken({ ...record, accessExpiresAt: 100, refreshExpiresAt: 1_000 });
    expect(await store.expireToken("k", "OLD")).toBe(false);
    expect(await store.getToken("k", 50)).toMatchObject({ accessToken: "A" });
    expect(await store.expireToken("k", "A")).toBe(true);
    expect(await store.getToken("k", 50)).toBeUndefined();
  });

  it("keeps a record readable until its refresh token expires", async () => {
    const store = memoryTokenStore();
    await store.putToken({ ...record, accessExpiresAt: 100, refreshExpiresAt: 1_000 });
    expect(await store.getToken("k", 500)).toBeDefined();
    expect(await store.getToken("k", 1_000)).toBeUndefined();
  });

  it("leases locks with growing fencing tokens", async () => {
    const time = clock(0);
    const store = memoryTokenStore({ now: time.now });
    const first = await store.acquireLock!("l", 100);
    expect(first?.fencingToken).toBe(1);
    expect(await store.acquireLock!("l", 100)).toBeUndefined();
    time.advance(100);
    const second = await store.acquireLock!("l", 100);
    expect(second?.fencingToken).toBe(2);
    await first!.release(); // the lapsed holder cannot release the new lease
    expect(await store.acquireLock!("l", 100)).toBeUndefined();
    await second!.release();
    expect((await store.acquireLock!("l", 100))?.fencingToken).toBe(3);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  memoryTokenStore,
  type OAuthToken,
  ReauthorizationRequired,
  UserTokens,
  type WeChatClient,
} from "../../src/client/index.js";
import { type Emulator, track, useEmulator } from "./emulator.js";
import { caught } from "./support.js";

let emulator: Emulator;
let client: WeChatClient;
const REFRESH = "/sns/oauth2/refresh_token";
const USERINFO = "/sns/userinfo";

beforeAll(async () => {
  emulator = await useEmulator();
  client = emulator.client(emulator.website.appid);
});
beforeEach(() => emulator.reset());
afterAll(() => emulator.close());

const count = async (path: string) => (await emulator.counts())[path] ?? 0;

/** UserTokens on a clock the test moves, holding a fresh token from the emulator. */
async function managerWithToken(userId = "zhangsan", lock = true) {
  const time = { now: Date.now() };
  const now = () => time.now;
  const { acquireLock, ...withoutLock } = memoryTokenStore({ now });
  const store = lock ? { ...withoutLock, acquireLock } : withoutLock;
  const manager = new UserTokens({ client, store, now });
  const token: OAuthToken = track(
    await client.exchangeCode(await emulator.code(emulator.website.appid, { userId })),
  );
  await manager.save(token);
  return { manager, token, time };
}

describe("UserTokens against the emulator", () => {
  it.each([
    ["with", true],
    ["without", false],
  ])(
    "100 concurrent callers on an expired token cause exactly one upstream refresh, %s a store lock",
    async (_name, lock) => {
      const { manager, token, time } = await managerWithToken("zhangsan", lock);
      await emulator.advance(7300);
      time.now += 7300_000;
      const tokens = await Promise.all(
        Array.from({ length: 100 }, () => manager.getAccessToken(token.openid)),
      );
      expect(new Set(tokens).size).toBe(1);
      track({ accessToken: tokens[0] });
      expect(tokens[0]).not.toBe(token.accessToken);
      expect(await count(REFRESH)).toBe(1);
      expect(await client.checkToken(tokens[0]!, token.openid)).toBe(true);
    },
  );

  it("on 42001 expires, refreshes once and retries the call once", async () => {
    const { manager, token } = await managerWithToken();
    await emulator.fault({ endpoint: USERINFO, kind: "errcode", errcode: 42001 });
    const user = await manager.call(token.openid, (accessToken) =>
      client.getUserInfo(accessToken, token.openid),
    );
    expect(user.openid).toBe(token.openid);
    expect(await count(REFRESH)).toBe(1);
    expect(await count(USERINFO)).toBe(2);
  });

  it("a second 42001 surfaces instead of looping", async () => {
    const { manager, token } = await managerWithToken();
    await emulator.fault({ endpoint: USERINFO, kind: "errcode", errcode: 42001, times: 5 });
    const error = await caught(
      manager.call(token.openid, (accessToken) => client.getUserInfo(accessToken, token.openid)),
    );
    expect(error).toMatchObject({ errcode: 42001 });
    expect(await count(REFRESH)).toBe(1);
    expect(await count(USERINFO)).toBe(2);
  });

  it("a dead refresh token (40030) means ReauthorizationRequired, and the record is gone", async () => {
    const { manager, token, time } = await managerWithToken();
    time.now += 7300_000;
    await emulator.fault({ endpoint: REFRESH, kind: "errcode", errcode: 40030 });
    expect(await caught(manager.getAccessToken(token.openid))).toBeInstanceOf(ReauthorizationRequired);
    expect(await caught(manager.getAccessToken(token.openid))).toBeInstanceOf(ReauthorizationRequired);
    expect(await count(REFRESH)).toBe(1);
  });

  it("an expired refresh token (42002, 30 days later) means ReauthorizationRequired", async () => {
    const { manager, token, time } = await managerWithToken();
    // The manager's clock moves past the access token only; WeChat's clock past the refresh token too.
    time.now += 7300_000;
    await emulator.advance(31 * 24 * 3600);
    const error = await caught(manager.getAccessToken(token.openid));
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect((error as ReauthorizationRequired).cause).toMatchObject({ errcode: 42002 });
  });
});

describe("connection pool", () => {
  it("1,000 concurrent calls open no more TCP connections than the pool size", async () => {
    const { token } = await managerWithToken();
    const pooled = emulator.client(emulator.website.appid, { connections: 4 });
    const before = await emulator.connections();
    // Keeps the control API's own keep-alive connection busy, so the server never idles it out and it is not counted twice.
    const heartbeat = setInterval(() => void emulator.connections(), 500);
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => pooled.checkToken(token.accessToken, token.openid)),
    ).finally(() => clearInterval(heartbeat));
    const after = await emulator.connections();
    expect(results.every((result) => result === true)).toBe(true);
    expect(after.opened - before.opened).toBeGreaterThan(0);
    expect(after.opened - before.opened).toBeLessThanOrEqual(4);
    expect(Object.values(pooled.stats())[0]).toMatchObject({ connected: expect.any(Number) });
    expect(Object.values(pooled.stats())[0]!.connected).toBeLessThanOrEqual(4);
  });
});

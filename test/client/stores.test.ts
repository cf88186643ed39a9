import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type OAuthToken,
  ReauthorizationRequired,
  TokenManager,
  type WeChatClient,
} from "../../src/client/index.js";
import { sqliteStore } from "../../src/stores/sqlite.js";
import type { Store } from "../../src/stores/types.js";
import { type Emulator, track, useEmulator } from "./emulator.js";
import { caught } from "./support.js";

// The TokenManager over the package's real stores: two store instances on one SQLite file stand for two processes.
let emulator: Emulator;
let client: WeChatClient;
let directory: string;
let stores: Store[];
const REFRESH = "/sns/oauth2/refresh_token";

beforeAll(async () => {
  emulator = await useEmulator();
  client = emulator.client(emulator.website.appid);
  directory = mkdtempSync(join(tmpdir(), "wechat-login-client-"));
});
beforeEach(async () => {
  await emulator.reset();
  const filename = join(directory, `${crypto.randomUUID()}.db`);
  stores = [await sqliteStore({ filename }), await sqliteStore({ filename })];
  return async () => {
    for (const store of stores) await store.close();
  };
});
afterAll(async () => {
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

const count = async (path: string) => (await emulator.counts())[path] ?? 0;

async function managers() {
  const time = { now: Date.now() };
  const now = () => time.now;
  const both = stores.map((store) => new TokenManager({ client, store, now }));
  const token: OAuthToken = track(await client.exchangeCode(await emulator.code(emulator.website.appid)));
  await both[0]!.save(token);
  return { both, token, time };
}

describe("TokenManager over sqliteStore", () => {
  it("100 callers across two processes on an expired token cause one upstream refresh", async () => {
    const { both, token, time } = await managers();
    await emulator.advance(7300);
    time.now += 7300_000;
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => both[i % 2]!.getAccessToken(token.openid)),
    );
    expect(new Set(tokens).size).toBe(1);
    track({ accessToken: tokens[0] });
    expect(await count(REFRESH)).toBe(1);
  });

  it("recovers from 42001 in either process with one refresh", async () => {
    const { both, token } = await managers();
    await emulator.fault({ endpoint: "/sns/userinfo", kind: "errcode", errcode: 42001, times: 2 });
    const users = await Promise.all(
      both.map((manager) =>
        manager.call(token.openid, (accessToken) => client.getUserInfo(accessToken, token.openid)),
      ),
    );
    expect(users.map((user) => user.openid)).toEqual([token.openid, token.openid]);
    expect(await count(REFRESH)).toBe(1);
  });

  it("drops the record on 40030 so every process asks for a new login", async () => {
    const { both, token, time } = await managers();
    time.now += 7300_000;
    await emulator.fault({ endpoint: REFRESH, kind: "errcode", errcode: 40030 });
    expect(await caught(both[0]!.getAccessToken(token.openid))).toBeInstanceOf(ReauthorizationRequired);
    expect(await stores[1]!.getToken(`${client.appid}:${token.openid}`, time.now)).toBeUndefined();
    expect(await caught(both[1]!.getAccessToken(token.openid))).toBeInstanceOf(ReauthorizationRequired);
    expect(await count(REFRESH)).toBe(1);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AppCredential,
  ConfigError,
  type OAuthToken,
  ReauthorizationRequired,
  UserTokens,
  WeChatApiError,
  type WeChatClient,
} from "../../src/client/index.js";
import { sqliteStore } from "../../src/stores/sqlite.js";
import type { Store } from "../../src/stores/types.js";
import { type Emulator, track, useEmulator } from "./emulator.js";
import { caught } from "./support.js";

// UserTokens and AppCredential over the package's real stores: two store instances on one SQLite file stand for two processes.
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
  const both = stores.map((store) => new UserTokens({ client, store, now }));
  const token: OAuthToken = track(await client.exchangeCode(await emulator.code(emulator.website.appid)));
  await both[0]!.save(token);
  return { both, token, time };
}

describe("UserTokens and AppCredential over sqliteStore", () => {
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

  it("fetches the app credential once for both processes and serves it from the store until it expires", async () => {
    const time = { now: Date.now() };
    const both = stores.map((store) => new AppCredential({ client, store, now: () => time.now }));
    const STABLE = "/cgi-bin/stable_token";
    const first = await Promise.all(Array.from({ length: 100 }, (_, i) => both[i % 2]!.getAccessToken()));
    expect(new Set(first.map((token) => track(token).accessToken)).size).toBe(1);
    expect(await count(STABLE)).toBe(1);
    const stored = await stores[1]!.getToken(`app:${client.appid}`, time.now);
    expect(stored?.accessToken).toBe(first[0]!.accessToken);

    time.now += 3_600_000;
    const later = await both[1]!.getAccessToken();
    expect(later.accessToken).toBe(first[0]!.accessToken);
    expect(later.expiresIn).toBeLessThanOrEqual(3_600);
    expect(await count(STABLE)).toBe(1);

    // Inside the refresh margin stable_token answers the same token with little time left: kept, not refetched per call.
    await emulator.advance(7_000);
    time.now += 3_400_000;
    const nearEnd = await both[0]!.getAccessToken();
    expect(nearEnd.accessToken).toBe(first[0]!.accessToken);
    await both[1]!.getAccessToken();
    expect(await count(STABLE)).toBe(2);

    // Past its lifetime WeChat hands out a new one: fetched once, for everyone.
    await emulator.advance(300);
    time.now += 300_000;
    const renewed = await Promise.all(Array.from({ length: 20 }, (_, i) => both[i % 2]!.getAccessToken()));
    expect(new Set(renewed.map((token) => track(token).accessToken))).toEqual(
      new Set([renewed[0]!.accessToken]),
    );
    expect(renewed[0]!.accessToken).not.toBe(first[0]!.accessToken);
    expect(await count(STABLE)).toBe(3);
  });

  it("refuses the app credential with a stand-in client that cannot fetch it", async () => {
    const standIn = { appid: client.appid, refreshToken: client.refreshToken };
    const error = await caught(
      (async () => new AppCredential({ client: standIn as unknown as WeChatClient, store: stores[0] }))(),
    );
    expect(error).toBeInstanceOf(ConfigError);
  });

  it("replaces a rejected app credential once for both processes and retries the call once", async () => {
    const both = stores.map((store) => new AppCredential({ client, store }));
    const original = track(await both[0]!.getAccessToken()).accessToken;
    // Someone force-refreshes the stable token; 6 minutes later (past WeChat's overlap) the old one is refused.
    const forced = await fetch(`${emulator.url}/cgi-bin/stable_token`, {
      method: "POST",
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: client.appid,
        secret: emulator.website.secret,
        force_refresh: true,
      }),
    });
    const replacement = track({
      accessToken: ((await forced.json()) as { access_token: string }).access_token,
    });
    await emulator.advance(360);

    const used: string[] = [];
    const callbackIp = async (accessToken: string) => {
      used.push(accessToken);
      const response = await fetch(`${emulator.url}/cgi-bin/getcallbackip?access_token=${accessToken}`);
      const body = (await response.json()) as { errcode?: number; errmsg?: string; ip_list?: string[] };
      if (body.errcode) throw new WeChatApiError("cgi-bin/token", body.errcode, body.errmsg ?? "");
      return body.ip_list;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => both[i % 2]!.call(callbackIp)));
    expect(results.every((ips) => ips?.[0] === "127.0.0.1")).toBe(true);
    expect(new Set(used)).toEqual(new Set([original, replacement.accessToken]));
    // The first fetch, the forced one, and one refetch for the whole cluster.
    expect(await count("/cgi-bin/stable_token")).toBe(3);
    expect((await stores[1]!.getToken(`app:${client.appid}`, Date.now()))?.accessToken).toBe(
      replacement.accessToken,
    );

    const refused = vi.fn(async () => {
      throw new WeChatApiError("cgi-bin/token", 40001, "invalid credential");
    });
    expect(await caught(both[0]!.call(refused))).toBeInstanceOf(WeChatApiError);
    expect(refused).toHaveBeenCalledTimes(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError, ReauthorizationRequired, WeChatClient } from "../../src/client/index.js";
import { Browser, type Harness, startHarness, startLogin } from "./harness.js";

// keepTokens: the flow keeps each user's WeChat tokens, sealed in the store, and login.tokens() hands them back fresh.
let harness: Harness;
let wechat: WeChatClient;
beforeAll(async () => {
  harness = await startHarness({ keepTokens: true });
  wechat = new WeChatClient({ ...harness.website, apiBase: harness.emulator.url });
});
afterAll(async () => {
  await wechat.close();
  await harness.close();
});

async function logIn(login = harness.login) {
  const browser = new Browser(login);
  await browser.request(await startLogin(harness, browser));
  const session = await login.getSession(
    new Request("http://localhost:3999/", {
      headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ") },
    }),
  );
  if (!session) throw new Error("not logged in");
  return session.identity;
}

async function advance(seconds: number) {
  await fetch(`${harness.emulator.url}/_emulator/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds }),
  });
  harness.clock.offsetMs += seconds * 1000;
}

async function upstreamCount(path: string): Promise<number> {
  const response = await fetch(`${harness.emulator.url}/_emulator/requests`);
  return ((await response.json()) as { counts: Record<string, number> }).counts[path] ?? 0;
}

describe("login.tokens() with keepTokens", () => {
  it("returns a token WeChat accepts, stored only encrypted", async () => {
    const { appid, openid } = await logIn();
    const accessToken = await harness.login.tokens(appid).getAccessToken(openid);
    await expect(wechat.checkToken(accessToken, openid)).resolves.toBe(true);

    const raw = await harness.store.getToken(`${appid}:${openid}`, Date.now() + harness.clock.offsetMs);
    expect(raw?.accessToken).toMatch(/^v1\./);
    expect(raw?.refreshToken).toMatch(/^v1\./);
    expect(JSON.stringify(raw)).not.toContain(accessToken);
  });

  it("refreshes an expired token once and seals the new one", async () => {
    const { appid, openid } = await logIn();
    const tokens = harness.login.tokens(appid);
    const before = await tokens.getAccessToken(openid);
    const refreshes = await upstreamCount("/sns/oauth2/refresh_token");
    await advance(7_300);

    const after = await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken(openid)));
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(before);
    expect(await upstreamCount("/sns/oauth2/refresh_token")).toBe(refreshes + 1);
    await expect(wechat.checkToken(after[0]!, openid)).resolves.toBe(true);
    const raw = await harness.store.getToken(`${appid}:${openid}`, Date.now() + harness.clock.offsetMs);
    expect(raw?.accessToken).not.toContain(after[0]!);
  });

  it("recovers from 42001 through the sealed store (compare-and-expire on the plaintext)", async () => {
    const { appid, openid } = await logIn();
    await fetch(`${harness.emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "/sns/userinfo", kind: "errcode", errcode: 42001 }),
    });
    const refreshes = await upstreamCount("/sns/oauth2/refresh_token");
    const user = await harness.login
      .tokens(appid)
      .call(openid, (accessToken) => wechat.getUserInfo(accessToken, openid));
    expect(user.openid).toBe(openid);
    expect(await upstreamCount("/sns/oauth2/refresh_token")).toBe(refreshes + 1);
  });

  it("asks for a new login when the tokens were sealed under another SESSION_SECRET", async () => {
    const { appid, openid } = await logIn();
    const rotated = await startHarness({
      keepTokens: true,
      sessionSecret: "r".repeat(32),
      store: harness.store,
    });
    try {
      const error = await rotated.login
        .tokens(appid)
        .getAccessToken(openid)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ReauthorizationRequired);
    } finally {
      await rotated.login.close();
      await rotated.emulator.close();
    }
  });

  it("rejects an appid the login does not know", () => {
    expect(() => harness.login.tokens("wx00000000000000ff")).toThrow(InvalidArgumentError);
  });
});

describe("without keepTokens", () => {
  it("keeps no token: login.tokens() asks for a new login", async () => {
    const plain = await startHarness();
    try {
      const browser = new Browser(plain.login);
      await browser.request(await startLogin(plain, browser));
      const identity = (await (await browser.request("/auth/session")).json()) as {
        identity: { appid: string; openid: string };
      };
      const { appid, openid } = identity.identity;
      expect(await plain.store.getToken(`${appid}:${openid}`, Date.now())).toBeUndefined();
      const error = await plain.login
        .tokens(appid)
        .getAccessToken(openid)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ReauthorizationRequired);
    } finally {
      await plain.close();
    }
  });
});

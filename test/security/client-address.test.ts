import { afterEach, describe, expect, it } from "vitest";
import { createLogin, type LoginOptions, parseLoginConfig } from "../../src/flow/index.js";
import { ConfigError } from "../../src/protocol/errors.js";
import { memoryStore } from "../../src/stores/memory.js";
import { redisStore } from "../../src/stores/redis.js";
import { offlineOptions } from "../adapters/sites.js";
import { freePort } from "../support/ports.js";

import { ClientAt, guessedCallback, type Site, startSite, statuses } from "./rate-limit-support.js";

const tight = { login: { points: 3, durationSeconds: 60 }, callback: { points: 3, durationSeconds: 60 } };

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((thing) => thing.close()));
});
async function site(overrides: Partial<LoginOptions> = {}): Promise<Site> {
  const started = await startSite(memoryStore(), { rateLimit: tight, ...overrides });
  opened.push(started);
  return started;
}
function client(address: string): ClientAt {
  const made = new ClientAt(address);
  opened.push(made);
  return made;
}

describe("the client address", () => {
  it("is the socket's without trustProxy: a forged X-Forwarded-For changes nothing", async () => {
    const { url } = await site();
    const answers = await client("127.0.0.2").flood(
      () => `${url}/auth/login`,
      6,
      (index) => ({ "x-forwarded-for": `203.0.113.${index}` }),
      1,
    );
    expect(statuses(answers)).toEqual({ 302: 3, 429: 3 });
  });

  it("is read right to left past trusted hops with trustProxy, and what the client forged on the left is ignored", async () => {
    const { url } = await site({ trustProxy: 1 });
    const proxy = client("127.0.0.2");
    // One proxy appends the address it saw; anything before that is the client's own claim.
    const via = (forwardedFor: string) =>
      proxy.flood(
        () => `${url}/auth/login`,
        4,
        () => ({ "x-forwarded-for": forwardedFor }),
        1,
      );
    expect(statuses(await via("198.51.100.7"))).toEqual({ 302: 3, 429: 1 });
    expect(statuses(await via("203.0.113.1, 198.51.100.7"))).toEqual({ 429: 4 });
    expect(statuses(await via("198.51.100.8"))).toEqual({ 302: 3, 429: 1 });
  });

  it("trusts only the listed proxies: headers from any other peer are ignored", async () => {
    const { url } = await site({ trustProxy: ["127.0.0.2", "10.0.0.0/8"] });
    const trusted = client("127.0.0.2");
    const stranger = client("127.0.0.3");
    const from = (who: ClientAt, forwardedFor: string) =>
      who.flood(
        () => `${url}/auth/login`,
        3,
        () => ({ "x-forwarded-for": forwardedFor }),
        1,
      );
    // Through the trusted proxy each forwarded client counts on its own...
    expect(statuses(await from(trusted, "198.51.100.1"))).toEqual({ 302: 3 });
    expect(statuses(await from(trusted, "198.51.100.2"))).toEqual({ 302: 3 });
    // ...and a hop inside 10.0.0.0/8 is trusted too, so the client before it is the key.
    expect(statuses(await from(trusted, "198.51.100.3, 10.1.2.3"))).toEqual({ 302: 3 });
    // A stranger's header is its own claim: all of its requests count under its socket address.
    expect(statuses(await from(stranger, "198.51.100.4"))).toEqual({ 302: 3 });
    expect(statuses(await from(stranger, "198.51.100.5"))).toEqual({ 429: 3 });
  });

  it("counts an IPv6 client by its /64", async () => {
    const login = createLogin(offlineOptions(3000, { store: memoryStore(), rateLimit: tight }));
    opened.push(login);
    const start = (address: string) =>
      login.handle(new Request("http://localhost:3000/auth/login"), { remoteAddress: address });
    const statusesOf = async (addresses: string[]) => {
      const answers = [];
      for (const address of addresses) answers.push((await start(address)).status);
      return answers;
    };
    expect(
      await statusesOf(["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9", "2001:db8:1:2::3"]),
    ).toEqual([302, 302, 302, 429]);
    expect(await statusesOf(["2001:db8:1:3::1", "::ffff:192.0.2.1", "192.0.2.1"])).toEqual([302, 302, 302]);
    expect((await start("192.0.2.1")).status).toBe(302);
    expect((await start("::ffff:192.0.2.1")).status).toBe(429);
  });

  it("puts requests without any address under one shared key, and says so once in the log", async () => {
    const warnings: object[] = [];
    const logging = createLogin(
      offlineOptions(3000, {
        store: memoryStore(),
        rateLimit: tight,
        logger: { info: () => undefined, warn: (object) => warnings.push(object), error: () => undefined },
      }),
    );
    opened.push(logging);
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push((await logging.handle(new Request("http://localhost:3000/auth/login"))).status);
    expect(answers).toEqual([302, 302, 302, 429, 429]);
    expect(warnings.filter((w) => (w as { event?: string }).event === "client_address_unknown")).toHaveLength(
      1,
    );
  });
});

describe("the 429 answer", () => {
  it("is a zh-CN page for Chinese browsers, English otherwise, and JSON for JSON clients", async () => {
    const { url } = await site({ rateLimit: { login: { points: 1, durationSeconds: 60 } } });
    const browser = client("127.0.0.2");
    await browser.get(`${url}/auth/login`);
    const zh = await browser.get(`${url}/auth/login`, { "accept-language": "zh-CN,zh;q=0.9" });
    expect(zh.status).toBe(429);
    expect(zh.headers.get("content-type")).toMatch(/^text\/html/);
    expect(zh.headers.get("cache-control")).toBe("no-store");
    const zhPage = await zh.text();
    expect(zhPage).toContain('<html lang="zh-CN">');
    expect(zhPage).toContain("登录请求过于频繁");
    const en = await browser.get(`${url}/auth/login`, { "accept-language": "en-US" });
    expect(await en.text()).toContain("Too many login attempts");
    const script = await browser.get(`${url}/auth/qr`);
    expect(script.headers.get("content-type")).toMatch(/^application\/json/);
    const api = await browser.get(`${url}/auth/login`, { accept: "application/json" });
    expect(api.status).toBe(429);
    const body = (await api.json()) as { error: string; retryAfterSeconds: number };
    expect(body.error).toBe("rate_limited");
    expect(String(body.retryAfterSeconds)).toBe(api.headers.get("retry-after"));
  });

  it("is logged once per client and window however long the flood, without secrets", async () => {
    const started = await site();
    const answers = await client("127.0.0.2").flood((index) => guessedCallback(started.url, index), 60);
    expect(statuses(answers)[429]).toBe(57);
    const limited = started.logged.filter((line) => line.object.event === "rate_limited");
    expect(limited).toEqual([
      expect.objectContaining({
        level: "warn",
        object: expect.objectContaining({ rule: "callback", client: "127.0.0.2" }),
      }),
    ]);
    const text = JSON.stringify(started.logged);
    expect(text).not.toContain("f".repeat(32));
    expect(text).not.toMatch(/code=c\d/);
  });
});

describe("switching the limits", () => {
  it("off with rateLimit: false lets a 300-request flood through", async () => {
    const { url } = await site({ rateLimit: false });
    const answers = await client("127.0.0.2").flood(() => `${url}/auth/login`, 300);
    expect(statuses(answers)).toEqual({ 302: 300 });
  });

  it("caps the states one client may start per state lifetime, whatever the login rate allows", async () => {
    const { url } = await site({
      rateLimit: { login: { points: 1000, durationSeconds: 60 }, statesPerClient: 4 },
    });
    const answers = await client("127.0.0.2").flood(
      () => `${url}/auth/login`,
      6,
      () => ({}),
      1,
    );
    expect(statuses(answers)).toEqual({ 302: 4, 429: 2 });
    // The cap's window is the state lifetime: the client is told to wait up to that long.
    expect(Number(answers[5]!.retryAfter)).toBeGreaterThan(60);
    expect(Number(answers[5]!.retryAfter)).toBeLessThanOrEqual(600);
  });

  it("refuses options that are not valid, naming the field", () => {
    const bad: Array<[Partial<LoginOptions>, string]> = [
      [{ rateLimit: { login: { points: 0, durationSeconds: 60 } } }, "rateLimit"],
      [{ trustProxy: "not-an-address" }, "trustProxy"],
      [{ trustProxy: -1 }, "trustProxy"],
      [{ purgeIntervalSeconds: 0 }, "purgeIntervalSeconds"],
    ];
    for (const [overrides, field] of bad) {
      const attempt = () => parseLoginConfig(offlineOptions(3000, overrides));
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(new RegExp(field));
    }
  });
});

describe("a limiter whose store is down", () => {
  it("answers 503, as every login route does when the store is down (it fails closed)", async () => {
    const store = redisStore({
      url: `redis://127.0.0.1:${await freePort()}`,
      redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 300 },
    });
    opened.push(store);
    const started = await site({ store });
    const answer = await client("127.0.0.2").get(`${started.url}/auth/login`);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('data-outcome="store_unavailable"');
  });
});

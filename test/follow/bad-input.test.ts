import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeEncodingAesKey, encryptMessage, pushSignature } from "../../src/protocol/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
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
  ticketOf,
} from "./support.js";

let world: FollowWorld;
let site: FollowSite | undefined;
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
  await site?.close();
  site = undefined;
});

const TIMESTAMP = "1714037059";
const NONCE = "1320562132";

function signed(token: string, encrypt?: string): Record<string, string> {
  const query: Record<string, string> = {
    signature: pushSignature(token, TIMESTAMP, NONCE),
    timestamp: TIMESTAMP,
    nonce: NONCE,
  };
  if (encrypt !== undefined) {
    query.encrypt_type = "aes";
    query.msg_signature = pushSignature(token, TIMESTAMP, NONCE, encrypt);
  }
  return query;
}

function event(fields: Record<string, string>): string {
  const body = Object.entries(fields)
    .map(([name, value]) => `<${name}><![CDATA[${value}]]></${name}>`)
    .join("");
  return `<xml>${body}</xml>`;
}

async function post(url: string, query: Record<string, string>, body: string) {
  const response = await fetch(`${url}?${new URLSearchParams(query)}`, { method: "POST", body });
  return { status: response.status, text: await response.text() };
}

/** Every value a log line must never hold. */
function secretsOf(extra: string[]): string[] {
  return [
    world.console.token,
    world.console.encodingAesKey,
    world.officialAccount.secret,
    world.website.secret,
    ...extra,
  ].filter((value) => value.length >= 6);
}

describe("the push receiver refuses bad input with a 4xx, never a 500, and makes no session", () => {
  it("in safe mode: forged and missing signatures, XXE, billion laughs, 10 MB, another account, another appid, garbage base64", async () => {
    site = await startFollowSite(world, memoryStore(), { mode: "safe" });
    const { token, encodingAesKey, originalId } = world.console;
    const key = decodeEncodingAesKey(encodingAesKey);
    const sealed = (inner: string, appid = world.officialAccount.appid) => encryptMessage(inner, key, appid);
    const envelope = (encrypt: string) => `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const inner = (to: string) =>
      event({ ToUserName: to, FromUserName: "o1", CreateTime: "1", MsgType: "event", Event: "subscribe" });
    const good = sealed(inner(originalId));
    const otherAccount = sealed(inner("gh_000000000000"));
    const otherAppid = sealed(inner(originalId), "wx0000000000000000");

    const results = [
      await post(site.eventsUrl, { ...signed(token, good), signature: "0".repeat(40) }, envelope(good)),
      await post(site.eventsUrl, { timestamp: TIMESTAMP, nonce: NONCE }, envelope(good)),
      await post(site.eventsUrl, { ...signed(token, good), msg_signature: "1".repeat(40) }, envelope(good)),
      await post(
        site.eventsUrl,
        signed(token, "x"),
        `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>`,
      ),
      await post(
        site.eventsUrl,
        signed(token, "x"),
        `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>`,
      ),
      await post(
        site.eventsUrl,
        signed(token, "x"),
        `<xml><Encrypt>${"a".repeat(10 * 1024 * 1024)}</Encrypt></xml>`,
      ),
      await post(site.eventsUrl, signed(token, otherAccount), envelope(otherAccount)),
      await post(site.eventsUrl, signed(token, otherAppid), envelope(otherAppid)),
      await post(site.eventsUrl, signed(token, "!!!garbage==="), envelope("!!!garbage===")),
      // Plaintext, although a key is configured: a push stripped of its encryption.
      await post(site.eventsUrl, signed(token), inner(originalId)),
    ];
    expect(results.map((result) => result.status)).toEqual([
      403, 403, 403, 400, 400, 413, 400, 400, 400, 400,
    ]);
    expect(results.every((result) => result.text === "")).toBe(true);
    // The same push, correctly signed, is fine: the receiver is not simply refusing everything.
    expect(await post(site.eventsUrl, signed(token, good), envelope(good))).toEqual({
      status: 200,
      text: "success",
    });
    const rejected = site.log
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "push_rejected");
    expect(rejected.map((line) => line.errorNumber ?? line.reason)).toEqual([
      -40001,
      -40001,
      -40001,
      -40008,
      -40008,
      "body_too_large",
      -40005,
      -40005,
      -40010,
      -40007,
    ]);
    expect(site.log.some((line) => line.includes("internal_error"))).toBe(false);
    for (const secret of secretsOf([good])) expect(site.log.join("\n")).not.toContain(secret);
  }, 20_000);

  it("answers the handshake with the raw echostr only when signed, and refuses a bad one with 403", async () => {
    site = await startFollowSite(world, memoryStore(), { register: false });
    const echostr = "7184839465381519813";
    const ok = await fetch(
      `${site.eventsUrl}?${new URLSearchParams({ ...signed(world.console.token), echostr })}`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(echostr);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain/);
    const forged = await fetch(
      `${site.eventsUrl}?${new URLSearchParams({ ...signed("anotherToken1"), echostr })}`,
    );
    expect(forged.status).toBe(403);
    expect(await forged.text()).toBe("");
    const missing = await fetch(`${site.eventsUrl}?echostr=${echostr}`);
    expect(missing.status).toBe(403);
  });

  it("acknowledges a replayed push and an unknown scene or code with success, and confirms nothing with them", async () => {
    site = await startFollowSite(world, memoryStore());
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, "qr");
    const { token, originalId } = world.console;
    const scan = (scene: string, ticket: string, createTime: string) =>
      event({
        ToUserName: originalId,
        FromUserName: "oForgedScanner",
        CreateTime: createTime,
        MsgType: "event",
        Event: "SCAN",
        EventKey: scene,
        Ticket: ticket,
      });
    // Unknown scene, and a known one's ticket under another scene: the push is not a login's.
    expect(await post(site.eventsUrl, signed(token), scan("wl_unknown", ticketOf(started), "10"))).toEqual({
      status: 200,
      text: "success",
    });
    const text = (content: string, msgId: string) =>
      event({
        ToUserName: originalId,
        FromUserName: "oForgedScanner",
        CreateTime: "11",
        MsgType: "text",
        Content: content,
        MsgId: msgId,
      });
    const unknownCode = await post(site.eventsUrl, signed(token), text("000000", "1"));
    expect(unknownCode.status).toBe(200);
    expect(unknownCode.text).toContain("登录码无效或已过期");
    expect((await poll(site, browser, started)).body).toEqual({ status: "waiting" });

    // The real scan, delivered twice (WeChat retries; a replay): confirmed once, one session.
    await control(world, "PUT", `/mp/${world.officialAccount.appid}/faults`, { duplicate: true });
    const delivered = await confirmOnPhone(world, started, "zhangsan");
    expect(delivered.body).toMatchObject({ delivered: true });
    const duplicates = site.log
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "push_duplicate");
    expect(duplicates).toHaveLength(1);
    expect((await poll(site, browser, started)).body).toMatchObject({ status: "confirmed" });
  });

  it("ignores a push whose ticket is not the attempt's", async () => {
    const store = memoryStore();
    site = await startFollowSite(world, store, { variants: ["qr"] });
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, "qr");
    const scene = (await store.getAttempt(started.attemptId, Date.now()))?.handle ?? "";
    expect(scene).toMatch(/^wl[0-9a-f]{32}$/);
    const forged = await post(
      site.eventsUrl,
      signed(world.console.token),
      event({
        ToUserName: world.console.originalId,
        FromUserName: "oAttacker",
        CreateTime: "12",
        MsgType: "event",
        Event: "SCAN",
        EventKey: scene,
        Ticket: "gQForgedTicket==",
      }),
    );
    expect(forged).toEqual({ status: 200, text: "success" });
    expect((await poll(site, browser, started)).body).toEqual({ status: "waiting" });
    expect(site.log.some((line) => line.includes("ticket_mismatch"))).toBe(true);
  });
});

describe("attempts are bound to the browser that started them", () => {
  it("a poll from another browser gets 403 and no session; the bound browser then logs in", async () => {
    site = await startFollowSite(world, memoryStore());
    const a = new HttpBrowser();
    const b = new HttpBrowser();
    for (const variant of ["qr", "code"] as const) {
      const started = await startAttempt(site, a, variant);
      await confirmOnPhone(world, started, "lily", variant === "code");
      const stolen = await poll(site, b, started);
      expect(stolen).toEqual({ status: 403, body: { error: "attempt_other_browser" } });
      expect(b.cookies.size).toBe(0);
      expect((await poll(site, a, started)).body).toMatchObject({ status: "confirmed" });
    }
  });

  it("a malformed attempt id is a 400 and an unknown one is expired, both JSON", async () => {
    site = await startFollowSite(world, memoryStore());
    const browser = new HttpBrowser();
    expect((await browser.get(`${site.url}/auth/follow/not-an-id`)).status).toBe(400);
    const unknown = await browser.get(`${site.url}/auth/follow/${"ab".repeat(32)}`);
    expect(await unknown.json()).toEqual({ status: "expired" });
    expect((await browser.get(`${site.url}/auth/follow?variant=sms`)).status).toBe(400);
  });

  it("an attempt expires after ttlSeconds", async () => {
    const clock = { offsetMs: 0 };
    site = await startFollowSite(world, memoryStore(), {
      overrides: { now: () => Date.now() + clock.offsetMs },
    });
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, "code");
    clock.offsetMs = 301_000;
    expect((await poll(site, browser, started)).body).toEqual({ status: "expired" });
    const late = await confirmOnPhone(world, started, "lily");
    expect(String(late.body.replyText)).toContain("登录码无效或已过期");
  });
});

describe("WeChat's retry after a slow acknowledgement", () => {
  it("is acknowledged, and the attempt confirmed once", async () => {
    let delayed = false;
    const slow = (store: Store): Store =>
      new Proxy(store, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== "claimOnce" || typeof value !== "function") return value;
          return async (...args: unknown[]) => {
            if (!delayed) {
              delayed = true;
              await new Promise((resolve) => setTimeout(resolve, 5_500));
            }
            return (value as (...a: unknown[]) => Promise<boolean>).apply(target, args);
          };
        },
      });
    site = await startFollowSite(world, slow(memoryStore()), { overrides: { storeTimeoutMs: 10_000 } });
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, "qr");
    const delivered = await confirmOnPhone(world, started, "lily");
    expect(delivered.body).toMatchObject({ delivered: true, attempts: 2 });
    expect((await poll(site, browser, started)).body).toMatchObject({ status: "confirmed" });
  }, 20_000);
});

describe("logs", () => {
  it("never hold an attempt's id, its code, its ticket, the Token or the EncodingAESKey, access log included", async () => {
    site = await startFollowSite(world, memoryStore(), { mode: "safe", overrides: { accessLog: true } });
    const secrets: string[] = [];
    for (const variant of ["qr", "code"] as const) {
      const browser = new HttpBrowser();
      const started = await startAttempt(site, browser, variant);
      secrets.push(started.attemptId, started.code ?? ticketOf(started), ...browser.cookies.values());
      await poll(site, browser, started);
      await confirmOnPhone(world, started, "lily", variant === "code");
      await poll(site, browser, started);
      secrets.push(...browser.cookies.values());
    }
    const log = site.log.join("\n");
    expect(log).toContain('"event":"request"');
    expect(log).toContain("/auth/follow/[redacted]");
    for (const secret of secretsOf(secrets)) expect(log).not.toContain(secret);
  });
});

describe("a store that hangs", () => {
  it("answers a push with 503 within storeTimeoutMs, so WeChat retries, never a hang or a 500", async () => {
    const hung = (store: Store): Store =>
      new Proxy(store, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property === "claimOnce") return () => new Promise(() => undefined);
          return value;
        },
      });
    site = await startFollowSite(world, hung(memoryStore()), { overrides: { storeTimeoutMs: 300 } });
    const started = Date.now();
    const answer = await post(
      site.eventsUrl,
      signed(world.console.token),
      event({
        ToUserName: world.console.originalId,
        FromUserName: "o1",
        CreateTime: "1",
        MsgType: "event",
        Event: "subscribe",
      }),
    );
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

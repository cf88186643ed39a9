import { afterEach, describe, expect, it } from "vitest";
import { AppCredential, memoryTokenStore, OfficialAccount, WeChatClient } from "../../src/client/index.js";
import { ErrorCode } from "../../src/protocol/errors.js";
import {
  PushCryptoError,
  PushFormatError,
  PushRecipientError,
  PushSignatureError,
  pushDedupeKey,
  WeChatApiError,
} from "../../src/protocol/index.js";
import { useEmulator } from "./helpers.js";
import { type Receiver, startReceiver } from "./mp-receiver.js";

const h = useEmulator();
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

interface Console {
  token: string;
  encodingAesKey: string;
  previousEncodingAesKey?: string;
  originalId: string;
}

async function setUp(settings: Record<string, unknown> = {}) {
  const { appid, secret } = h.officialAccount;
  const { console } = (await h.getJson(`/_emulator/mp/${appid}`)) as { console: Console };
  receiver = await startReceiver({
    appid,
    token: console.token,
    encodingAesKeys: settings.mode && settings.mode !== "plain" ? [console.encodingAesKey] : [],
    originalId: console.originalId,
  });
  const saved = await put(`/_emulator/mp/${appid}`, { ...settings, serverUrl: receiver.url });
  expect(saved.status).toBe(200);
  const client = new WeChatClient({ appid, secret, apiBase: h.url });
  const account = new OfficialAccount({
    client,
    credential: new AppCredential({ client, store: memoryTokenStore() }),
  });
  return { appid, client, account, console, receiver };
}

function put(path: string, body: unknown) {
  return fetch(`${h.url}${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("OfficialAccount options", () => {
  it("names a stand-in client or a missing credential with a ConfigError, before any call", () => {
    const client = new WeChatClient({
      appid: "wx0123456789abcdef",
      secret: "0123456789abcdef0123456789abcdef",
    });
    const credential = new AppCredential({ client, store: memoryTokenStore() });
    const standIn = { appid: client.appid } as unknown as WeChatClient;
    expect(() => new OfficialAccount({ client: standIn, credential })).toThrow(
      expect.objectContaining({ code: ErrorCode.Config, field: "client" }),
    );
    expect(() => new OfficialAccount({ client, credential: undefined as unknown as AppCredential })).toThrow(
      expect.objectContaining({ code: ErrorCode.Config, field: "credential" }),
    );
  });
});

describe("Official Account console", () => {
  it("saves a server URL only after the echostr handshake", async () => {
    const { appid, receiver: site } = await setUp();
    site.account = { ...site.account, token: "someOtherToken" };
    const response = await put(`/_emulator/mp/${appid}`, { serverUrl: `${site.url}?again=1` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "url_verification_failed" });
    expect(site.errors[0]).toBeInstanceOf(PushSignatureError);
  });

  it("answers 48001 for a subscription account, with a hint for the code-by-message login", async () => {
    const { appid, account } = await setUp();
    await put(`/_emulator/mp/${appid}`, { accountType: "subscription" });
    const error = await account
      .createQrCode({ sceneStr: "wl_sub", expireSeconds: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({ errcode: 48001, action: "fix_config" });
    expect((error as WeChatApiError).hint).toMatch(/code-by-message/);
  });
});

const MODES = ["plain", "compat", "safe"] as const;
const FORMATS = ["xml", "json"] as const;

describe.each(MODES.flatMap((mode) => FORMATS.map((format) => ({ mode, format }))))(
  "pushes in $mode mode, $format",
  ({ mode, format }) => {
    it("delivers subscribe (qrscene_ stripped) to a first-time follower, SCAN to a returning one", async () => {
      const { appid, account } = await setUp({ mode, format });
      const site = receiver as Receiver;
      if (format === "json") site.reply = "success";
      const qr = await account.createQrCode({ sceneStr: "wl_3q2pV9xKc1mN8rT5yB7dZa", expireSeconds: 300 });
      expect(qr.url).toMatch(/\/q\//);
      const first = await h.postJson(`/_emulator/mp/${appid}/scan`, {
        ticket: qr.ticket,
        follow: true,
        userId: "lily",
      });
      expect(first).toMatchObject({ delivered: true, attempts: 1 });
      if (format === "xml") expect(first.replyText).toBe("已登录 subscribe");
      const again = await h.postJson(`/_emulator/mp/${appid}/scan`, {
        ticket: qr.ticket,
        follow: true,
        userId: "lily",
      });
      expect(again).toMatchObject({ delivered: true });
      expect(site.errors).toEqual([]);
      expect(site.pushes.map((push) => push.event)).toMatchObject([
        { type: "subscribe", scene: "wl_3q2pV9xKc1mN8rT5yB7dZa", ticket: qr.ticket },
        { type: "scan", scene: "wl_3q2pV9xKc1mN8rT5yB7dZa", ticket: qr.ticket },
      ]);
      expect(
        site.pushes.every((push) => push.encrypted === (mode !== "plain") && push.format === format),
      ).toBe(true);
      const follower = await account.getFollowerInfo(site.pushes[0]?.event.openid ?? "");
      expect(follower).toMatchObject({ subscribed: true, subscribeScene: "ADD_SCENE_QR_CODE" });
      expect(follower.unionid).toMatch(/^o/);
    });
  },
);

describe("deliveries", () => {
  it("types text messages with a 64-bit MsgId and unfollows", async () => {
    const { appid } = await setUp({ mode: "safe", format: "json" });
    const site = receiver as Receiver;
    site.reply = "success";
    expect(await h.postJson(`/_emulator/mp/${appid}/text`, { content: "482913" })).toMatchObject({
      error: "invalid_request",
    });
    await h.postJson(`/_emulator/mp/${appid}/follow`, {});
    await h.postJson(`/_emulator/mp/${appid}/text`, { content: " 482913 " });
    await h.postJson(`/_emulator/mp/${appid}/unfollow`, {});
    const [follow, text, unfollow] = site.pushes.map((push) => push.event);
    expect(follow).toMatchObject({ type: "subscribe", scene: undefined });
    expect(text).toMatchObject({
      type: "text",
      content: "482913",
      msgId: expect.stringMatching(/^\d{17,}$/),
    });
    expect(unfollow).toMatchObject({ type: "unsubscribe" });
  });

  it("retries after a slow acknowledgement, with the same body", async () => {
    const { appid, account } = await setUp();
    const site = receiver as Receiver;
    site.delays = [5500];
    const qr = await account.createQrCode({ sceneStr: "wl_slow", expireSeconds: 300 });
    const outcome = await h.postJson(`/_emulator/mp/${appid}/scan`, { ticket: qr.ticket, follow: true });
    expect(outcome).toMatchObject({ delivered: true, attempts: 2 });
    const { deliveries } = (await h.getJson(`/_emulator/mp/${appid}/deliveries`)) as {
      deliveries: { outcome: string }[];
    };
    expect(deliveries.map((entry) => entry.outcome)).toEqual(["timeout", "acknowledged"]);
    // The site saw the first one too (it answered late); the dedupe key tells the two apart from a new push.
    const keys = site.pushes.map((push) => pushDedupeKey(appid, push.fields));
    expect(new Set(keys).size).toBe(1);
  }, 20_000);

  it("shows 该公众号暂时无法提供服务 when the site answers garbage, without retrying", async () => {
    const { appid, account } = await setUp();
    (receiver as Receiver).reply = "garbage";
    const qr = await account.createQrCode({ sceneStr: "wl_bad", expireSeconds: 300 });
    const outcome = await h.postJson(`/_emulator/mp/${appid}/scan`, { ticket: qr.ticket, follow: true });
    expect(outcome).toMatchObject({
      delivered: false,
      attempts: 1,
      shown: "该公众号暂时无法提供服务，请稍后再试",
    });
    const page = await fetch(`${h.url}${new URL(qr.url).pathname}`, {
      method: "POST",
      body: new URLSearchParams({ action: "scan" }),
    });
    expect(await page.text()).toContain("该公众号暂时无法提供服务，请稍后再试");
  });

  it("a wrong signature is refused by the site (typed), retried three times, and shown as unavailable", async () => {
    const { appid, account } = await setUp({ mode: "safe" });
    await put(`/_emulator/mp/${appid}/faults`, { wrongSignature: true });
    const qr = await account.createQrCode({ sceneStr: "wl_forged", expireSeconds: 300 });
    const outcome = await h.postJson(`/_emulator/mp/${appid}/scan`, { ticket: qr.ticket });
    expect(outcome).toMatchObject({ delivered: false, attempts: 3 });
    const site = receiver as Receiver;
    expect(site.errors).toHaveLength(3);
    expect(site.errors.every((error) => error instanceof PushSignatureError)).toBe(true);
  }, 15_000);

  it("duplicates and reorders pushes on request", async () => {
    const { appid, account } = await setUp();
    const site = receiver as Receiver;
    await put(`/_emulator/mp/${appid}/faults`, { duplicate: true });
    const qr = await account.createQrCode({ sceneStr: "wl_dup", expireSeconds: 300 });
    await h.postJson(`/_emulator/mp/${appid}/scan`, { ticket: qr.ticket, follow: true });
    expect(site.pushes.map((push) => pushDedupeKey(appid, push.fields))).toHaveLength(2);
    expect(new Set(site.pushes.map((push) => pushDedupeKey(appid, push.fields))).size).toBe(1);
    await put(`/_emulator/mp/${appid}/faults`, { duplicate: false, outOfOrder: true });
    site.pushes.length = 0;
    expect(await h.postJson(`/_emulator/mp/${appid}/text`, { content: "first" })).toMatchObject({
      held: true,
    });
    await h.postJson(`/_emulator/mp/${appid}/text`, { content: "second" });
    expect(site.pushes.map((push) => (push.event.type === "text" ? push.event.content : ""))).toEqual([
      "second",
      "first",
    ]);
  });

  it("after a key rotation, opens pushes under the new and the previous key", async () => {
    const { appid, account } = await setUp({ mode: "safe" });
    const site = receiver as Receiver;
    const { console } = (await (
      await fetch(`${h.url}/_emulator/mp/${appid}/rotate-key`, { method: "POST" })
    ).json()) as {
      console: Console;
    };
    site.account = {
      ...site.account,
      encodingAesKeys: [console.encodingAesKey, console.previousEncodingAesKey ?? ""],
    };
    const qr = await account.createQrCode({ sceneStr: "wl_rot", expireSeconds: 300 });
    await h.postJson(`/_emulator/mp/${appid}/scan`, { ticket: qr.ticket, follow: true });
    await put(`/_emulator/mp/${appid}/faults`, { staleKey: true });
    const outcome = await h.postJson(`/_emulator/mp/${appid}/scan`, { ticket: qr.ticket });
    expect(outcome).toMatchObject({ delivered: true, replyText: "已登录 scan" });
    expect(site.pushes.map((push) => push.keyIndex)).toEqual([0, 1]);
  });
});

describe("hostile requests to the site get typed errors", () => {
  it("forged and missing signatures, XXE, billion laughs, 10 MB, another account, another appid, garbage base64", async () => {
    const { appid, console } = await setUp({ mode: "safe" });
    const site = receiver as Receiver;
    const { pushSignature, encryptMessage, decodeEncodingAesKey } = await import(
      "../../src/protocol/index.js"
    );
    const post = (query: Record<string, string>, body: string) =>
      fetch(`${site.url}?${new URLSearchParams(query)}`, { method: "POST", body }).catch(() => undefined);
    const signed = (encrypt: string) => {
      const timestamp = "1714037059";
      const nonce = "42";
      return {
        signature: pushSignature(console.token, timestamp, nonce),
        timestamp,
        nonce,
        encrypt_type: "aes",
        msg_signature: pushSignature(console.token, timestamp, nonce, encrypt),
      };
    };
    const sealed = (inner: string, forAppid = appid) =>
      encryptMessage(inner, decodeEncodingAesKey(console.encodingAesKey), forAppid);
    const envelope = (encrypt: string) => `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const inner = (to: string) =>
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`;

    await post({ ...signed("x"), signature: "0".repeat(40) }, envelope("x"));
    await post({ timestamp: "1", nonce: "2" }, envelope("x"));
    const xxe = `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>`;
    await post(signed("x"), xxe);
    await post(
      signed("x"),
      `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>`,
    );
    await post(signed("x"), `<xml><Encrypt>${"a".repeat(10 * 1024 * 1024)}</Encrypt></xml>`);
    const other = sealed(inner("gh_000000000000"));
    await post(signed(other), envelope(other));
    const foreign = sealed(inner(console.originalId), "wx0000000000000000");
    await post(signed(foreign), envelope(foreign));
    await post(signed("!!!garbage==="), envelope("!!!garbage==="));

    expect(site.pushes).toEqual([]);
    expect(site.errors.map((error) => [error.constructor, error.errorNumber])).toEqual([
      [PushSignatureError, -40001],
      [PushSignatureError, -40001],
      [PushFormatError, -40008],
      [PushFormatError, -40008],
      [PushFormatError, -41003],
      [PushRecipientError, -40005],
      [PushRecipientError, -40005],
      [PushCryptoError, -40010],
    ]);
  });
});

import { describe, expect, it } from "vitest";
import {
  decodeEncodingAesKey,
  describeErrcode,
  encryptMessage,
  MAX_PUSH_BODY_BYTES,
  openPush,
  PushFormatError,
  PushSignatureError,
  pushDedupeKey,
  pushSignature,
  qrCodeCreateBody,
  sealReply,
  showQrCodeUrl,
  textReply,
  toMpEvent,
  verifyServerUrl,
  WeChatApiError,
} from "../../src/protocol/index.js";

const account = { appid: "wx2c7e9a1f4b6d8e03", token: "AAAAA", originalId: "gh_a786fbe98353" };
const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

function signedQuery(token = account.token, extra: Record<string, string> = {}): URLSearchParams {
  const timestamp = "1714037059";
  const nonce = "486452656";
  return new URLSearchParams({
    signature: pushSignature(token, timestamp, nonce),
    timestamp,
    nonce,
    ...extra,
  });
}

const subscribeXml = `<xml>
<ToUserName><![CDATA[gh_a786fbe98353]]></ToUserName>
<FromUserName><![CDATA[oW5Ux6ceqP-b0C-72qHEWZYk8Cr8]]></FromUserName>
<CreateTime>1648535359</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_wl_3q2pV9xK]]></EventKey>
<Ticket><![CDATA[gQGv7zwAAAAAAAAAAS5odHRwOi8vd2VpeGluLnFxLmNvbS9xLzAydzVld0FUcmxjTkYxcEhEMnh5MVEAAgQvp0JiAwQ8AAAA]]></Ticket>
</xml>`;

describe("qrcode/create and showqrcode (spec A.1)", () => {
  it("always sends expire_seconds inside the scene wrapper", () => {
    expect(qrCodeCreateBody({ sceneStr: "wl_abc", expireSeconds: 300 })).toEqual({
      expire_seconds: 300,
      action_name: "QR_STR_SCENE",
      action_info: { scene: { scene_str: "wl_abc" } },
    });
    expect(() => qrCodeCreateBody({ sceneStr: "x".repeat(65), expireSeconds: 300 })).toThrow(/sceneStr/);
    expect(() => qrCodeCreateBody({ sceneStr: "wl", expireSeconds: 2_592_001 })).toThrow(/expireSeconds/);
  });

  it("percent-encodes the ticket", () => {
    expect(showQrCodeUrl("gQH4+/x==")).toBe(
      "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH4%2B%2Fx%3D%3D",
    );
  });

  it("names the code-by-message login in the hint of 48001 on qrcode/create only", () => {
    const error = new WeChatApiError("cgi-bin/qrcode/create", 48001, "api unauthorized rid: 1-2-3");
    expect(error.hint).toMatch(/code-by-message/);
    expect(error.action).toBe("fix_config");
    expect(describeErrcode(48001).hint).not.toMatch(/code-by-message/);
  });
});

describe("server URL handshake (spec A.2)", () => {
  it("returns echostr for the published vector", () => {
    const query = new URLSearchParams({
      signature: "f464b24fc39322e44b38aa78f5edd27bd1441696",
      timestamp: "1714036504",
      nonce: "1514711492",
      echostr: "4375120948345356249",
    });
    expect(verifyServerUrl(query, "AAAAA")).toBe("4375120948345356249");
    expect(() => verifyServerUrl(query, "BBBBB")).toThrow(PushSignatureError);
  });
});

describe("openPush: plaintext", () => {
  it("strips qrscene_ on subscribe and keeps the ticket", () => {
    const push = openPush({ query: signedQuery(), body: subscribeXml }, account);
    expect(push.event).toEqual({
      type: "subscribe",
      accountId: "gh_a786fbe98353",
      openid: "oW5Ux6ceqP-b0C-72qHEWZYk8Cr8",
      createTime: "1648535359",
      scene: "wl_3q2pV9xK",
      ticket: expect.stringMatching(/^gQGv7z/),
    });
    expect(push.encrypted).toBe(false);
  });

  it("keeps a bare SCAN scene, compares events without case, keeps a 64-bit MsgId in JSON", () => {
    const scan = subscribeXml.replace("subscribe", "scan").replace("qrscene_", "");
    expect(openPush({ query: signedQuery(), body: scan }, account).event).toMatchObject({
      type: "scan",
      scene: "wl_3q2pV9xK",
    });
    const json = `{"ToUserName":"gh_a786fbe98353","FromUserName":"o9AgO5Kd5ggOC","CreateTime":1682393776,"MsgType":"text","Content":" 482913 ","MsgId":24086087575195331}`;
    const push = openPush({ query: signedQuery(), body: json }, account);
    expect(push.format).toBe("json");
    expect(push.event).toMatchObject({ type: "text", content: "482913", msgId: "24086087575195331" });
    expect(pushDedupeKey(account.appid, push.fields)).toBe(
      "push:wx2c7e9a1f4b6d8e03:24086087575195331:o9AgO5Kd5ggOC::",
    );
  });

  it("refuses a forged, missing or duplicated signature parameter", () => {
    expect(() => openPush({ query: signedQuery("forged"), body: subscribeXml }, account)).toThrow(
      PushSignatureError,
    );
    const missing = signedQuery();
    missing.delete("signature");
    expect(() => openPush({ query: missing, body: subscribeXml }, account)).toThrow(/signature is missing/);
    for (const name of ["signature", "timestamp", "nonce"]) {
      const doubled = signedQuery();
      doubled.append(name, doubled.get(name)!);
      expect(() => openPush({ query: doubled, body: subscribeXml }, account)).toThrow(`${name} is malformed`);
    }
  });

  it("refuses DTDs (XXE and billion laughs), oversized bodies, other accounts and malformed XML", () => {
    const bodies = [
      `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>&xxe;</ToUserName></xml>`,
      `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>`,
      `<xml>${"a".repeat(MAX_PUSH_BODY_BYTES)}</xml>`,
      "<xml><ToUserName>x</xml>",
      "not xml",
    ];
    for (const body of bodies) {
      expect(() => openPush({ query: signedQuery(), body }, account)).toThrow(PushFormatError);
    }
    const other = subscribeXml.replace("gh_a786fbe98353", "gh_000000000000");
    expect(() => openPush({ query: signedQuery(), body: other }, account)).toThrow(/ToUserName is not/);
  });
});

describe("openPush: encrypted", () => {
  const safeAccount = { ...account, encodingAesKeys: [aesKey] };

  function encryptedQuery(encrypt: string, token = account.token) {
    const query = signedQuery(token, { encrypt_type: "aes" });
    query.set(
      "msg_signature",
      pushSignature(token, query.get("timestamp") ?? "", query.get("nonce") ?? "", encrypt),
    );
    return query;
  }

  it("checks msg_signature before decrypting, and seals the reply with the same key", () => {
    const encrypt = encryptMessage(subscribeXml, decodeEncodingAesKey(aesKey), account.appid);
    const body = `<xml><ToUserName><![CDATA[gh_a786fbe98353]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const push = openPush({ query: encryptedQuery(encrypt), body }, safeAccount);
    expect(push).toMatchObject({ encrypted: true, keyIndex: 0, event: { type: "subscribe" } });

    const tampered = encryptedQuery(encrypt);
    tampered.set("msg_signature", "0".repeat(40));
    expect(() => openPush({ query: tampered, body }, safeAccount)).toThrow(/msg_signature does not match/);

    const reply = textReply({
      to: push.event.openid,
      from: push.event.accountId,
      content: "已登录 ]]> x",
      createTime: 1,
    });
    const sealed = sealReply(reply, push, safeAccount, { timestamp: 1714037059, nonce: "42" });
    const envelope = sealed.match(
      /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt><MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]>/,
    );
    expect(envelope?.[2]).toBe(pushSignature(account.token, "1714037059", "42", envelope?.[1] ?? ""));
    expect(sealReply("success", push, safeAccount, { timestamp: 1 })).toBe("success");
  });

  it("refuses a plaintext push once keys are configured, and an encrypted one without keys", () => {
    expect(() => openPush({ query: signedQuery(), body: subscribeXml }, safeAccount)).toThrow(
      /not encrypted/,
    );
    const encrypt = encryptMessage(subscribeXml, decodeEncodingAesKey(aesKey), account.appid);
    const body = `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    expect(() => openPush({ query: encryptedQuery(encrypt), body }, account)).toThrow(/no EncodingAESKey/);
  });
});

describe("toMpEvent", () => {
  it("types unfollows and anything else", () => {
    const base = { ToUserName: "gh_1", FromUserName: "o1", CreateTime: "1" };
    expect(toMpEvent({ ...base, MsgType: "event", Event: "unsubscribe" }).type).toBe("unsubscribe");
    expect(toMpEvent({ ...base, MsgType: "event", Event: "subscribe" })).toMatchObject({ scene: undefined });
    expect(toMpEvent({ ...base, MsgType: "image" })).toMatchObject({ type: "other", msgType: "image" });
    expect(() => toMpEvent({ ...base, MsgType: "text", CreateTime: "soon" })).toThrow(PushFormatError);
  });
});

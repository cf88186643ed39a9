import { Buffer } from "node:buffer";
import { createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodeEncodingAesKey,
  decryptMessage,
  encryptMessage,
  PushCryptoError,
  PushRecipientError,
  pushSignature,
  signatureMatches,
} from "../../src/protocol/index.js";

// Spec A.2 and A.4: WeChat's published vectors (WX doc encryption.md, wechatpy tests/test_crypto.py).
const WECHATPY = {
  token: "123456",
  encodingAesKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
  appid: "wx49f0ab532d5d035a",
  timestamp: "1411525903",
  nonce: "461056294",
  encrypt:
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=",
  msgSignature: "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
};
const key = decodeEncodingAesKey(WECHATPY.encodingAesKey);

describe("push signatures (spec A.2, A.4 §3)", () => {
  it("matches the server-URL handshake vector", () => {
    expect(pushSignature("AAAAA", "1714036504", "1514711492")).toBe(
      "f464b24fc39322e44b38aa78f5edd27bd1441696",
    );
  });

  it("matches the plaintext-mode push vector", () => {
    expect(pushSignature("AAAAA", "1714037059", "486452656")).toBe(
      "899cf89e464efb63f54ddac96b0a0a235f53aa78",
    );
  });

  it("matches the msg_signature vector over Encrypt", () => {
    const { token, timestamp, nonce, encrypt } = WECHATPY;
    expect(pushSignature(token, timestamp, nonce, encrypt)).toBe(WECHATPY.msgSignature);
  });

  it("compares in constant time without accepting a near miss, another length or upper case changes", () => {
    const good = WECHATPY.msgSignature;
    expect(signatureMatches(good, good)).toBe(true);
    expect(signatureMatches(good.toUpperCase(), good)).toBe(true);
    expect(signatureMatches(`${good.slice(0, -1)}0`, good)).toBe(false);
    expect(signatureMatches(good.slice(0, -1), good)).toBe(false);
    expect(signatureMatches("", good)).toBe(false);
  });
});

describe("safe-mode decryption (spec A.4 §4)", () => {
  it("decrypts the published vector to its XML and checks the trailing appid", () => {
    const { message, keyIndex } = decryptMessage(WECHATPY.encrypt, [key], WECHATPY.appid);
    expect(keyIndex).toBe(0);
    expect(message).toMatch(/^<xml><ToUserName><!\[CDATA\[wx49f0ab532d5d035a\]\]><\/ToUserName>/);
    expect(message).toContain("<Content><![CDATA[test]]></Content>");
    expect(message).toContain("<MsgId>4363689963896700987</MsgId>");
  });

  it("refuses the vector for another appid (-40005)", () => {
    const error = catchError(() => decryptMessage(WECHATPY.encrypt, [key], "wx0000000000000000"));
    expect(error).toBeInstanceOf(PushRecipientError);
    expect(error).toMatchObject({ field: "appid", errorNumber: -40005 });
  });

  it("opens with the previous key when the current one does not fit, and says which", () => {
    const current = decodeEncodingAesKey("a".repeat(43));
    expect(decryptMessage(WECHATPY.encrypt, [current, key], WECHATPY.appid).keyIndex).toBe(1);
    const error = catchError(() => decryptMessage(WECHATPY.encrypt, [current], WECHATPY.appid));
    expect(error).toBeInstanceOf(PushCryptoError);
    expect(error).toMatchObject({ errorNumber: -40007 });
  });

  it("gives typed errors for garbage base64, a cut ciphertext and a malformed key", () => {
    expect(catchError(() => decryptMessage("%%%not base64%%%", [key], WECHATPY.appid))).toMatchObject({
      code: "WL_PUSH_CRYPTO",
      errorNumber: -40010,
    });
    expect(
      catchError(() => decryptMessage(WECHATPY.encrypt.slice(0, 40), [key], WECHATPY.appid)),
    ).toMatchObject({
      errorNumber: -41003,
    });
    for (const bad of ["short", `${WECHATPY.encodingAesKey}x`, `${WECHATPY.encodingAesKey.slice(0, 42)}=`]) {
      expect(catchError(() => decodeEncodingAesKey(bad))).toMatchObject({ errorNumber: -40004 });
    }
  });
});

describe("32-byte PKCS#7 padding (spec A.4 §5)", () => {
  // Message lengths whose padded length lands on every pad from 1 to 32.
  const messages = Array.from({ length: 32 }, (_, index) => "x".repeat(100 + index));

  it("round-trips every pad length from 1 to 32", () => {
    const pads = new Set<number>();
    for (const message of messages) {
      const encrypt = encryptMessage(message, key, WECHATPY.appid);
      pads.add(rawPad(encrypt));
      expect(decryptMessage(encrypt, [key], WECHATPY.appid).message).toBe(message);
    }
    expect([...pads].sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, index) => index + 1));
  });

  it("is what node's own padding would reject for pads 17 to 32", () => {
    const encrypt = messages
      .map((message) => encryptMessage(message, key, WECHATPY.appid))
      .find((e) => rawPad(e) > 16);
    expect(encrypt).toBeDefined();
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    expect(() =>
      Buffer.concat([decipher.update(Buffer.from(encrypt ?? "", "base64")), decipher.final()]),
    ).toThrow();
  });

  it("reproduces wechatpy's encryption vector with its fixed random prefix", () => {
    const reply =
      "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
    const encrypt = encryptMessage(reply, key, WECHATPY.appid, Buffer.from("1234567890123456"));
    expect(encrypt).toBe(
      "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3",
    );
    expect(pushSignature(WECHATPY.token, WECHATPY.timestamp, WECHATPY.nonce, encrypt)).toBe(
      "407518b7649e86ef23978113f92d27afa9296533",
    );
  });

  it("refuses a ciphertext whose padding bytes disagree", () => {
    const decipherKey = key;
    const encrypt = encryptMessage("hello", decipherKey, WECHATPY.appid);
    const tampered = Buffer.from(encrypt, "base64");
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0xff;
    expect(
      catchError(() => decryptMessage(tampered.toString("base64"), [key], WECHATPY.appid)),
    ).toBeInstanceOf(PushCryptoError);
  });
});

function rawPad(encrypt: string): number {
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, "base64")), decipher.final()]);
  return plain[plain.length - 1] ?? 0;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decryptUserData,
  ErrorCode,
  InvalidArgumentError,
  OpenDataDecryptError,
  OpenDataSignatureError,
  OpenDataWatermarkError,
  sessionKeySignature,
  verifyUserData,
} from "../../src/protocol/index.js";

// WeChat's own demo vectors (spec B.3; wechatpy tests/test_crypto.py), recomputed in the spec.
const signed = {
  rawData:
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}',
  signature: "75e81ceda165f4ffa64f4068af58c64b8f54b88c",
  sessionKey: "HyVFkGl5F5OQWJZZaNzBBg==",
};
const encrypted = {
  appid: "wx4f4bc4dec97d474b",
  sessionKey: "tiihtNczf5v6AKRyjwEUhQ==",
  iv: "r7BXXKkLb8qrSNn05n0qiA==",
  encryptedData:
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==",
  timestampMs: 1477314187 * 1000,
};
const data = { encryptedData: encrypted.encryptedData, iv: encrypted.iv };

function encrypt(payload: unknown, sessionKey: string) {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-128-cbc", Buffer.from(sessionKey, "base64"), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return { encryptedData: body.toString("base64"), iv: iv.toString("base64") };
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("verifyUserData", () => {
  it("accepts WeChat's published signature vector and returns rawData parsed", () => {
    expect(verifyUserData(signed, signed.sessionKey)).toMatchObject({ nickName: "Band", gender: 1 });
    // Hex case does not matter.
    expect(
      verifyUserData({ ...signed, signature: signed.signature.toUpperCase() }, signed.sessionKey),
    ).toBeTruthy();
  });

  it("refuses altered rawData and another session_key with OpenDataSignatureError", () => {
    const altered = caught(() =>
      verifyUserData({ ...signed, rawData: signed.rawData.replace("Band", "Bond") }, signed.sessionKey),
    );
    expect(altered).toBeInstanceOf(OpenDataSignatureError);
    expect(altered).toMatchObject({ code: ErrorCode.OpenDataSignature, relogin: true });
    const otherKey = caught(() => verifyUserData(signed, encrypted.sessionKey));
    expect(otherKey).toBeInstanceOf(OpenDataSignatureError);
    expect(String((otherKey as Error).message)).not.toContain(encrypted.sessionKey);
  });

  it("rejects malformed input as InvalidArgumentError before hashing", () => {
    expect(caught(() => verifyUserData({ ...signed, signature: "xyz" }, signed.sessionKey))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(caught(() => verifyUserData(signed, "not base64!"))).toMatchObject({ argument: "sessionKey" });
  });
});

describe("decryptUserData", () => {
  it("decrypts WeChat's published vector and checks the watermark", () => {
    const result = decryptUserData(
      data,
      encrypted.sessionKey,
      encrypted.appid,
      encrypted.timestampMs + 5_000,
    );
    expect(result).toMatchObject({
      openId: "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
      unionId: "ocMvos6NjeKLIBqg5Mr9QjxrP1FA",
      watermark: { timestamp: 1477314187, appid: encrypted.appid },
    });
  });

  it("refuses another app's data and stale or future watermarks", () => {
    const foreign = caught(() =>
      decryptUserData(data, encrypted.sessionKey, "wx0123456789abcdef", encrypted.timestampMs),
    );
    expect(foreign).toBeInstanceOf(OpenDataWatermarkError);
    expect(foreign).toMatchObject({
      problem: "foreign_appid",
      relogin: false,
      code: ErrorCode.OpenDataWatermark,
    });
    const stale = caught(() =>
      decryptUserData(data, encrypted.sessionKey, encrypted.appid, encrypted.timestampMs + 601_000),
    );
    expect(stale).toMatchObject({ problem: "stale" });
    const future = caught(() =>
      decryptUserData(data, encrypted.sessionKey, encrypted.appid, encrypted.timestampMs - 601_000),
    );
    expect(future).toMatchObject({ problem: "stale" });
    // A shorter window is the caller's choice.
    expect(
      caught(() =>
        decryptUserData(data, encrypted.sessionKey, encrypted.appid, encrypted.timestampMs + 61_000, {
          maxAgeSeconds: 60,
        }),
      ),
    ).toMatchObject({ problem: "stale" });
  });

  it("answers a replaced session_key with OpenDataDecryptError, which asks for a new login", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const wrongKey = randomBytes(16).toString("base64");
      const error = caught(() => decryptUserData(data, wrongKey, encrypted.appid, encrypted.timestampMs));
      expect(error).toBeInstanceOf(OpenDataDecryptError);
      expect(error).toMatchObject({ code: ErrorCode.OpenDataDecrypt, relogin: true });
      expect((error as OpenDataDecryptError).hint).toMatch(/wx\.login/);
    }
  });

  it("answers tampered ciphertext with OpenDataDecryptError", () => {
    const bytes = Buffer.from(encrypted.encryptedData, "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x5a;
    const tampered = { ...data, encryptedData: bytes.toString("base64") };
    expect(
      caught(() => decryptUserData(tampered, encrypted.sessionKey, encrypted.appid, encrypted.timestampMs)),
    ).toBeInstanceOf(OpenDataDecryptError);
  });

  it("refuses data without a watermark", () => {
    const sessionKey = randomBytes(16).toString("base64");
    const bare = encrypt({ phoneNumber: "13800000000" }, sessionKey);
    expect(caught(() => decryptUserData(bare, sessionKey, encrypted.appid, Date.now()))).toMatchObject({
      problem: "missing",
    });
  });

  it("refuses oversized input before any work", () => {
    const huge = "A".repeat(64 * 1024 + 4);
    expect(
      caught(() =>
        decryptUserData({ ...data, encryptedData: huge }, encrypted.sessionKey, encrypted.appid, 0),
      ),
    ).toMatchObject({ argument: "encryptedData" });
    expect(
      caught(() =>
        verifyUserData(
          { rawData: "x".repeat(64 * 1024 + 1), signature: signed.signature },
          signed.sessionKey,
        ),
      ),
    ).toMatchObject({ argument: "rawData" });
  });

  it("rejects malformed ivs, keys and block lengths before decrypting", () => {
    const at = encrypted.timestampMs;
    expect(
      caught(() => decryptUserData({ ...data, iv: "AAAA" }, encrypted.sessionKey, encrypted.appid, at)),
    ).toMatchObject({ argument: "iv" });
    expect(
      caught(() =>
        decryptUserData({ ...data, encryptedData: "AAAA" }, encrypted.sessionKey, encrypted.appid, at),
      ),
    ).toMatchObject({ argument: "encryptedData" });
    expect(caught(() => decryptUserData(data, "short", encrypted.appid, at))).toMatchObject({
      argument: "sessionKey",
    });
    expect(caught(() => decryptUserData(data, encrypted.sessionKey, "nope", at))).toMatchObject({
      argument: "appid",
    });
  });
});

describe("sessionKeySignature", () => {
  it("is HMAC-SHA256 of the empty string keyed with the session_key string", () => {
    // Recomputed independently: `printf '' | openssl dgst -sha256 -hmac 'tiihtNczf5v6AKRyjwEUhQ=='`.
    expect(sessionKeySignature(encrypted.sessionKey)).toBe(
      "7154f9f8b4b76b92f541cbf0e37d48840fa06e5e42da92a6f80168a1516a4735",
    );
    expect(sessionKeySignature(encrypted.sessionKey)).not.toBe(sessionKeySignature(signed.sessionKey));
  });
});

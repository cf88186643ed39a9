import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken, sha256, TokenCipher } from "../../src/flow/crypto.js";
import { sealedTokenStore } from "../../src/flow/sealed-token-store.js";
import { type SecuritySite, STORE_KINDS, startSite, useEmulator, useStore } from "../security/support.js";
import { MiniProgramDevice } from "./support.js";

// Spec §3 B.3's published vectors (WeChat's own sample app, wx4f4bc4dec97d474b), sent over HTTP to the
// open-data routes: the session and its kept session_key are written as a login would have written them.
const APPID = "wx4f4bc4dec97d474b";
const SECRET = "vectors-session-secret-0123456789abcdef";
const OPENID = "oGZUI0egBJY1zhBYw2KhdUfwVJJE";
const signed = {
  rawData:
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}',
  signature: "75e81ceda165f4ffa64f4068af58c64b8f54b88c",
  sessionKey: "HyVFkGl5F5OQWJZZaNzBBg==",
};
const encrypted = {
  sessionKey: "tiihtNczf5v6AKRyjwEUhQ==",
  iv: "r7BXXKkLb8qrSNn05n0qiA==",
  encryptedData:
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==",
  timestampMs: 1477314187 * 1000,
};

const emulator = useEmulator({ beforeAll, afterAll });

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`the published open-data vectors over HTTP on ${kind.name}`, () => {
    const backing = useStore(kind, { beforeAll, afterAll });
    let site: SecuritySite;
    const device = () => new MiniProgramDevice(site.url);
    let token: string;
    const keepKey = (sessionKey: string) =>
      sealedTokenStore(backing(), new TokenCipher(SECRET)).putToken({
        key: `sk:${APPID}:${OPENID}`,
        accessToken: sessionKey,
        refreshToken: undefined,
        scope: "session_key",
        accessExpiresAt: encrypted.timestampMs + 3600_000,
        refreshExpiresAt: undefined,
        updatedAt: encrypted.timestampMs,
      });
    beforeAll(async () => {
      site = await startSite({
        store: backing(),
        upstream: emulator().url,
        overrides: {
          miniProgram: { appid: APPID, secret: "vectors-mini-program-secret" },
          sessionSecret: SECRET,
          now: () => encrypted.timestampMs + 5000,
        },
      });
      const { user } = await backing().linkIdentity({
        appid: APPID,
        openid: OPENID,
        unionid: undefined,
        profile: undefined,
        now: encrypted.timestampMs,
      });
      token = randomToken();
      await backing().putSession({
        idHash: sha256(`bearer\n${token}`),
        userId: user.id,
        appid: APPID,
        openid: OPENID,
        createdAt: encrypted.timestampMs,
        idleExpiresAt: encrypted.timestampMs + 3600_000,
        absoluteExpiresAt: encrypted.timestampMs + 3600_000,
      });
    });
    afterAll(async () => {
      await site.close();
    });

    it("verifies the signature vector and decrypts the encryption vector with the kept key", async () => {
      const phone = device();
      phone.token = token;
      await keepKey(signed.sessionKey);
      const verified = await phone.post("/auth/miniprogram/userinfo", {
        rawData: signed.rawData,
        signature: signed.signature,
      });
      expect(verified).toMatchObject({ status: 200, body: { userInfo: { nickName: "Band", gender: 1 } } });
      // Under the other vector's key the same signature no longer matches: a replaced key.
      await keepKey(encrypted.sessionKey);
      expect(
        await phone.post("/auth/miniprogram/userinfo", {
          rawData: signed.rawData,
          signature: signed.signature,
        }),
      ).toMatchObject({ status: 409, body: { error: "signature_mismatch", relogin: true } });
      const decrypted = await phone.post("/auth/miniprogram/open-data", {
        encryptedData: encrypted.encryptedData,
        iv: encrypted.iv,
      });
      expect(decrypted).toMatchObject({
        status: 200,
        body: {
          data: { openId: OPENID, nickName: "Band", watermark: { appid: APPID, timestamp: 1477314187 } },
        },
      });
    });
  });
}

import { createCipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// Written from spec §3 B.2/B.3, not shared with the package's decryption: the emulator plays WeChat's side.

/** `encryptedData` and `iv` as `wx.getUserInfo` hands them to the mini program: AES-128-CBC, PKCS#7, base64. */
export function encryptOpenData(payload: object, sessionKey: string): { encryptedData: string; iv: string } {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-128-cbc", Buffer.from(sessionKey, "base64"), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return { encryptedData: body.toString("base64"), iv: iv.toString("base64") };
}

/** `signature` of `wx.getUserInfo`: sha1(rawData + session_key), hex. */
export function signRawData(rawData: string, sessionKey: string): string {
  return createHash("sha1")
    .update(rawData + sessionKey, "utf8")
    .digest("hex");
}

/** Whether `signature` is HMAC-SHA256(session_key, "") in hex, compared in constant time. */
export function isSessionSignature(signature: string, sessionKey: string): boolean {
  const expected = createHmac("sha256", sessionKey).update("").digest();
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, "hex") : undefined;
  return given !== undefined && timingSafeEqual(expected, given);
}

import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from "node:crypto";

// The emulator's own implementation of WeChat's push crypto (spec A.2, A.4), written from the spec:
// it must not share code with the receiver it tests.

/** hex(sha1(sorted parts joined)). */
export function sign(...parts: string[]): string {
  return createHash("sha1").update(parts.sort().join("")).digest("hex");
}

function aesKey(encodingAesKey: string): Buffer {
  return Buffer.from(`${encodingAesKey}=`, "base64");
}

/** random(16) ‖ length(4) ‖ message ‖ appid, PKCS#7 to 32 bytes, AES-256-CBC (IV = key[0..16)), base64. */
export function seal(message: string, encodingAesKey: string, appid: string): string {
  const key = aesKey(encodingAesKey);
  const text = Buffer.from(message, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length, 0);
  const plain = Buffer.concat([randomBytes(16), length, text, Buffer.from(appid, "utf8")]);
  const padLength = 32 - (plain.length % 32);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(padLength, padLength)])),
    cipher.final(),
  ]).toString("base64");
}

/** The message inside `encrypt`, or undefined when it does not open with this key for this appid. */
export function open(encrypt: string, encodingAesKey: string, appid: string): string | undefined {
  try {
    const key = aesKey(encodingAesKey);
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16)).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, "base64")), decipher.final()]);
    const padLength = plain.at(-1) ?? 0;
    if (padLength < 1 || padLength > 32) return undefined;
    const body = plain.subarray(0, plain.length - padLength);
    const length = body.readUInt32BE(16);
    if (20 + length > body.length) return undefined;
    if (body.subarray(20 + length).toString("utf8") !== appid) return undefined;
    return body.subarray(20, 20 + length).toString("utf8");
  } catch {
    return undefined;
  }
}

/** A fresh EncodingAESKey: 43 characters of [A-Za-z0-9]. */
export function newEncodingAesKey(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 43 }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** A nonce as WeChat sends them: decimal digits. */
export function newNonce(): string {
  return String(randomBytes(4).readUInt32BE(0));
}

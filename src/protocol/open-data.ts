import { Buffer } from "node:buffer";
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from "node:crypto";
import {
  InvalidArgumentError,
  OpenDataDecryptError,
  OpenDataSignatureError,
  OpenDataWatermarkError,
} from "./errors.js";
import { appidProblem } from "./identifiers.js";
import type { Watermark } from "./schemas.js";

// Standard base64 with padding, as WeChat sends session keys, ivs and encrypted data.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SHA1_HEX = /^[0-9a-f]{40}$/i;
// Far above any profile or phone-number payload; bounds the work a hostile request can ask for.
const MAX_ENCRYPTED_CHARS = 64 * 1024;
const MAX_RAW_DATA_CHARS = 64 * 1024;

/** The signed profile `wx.getUserInfo` returns (spec B.3). */
export interface SignedUserData {
  rawData: string;
  signature: string;
}

/** Encrypted open data (`encryptedData` and `iv` of `wx.getUserInfo`, `getPhoneNumber`'s old flow, share info). */
export interface EncryptedUserData {
  encryptedData: string;
  iv: string;
}

/** Decrypted open data: WeChat's own fields, and the watermark already checked. */
export type OpenData = { readonly [field: string]: unknown } & { readonly watermark: Watermark };

/**
 * Options of {@link decryptUserData}.
 * @example
 * decryptUserData(data, sessionKey, appid, Date.now(), { maxAgeSeconds: 120 });
 */
export interface DecryptUserDataOptions {
  /** How far `watermark.timestamp` may be from `now`, either way. Default 600. */
  maxAgeSeconds?: number;
}

function base64Bytes(value: unknown, argument: string, bytes?: number): Buffer {
  if (
    typeof value !== "string" ||
    value === "" ||
    value.length > MAX_ENCRYPTED_CHARS ||
    !BASE64.test(value)
  ) {
    throw new InvalidArgumentError(argument, "must be standard base64");
  }
  const decoded = Buffer.from(value, "base64");
  if (bytes !== undefined && decoded.length !== bytes) {
    throw new InvalidArgumentError(argument, `must decode to ${bytes} bytes`);
  }
  return decoded;
}

/** A session_key as jscode2session returns it: base64 of 16 bytes. Checked before it keys any hash or cipher. */
export function assertSessionKey(sessionKey: unknown): asserts sessionKey is string {
  base64Bytes(sessionKey, "sessionKey", 16);
}

/**
 * Checks `signature == sha1(rawData + session_key)` (spec B.3) in constant
 * time and returns rawData parsed. Throws {@link OpenDataSignatureError} when
 * it does not match: rawData was altered, or it was signed under another session_key.
 * @example
 * const profile = verifyUserData({ rawData, signature }, sessionKey);
 */
export function verifyUserData(data: SignedUserData, sessionKey: string): Record<string, unknown> {
  assertSessionKey(sessionKey);
  const rawData = data?.rawData;
  if (typeof rawData !== "string" || rawData.length > MAX_RAW_DATA_CHARS) {
    throw new InvalidArgumentError("rawData", "must be the rawData string, at most 64 KiB");
  }
  if (typeof data.signature !== "string" || !SHA1_HEX.test(data.signature)) {
    throw new InvalidArgumentError("signature", "must be 40 hexadecimal characters");
  }
  const expected = createHash("sha1")
    .update(rawData + sessionKey, "utf8")
    .digest();
  if (!timingSafeEqual(expected, Buffer.from(data.signature, "hex"))) throw new OpenDataSignatureError();
  const parsed = parseObject(rawData);
  if (parsed === undefined) throw new InvalidArgumentError("rawData", "is not a JSON object");
  return parsed;
}

/**
 * Decrypts open data with the user's session_key (AES-128-CBC, PKCS#7, spec
 * B.3) and checks its watermark: issued to `appid`, and within
 * `maxAgeSeconds` of `now` (epoch milliseconds).
 * @throws {OpenDataDecryptError} the key does not decrypt it: most likely a later wx.login replaced it.
 * @throws {OpenDataWatermarkError} another app's data, no watermark, or too old.
 * @example
 * const { phoneNumber } = decryptUserData({ encryptedData, iv }, sessionKey, appid, Date.now());
 */
export function decryptUserData(
  data: EncryptedUserData,
  sessionKey: string,
  appid: string,
  now: number,
  options: DecryptUserDataOptions = {},
): OpenData {
  const key = base64Bytes(sessionKey, "sessionKey", 16);
  if (appidProblem(appid)) throw new InvalidArgumentError("appid", "not a WeChat AppID");
  if (typeof now !== "number" || !Number.isFinite(now)) {
    throw new InvalidArgumentError("now", "must be epoch milliseconds");
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? 600;
  if (typeof maxAgeSeconds !== "number" || !(maxAgeSeconds > 0)) {
    throw new InvalidArgumentError("maxAgeSeconds", "must be a positive number of seconds");
  }
  const iv = base64Bytes(data?.iv, "iv", 16);
  const ciphertext = base64Bytes(data.encryptedData, "encryptedData");
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new InvalidArgumentError("encryptedData", "must be whole 16-byte AES blocks");
  }
  let plaintext: string;
  try {
    const decipher = createDecipheriv("aes-128-cbc", key, iv);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    // Bad padding: the wrong key, or altered bytes. OpenSSL's message says nothing more useful.
    throw new OpenDataDecryptError();
  }
  // Under a wrong key the padding checks out about once in 256 tries; the text is then garbage.
  const parsed = parseObject(plaintext);
  if (parsed === undefined) throw new OpenDataDecryptError();
  const watermark = parsed.watermark as Partial<Watermark> | undefined;
  if (
    typeof watermark !== "object" ||
    watermark === null ||
    typeof watermark.appid !== "string" ||
    typeof watermark.timestamp !== "number"
  ) {
    throw new OpenDataWatermarkError("missing");
  }
  if (watermark.appid !== appid) throw new OpenDataWatermarkError("foreign_appid");
  if (Math.abs(now / 1000 - watermark.timestamp) > maxAgeSeconds) throw new OpenDataWatermarkError("stale");
  return parsed as OpenData;
}

/**
 * `signature` of `wxa/checksession` and `wxa/resetusersessionkey`:
 * HMAC-SHA256 of the empty string keyed with the session_key string (spec B.2).
 * A credential for that key: never log it.
 */
export function sessionKeySignature(sessionKey: string): string {
  assertSessionKey(sessionKey);
  return createHmac("sha256", sessionKey).update("").digest("hex");
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

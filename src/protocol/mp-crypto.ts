import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { PushCryptoError, PushRecipientError } from "./errors.js";
import { encodingAesKeyProblem } from "./identifiers.js";

// Spec A.2–A.4: the signatures and the safe-mode cipher of Official Account pushes.

/** Spec A.4 §4: WeChat pads to 32-byte blocks, not AES's 16, so node's automatic padding cannot be used. */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * WeChat's push signature (spec A.2 and A.4 §3): the hex SHA-1 of the parts
 * sorted and joined. `signature` signs `[token, timestamp, nonce]`;
 * `msg_signature` adds the base64 `Encrypt`.
 * @example
 * pushSignature("AAAAA", "1714036504", "1514711492") // "f464b24fc39322e44b38aa78f5edd27bd1441696"
 */
export function pushSignature(...parts: readonly string[]): string {
  return createHash("sha1")
    .update([...parts].sort().join(""))
    .digest("hex");
}

/**
 * Whether a received signature equals the expected one, compared in constant
 * time so response timing tells a forger nothing about how close a guess is.
 */
export function signatureMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), "utf8");
  const b = Buffer.from(expected, "utf8");
  // Unequal lengths cannot match; comparing b with itself keeps the time the same anyway.
  return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(b, b);
}

/**
 * The 32-byte AES key of an EncodingAESKey: base64 of the 43 characters plus
 * `=` (spec A.4 §1). Its first 16 bytes are the IV.
 * @throws {PushCryptoError} (-40004) unless the key is 43 characters of [A-Za-z0-9].
 */
export function decodeEncodingAesKey(encodingAesKey: string): Buffer {
  if (encodingAesKeyProblem(encodingAesKey)) {
    throw new PushCryptoError("the EncodingAESKey is not 43 characters of [A-Za-z0-9]", -40004);
  }
  return Buffer.from(`${encodingAesKey}=`, "base64");
}

/** What {@link decryptMessage} found: the message and which key opened it (0 current, 1 previous). */
export interface DecryptedMessage {
  message: string;
  keyIndex: number;
}

/**
 * Opens a safe-mode `Encrypt` (spec A.4 §4): AES-256-CBC without automatic
 * padding, the 32-byte PKCS#7 padding checked and stripped by hand, then
 * `random(16) ‖ length(4, big-endian) ‖ message ‖ appid`. Tries each key in
 * order (current first, then the previous one during a key change). Call it
 * only after `msg_signature` was checked.
 * @throws {PushCryptoError} for bad base64, a bad key, bad padding or layout.
 * @throws {PushRecipientError} when the message was encrypted for another appid.
 */
export function decryptMessage(encrypt: string, keys: readonly Buffer[], appid: string): DecryptedMessage {
  if (typeof encrypt !== "string" || encrypt === "" || !BASE64.test(encrypt)) {
    throw new PushCryptoError("Encrypt is not base64", -40010);
  }
  const ciphertext = Buffer.from(encrypt, "base64");
  if (ciphertext.length < PAD_BLOCK || ciphertext.length % 16 !== 0) {
    throw new PushCryptoError("Encrypt is not a whole number of AES blocks", -41003);
  }
  if (keys.length === 0) throw new PushCryptoError("no EncodingAESKey is configured", -40004);
  let foreign = false;
  for (const [keyIndex, key] of keys.entries()) {
    const opened = openWith(ciphertext, key);
    if (opened === undefined) continue;
    if (opened.appid !== appid) {
      foreign = true;
      continue;
    }
    return { message: opened.message, keyIndex };
  }
  if (foreign) throw new PushRecipientError("appid");
  throw new PushCryptoError("Encrypt does not decrypt with the configured EncodingAESKey", -40007);
}

function openWith(ciphertext: Buffer, key: Buffer): { message: string; appid: string } | undefined {
  if (key.length !== 32) throw new PushCryptoError("the AES key is not 32 bytes", -40004);
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK) return undefined;
  for (let index = plain.length - pad; index < plain.length; index++) {
    if (plain[index] !== pad) return undefined;
  }
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < RANDOM_BYTES + LENGTH_BYTES) return undefined;
  const length = body.readUInt32BE(RANDOM_BYTES);
  const start = RANDOM_BYTES + LENGTH_BYTES;
  if (start + length > body.length) return undefined;
  try {
    return {
      message: utf8.decode(body.subarray(start, start + length)),
      appid: utf8.decode(body.subarray(start + length)),
    };
  } catch {
    return undefined;
  }
}

/**
 * Seals a message for WeChat (spec A.4 §6): `random(16) ‖ length ‖ message ‖
 * appid`, padded to 32 bytes, AES-256-CBC, base64. `random16` comes from the
 * CSPRNG unless given (tests pass a fixed one to compare with a vector).
 * @throws {PushCryptoError} (-40004) for a key that is not 32 bytes.
 */
export function encryptMessage(
  message: string,
  key: Buffer,
  appid: string,
  random16: Buffer = randomBytes(RANDOM_BYTES),
): string {
  if (key.length !== 32) throw new PushCryptoError("the AES key is not 32 bytes", -40004);
  if (random16.length !== RANDOM_BYTES)
    throw new PushCryptoError("the random prefix is not 16 bytes", -40006);
  const text = Buffer.from(message, "utf8");
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(text.length);
  const body = Buffer.concat([random16, length, text, Buffer.from(appid, "utf8")]);
  const pad = PAD_BLOCK - (body.length % PAD_BLOCK);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString("base64");
}

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

/** Random token of 32 bytes as hex: only [0-9a-f], so it is a valid WeChat `state` too. */
export function randomToken(): string {
  return randomBytes(32).toString("hex");
}

/** True for a value {@link randomToken} could have made: the shape of our states and secrets. */
export function isRandomToken(value: string): boolean {
  return /^[a-f0-9]{64}$/.test(value);
}

/** SHA-256 hex: the store keeps hashes of session ids and pre-login cookies, never the raw values. */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * AES-256-GCM for tokens at rest. The key is derived from the session secret
 * with HKDF so one configured secret never doubles as a raw cipher key.
 */
export class TokenCipher {
  readonly #key: Buffer;

  constructor(sessionSecret: string) {
    this.#key = Buffer.from(hkdfSync("sha256", sessionSecret, "wechat-login", "token-encryption-v1", 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  decrypt(sealed: string): string {
    if (!sealed.startsWith("v1.")) throw new Error("unknown token encryption format");
    const raw = Buffer.from(sealed.slice(3), "base64url");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}

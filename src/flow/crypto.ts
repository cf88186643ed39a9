import { createCipheriv, createDecipheriv, hash, hkdfSync, randomBytes } from "node:crypto";

const TOKEN_BYTES = 32;
/** Random bytes for 64 tokens, drawn at once. */
const POOL_BYTES = 64 * TOKEN_BYTES;
let pool = Buffer.alloc(0);
let taken = 0;

/**
 * Random token of 32 bytes as hex: only [0-9a-f], so it is a valid WeChat `state` too. The bytes come
 * from the CSPRNG in batches, as Node's own `randomUUID` takes them: each draw from OpenSSL 3.0 makes a
 * system call (`getpid`, its fork check), among a login's costliest calls on a virtual machine. Each
 * byte is handed out once and wiped from the batch as it is. (The emulator keeps a pool of its own: it
 * takes only constants and types from outside itself.)
 */
export function randomToken(): string {
  if (taken + TOKEN_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  const token = pool.toString("hex", taken, taken + TOKEN_BYTES);
  pool.fill(0, taken, taken + TOKEN_BYTES);
  taken += TOKEN_BYTES;
  return token;
}

/** True for a value {@link randomToken} could have made: the shape of our states and secrets. */
export function isRandomToken(value: string): boolean {
  return /^[a-f0-9]{64}$/.test(value);
}

/** SHA-256 hex: the store keeps hashes of session ids and pre-login cookies, never the raw values. */
export function sha256(value: string): string {
  // One call into OpenSSL, not a Hash object updated and digested: /session hashes its cookie every time.
  return hash("sha256", value, "hex");
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

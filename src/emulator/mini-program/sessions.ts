import { randomBytes } from "node:crypto";

/**
 * Each user's current session_key per mini program. A login replaces it, so
 * the previous one stops decrypting and checking (spec B.1: one valid key per user).
 */
export class SessionKeys {
  readonly #keys = new Map<string, string>();

  /** A new key for this login; the previous one is forgotten. Base64 of 16 bytes, as WeChat's. */
  login(appid: string, openid: string): string {
    const sessionKey = randomBytes(16).toString("base64");
    this.#keys.set(`${appid}\n${openid}`, sessionKey);
    return sessionKey;
  }

  current(appid: string, openid: string): string | undefined {
    return this.#keys.get(`${appid}\n${openid}`);
  }

  clear(): void {
    this.#keys.clear();
  }
}

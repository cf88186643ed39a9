import { createHash, randomBytes } from "node:crypto";
import type { EmulatorClock } from "../clock.js";

// Spec B.4: a phone-number code works once, within 5 minutes.
const LIFETIME_MS = 5 * 60 * 1000;

interface PhoneCode {
  appid: string;
  userId: string;
  expiresAt: number;
}

/** Codes of the phone's "share phone number" button (`open-type="getPhoneNumber"`). */
export class PhoneCodes {
  readonly #codes = new Map<string, PhoneCode>();

  constructor(private readonly clock: EmulatorClock) {}

  /** `e.detail.code`: 64 hex characters like WeChat's. */
  issue(appid: string, userId: string): string {
    const code = randomBytes(32).toString("hex");
    this.#codes.set(code, { appid, userId, expiresAt: this.clock.now() + LIFETIME_MS });
    return code;
  }

  /** The user a code was issued to; an unknown, used, expired or other app's code is undefined (40029). */
  consume(appid: string, code: string): string | undefined {
    const record = this.#codes.get(code);
    if (!record || record.appid !== appid) return undefined;
    this.#codes.delete(code);
    return this.clock.now() < record.expiresAt ? record.userId : undefined;
  }

  clear(): void {
    this.#codes.clear();
  }
}

/** A test user's phone number: stable, and shaped like a mainland mobile number. */
export function phoneNumberFor(userId: string): string {
  const digits = BigInt(`0x${createHash("sha256").update(`phone\n${userId}`).digest("hex").slice(0, 12)}`);
  return `138${(digits % 100_000_000n).toString().padStart(8, "0")}`;
}

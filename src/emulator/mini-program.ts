import type { EmulatorClock } from "./clock.js";
import { randomToken } from "./ids.js";
import { PhoneCodes } from "./mini-program/phone-codes.js";
import { SessionKeys } from "./mini-program/sessions.js";

// Spec §3.5: 45011 after 100 calls a minute for one user.
const RATE_LIMIT = 100;
const RATE_WINDOW_MS = 60_000;

interface JsCode {
  appid: string;
  userId: string;
  expiresAt: number;
  used: boolean;
}

export type JsCodeResult =
  | { ok: true; userId: string }
  | { ok: false; errcode: 40029 | 40163 | 42003 | 45011 };

/** `wx.login()` codes and the per-user rate limit of `jscode2session`. */
export class MiniProgramStore {
  readonly #codes = new Map<string, JsCode>();
  readonly #calls = new Map<string, number[]>();
  /** Each user's current session_key; `jscode2session` replaces it. */
  readonly sessions = new SessionKeys();
  readonly phoneCodes: PhoneCodes;
  /** What each user's mini program keeps with `wx.setStorageSync`: the developer's bearer token, per `appid\nuserId`. */
  readonly siteTokens = new Map<string, string>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly codeLifetimeSeconds: number,
  ) {
    this.phoneCodes = new PhoneCodes(clock);
  }

  /** What `wx.login()` returns inside the mini program. */
  issue(appid: string, userId: string): string {
    const code = randomToken(24);
    this.#codes.set(code, {
      appid,
      userId,
      expiresAt: this.clock.now() + this.codeLifetimeSeconds * 1000,
      used: false,
    });
    return code;
  }

  /** Consumes a code; a rate-limited call leaves the code unused so the caller may retry it. */
  consume(appid: string, jsCode: string): JsCodeResult {
    const record = this.#codes.get(jsCode);
    if (!record || record.appid !== appid) return { ok: false, errcode: 40029 };
    if (record.used) return { ok: false, errcode: 40163 };
    const now = this.clock.now();
    if (now >= record.expiresAt) return { ok: false, errcode: 42003 };
    const key = `${appid}\n${record.userId}`;
    const recent = (this.#calls.get(key) ?? []).filter((time) => now - time < RATE_WINDOW_MS);
    if (recent.length >= RATE_LIMIT) {
      this.#calls.set(key, recent);
      return { ok: false, errcode: 45011 };
    }
    recent.push(now);
    this.#calls.set(key, recent);
    record.used = true;
    return { ok: true, userId: record.userId };
  }

  clear(): void {
    this.#codes.clear();
    this.#calls.clear();
    this.sessions.clear();
    this.phoneCodes.clear();
    this.siteTokens.clear();
  }
}

import type { EmulatorClock } from "./clock.js";
import { randomToken } from "./ids.js";

const LIFETIME_MS = 7200 * 1000;
// Spec §3.6: the previous app token keeps working for 5 minutes after a new one is issued.
const OVERLAP_MS = 5 * 60 * 1000;

interface Holder {
  current?: { token: string; expiresAt: number };
  previous?: { token: string; validUntil: number };
}

export interface IssuedAppToken {
  token: string;
  expiresIn: number;
}

/**
 * App credentials (`cgi-bin/token`, `cgi-bin/stable_token`), one holder per
 * appid and mode: a stable token is independent of the plain one, as on WeChat.
 */
export class AppTokenStore {
  readonly #holders = new Map<string, Holder>();

  constructor(private readonly clock: EmulatorClock) {}

  /** `cgi-bin/token`: always a new token; the old one dies after the overlap. */
  issue(appid: string): IssuedAppToken {
    return this.#rotate(this.#holder(`token\n${appid}`));
  }

  /** `cgi-bin/stable_token`: the same token until it expires, unless forced. */
  stable(appid: string, forceRefresh: boolean): IssuedAppToken {
    const holder = this.#holder(`stable\n${appid}`);
    const now = this.clock.now();
    if (!forceRefresh && holder.current && now < holder.current.expiresAt) {
      return {
        token: holder.current.token,
        expiresIn: Math.ceil((holder.current.expiresAt - now) / 1000),
      };
    }
    return this.#rotate(holder);
  }

  /** Whether an app token is still accepted, and if not, why (WeChat's errcode). */
  check(token: string): { ok: true; appid: string } | { ok: false; errcode: 40001 | 42001 } {
    const now = this.clock.now();
    for (const [key, holder] of this.#holders) {
      const appid = key.slice(key.indexOf("\n") + 1);
      if (holder.current?.token === token) {
        return now < holder.current.expiresAt ? { ok: true, appid } : { ok: false, errcode: 42001 };
      }
      if (holder.previous?.token === token) {
        return now < holder.previous.validUntil ? { ok: true, appid } : { ok: false, errcode: 40001 };
      }
    }
    return { ok: false, errcode: 40001 };
  }

  clear(): void {
    this.#holders.clear();
  }

  #holder(key: string): Holder {
    let holder = this.#holders.get(key);
    if (!holder) {
      holder = {};
      this.#holders.set(key, holder);
    }
    return holder;
  }

  #rotate(holder: Holder): IssuedAppToken {
    const now = this.clock.now();
    if (holder.current && now < holder.current.expiresAt) {
      holder.previous = {
        token: holder.current.token,
        validUntil: Math.min(holder.current.expiresAt, now + OVERLAP_MS),
      };
    }
    holder.current = { token: randomToken(96), expiresAt: now + LIFETIME_MS };
    return { token: holder.current.token, expiresIn: LIFETIME_MS / 1000 };
  }
}

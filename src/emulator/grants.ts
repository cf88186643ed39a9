import type { EmulatorClock } from "./clock.js";
import { randomToken } from "./ids.js";

/** Scopes the emulator grants (spec §1). */
export type GrantScope = "snsapi_login" | "snsapi_base" | "snsapi_userinfo";

/** Lifetimes of spec §5, in seconds. */
export interface GrantLifetimes {
  code: number;
  accessToken: number;
  refreshToken: number;
}

export const DEFAULT_LIFETIMES: GrantLifetimes = {
  code: 300,
  accessToken: 7200,
  refreshToken: 30 * 24 * 3600,
};

interface AuthorizationCode {
  appid: string;
  userId: string;
  scope: GrantScope;
  expiresAt: number;
  used: boolean;
}

/** An access token and what it grants. */
export interface AccessTokenRecord {
  token: string;
  appid: string;
  userId: string;
  scope: GrantScope;
  expiresAt: number;
}

interface RefreshTokenRecord {
  token: string;
  appid: string;
  userId: string;
  scope: GrantScope;
  expiresAt: number;
  accessToken: string;
}

/** Why an exchange failed, as WeChat's errcode. */
export type GrantFailure = 40029 | 40163 | 42003 | 40030 | 42002;

export type GrantResult =
  | { ok: true; access: AccessTokenRecord; refreshToken: string }
  | { ok: false; errcode: GrantFailure };

/**
 * Authorization codes, OAuth access tokens and refresh tokens, all timed by
 * the emulator clock. Codes are single use (spec §2).
 */
export class GrantStore {
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #accessTokens = new Map<string, AccessTokenRecord>();
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly lifetimes: GrantLifetimes,
  ) {}

  /** What a user's consent produces: a fresh single-use code. */
  issueCode(appid: string, userId: string, scope: GrantScope): string {
    const code = randomToken(24);
    this.#codes.set(code, {
      appid,
      userId,
      scope,
      expiresAt: this.clock.now() + this.lifetimes.code * 1000,
      used: false,
    });
    return code;
  }

  /** Spec §3.1: a code from another app is as unknown as a made-up one. */
  exchangeCode(appid: string, code: string): GrantResult {
    const record = this.#codes.get(code);
    if (!record || record.appid !== appid) return { ok: false, errcode: 40029 };
    if (record.used) return { ok: false, errcode: 40163 };
    if (this.clock.now() >= record.expiresAt) return { ok: false, errcode: 42003 };
    record.used = true;
    const now = this.clock.now();
    const access = this.#newAccessToken(record.appid, record.userId, record.scope);
    const refreshToken = randomToken(48);
    this.#refreshTokens.set(refreshToken, {
      token: refreshToken,
      appid,
      userId: record.userId,
      scope: record.scope,
      expiresAt: now + this.lifetimes.refreshToken * 1000,
      accessToken: access.token,
    });
    return { ok: true, access, refreshToken };
  }

  /** Spec §3.2: an unexpired access token is kept with its expiry renewed; an expired one is replaced. */
  refresh(appid: string, refreshToken: string): GrantResult {
    const record = this.#refreshTokens.get(refreshToken);
    if (!record || record.appid !== appid) return { ok: false, errcode: 40030 };
    const now = this.clock.now();
    if (now >= record.expiresAt) return { ok: false, errcode: 42002 };
    const current = this.#accessTokens.get(record.accessToken);
    let access: AccessTokenRecord;
    if (current && now < current.expiresAt) {
      current.expiresAt = now + this.lifetimes.accessToken * 1000;
      access = current;
    } else {
      if (current) this.#accessTokens.delete(current.token);
      access = this.#newAccessToken(record.appid, record.userId, record.scope);
      record.accessToken = access.token;
    }
    return { ok: true, access, refreshToken };
  }

  /** The record of an access token, expired or not; undefined when unknown. */
  findAccessToken(token: string): AccessTokenRecord | undefined {
    return this.#accessTokens.get(token);
  }

  isExpired(record: AccessTokenRecord): boolean {
    return this.clock.now() >= record.expiresAt;
  }

  clear(): void {
    this.#codes.clear();
    this.#accessTokens.clear();
    this.#refreshTokens.clear();
  }

  #newAccessToken(appid: string, userId: string, scope: GrantScope): AccessTokenRecord {
    const record: AccessTokenRecord = {
      token: randomToken(48),
      appid,
      userId,
      scope,
      expiresAt: this.clock.now() + this.lifetimes.accessToken * 1000,
    };
    this.#accessTokens.set(record.token, record);
    return record;
  }
}

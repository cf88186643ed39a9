import type { SessionRecord, Store } from "../stores/types.js";
import type { LoginConfig } from "./config.js";
import type { CookiePolicy } from "./cookies.js";
import { randomToken, sha256 } from "./crypto.js";
import type { LoginSession } from "./types.js";

/** Renew the idle expiry at most once a minute, so a busy page does not write on every request. */
const RENEW_EVERY_MS = 60_000;
/** Longer than any id we issue: such a cookie is garbage, not worth a store call. */
const MAX_ID_LENGTH = 256;

/** Who a new session belongs to: our user, and the WeChat identity they logged in with. */
export interface SessionOwner {
  userId: string;
  appid: string;
  openid: string;
}

/**
 * The one owner of a session's life: create (a new random id at every login,
 * stored only as its SHA-256), read (with idle renewal, never past the
 * absolute expiry), rotate (the browser's previous session ends), revoke.
 * The cookie is the only place the raw id lives.
 */
export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly cookies: CookiePolicy,
    private readonly config: Pick<LoginConfig, "sessionIdleSeconds" | "sessionAbsoluteSeconds">,
    private readonly now: () => number,
  ) {}

  /**
   * Opens a session for `owner` and returns its Set-Cookie. `bind` runs with
   * the new session's hash before the previous session of this browser ends
   * (rotation: an id planted before login never becomes a logged-in one); if
   * it fails, the new session is deleted again and nothing half-made remains.
   */
  async start(
    request: Request,
    owner: SessionOwner,
    bind: (idHash: string) => Promise<void>,
  ): Promise<string> {
    const id = randomToken();
    const record = this.#record(sha256(id), owner);
    await this.store.putSession(record);
    try {
      await bind(record.idHash);
      const previous = this.#idOf(request);
      if (previous) await this.store.deleteSession(sha256(previous));
    } catch (error) {
      await this.store.deleteSession(record.idHash).catch(() => undefined);
      throw error;
    }
    return this.cookies.session(id, this.config.sessionAbsoluteSeconds);
  }

  /** The request's live session and its user, the idle expiry renewed; undefined without one. */
  async read(request: Request): Promise<{ record: SessionRecord; session: LoginSession } | undefined> {
    const id = this.#idOf(request);
    if (!id) return undefined;
    const at = this.now();
    const record = await this.store.getSession(sha256(id), at);
    if (!record) return undefined;
    const user = await this.store.getUser(record.userId);
    if (!user) return undefined;
    const idleExpiresAt = Math.min(at + this.config.sessionIdleSeconds * 1000, record.absoluteExpiresAt);
    if (idleExpiresAt - record.idleExpiresAt > RENEW_EVERY_MS) {
      await this.store.touchSession(record.idHash, idleExpiresAt);
    }
    return {
      record,
      session: {
        user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
        identity: { appid: record.appid, openid: record.openid },
        expiresAt: Math.min(idleExpiresAt, record.absoluteExpiresAt),
      },
    };
  }

  /** True when the request carries the session whose hash is `idHash` (a secret only that browser holds). */
  isHeldBy(request: Request, idHash: string | undefined): boolean {
    const id = this.#idOf(request);
    return id !== undefined && idHash !== undefined && sha256(id) === idHash;
  }

  /** Ends the request's session server-side (a copied cookie stops working) and returns the clearing Set-Cookie. */
  async revoke(request: Request): Promise<string> {
    const id = this.#idOf(request);
    if (id) await this.store.deleteSession(sha256(id));
    return this.cookies.clearSession();
  }

  #idOf(request: Request): string | undefined {
    const id = this.cookies.read(request).session;
    return id && id.length <= MAX_ID_LENGTH ? id : undefined;
  }

  #record(idHash: string, owner: SessionOwner): SessionRecord {
    const createdAt = this.now();
    const absoluteExpiresAt = createdAt + this.config.sessionAbsoluteSeconds * 1000;
    return {
      idHash,
      ...owner,
      createdAt,
      idleExpiresAt: Math.min(createdAt + this.config.sessionIdleSeconds * 1000, absoluteExpiresAt),
      absoluteExpiresAt,
    };
  }
}

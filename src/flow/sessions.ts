import type { SessionRecord, Store } from "../stores/types.js";
import type { LoginConfig } from "./config.js";
import type { CookiePolicy } from "./cookies.js";
import { randomToken, sha256 } from "./crypto.js";
import type { LoginSession } from "./types.js";

/** Renew the idle expiry at most once a minute, so a busy page does not write on every request. */
const RENEW_EVERY_MS = 60_000;
/** Longer than any id we issue: such a cookie is garbage, not worth a store call. */
const MAX_ID_LENGTH = 256;
/** `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110 §11.1). */
const BEARER = /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i;
/** The Bearer scheme, well-formed token or not. */
const BEARER_SCHEME = /^bearer(?: |$)/i;

/**
 * Where a session's secret travelled. A bearer token is hashed under its own
 * label, so a cookie's session id sent as a bearer token (or the reverse)
 * names no session: the two kinds stay apart without a column in the store.
 */
type Credential = { kind: "cookie" | "bearer"; idHash: string };

const hashOf = (kind: Credential["kind"], id: string): string =>
  kind === "cookie" ? sha256(id) : sha256(`bearer\n${id}`);

/** Who a new session belongs to: our user, and the WeChat identity they logged in with. */
export interface SessionOwner {
  userId: string;
  appid: string;
  openid: string;
}

/**
 * The one owner of a session's life: create (a new random id at every login,
 * stored only as its SHA-256), read (with idle renewal, never past the
 * absolute expiry), rotate (the browser's previous session ends), revoke, take (read and end, once).
 * The cookie is the only place the raw id lives; for the mini program, which
 * has no cookie jar, the same sessions travel as `Authorization: Bearer`.
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

  /**
   * Opens a bearer session for `owner` (the mini program's login) and returns
   * its token. The request's own bearer session, if it sent one, ends
   * (rotation, as for cookies).
   */
  async startBearer(request: Request, owner: SessionOwner): Promise<{ token: string; expiresIn: number }> {
    const token = randomToken();
    await this.store.putSession(this.#record(hashOf("bearer", token), owner));
    const previous = this.#credentialOf(request);
    if (previous?.kind === "bearer") await this.store.deleteSession(previous.idHash);
    return { token, expiresIn: this.config.sessionAbsoluteSeconds };
  }

  /**
   * The request's live session and its user, the idle expiry renewed; undefined without one.
   * A request with `Authorization: Bearer` is judged by that token alone, never by a cookie beside it.
   */
  async read(
    request: Request,
  ): Promise<{ record: SessionRecord; session: LoginSession; bearer: boolean } | undefined> {
    const credential = this.#credentialOf(request);
    if (!credential) return undefined;
    const at = this.now();
    const record = await this.store.getSession(credential.idHash, at);
    if (!record) return undefined;
    const user = await this.store.getUser(record.userId);
    if (!user) return undefined;
    const idleExpiresAt = Math.min(at + this.config.sessionIdleSeconds * 1000, record.absoluteExpiresAt);
    if (idleExpiresAt - record.idleExpiresAt > RENEW_EVERY_MS) {
      await this.store.touchSession(record.idHash, idleExpiresAt);
    }
    return {
      record,
      bearer: credential.kind === "bearer",
      session: {
        user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
        identity: { appid: record.appid, openid: record.openid },
        expiresAt: Math.min(idleExpiresAt, record.absoluteExpiresAt),
      },
    };
  }

  /**
   * Reads the request's session and ends it, once: of concurrent takers of one session, across every
   * instance sharing the store, exactly one gets it (the store's atomic `claimOnce` on the session's hash;
   * a plain read then delete would let two racing requests both read it).
   * The cookie left in the browser names nothing afterwards.
   */
  async take(request: Request): Promise<LoginSession | undefined> {
    const read = await this.read(request);
    if (!read) return undefined;
    const at = this.now();
    if (
      !(await this.store.claimOnce(`session-take:${read.record.idHash}`, read.record.absoluteExpiresAt, at))
    ) {
      return undefined;
    }
    await this.store.deleteSession(read.record.idHash);
    return read.session;
  }

  /** True when the request carries the session whose hash is `idHash` (a secret only that browser holds). */
  isHeldBy(request: Request, idHash: string | undefined): boolean {
    const id = this.#idOf(request);
    return id !== undefined && idHash !== undefined && sha256(id) === idHash;
  }

  /**
   * Ends the request's session server-side (a copied cookie or token stops
   * working); returns the clearing Set-Cookie, or none for a bearer session.
   */
  async revoke(request: Request): Promise<string[]> {
    const credential = this.#credentialOf(request);
    if (credential) await this.store.deleteSession(credential.idHash);
    return credential?.kind === "bearer" ? [] : [this.cookies.clearSession()];
  }

  /** True when the request authenticates with `Authorization: Bearer` (well-formed or not). */
  hasBearer(request: Request): boolean {
    return BEARER_SCHEME.test(request.headers.get("authorization") ?? "");
  }

  #idOf(request: Request): string | undefined {
    const id = this.cookies.read(request).session;
    return id && id.length <= MAX_ID_LENGTH ? id : undefined;
  }

  #credentialOf(request: Request): Credential | undefined {
    const authorization = request.headers.get("authorization");
    if (authorization !== null && BEARER_SCHEME.test(authorization)) {
      const token = BEARER.exec(authorization)?.[1];
      return token && token.length <= MAX_ID_LENGTH
        ? { kind: "bearer", idHash: hashOf("bearer", token) }
        : undefined;
    }
    const id = this.#idOf(request);
    return id ? { kind: "cookie", idHash: hashOf("cookie", id) } : undefined;
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

/**
 * Shapes shared by the client's token holders (UserTokens, AppCredential) and the stores: a `Store`
 * (stores/) is a `TokenStore`, and the client layer never imports stores/.
 */

/**
 * A user's OAuth tokens for one app, as the token manager keeps them. Token
 * fields are opaque to the store (encrypted by the caller).
 */
export interface TokenRecord {
  /** `${appid}:${openid}`, or `app:${appid}` for the app credential. */
  key: string;
  accessToken: string;
  /** Absent for the app credential. */
  refreshToken: string | undefined;
  scope: string;
  accessExpiresAt: number;
  /** When the refresh_token stops working (30 days after authorization). */
  refreshExpiresAt: number | undefined;
  updatedAt: number;
}

/** A held cluster-wide lock. The fencing token grows with every acquisition of the same name. */
export interface Lock {
  readonly name: string;
  readonly fencingToken: number;
  /** Releases only if this holder still owns the lock (a lease that ran out may belong to someone else now). */
  release(): Promise<void>;
}

/** Where UserTokens and AppCredential keep tokens. Every `Store` is one; the client ships an in-memory one. */
export interface TokenStore {
  /**
   * A token record stays readable after its access token expires (it is
   * needed to refresh); it is gone once `refreshExpiresAt` (or, without one,
   * `accessExpiresAt`) has passed.
   */
  getToken(key: string, now: number): Promise<TokenRecord | undefined>;
  putToken(record: TokenRecord): Promise<void>;
  /**
   * Deletes the token only if its access token still equals `accessToken`
   * (compare-and-expire, spec §7): a stale caller cannot throw away a fresh token.
   */
  expireToken(key: string, accessToken: string): Promise<boolean>;
  /**
   * Tries once to take a lease on `name`; undefined when someone else holds
   * it. Optional: without it a refresh is single-flight per process only.
   */
  acquireLock?(name: string, leaseMs: number): Promise<Lock | undefined>;
}

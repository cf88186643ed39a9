import type { TokenRecord, TokenStore } from "../protocol/index.js";
import { nonNegative } from "./config.js";
import { memoryTokenStore } from "./memory-token-store.js";
import { type RefreshJob, refreshAcrossProcesses } from "./refresh-across-processes.js";
import { refreshDueAt } from "./refresh-due.js";

/** Options shared by {@link UserTokens} and {@link AppCredential}: where tokens live and when they refresh. */
export interface TokenRefreshOptions {
  /** Where tokens live. Default: a new {@link memoryTokenStore} (this process only). */
  store?: TokenStore;
  /** Refresh this many seconds before the access token expires. Default 300. */
  refreshMarginSeconds?: number;
  /** Lease of the cluster lock taken around a refresh (stores with `acquireLock`). Default 20,000. */
  lockLeaseMs?: number;
  /** How long a caller waits for another holder's refresh before giving up. Default `lockLeaseMs`. */
  lockWaitMs?: number;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** A token as WeChat hands it out, before it is stored. */
export interface IssuedToken {
  accessToken: string;
  refreshToken: string | undefined;
  scope: string;
  expiresIn: number;
}

/**
 * What both token holders share: the store, the refresh margin, one refresh
 * per key in this process (single flight) and across processes (the store's
 * lock), and the one way a stored record is built.
 */
export class TokenRefresher {
  readonly store: TokenStore;
  readonly now: () => number;
  readonly #marginMs: number;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #inFlight = new Map<string, Promise<TokenRecord>>();

  constructor(options: TokenRefreshOptions) {
    this.store = options.store ?? memoryTokenStore();
    this.#marginMs = nonNegative("refreshMarginSeconds", options.refreshMarginSeconds, 300, "seconds") * 1000;
    this.#leaseMs = nonNegative("lockLeaseMs", options.lockLeaseMs, 20_000);
    this.#waitMs = nonNegative("lockWaitMs", options.lockWaitMs, this.#leaseMs);
    this.now = options.now ?? Date.now;
  }

  isFresh(record: TokenRecord): boolean {
    return refreshDueAt(record.updatedAt, record.accessExpiresAt, this.#marginMs) > this.now();
  }

  /** The record to store for `token` under `key`, as of now. */
  record(key: string, token: IssuedToken, refreshExpiresAt: number | undefined): TokenRecord {
    const now = this.now();
    return {
      key,
      accessToken: token.accessToken,
      refreshToken: token.refreshToken,
      scope: token.scope,
      accessExpiresAt: now + token.expiresIn * 1000,
      refreshExpiresAt,
      updatedAt: now,
    };
  }

  /** Runs one refresh of `key` for this process and, through the store's lock, for the cluster. */
  refresh(key: string, job: Pick<RefreshJob, "endpoint" | "isUsable" | "refresh">): Promise<TokenRecord> {
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = refreshAcrossProcesses({
        ...job,
        store: this.store,
        key,
        leaseMs: this.#leaseMs,
        waitMs: this.#waitMs,
        now: this.now,
      }).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, flight);
    }
    return flight;
  }
}

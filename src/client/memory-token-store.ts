import type { Lock, TokenRecord, TokenStore } from "../protocol/index.js";
import { LeaseTable } from "../protocol/leases.js";

/**
 * Options of {@link memoryTokenStore}.
 * @example
 * const store = memoryTokenStore({ now: () => fakeClock.now });
 */
export interface MemoryTokenStoreOptions {
  /** Clock for lock leases, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link TokenStore} in this process's memory, with leased locks: for
 * tests and single-process apps. Several token holders sharing one instance
 * behave like several servers sharing Redis. Tokens are lost on restart.
 *
 * @example
 * const tokens = new UserTokens({ client, store: memoryTokenStore() });
 */
export function memoryTokenStore(options: MemoryTokenStoreOptions = {}): TokenStore {
  const now = options.now ?? Date.now;
  const records = new Map<string, TokenRecord>();
  const leases = new LeaseTable();

  return {
    async getToken(key, at) {
      const record = records.get(key);
      if (!record) return undefined;
      if ((record.refreshExpiresAt ?? record.accessExpiresAt) <= at) {
        records.delete(key);
        return undefined;
      }
      return { ...record };
    },
    async putToken(record) {
      records.set(record.key, { ...record });
    },
    async expireToken(key, accessToken) {
      if (records.get(key)?.accessToken !== accessToken) return false;
      records.delete(key);
      return true;
    },
    async acquireLock(name, leaseMs): Promise<Lock | undefined> {
      const fencingToken = leases.acquire(name, leaseMs, now());
      if (fencingToken === undefined) return undefined;
      return {
        name,
        fencingToken,
        async release() {
          leases.release(name, fencingToken);
        },
      };
    },
  };
}

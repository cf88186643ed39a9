import { setTimeout as sleep } from "node:timers/promises";
import {
  type Endpoint,
  RefreshWaitTimeoutError,
  type TokenRecord,
  type TokenStore,
} from "../protocol/index.js";

const LOCK_POLL_MS = 25;

/** One refresh of one stored token, shared by every process on the store. */
export interface RefreshJob {
  store: TokenStore;
  key: string;
  /** Lease of the store lock; a holder that dies frees it when the lease runs out. */
  leaseMs: number;
  /** How long a waiter polls for another holder's result before giving up. */
  waitMs: number;
  now: () => number;
  /** Names the upstream call in the error a waiter gets when the holder never finishes. */
  endpoint: Endpoint;
  /** A record another process wrote is good enough to return instead of refreshing again. */
  isUsable(record: TokenRecord): boolean;
  /** Fetches and stores the new record; `current` is what the store holds now, if anything. */
  refresh(current: TokenRecord | undefined): Promise<TokenRecord>;
}

/**
 * Runs `job.refresh` at most once across every process sharing the store:
 * the lock holder refreshes, the others poll the store until its result lands
 * (bounded by `waitMs`). Stores without `acquireLock` refresh directly, which
 * is single-flight only within the caller's process.
 */
export async function refreshAcrossProcesses(job: RefreshJob): Promise<TokenRecord> {
  const { store } = job;
  if (!store.acquireLock) return refreshUnlessDone(job);
  const giveUpAt = performance.now() + job.waitMs;
  for (;;) {
    const lock = await store.acquireLock(`token-refresh:${job.key}`, job.leaseMs);
    if (lock) {
      try {
        return await refreshUnlessDone(job);
      } finally {
        await lock.release();
      }
    }
    const current = await store.getToken(job.key, job.now());
    if (current && job.isUsable(current)) return current;
    if (performance.now() >= giveUpAt) throw new RefreshWaitTimeoutError(job.endpoint, job.waitMs);
    await sleep(LOCK_POLL_MS);
  }
}

async function refreshUnlessDone(job: RefreshJob): Promise<TokenRecord> {
  // Another process may have refreshed while this one waited for the lock.
  const current = await job.store.getToken(job.key, job.now());
  if (current && job.isUsable(current)) return current;
  return job.refresh(current);
}

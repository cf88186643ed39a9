import { WeChatApiError, WeChatNetworkError, WeChatTimeoutError } from "../protocol/index.js";
import type { ClientConfig } from "./config.js";
import type { Deadline } from "./deadline.js";

/**
 * How safe a call is to repeat.
 * - `idempotent`: reads and refreshes; retried on errcode -1, network errors and connect timeouts.
 * - `single-use`: code exchanges; a code works once, so only a failure that provably sent nothing
 *   (connect refused/unreachable/timed out) is retried.
 */
export type RetryPolicy = "idempotent" | "single-use";

/** Whether `error` may be retried under `policy` (spec §4: -1 on idempotent reads, never a code twice). */
export function isRetryable(error: unknown, policy: RetryPolicy): boolean {
  if (error instanceof WeChatTimeoutError) return error.phase === "connect";
  if (error instanceof WeChatNetworkError) return policy === "idempotent" || !error.requestSent;
  if (error instanceof WeChatApiError) return policy === "idempotent" && error.errcode === -1;
  return false;
}

/** Full-jitter exponential backoff: a random delay below min(maxDelay, base · 2^retry). */
export function backoffMs(retry: number, options: ClientConfig["retry"]): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.random() * ceiling;
}

/**
 * After attempt number `retry` (0 for the first) failed with `error`: the
 * backoff before the next attempt, or undefined when `error` must surface:
 * not retryable, out of attempts, or the backoff would pass the deadline.
 */
export function nextBackoffMs(
  error: unknown,
  retry: number,
  policy: RetryPolicy,
  options: ClientConfig["retry"],
  deadline: Deadline,
): number | undefined {
  if (retry + 1 >= options.attempts || !isRetryable(error, policy)) return undefined;
  const delay = backoffMs(retry, options);
  return delay >= deadline.remainingMs() ? undefined : delay;
}

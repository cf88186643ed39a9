import { BurstyRateLimiter, type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { InvalidArgumentError } from "../protocol/errors.js";
import type { RateLimitRule, RateLimitVerdict } from "./types.js";

/** Builds one rate-limiter-flexible limiter on a store's own backend (client, pool or database). */
export type LimiterFactory = (options: {
  keyPrefix: string;
  points: number;
  duration: number;
}) => RateLimiterAbstract;

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

/**
 * `Store.consumeRateLimit` for any backend rate-limiter-flexible supports:
 * one limiter per distinct rule, built on first use and kept, so every call
 * reuses the backend's prepared statements and scripts.
 */
export function rateLimitsOn(
  make: LimiterFactory,
): (rule: RateLimitRule, key: string) => Promise<RateLimitVerdict> {
  const limiters = new Map<string, Consumer>();
  // The flow passes the same rule objects on every request: found by identity, its id is not serialized each time.
  const byRule = new WeakMap<RateLimitRule, Consumer>();
  return async (rule, key) => {
    let limiter = byRule.get(rule);
    if (!limiter) {
      const id = JSON.stringify([rule.name, rule.points, rule.durationSeconds, rule.burst]);
      limiter = limiters.get(id);
      if (!limiter) {
        checkRule(rule);
        limiter = build(make, rule);
        limiters.set(id, limiter);
      }
      byRule.set(rule, limiter);
    }
    try {
      const result = await limiter.consume(key);
      return { allowed: true, retryAfterMs: Math.max(0, result.msBeforeNext) };
    } catch (error) {
      // rate-limiter-flexible refuses a hit by rejecting with its result; anything else is the backend failing.
      if (error instanceof RateLimiterRes)
        return { allowed: false, retryAfterMs: Math.max(0, error.msBeforeNext) };
      throw error;
    }
  };
}

function build(make: LimiterFactory, rule: RateLimitRule): Consumer {
  const steady = make({ keyPrefix: rule.name, points: rule.points, duration: rule.durationSeconds });
  if (!rule.burst) return steady;
  const burst = make({
    keyPrefix: `${rule.name}-burst`,
    points: rule.burst.points,
    duration: rule.burst.durationSeconds,
  });
  return new BurstyRateLimiter(steady, burst);
}

const positive = (value: number) => Number.isSafeInteger(value) && value > 0;

function checkRule(rule: RateLimitRule): void {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(rule.name)) {
    throw new InvalidArgumentError("rule.name", "must be 1 to 40 letters, digits, `_` or `-`");
  }
  for (const [field, value] of [
    ["points", rule.points],
    ["durationSeconds", rule.durationSeconds],
    ["burst.points", rule.burst?.points ?? 1],
    ["burst.durationSeconds", rule.burst?.durationSeconds ?? 1],
  ] as const) {
    if (!positive(value)) throw new InvalidArgumentError(`rule.${field}`, "must be a positive integer");
  }
}

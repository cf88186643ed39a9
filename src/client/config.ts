import type { Dispatcher } from "undici";
import { appidProblem, baseUrlProblem, normalizeBaseUrl, secretProblem } from "../protocol/identifiers.js";
import { ConfigError, DEFAULT_API_BASE, DEFAULT_OPEN_BASE } from "../protocol/index.js";

/**
 * Per-phase network limits, in milliseconds.
 * @example
 * new WeChatClient({ appid, secret, timeouts: { connectMs: 2_000, totalMs: 5_000 } });
 */
export interface TimeoutOptions {
  /** TCP (and TLS) connect. Default 5,000. */
  connectMs?: number;
  /** From request sent to response headers received. Default 10,000. */
  headersMs?: number;
  /** Longest silence between two body chunks. Default 10,000. */
  bodyMs?: number;
  /** Whole call, retries and backoff included. Default 15,000. */
  totalMs?: number;
}

/**
 * Backoff for the calls that are safe to retry (see docs/client.md, "Retry policy").
 * @example
 * new WeChatClient({ appid, secret, retry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 2_000 } });
 */
export interface RetryOptions {
  /** Tries in total, the first one included. Default 3; 1 disables retries. */
  attempts?: number;
  /** First backoff ceiling; it doubles on each retry. Default 100. */
  baseDelayMs?: number;
  /** Largest backoff ceiling. Default 1,000. */
  maxDelayMs?: number;
}

/**
 * Options of {@link WeChatClient}. Only `appid` and `secret` are required.
 * @example
 * const options: WeChatClientOptions = {
 *   appid: "wx0123456789abcdef",
 *   secret: process.env.WECHAT_SECRET!,
 *   apiBase: "http://127.0.0.1:3001", // the local emulator
 *   timeouts: { totalMs: 5_000 },
 * };
 */
export interface WeChatClientOptions {
  /** The app's AppID: `wx` followed by 16 hexadecimal characters. */
  appid: string;
  /** The app's AppSecret. Kept private: never printed, inspected or serialized. */
  secret: string;
  /** `API` host of the server-to-server JSON endpoints. Default `https://api.weixin.qq.com`. */
  apiBase?: string;
  /** `OPEN` host of the browser-facing pages. Default `https://open.weixin.qq.com`. */
  openBase?: string;
  /** Keep-alive connections per origin at most. Default 10. */
  connections?: number;
  timeouts?: TimeoutOptions;
  retry?: RetryOptions;
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Your own undici Dispatcher (proxy agent, mock agent…). The client then creates no pool and does not close it. */
  dispatcher?: Dispatcher;
  /** Clock in epoch milliseconds, for the app-token cache. Default `Date.now`. */
  now?: () => number;
}

/** Options once validated and defaulted. */
export interface ClientConfig {
  readonly appid: string;
  readonly secret: string;
  readonly apiBase: URL;
  readonly openBase: string;
  readonly connections: number;
  readonly timeouts: Required<TimeoutOptions>;
  readonly retry: Required<RetryOptions>;
  readonly maxBodyBytes: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly now: () => number;
}

/** Validates the client options; throws a {@link ConfigError} naming the first bad field. */
export function resolveConfig(options: WeChatClientOptions): ClientConfig {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("options", "must be an object with at least appid and secret");
  }
  if (appidProblem(options.appid)) {
    throw new ConfigError(
      "appid",
      options.appid === undefined ? "missing" : "not a WeChat AppID",
      'A WeChat AppID is "wx" followed by 16 hexadecimal characters; copy it from the WeChat platform.',
    );
  }
  if (secretProblem(options.secret)) {
    // The value is never echoed: a near-miss secret is still a secret.
    throw new ConfigError(
      "secret",
      options.secret === undefined || options.secret === "" ? "missing" : "malformed",
      "The AppSecret is 32 characters without spaces; copy it from the WeChat platform.",
    );
  }
  const timeouts = options.timeouts ?? {};
  const retry = options.retry ?? {};
  objectOrUndefined("timeouts", options.timeouts);
  objectOrUndefined("retry", options.retry);
  if (options.dispatcher !== undefined && typeof options.dispatcher?.request !== "function") {
    throw new ConfigError("dispatcher", "not an undici Dispatcher");
  }
  if (options.now !== undefined && typeof options.now !== "function") {
    throw new ConfigError("now", "must be a function returning epoch milliseconds");
  }
  return {
    appid: options.appid,
    secret: options.secret,
    apiBase: new URL(base("apiBase", options.apiBase ?? DEFAULT_API_BASE)),
    openBase: base("openBase", options.openBase ?? DEFAULT_OPEN_BASE),
    connections: positiveInteger("connections", options.connections, 10),
    timeouts: {
      connectMs: positiveInteger("timeouts.connectMs", timeouts.connectMs, 5_000),
      headersMs: positiveInteger("timeouts.headersMs", timeouts.headersMs, 10_000),
      bodyMs: positiveInteger("timeouts.bodyMs", timeouts.bodyMs, 10_000),
      totalMs: positiveInteger("timeouts.totalMs", timeouts.totalMs, 15_000),
    },
    retry: {
      attempts: positiveInteger("retry.attempts", retry.attempts, 3),
      baseDelayMs: nonNegative("retry.baseDelayMs", retry.baseDelayMs, 100),
      maxDelayMs: nonNegative("retry.maxDelayMs", retry.maxDelayMs, 1_000),
    },
    maxBodyBytes: positiveInteger("maxBodyBytes", options.maxBodyBytes, 1024 * 1024),
    dispatcher: options.dispatcher,
    now: options.now ?? Date.now,
  };
}

function objectOrUndefined(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw new ConfigError(field, "must be an object");
  }
}

/** An absolute http(s) URL without query or fragment, returned without its trailing slash. */
function base(field: string, value: unknown): string {
  const problem = baseUrlProblem(value);
  if (problem) throw new ConfigError(field, problem, `Set "${field}" to an absolute http(s) URL.`);
  return normalizeBaseUrl(value as string);
}

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(field, "must be a positive integer");
  }
  return value;
}

/** `value`, or `fallback` when it is undefined; a `ConfigError` naming `field` unless it is a number ≥ 0. */
export function nonNegative(field: string, value: unknown, fallback: number, unit = "milliseconds"): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, `must be a number of ${unit}, 0 or more`);
  }
  return value;
}

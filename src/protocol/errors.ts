import { describeErrcode, type ErrcodeAction, type ErrcodeReason } from "./errcodes.js";
import type { Endpoint } from "./hosts.js";

/**
 * The stable codes of every error this package throws: `switch` on them (or
 * on the classes), never on messages. Namespaced `WL_` so they cannot be
 * mistaken for Node's (`ERR_…`) or a driver's codes.
 */
export const ErrorCode = {
  Config: "WL_CONFIG",
  InvalidArgument: "WL_INVALID_ARGUMENT",
  WeChatApi: "WL_WECHAT_API",
  WeChatHttp: "WL_WECHAT_HTTP",
  WeChatTimeout: "WL_WECHAT_TIMEOUT",
  WeChatNetwork: "WL_WECHAT_NETWORK",
  WeChatProtocol: "WL_WECHAT_PROTOCOL",
  Reauthorize: "WL_REAUTHORIZE",
  RefreshWaitTimeout: "WL_REFRESH_WAIT_TIMEOUT",
  Store: "WL_STORE",
  StoreUnavailable: "WL_STORE_UNAVAILABLE",
  RateLimited: "WL_RATE_LIMITED",
  OpenDataSignature: "WL_OPEN_DATA_SIGNATURE",
  OpenDataDecrypt: "WL_OPEN_DATA_DECRYPT",
  OpenDataWatermark: "WL_OPEN_DATA_WATERMARK",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Root of every error this package throws. `code` is stable and meant for
 * `switch`; `message` says what happened and `hint` what to do, as separate
 * fields; neither ever holds a secret, a code or a token.
 */
export abstract class WeChatLoginError extends Error {
  abstract readonly code: ErrorCode;
  /** What to do about it, in one sentence. */
  readonly hint: string;

  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** WeChat's side of a call failed: an errcode, a bad answer, no answer. */
export abstract class WeChatError extends WeChatLoginError {}

/** A configuration value is missing or malformed; `field` names it and `problem` says what is wrong with it. */
export class ConfigError extends WeChatLoginError {
  readonly code = ErrorCode.Config;
  constructor(
    readonly field: string,
    readonly problem: string,
    hint = `Fix "${field}" in the configuration.`,
  ) {
    super(`Invalid configuration "${field}": ${problem}`, hint);
  }
}

/** An argument passed to a function of ours is empty, of the wrong type or malformed. */
export class InvalidArgumentError extends WeChatLoginError {
  readonly code = ErrorCode.InvalidArgument;
  constructor(
    readonly argument: string,
    readonly problem: string,
    hint = `Pass a valid "${argument}".`,
  ) {
    super(`Invalid argument "${argument}": ${problem}`, hint);
  }
}

const ridPatterns = [/\brid:\s*([0-9a-zA-Z-]+)/, /req_id:\s*([0-9a-zA-Z_-]+)/];

/** WeChat's request id from an errmsg (`rid: …` or `hints: [ req_id: … ]`): what WeChat support asks for. */
export function extractRid(errmsg: string): string | undefined {
  for (const pattern of ridPatterns) {
    const match = pattern.exec(errmsg);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/**
 * WeChat answered with a non-zero `errcode` (HTTP 200, spec §3). `reason` and
 * `action` come from the errcode table; match on them or on `errcode`, never on `errmsg`.
 */
export class WeChatApiError extends WeChatError {
  readonly code = ErrorCode.WeChatApi;
  readonly reason: ErrcodeReason;
  readonly action: ErrcodeAction;
  readonly rid: string | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    const info = describeErrcode(errcode, endpoint);
    const rid = extractRid(errmsg);
    super(
      `WeChat ${endpoint} failed with errcode ${errcode} (${info.reason === "unknown" ? errmsg : info.errmsg})${rid ? `, rid ${rid}` : ""}`,
      info.hint,
    );
    this.reason = info.reason;
    this.action = info.action;
    this.rid = rid;
  }
}

/** WeChat answered, but not with a JSON body: a non-200 status, an HTML error page, garbage or an oversized body. */
export class WeChatHttpError extends WeChatError {
  readonly code = ErrorCode.WeChatHttp;
  constructor(
    readonly endpoint: Endpoint,
    readonly status: number,
    problem: string,
  ) {
    super(
      `WeChat ${endpoint} answered HTTP ${status}: ${problem}`,
      "WeChat or a proxy in between is failing; check the API base URL and retry later.",
    );
  }
}

/** No complete answer within the deadline. */
export class WeChatTimeoutError extends WeChatError {
  readonly code = ErrorCode.WeChatTimeout;
  constructor(
    readonly endpoint: Endpoint,
    readonly timeoutMs: number,
    readonly phase: "connect" | "headers" | "body" | "total",
  ) {
    super(
      `WeChat ${endpoint} did not answer within ${timeoutMs} ms (${phase})`,
      "WeChat is slow or unreachable from this server; check outbound network access and the timeouts option.",
    );
  }
}

/** The connection failed or broke (refused, reset, DNS, closed mid-body). */
export class WeChatNetworkError extends WeChatError {
  readonly code = ErrorCode.WeChatNetwork;
  constructor(
    readonly endpoint: Endpoint,
    /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
    readonly networkCode: string,
    /** True when the request could have reached WeChat: such a call is not retried unless it is idempotent. */
    readonly requestSent: boolean,
  ) {
    super(
      `WeChat ${endpoint} request failed: ${networkCode}`,
      "Check that this server can reach the WeChat API host (DNS, firewall, proxy).",
    );
  }
}

/** A JSON body without the fields the spec promises; `issues` names the fields, never their values. */
export class WeChatProtocolError extends WeChatError {
  readonly code = ErrorCode.WeChatProtocol;
  constructor(
    readonly endpoint: Endpoint,
    readonly issues: readonly string[],
  ) {
    super(
      `WeChat ${endpoint} returned an unexpected body (${issues.join("; ")})`,
      "WeChat changed its response or the API base URL points elsewhere; report it with the endpoint name.",
    );
  }
}

/** The user's refresh_token is invalid or expired (40030/42002): only a new login fixes it. */
export class ReauthorizationRequired extends WeChatLoginError {
  readonly code = ErrorCode.Reauthorize;
  constructor(
    readonly openid: string,
    options?: ErrorOptions,
  ) {
    super(
      "The user's WeChat authorization is no longer valid",
      "Send the user through the login again.",
      options,
    );
  }
}

/**
 * Another process holds the store's refresh lock for this token and did not
 * finish within the wait: the store or that process is slow, not WeChat.
 */
export class RefreshWaitTimeoutError extends WeChatLoginError {
  readonly code = ErrorCode.RefreshWaitTimeout;
  constructor(
    /** What the lock holder is refreshing: the endpoint it calls. */
    readonly endpoint: Endpoint,
    readonly waitMs: number,
  ) {
    super(
      `Waited ${waitMs} ms for another process to refresh through ${endpoint}`,
      "Another instance holds the refresh lock and is slow or stuck; check the store and that instance, or raise lockWaitMs.",
    );
  }
}

/**
 * Mini-program open data (spec B.3) that cannot be trusted. `relogin` says
 * whether a fresh `wx.login` (a new session_key) can fix it: the flow answers
 * those with "log in again", the others as bad input.
 */
export abstract class OpenDataError extends WeChatLoginError {
  abstract readonly relogin: boolean;
}

/** `sha1(rawData + session_key)` is not the signature sent: rawData was altered, or signed under another session_key. */
export class OpenDataSignatureError extends OpenDataError {
  readonly code = ErrorCode.OpenDataSignature;
  readonly relogin = true;
  constructor() {
    super(
      "The open data's signature does not match its rawData under this session_key",
      "Send rawData exactly as wx.getUserInfo returned it; if it is untouched, a later wx.login replaced the session_key: log in again.",
    );
  }
}

/**
 * The encrypted data does not decrypt under this session_key. Nearly always a
 * later `wx.login` replaced the key (spec B.1); tampered data looks the same.
 */
export class OpenDataDecryptError extends OpenDataError {
  readonly code = ErrorCode.OpenDataDecrypt;
  readonly relogin = true;
  constructor() {
    super(
      "The encrypted open data does not decrypt with this session_key",
      "The session_key was most likely replaced by a later wx.login: have the mini program call wx.login, log in again, then fetch and send the data again.",
    );
  }
}

/** Decrypted, but the watermark names another app, is missing, or is outside the accepted age. */
export class OpenDataWatermarkError extends OpenDataError {
  readonly code = ErrorCode.OpenDataWatermark;
  readonly relogin = false;
  constructor(readonly problem: "missing" | "foreign_appid" | "stale") {
    super(
      problem === "foreign_appid"
        ? "The open data was issued to another app (watermark.appid)"
        : problem === "stale"
          ? "The open data's watermark.timestamp is outside the accepted age"
          : "The open data carries no watermark",
      problem === "stale"
        ? "Have the mini program fetch the data again and send it at once; check the server clock if this repeats."
        : "Decrypt open data only with the session_key and AppID of the mini program that produced it.",
    );
  }
}

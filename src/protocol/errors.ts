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
  PushSignature: "WL_PUSH_SIGNATURE",
  PushFormat: "WL_PUSH_FORMAT",
  PushCrypto: "WL_PUSH_CRYPTO",
  PushRecipient: "WL_PUSH_RECIPIENT",
  OpenDataSignature: "WL_OPEN_DATA_SIGNATURE",
  OpenDataDecrypt: "WL_OPEN_DATA_DECRYPT",
  OpenDataWatermark: "WL_OPEN_DATA_WATERMARK",
  MiniProgramLoginRequired: "WL_MINI_PROGRAM_LOGIN_REQUIRED",
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
 * The error numbers of WeChat's message-encryption sample code (spec A.4 §8),
 * which peers' logs and docs quote. They are ours, never sent on the wire.
 */
export type PushErrorNumber = -40001 | -40002 | -40004 | -40005 | -40006 | -40007 | -40008 | -40010 | -41003;

/** Failures of an Official Account push (spec A.2–A.4): what every push error has in common. */
export abstract class PushError extends WeChatLoginError {
  /** The matching number of WeChat's encryption sample code, e.g. -40001 for a bad signature. */
  abstract readonly errorNumber: PushErrorNumber;
}

/**
 * `signature` or `msg_signature` is missing or does not match the Token
 * (spec A.2/A.4 §3): the request did not come from WeChat, or the Token differs.
 */
export class PushSignatureError extends PushError {
  readonly code = ErrorCode.PushSignature;
  readonly errorNumber = -40001;
  constructor(
    /** The query parameter that failed. */
    readonly parameter: "signature" | "msg_signature" | "timestamp" | "nonce",
    readonly problem: "missing" | "mismatch" | "malformed",
  ) {
    super(
      `Official Account push rejected: ${parameter} ${problem === "mismatch" ? "does not match" : `is ${problem}`}`,
      parameter === "msg_signature" && problem === "missing"
        ? "WeChat sends msg_signature with encrypt_type=aes; check that the server URL keeps its query string."
        : "Check that the Token configured here equals the one in the Official Account console (it is not the EncodingAESKey).",
    );
  }
}

/** The push body is not an XML or JSON message we can read: malformed, too large, with a DTD, or missing fields. */
export class PushFormatError extends PushError {
  readonly code = ErrorCode.PushFormat;
  readonly errorNumber: -40002 | -40008 | -41003;
  constructor(
    readonly problem: string,
    errorNumber: -40002 | -40008 | -41003 = -40002,
  ) {
    super(
      `Official Account push rejected: ${problem}`,
      "Pushes come from WeChat as a small XML or JSON message; anything else is not WeChat. Check the data format set in the console.",
    );
    this.errorNumber = errorNumber;
  }
}

/** Decrypting or encrypting a safe-mode message failed: a bad EncodingAESKey, bad base64, bad padding or layout. */
export class PushCryptoError extends PushError {
  readonly code = ErrorCode.PushCrypto;
  readonly errorNumber: -40004 | -40006 | -40007 | -40010 | -41003;
  constructor(
    readonly problem: string,
    errorNumber: -40004 | -40006 | -40007 | -40010 | -41003,
  ) {
    super(
      `Official Account message encryption failed: ${problem}`,
      errorNumber === -40004
        ? "An EncodingAESKey is 43 characters of [A-Za-z0-9]; copy it from the Official Account console."
        : "Check that the EncodingAESKey here (current and previous) is the one in the console; after a key change, keep the old one as previous.",
    );
    this.errorNumber = errorNumber;
  }
}

/** The push is for another account: its `ToUserName` or the appid inside the ciphertext is not ours. */
export class PushRecipientError extends PushError {
  readonly code = ErrorCode.PushRecipient;
  readonly errorNumber = -40005;
  constructor(readonly field: "ToUserName" | "appid") {
    super(
      `Official Account push rejected: ${field} is not this account's`,
      field === "appid"
        ? "The message was encrypted for another AppID; check the appid configured for this Official Account."
        : "The push names another Official Account; check the original id (gh_…) configured here.",
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

/**
 * A mini-program call needs the user's session_key and the server holds none
 * for this session: it is not a mini-program session, or the key is gone
 * (expired with the session, or sealed under another `sessionSecret`). Like
 * a replaced key (spec B.1), only a fresh `wx.login` and login fixes it.
 */
export class MiniProgramLoginRequired extends WeChatLoginError {
  readonly code = ErrorCode.MiniProgramLoginRequired;
  readonly relogin = true;
  constructor(readonly problem: "not_mini_program_session" | "session_key_missing") {
    super(
      problem === "not_mini_program_session"
        ? "This session was not opened by the mini program's login"
        : "The server holds no session_key for this mini-program session",
      "Have the mini program call wx.login and POST the code to {routePrefix}/miniprogram/login, then try again.",
    );
  }
}

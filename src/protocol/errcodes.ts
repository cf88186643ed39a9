import type { Endpoint } from "./hosts.js";

/**
 * The errcodes we handle by name (spec §4). Everything else stays a generic
 * `unknown` error that keeps WeChat's errcode and errmsg as they came.
 */
export type ErrcodeReason =
  | "system_busy"
  | "invalid_credential"
  | "invalid_openid"
  | "invalid_appid"
  | "invalid_code"
  | "invalid_refresh_token"
  | "invalid_appsecret"
  | "code_used"
  | "missing_parameter"
  | "access_token_expired"
  | "refresh_token_expired"
  | "code_expired"
  | "rate_limited"
  | "risky_user"
  | "api_unauthorized"
  | "user_not_authorized"
  | "invalid_argument"
  | "data_format"
  | "invalid_scene"
  | "invalid_page"
  | "invalid_body"
  | "invalid_sig_method"
  | "session_key_invalid"
  | "unknown";

/** What the caller should do about an error: drives retries in the client and pages in the flow. */
export type ErrcodeAction =
  | "retry"
  | "fix_config"
  | "reject"
  | "restart_login"
  | "reauthorize"
  | "refresh_access_token"
  | "back_off"
  | "widen_scope"
  | "fix_request"
  | "none";

export interface ErrcodeInfo {
  readonly errcode: number;
  readonly reason: ErrcodeReason;
  /** WeChat's meaning, as its error-code table words it. */
  readonly errmsg: string;
  readonly action: ErrcodeAction;
  /** What a developer should do, in one sentence. */
  readonly hint: string;
}

const entries: readonly ErrcodeInfo[] = [
  {
    errcode: -1,
    reason: "system_busy",
    errmsg: "system error",
    action: "retry",
    hint: "WeChat is busy; idempotent calls are retried with backoff, a code exchange must restart the login.",
  },
  {
    errcode: 40001,
    reason: "invalid_credential",
    errmsg: "invalid credential, access_token is invalid or not latest",
    action: "fix_config",
    hint: "Check the AppSecret (or the access_token) for this AppID; another server may have fetched a newer app token.",
  },
  {
    errcode: 40003,
    reason: "invalid_openid",
    errmsg: "invalid openid",
    action: "reject",
    hint: "The openid does not belong to this AppID or to this access_token.",
  },
  {
    errcode: 40013,
    reason: "invalid_appid",
    errmsg: "invalid appid",
    action: "fix_config",
    hint: "Check the AppID: it must be the one of this website / official account / mini program.",
  },
  {
    errcode: 40029,
    reason: "invalid_code",
    errmsg: "invalid code",
    action: "restart_login",
    hint: "The code is wrong, expired or from another AppID; send the user through the login again.",
  },
  {
    errcode: 40030,
    reason: "invalid_refresh_token",
    errmsg: "invalid refresh_token",
    action: "reauthorize",
    hint: "The refresh_token is unknown or revoked; the user must authorize again.",
  },
  {
    errcode: 40125,
    reason: "invalid_appsecret",
    errmsg: "invalid appsecret",
    action: "fix_config",
    hint: "Check the AppSecret: it is wrong or was reset on the WeChat platform.",
  },
  {
    errcode: 40163,
    reason: "code_used",
    errmsg: "code been used",
    action: "restart_login",
    hint: "This code was already exchanged; never retry a code, send the user through the login again.",
  },
  {
    errcode: 40129,
    reason: "invalid_scene",
    errmsg: "invalid scene",
    action: "fix_request",
    hint: "The wxacode scene holds a character WeChat refuses (`&` is reported to trigger this); keep it to letters and digits.",
  },
  {
    errcode: 40169,
    reason: "invalid_scene",
    errmsg: "invalid length for scene, or the data is not json string",
    action: "fix_request",
    hint: "A wxacode scene is 1-32 characters of 0-9A-Za-z!#$&'()*+,/:;=?@-._~ (no `%`); shorten it or store the data server-side under a short id.",
  },
  {
    errcode: 41030,
    reason: "invalid_page",
    errmsg: "invalid page",
    action: "fix_config",
    hint: "The wxacode page is not a page of the published mini program (no leading `/`, no query); publish it, or pass checkPath: false for an unpublished one.",
  },
  {
    errcode: 47001,
    reason: "invalid_body",
    errmsg: "data format error",
    action: "fix_request",
    hint: "WeChat could not read the POST body: it must be JSON, and access_token belongs in the query string, not the body.",
  },
  {
    errcode: 87008,
    reason: "invalid_sig_method",
    errmsg: "invalid sig_method",
    action: "fix_request",
    hint: "checksession / resetusersessionkey take sig_method=hmac_sha256 only.",
  },
  {
    // Not in the spec's table: WeChat's checkSessionKey doc lists it for a signature that does not match the user's current session_key.
    errcode: 87009,
    reason: "session_key_invalid",
    errmsg: "invalid signature",
    action: "restart_login",
    hint: "This session_key is no longer the user's current one (a later wx.login replaced it); have the mini program log in again.",
  },
  {
    errcode: 40226,
    reason: "risky_user",
    errmsg: "invalid user, high-risk user",
    action: "reject",
    hint: "WeChat flags this user as high-risk; the login cannot proceed.",
  },
  {
    errcode: 42001,
    reason: "access_token_expired",
    errmsg: "access_token expired",
    action: "refresh_access_token",
    hint: "Refresh the access_token once, then retry the call once.",
  },
  {
    errcode: 42002,
    reason: "refresh_token_expired",
    errmsg: "refresh_token expired",
    action: "reauthorize",
    hint: "The 30-day refresh_token expired; the user must authorize again.",
  },
  {
    errcode: 41008,
    reason: "missing_parameter",
    errmsg: "missing code",
    action: "restart_login",
    hint: "No code reached WeChat's code exchange; send the user through the login again.",
  },
  {
    errcode: 42003,
    reason: "code_expired",
    errmsg: "code expired",
    action: "restart_login",
    hint: "The code outlived its few minutes; send the user through the login again.",
  },
  {
    errcode: 45009,
    reason: "rate_limited",
    errmsg: "reach max api daily quota limit",
    action: "back_off",
    hint: "The API quota is used up; back off and cache tokens instead of fetching new ones.",
  },
  {
    errcode: 45011,
    reason: "rate_limited",
    errmsg: "api minute-quota reach limit, mustslower retry next minute",
    action: "back_off",
    hint: "Too many calls for this user; retry after a minute.",
  },
  {
    errcode: 48001,
    reason: "api_unauthorized",
    errmsg: "api unauthorized",
    action: "widen_scope",
    hint: "The token's scope does not allow this API (a snsapi_base token cannot read userinfo).",
  },
  {
    errcode: 47001,
    reason: "data_format",
    errmsg: "data format error",
    action: "fix_request",
    hint: "WeChat could not read the request body as JSON; this is a programming error in the caller.",
  },
  {
    errcode: 40097,
    reason: "invalid_argument",
    errmsg: "invalid args",
    action: "fix_request",
    hint: "An argument is out of range (e.g. a QR code's expire_seconds above 2592000); fix the request.",
  },
  {
    errcode: 50001,
    reason: "user_not_authorized",
    errmsg: "user unauthorized",
    action: "widen_scope",
    hint: "The user did not grant this API; ask for snsapi_userinfo consent.",
  },
];

const missingParameters: ReadonlyArray<readonly [number, string]> = [
  [41001, "access_token missing"],
  [41002, "appid missing"],
  [41003, "refresh_token missing"],
  [41004, "appsecret missing"],
  [41009, "missing openid"],
];

/** Every errcode of the spec, keyed by number. */
export const ERRCODES: ReadonlyMap<number, ErrcodeInfo> = new Map([
  ...entries.map((info) => [info.errcode, info] as const),
  ...missingParameters.map(
    ([errcode, errmsg]) =>
      [
        errcode,
        {
          errcode,
          reason: "missing_parameter",
          errmsg,
          action: "fix_request",
          hint: "A required parameter was not sent; this is a programming error in the caller.",
        } satisfies ErrcodeInfo,
      ] as const,
  ),
]);

/**
 * Where one endpoint gives an errcode its own meaning. Spec A.0: 48001 on
 * `qrcode/create` is about the account, not a token's scope. Spec B.4: the
 * phone number's 40029 is mostly a `wx.login` code sent in place of the button's.
 */
export const ENDPOINT_ERRCODES: ReadonlyMap<Endpoint, ReadonlyMap<number, ErrcodeInfo>> = new Map<
  Endpoint,
  ReadonlyMap<number, ErrcodeInfo>
>([
  [
    "cgi-bin/qrcode/create",
    new Map([
      [
        48001,
        {
          errcode: 48001,
          reason: "api_unauthorized",
          errmsg: "api unauthorized",
          action: "fix_config",
          hint: "Parametric QR codes need a WeChat-verified service account (已认证服务号); for a subscription or unverified account use the code-by-message login, where the user sends a short code to the account.",
        },
      ],
    ]),
  ],
  [
    "wxa/business/getuserphonenumber",
    new Map([
      [
        40029,
        {
          errcode: 40029,
          reason: "invalid_code",
          errmsg: "invalid code",
          action: "reject",
          hint: 'The phone-number code is wrong, used or older than 5 minutes. It is e.detail.code of <button open-type="getPhoneNumber">, not the wx.login code; each one works once.',
        },
      ],
    ]),
  ],
]);

/** Looks up an errcode (as `endpoint` means it, when given); unknown codes get a generic entry that keeps the code. */
export function describeErrcode(errcode: number, endpoint?: Endpoint): ErrcodeInfo {
  return (
    (endpoint === undefined ? undefined : ENDPOINT_ERRCODES.get(endpoint)?.get(errcode)) ??
    ERRCODES.get(errcode) ?? {
      errcode,
      reason: "unknown",
      errmsg: "unknown error",
      action: "none",
      hint: "WeChat returned an errcode this library does not know; see WeChat's error-code table.",
    }
  );
}

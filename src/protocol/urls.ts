import { InvalidArgumentError } from "./errors.js";
import { DEFAULT_OPEN_BASE, DEFAULT_WXLOGIN_SCRIPT, PATHS } from "./hosts.js";
import {
  appidProblem,
  baseUrlProblem,
  normalizeBaseUrl,
  redirectUriProblem,
  STATE_RULE,
  stateProblem,
} from "./identifiers.js";
import { formatQuery as query } from "./query.js";

/** Throws unless `appid` looks like a WeChat AppID (`wx` + 16 hex characters). */
export function assertAppid(appid: unknown, argument = "appid"): asserts appid is string {
  if (appidProblem(appid)) {
    throw new InvalidArgumentError(
      argument,
      "not a WeChat AppID",
      "A WeChat AppID is `wx` followed by 16 hexadecimal characters; copy it from the WeChat platform.",
    );
  }
}

/** Throws unless `state` is 1–128 ASCII letters and digits, the only state WeChat round-trips safely. */
export function assertState(state: unknown): asserts state is string {
  if (stateProblem(state)) {
    throw new InvalidArgumentError("state", STATE_RULE);
  }
}

/** Throws unless `redirectUri` is an absolute http(s) URL without a fragment. */
export function assertRedirectUri(
  redirectUri: unknown,
  argument = "redirectUri",
): asserts redirectUri is string {
  const problem = redirectUriProblem(redirectUri);
  if (problem === undefined) return;
  if (problem === "must not contain a fragment") {
    throw new InvalidArgumentError(
      argument,
      problem,
      "WeChat appends ?code= to the redirect URI; a hash route puts it in the wrong place. Use a path route for the callback.",
    );
  }
  throw new InvalidArgumentError(argument, problem);
}

function baseUrl(openBase: string | undefined): string {
  const base = openBase ?? DEFAULT_OPEN_BASE;
  const problem = baseUrlProblem(base);
  if (problem) throw new InvalidArgumentError("openBase", problem);
  return normalizeBaseUrl(base);
}

export interface QrConnectUrlOptions {
  appid: string;
  /** Where WeChat sends the browser back; its host must be the app's registered callback domain. */
  redirectUri: string;
  state: string;
  /** Language of WeChat's QR page. */
  lang?: "cn" | "en";
  /** `OPEN` host; point it at the emulator in development. */
  openBase?: string;
}

/**
 * URL of WeChat's website QR login page (网站应用微信登录, scope `snsapi_login`).
 * @example
 * qrConnectUrl({ appid: "wx0123456789abcdef", redirectUri: "https://example.com/auth/callback", state })
 */
export function qrConnectUrl(options: QrConnectUrlOptions): string {
  assertAppid(options.appid);
  assertRedirectUri(options.redirectUri);
  assertState(options.state);
  const parameters: Array<readonly [string, string]> = [
    ["appid", options.appid],
    ["redirect_uri", options.redirectUri],
    ["response_type", "code"],
    ["scope", "snsapi_login"],
    ["state", options.state],
  ];
  if (options.lang) parameters.push(["lang", options.lang]);
  return `${baseUrl(options.openBase)}${PATHS.qrConnect}?${query(parameters)}#wechat_redirect`;
}

export interface AuthorizeUrlOptions {
  appid: string;
  redirectUri: string;
  /** `snsapi_base`: silent, openid only. `snsapi_userinfo`: consent page, profile readable. */
  scope: "snsapi_base" | "snsapi_userinfo";
  state: string;
  forcePopup?: boolean;
  /**
   * Appends `connect_redirect=1`, which stops WeChat's in-app browser from
   * hitting the callback twice (spec §7). Default true.
   */
  connectRedirect?: boolean;
  openBase?: string;
}

/**
 * URL of the in-WeChat web authorization (公众号网页授权). Parameter order is WeChat's documented one.
 * @example
 * authorizeUrl({ appid, redirectUri: "https://example.com/auth/callback", scope: "snsapi_userinfo", state })
 */
export function authorizeUrl(options: AuthorizeUrlOptions): string {
  assertAppid(options.appid);
  assertRedirectUri(options.redirectUri);
  assertState(options.state);
  if (options.scope !== "snsapi_base" && options.scope !== "snsapi_userinfo") {
    throw new InvalidArgumentError("scope", 'must be "snsapi_base" or "snsapi_userinfo"');
  }
  const parameters: Array<readonly [string, string]> = [
    ["appid", options.appid],
    ["redirect_uri", options.redirectUri],
    ["response_type", "code"],
    ["scope", options.scope],
    ["state", options.state],
  ];
  if (options.forcePopup) parameters.push(["forcePopup", "true"]);
  if (options.connectRedirect ?? true) parameters.push(["connect_redirect", "1"]);
  return `${baseUrl(options.openBase)}${PATHS.authorize}?${query(parameters)}#wechat_redirect`;
}

/** The object `new WxLogin(...)` takes, with WeChat's own field names. */
export interface WxLoginOptions {
  self_redirect: boolean;
  id: string;
  appid: string;
  scope: "snsapi_login";
  /** URL-encoded, as WxLogin.js expects. */
  redirect_uri: string;
  state: string;
  style?: "black" | "white";
  href?: string;
}

export interface WxLoginOptionsInput {
  /** Id of the element the QR iframe goes into. */
  id: string;
  appid: string;
  redirectUri: string;
  state: string;
  /** true: the iframe itself navigates to the redirect; false (default): the top window does. */
  selfRedirect?: boolean;
  style?: "black" | "white";
  /** https URL of a stylesheet for the QR page. */
  href?: string;
}

/**
 * Options for the embedded QR (`WxLogin.js`), validated.
 * @example
 * new WxLogin(wxLoginOptions({ id: "login_container", appid, redirectUri, state }))
 */
export function wxLoginOptions(input: WxLoginOptionsInput): WxLoginOptions {
  assertAppid(input.appid);
  assertRedirectUri(input.redirectUri);
  assertState(input.state);
  if (typeof input.id !== "string" || !/^[A-Za-z][\w-]*$/.test(input.id)) {
    throw new InvalidArgumentError("id", "must be an HTML element id");
  }
  if (input.style !== undefined && input.style !== "black" && input.style !== "white") {
    throw new InvalidArgumentError("style", 'must be "black" or "white"');
  }
  if (input.href !== undefined) assertRedirectUri(input.href, "href");
  const options: WxLoginOptions = {
    self_redirect: input.selfRedirect ?? false,
    id: input.id,
    appid: input.appid,
    scope: "snsapi_login",
    redirect_uri: encodeURIComponent(input.redirectUri),
    state: input.state,
  };
  if (input.style) options.style = input.style;
  if (input.href) options.href = input.href;
  return options;
}

/** `<script src>` of `wxLogin.js`: WeChat's own for the real OPEN host, the emulator's when `openBase` points at it. */
export function wxLoginScriptUrl(openBase: string | undefined): string {
  if (openBase === undefined || baseUrl(openBase) === DEFAULT_OPEN_BASE) return DEFAULT_WXLOGIN_SCRIPT;
  return `${baseUrl(openBase)}${PATHS.wxLoginScript}`;
}

import { PATHS } from "../protocol/hosts.js";
import type { OAuthToken, UserInfo } from "../protocol/schemas.js";
import type { FlowContext, LoginApp } from "./context.js";
import { sha256 } from "./crypto.js";

/**
 * The steps of one login as they happen, for `onEvent`: what a site or a
 * demo can show ("what just happened") or measure. Every value that is a
 * secret is masked (`code`, `state`: their first 4 characters; the AppSecret
 * and tokens: not at all), so an event is safe to display or log.
 */
export type LoginFlowEvent =
  | (LoginStep & {
      type: "authorize_redirect";
      /** WeChat's page the browser is sent to (`qrconnect` or `oauth2/authorize`), `state` masked. */
      url: string;
    })
  | (LoginStep & {
      type: "callback_received";
      /** The masked `code`, or undefined when the user declined. */
      code: string | undefined;
      state: string;
    })
  | (LoginStep & {
      type: "code_exchanged";
      /** The `sns/oauth2/access_token` call, `secret` and `code` masked. */
      url: string;
      durationMs: number;
      /** The answer's fields; the tokens are named but never shown. */
      answer: Record<string, string | number>;
    })
  | (LoginStep & {
      type: "userinfo_fetched";
      /** The `sns/userinfo` call, `access_token` hidden. */
      url: string;
      durationMs: number;
      answer: Record<string, string | number>;
    })
  | (LoginStep & {
      type: "wechat_call_failed";
      endpoint: "sns/oauth2/access_token" | "sns/userinfo";
      durationMs: number;
      /** WeChat's errcode, when it answered with one. */
      errcode: number | undefined;
    })
  | (LoginStep & { type: "login_completed"; userId: string; created: boolean });

/** What every step carries. */
export interface LoginStep {
  /** Ties the steps of one login together: a digest of its state, which it does not reveal. */
  loginId: string;
  /** Which WeChat app: the website's QR login, or the official account inside WeChat. */
  app: LoginApp["kind"];
  /** When the step happened (epoch ms, the login's clock). */
  at: number;
}

/** Distributes `Omit` over the union, so each event keeps its own fields. */
type WithoutStep<T> = T extends unknown ? Omit<T, keyof LoginStep> : never;

const HIDDEN = "(hidden)";

/** The first 4 characters of a one-time value, enough to match it by eye, not to use it. */
export function maskValue(value: string): string {
  return value.length <= 8 ? "…" : `${value.slice(0, 4)}…`;
}

export function loginIdOf(state: string): string {
  return sha256(state).slice(0, 16);
}

/** Tells `onEvent` about one step; a throwing listener never breaks the login. */
export function emit(
  ctx: FlowContext,
  state: string,
  app: LoginApp,
  // Built only when someone listens: its masked URLs and answers are string work every login would pay.
  event: () => WithoutStep<LoginFlowEvent>,
) {
  const listener = ctx.config.onEvent;
  if (!listener) return;
  try {
    listener({ ...event(), loginId: loginIdOf(state), app: app.kind, at: ctx.now() } as LoginFlowEvent);
  } catch (error) {
    ctx.log?.warn(
      { event: "on_event_failed", reason: error instanceof Error ? error.name : "error" },
      "onEvent threw",
    );
  }
}

/** A URL with one query parameter's value masked. */
export function withMaskedParam(url: string, name: string, value: string): string {
  return url.replace(new RegExp(`([?&]${name}=)[^&#]*`), `$1${encodeURIComponent(maskValue(value))}`);
}

export function exchangeCall(ctx: FlowContext, app: LoginApp, code: string): string {
  return `${ctx.config.apiBase}${PATHS.accessToken}?appid=${app.appid}&secret=${HIDDEN}&code=${encodeURIComponent(maskValue(code))}&grant_type=authorization_code`;
}

export function exchangeAnswer(token: OAuthToken): Record<string, string | number> {
  const answer: Record<string, string | number> = {
    access_token: HIDDEN,
    expires_in: token.expiresIn,
    refresh_token: HIDDEN,
    openid: token.openid,
    scope: token.scope,
  };
  if (token.unionid) answer.unionid = token.unionid;
  return answer;
}

export function userInfoCall(ctx: FlowContext, openid: string): string {
  return `${ctx.config.apiBase}${PATHS.userInfo}?access_token=${HIDDEN}&openid=${encodeURIComponent(openid)}&lang=zh_CN`;
}

export function userInfoAnswer(profile: UserInfo): Record<string, string | number> {
  const answer: Record<string, string | number> = {
    openid: profile.openid,
    nickname: profile.nickname,
    headimgurl: profile.headimgurl,
  };
  if (profile.unionid) answer.unionid = profile.unionid;
  return answer;
}

import { WeChatApiError, WeChatError } from "../protocol/errors.js";
import type { OAuthToken, UserInfo } from "../protocol/schemas.js";
import { admitLogin } from "./admit-login.js";
import { beginLogin } from "./begin-login.js";
import { CallTimer } from "./call-timer.js";
import type { FlowContext, LoginApp } from "./context.js";
import { isRandomToken, sha256 } from "./crypto.js";
import { emit, maskValue } from "./events.js";
import { reportMisconfiguration } from "./misconfiguration.js";
import { isWeChatCode } from "./params.js";
import { redirect } from "./responses.js";
import { safeReturnTo } from "./return-to.js";
import { logUpstreamFailure } from "./upstream-failure.js";

/** The callback's parameters once their shape is checked: `code` is absent when the user declined. */
export interface CallbackParameters {
  state: string;
  code: string | undefined;
}

/**
 * The callback's parameters, or the 400 page for them, decided from the URL
 * alone: before any store call (the rate limit's counter included) and any
 * WeChat call. Two values are two readings of one URL (RFC 9700 §4.1).
 */
export function callbackParameters(
  ctx: FlowContext,
  request: Request,
  url: URL,
): CallbackParameters | Response {
  const states = url.searchParams.getAll("state");
  const codes = url.searchParams.getAll("code");
  if (states.length > 1 || codes.length > 1) return rejected(ctx, request, "duplicate_parameter");
  const state = states[0];
  const code = codes[0];
  if (!state) return rejected(ctx, request, "state_missing", "state_invalid");
  if (!isRandomToken(state) || (code !== undefined && !isWeChatCode(code))) {
    return rejected(ctx, request, "malformed");
  }
  return { state, code };
}

/**
 * WeChat's redirect back to `app`'s callback, its parameters checked: check
 * the state and its browser binding, exchange the code, check what WeChat
 * said, link the identity, open a session.
 */
export async function callback(
  ctx: FlowContext,
  request: Request,
  { state, code }: CallbackParameters,
  app: LoginApp,
): Promise<Response> {
  const consumed = await ctx.store.consumeState(state, ctx.now());
  if (consumed.status === "missing")
    return rejected(ctx, request, "state_unknown_or_expired", "state_invalid");
  const { record } = consumed;
  if (record.appid !== app.appid) return rejected(ctx, request, "app_mismatch", "state_invalid");
  emit(ctx, state, app, () => ({
    type: "callback_received",
    code: code === undefined ? undefined : maskValue(code),
    state: maskValue(state),
  }));
  const returnTo = safeReturnTo(record.returnTo, ctx.siteOrigin);
  const browser = ctx.cookies.read(request);
  if (consumed.status === "used") {
    // A double callback (prefetch, back button, WeChat's in-app browser) from the browser that already
    // logged in: its session cookie, a secret only that browser holds, proves it is the same one.
    if (ctx.sessions.isHeldBy(request, consumed.sessionIdHash)) return redirect(returnTo, []);
    return rejected(ctx, request, "state_reused", "state_used");
  }
  if (code === undefined) {
    ctx.log?.info({ event: "login_cancelled" }, "user declined");
    return ctx.page(request, "login_cancelled", 200);
  }
  if (browser.preLogin === undefined) {
    // Exactly what an attacker's link looks like (their own code and state, shared in a chat): never
    // exchanged. A browser that merely dropped the cookie gets one fresh login, silent for snsapi_base.
    if (!record.restarted) {
      ctx.log?.warn({ event: "callback_rejected", reason: "cookie_missing_restart" }, "login restarted");
      return beginLogin(ctx, app, returnTo, true);
    }
    return rejected(ctx, request, "cookie_missing_again", "cookies_required");
  }
  if (sha256(browser.preLogin) !== record.browserBinding) {
    return rejected(ctx, request, "browser_mismatch", "state_other_browser");
  }
  return completeLogin(ctx, request, app, state, code, returnTo);
}

async function completeLogin(
  ctx: FlowContext,
  request: Request,
  app: LoginApp,
  state: string,
  code: string,
  returnTo: string,
): Promise<Response> {
  let token: OAuthToken;
  let profile: UserInfo | undefined;
  const call = new CallTimer(ctx, state, app);
  try {
    token = await call.exchange(code);
    if (token.isSnapshotUser) return ctx.page(request, "snapshot_user", 400);
    if (PROFILE_SCOPE.test(token.scope)) {
      profile = await call.userInfo(token);
    }
  } catch (error) {
    return upstreamFailure(ctx, request, error);
  }
  // Two answers about one login must name one person; anything else is a broken or hostile upstream.
  const mismatch =
    profile === undefined
      ? undefined
      : profile.openid !== token.openid
        ? "openid"
        : token.unionid !== undefined && profile.unionid !== undefined && token.unionid !== profile.unionid
          ? "unionid"
          : undefined;
  if (mismatch) {
    ctx.log?.error(
      { event: "upstream_integrity", appid: app.appid, field: mismatch },
      "userinfo names another user than the token",
    );
    return ctx.page(request, "wechat_integrity", 502);
  }
  const unionid = token.unionid ?? profile?.unionid;
  if (ctx.config.requireUnionid && unionid === undefined) {
    ctx.log?.warn({ event: "login_refused", reason: "unionid_missing", appid: app.appid }, "no unionid");
    return ctx.page(request, "unionid_required", 403);
  }
  const linked = await ctx.store.linkIdentity({
    appid: app.appid,
    openid: token.openid,
    unionid,
    profile: profile && { nickname: profile.nickname, headimgurl: profile.headimgurl },
    now: ctx.now(),
  });
  if (!(await admitLogin(ctx, linked, profile, request))) {
    return ctx.page(request, "login_denied", 403);
  }
  if (ctx.config.keepTokens) {
    await ctx.tokensOf(app.appid).save(token);
  }
  const sessionCookie = await ctx.sessions.start(
    request,
    { userId: linked.user.id, appid: app.appid, openid: token.openid },
    // The state remembers its session, so a double callback from this browser is sent on.
    (idHash) => ctx.store.completeState(state, idHash),
  );
  ctx.log?.info(
    { event: "login_completed", userId: linked.user.id, appid: app.appid, created: linked.created },
    "logged in",
  );
  emit(ctx, state, app, () => ({ type: "login_completed", userId: linked.user.id, created: linked.created }));
  const { user } = linked;
  const sessionSeconds = Math.min(ctx.config.sessionIdleSeconds, ctx.config.sessionAbsoluteSeconds);
  ctx.outcomes.set(request, {
    kind: "completed",
    session: {
      user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
      identity: { appid: app.appid, openid: token.openid },
      expiresAt: ctx.now() + sessionSeconds * 1000,
    },
    returnTo,
  });
  return redirect(returnTo, [sessionCookie]);
}

/** A granted scope (of WeChat's comma-separated list) that lets `sns/userinfo` be read. */
const PROFILE_SCOPE = /(?:^|,)(?:snsapi_login|snsapi_userinfo)(?:,|$)/;

function rejected(
  ctx: FlowContext,
  request: Request,
  reason: string,
  kind:
    | "invalid_request"
    | "state_invalid"
    | "state_used"
    | "state_other_browser"
    | "cookies_required" = "invalid_request",
): Response {
  ctx.log?.warn({ event: "callback_rejected", reason }, "callback rejected");
  return ctx.page(request, kind, 400);
}

/**
 * A failed WeChat call as a page: a spent, expired or missing code (40029, 40163, 42003, 41008) asks
 * the user to log in again (400); a configuration errcode is the site's fault (502); nothing is retried
 * here (the client retries only what is safe, and never a code exchange that reached WeChat).
 */
export function upstreamFailure(ctx: FlowContext, request: Request, error: unknown): Response {
  if (!(error instanceof WeChatError)) throw error;
  const rid = logUpstreamFailure(ctx.log, error);
  if (error instanceof WeChatApiError) {
    if (error.action === "fix_config" && !ctx.log) reportMisconfiguration(ctx.config, error);
    if (error.action === "restart_login") return ctx.page(request, "code_invalid", 400, rid);
    if (error.action === "fix_config") return ctx.page(request, "wechat_misconfigured", 502, rid);
  }
  return ctx.page(request, "wechat_unavailable", 502, rid);
}

import { WeChatApiError, WeChatError } from "../protocol/errors.js";
import type { OAuthToken, UserInfo } from "../protocol/schemas.js";
import type { SessionRecord } from "../stores/types.js";
import { type FlowContext, WECHAT_UA } from "./context.js";
import { randomToken, sha256 } from "./crypto.js";
import { redirect } from "./responses.js";

const CODE_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
const STATE_PATTERN = /^[a-f0-9]{64}$/;

/** WeChat's redirect back: check the state, exchange the code, link the identity, open a session. */
export async function callback(ctx: FlowContext, request: Request, url: URL): Promise<Response> {
  const state = url.searchParams.get("state");
  const code = url.searchParams.get("code");
  if (!state || !STATE_PATTERN.test(state) || (code !== null && !CODE_PATTERN.test(code))) {
    ctx.log?.warn(
      { event: "callback_rejected", reason: "malformed" },
      "callback with a malformed state or code",
    );
    return ctx.page(request, state ? "invalid_request" : "state_invalid", 400);
  }
  const browser = ctx.cookies.read(request);
  const consumed = await ctx.guard(ctx.store.consumeState(state, ctx.now()));
  if (consumed.status === "missing") {
    ctx.log?.warn(
      { event: "callback_rejected", reason: "state_unknown_or_expired" },
      "unknown or expired state",
    );
    return ctx.page(request, "state_invalid", 400);
  }
  const bound = browser.preLogin !== undefined && sha256(browser.preLogin) === consumed.record.browserBinding;
  if (consumed.status === "used") {
    // A double callback (prefetch, back button, WeChat's in-app browser) from the browser that already
    // logged in: its session cookie, a secret only that browser holds, proves it is the same one.
    const current = browser.session ? sha256(browser.session) : undefined;
    if (current !== undefined && current === consumed.sessionIdHash) {
      return redirect(consumed.record.returnTo, []);
    }
    ctx.log?.warn({ event: "callback_rejected", reason: "state_reused" }, "state already used");
    return ctx.page(request, "state_used", 400);
  }
  const inWeChat = WECHAT_UA.test(request.headers.get("user-agent") ?? "");
  // WeChat's in-app browser sometimes drops cookies on the way back (spec §8): there the single-use,
  // short-lived server-side state is the check; everywhere else the browser binding must match too.
  if (!bound && !(browser.preLogin === undefined && inWeChat)) {
    ctx.log?.warn(
      { event: "callback_rejected", reason: "browser_mismatch" },
      "state bound to another browser",
    );
    return ctx.page(request, "state_other_browser", 400);
  }
  if (code === null) {
    ctx.log?.info({ event: "login_cancelled" }, "user declined");
    return ctx.page(request, "login_cancelled", 200);
  }
  const app = consumed.record.appid === ctx.officialAccount?.appid ? ctx.officialAccount : ctx.website;
  let token: OAuthToken;
  let profile: UserInfo | undefined;
  try {
    token = await app.client.exchangeCode(code);
    if (token.isSnapshotUser) return ctx.page(request, "snapshot_user", 400);
    if (token.scope.split(",").some((scope) => scope === "snsapi_login" || scope === "snsapi_userinfo")) {
      profile = await app.client.getUserInfo(token.accessToken, token.openid, { lang: "zh_CN" });
    }
  } catch (error) {
    return upstreamFailure(ctx, request, error);
  }
  const linked = await ctx.guard(
    ctx.store.linkIdentity({
      appid: app.appid,
      openid: token.openid,
      unionid: token.unionid ?? profile?.unionid,
      profile: profile && { nickname: profile.nickname, headimgurl: profile.headimgurl },
      now: ctx.now(),
    }),
  );
  if (ctx.config.onLogin) {
    try {
      await ctx.config.onLogin({ ...linked, profile, request });
    } catch (error) {
      ctx.log?.warn(
        {
          event: "login_denied",
          userId: linked.user.id,
          reason: error instanceof Error ? error.message : "",
        },
        "onLogin refused the login",
      );
      return ctx.page(request, "login_denied", 403);
    }
  }
  if (ctx.config.keepTokens) {
    await ctx.guard(ctx.tokensOf(app.appid).save(token));
  }
  const sessionId = randomToken();
  const session = newSession(ctx, sha256(sessionId), linked.user.id, app.appid, token.openid);
  await ctx.guard(ctx.store.putSession(session));
  try {
    await ctx.guard(ctx.store.completeState(state, session.idHash));
    // A new id at every login: an id planted before login (fixation) never becomes a logged-in one.
    if (browser.session) await ctx.guard(ctx.store.deleteSession(sha256(browser.session)));
  } catch (error) {
    await ctx.store.deleteSession(session.idHash).catch(() => undefined);
    throw error;
  }
  ctx.log?.info(
    { event: "login_completed", userId: linked.user.id, appid: app.appid, created: linked.created },
    "logged in",
  );
  return redirect(consumed.record.returnTo, [
    ctx.cookies.session(sessionId, ctx.config.sessionAbsoluteSeconds),
    ctx.cookies.clearPreLogin(),
  ]);
}

function newSession(
  ctx: FlowContext,
  idHash: string,
  userId: string,
  appid: string,
  openid: string,
): SessionRecord {
  const createdAt = ctx.now();
  const absoluteExpiresAt = createdAt + ctx.config.sessionAbsoluteSeconds * 1000;
  return {
    idHash,
    userId,
    appid,
    openid,
    createdAt,
    idleExpiresAt: Math.min(createdAt + ctx.config.sessionIdleSeconds * 1000, absoluteExpiresAt),
    absoluteExpiresAt,
  };
}

function upstreamFailure(ctx: FlowContext, request: Request, error: unknown): Response {
  if (!(error instanceof WeChatError)) throw error;
  const rid = error instanceof WeChatApiError ? error.rid : undefined;
  ctx.log?.warn(
    {
      event: "wechat_call_failed",
      code: error.code,
      errcode: error instanceof WeChatApiError ? error.errcode : undefined,
      rid,
    },
    error.message,
  );
  if (error instanceof WeChatApiError) {
    if (error.action === "restart_login") return ctx.page(request, "code_invalid", 400, rid);
    if (error.action === "fix_config") return ctx.page(request, "wechat_misconfigured", 502, rid);
  }
  return ctx.page(request, "wechat_unavailable", 502, rid);
}

import { Hono } from "hono";
import { PATHS } from "../../protocol/hosts.js";
import type { EmulatorApp } from "../config.js";
import { type EmulatorContext, type EmulatorEnv, queryParam } from "../env.js";
import type { AccessTokenRecord, GrantResult } from "../grants.js";
import type { EmulatorState } from "../state.js";
import { avatarUrl } from "../users.js";
import { apiError, apiJson } from "../wechat-response.js";

const SECRET_SHAPE = /^[0-9a-f]{32}$/;

/**
 * Looks up an app by its credentials. A malformed secret is 40125 and a
 * well-formed wrong one 40001: WeChat has answered both, and the split lets a
 * client test both paths.
 */
export function authenticateApp(
  state: EmulatorState,
  appid: string,
  secret: string,
): { app: EmulatorApp } | { errcode: number } {
  const app = state.apps.get(appid);
  if (!app) return { errcode: 40013 };
  if (!SECRET_SHAPE.test(secret)) return { errcode: 40125 };
  if (secret !== app.secret) return { errcode: 40001 };
  return { app };
}

/** A bearer token for `/sns/auth` and `/sns/userinfo`, checked in WeChat's order. */
function checkAccessToken(
  c: EmulatorContext,
  state: EmulatorState,
): { access: AccessTokenRecord; openid: string } | Response {
  const token = queryParam(c, "access_token");
  const openid = queryParam(c, "openid");
  if (!token) return apiError(c, state, 41001);
  if (!openid) return apiError(c, state, 41009);
  const access = state.grants.findAccessToken(token);
  const app = access && state.apps.get(access.appid);
  if (!access || !app) return apiError(c, state, 40001);
  if (state.grants.isExpired(access)) return apiError(c, state, 42001);
  if (state.openid(app, access.userId) !== openid) return apiError(c, state, 40003);
  return { access, openid };
}

function tokenBody(state: EmulatorState, result: Extract<GrantResult, { ok: true }>, withUnionid: boolean) {
  const app = state.apps.get(result.access.appid);
  const openid = app ? state.openid(app, result.access.userId) : "";
  // Spec §3.1: a snapshot-page visitor exists only in an Official Account's web authorization.
  const snapshot =
    app?.kind === "official-account" && state.users.get(result.access.userId)?.snapshot === true;
  // Spec §3.1: the token answer names the unionid only when the user authorized userinfo, never for snsapi_base.
  const unionid =
    withUnionid && app && !snapshot && result.access.scope !== "snsapi_base"
      ? state.unionid(app, result.access.userId)
      : undefined;
  const body: Record<string, string | number> = {
    access_token: result.access.token,
    expires_in: Math.round((result.access.expiresAt - state.clock.now()) / 1000),
    refresh_token: result.refreshToken,
    openid,
    scope: result.access.scope,
  };
  // Set in place, in WeChat's order: a conditional spread costs V8 a slow object copy on every exchange.
  if (unionid) body.unionid = unionid;
  if (snapshot) body.is_snapshotuser = 1;
  return body;
}

/** The user-facing OAuth JSON endpoints under `/sns/` (spec §3.1–3.5). */
export function snsRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.get(PATHS.accessToken, (c) => {
    const appid = queryParam(c, "appid");
    const secret = queryParam(c, "secret");
    const code = queryParam(c, "code");
    if (!appid) return apiError(c, state, 41002);
    if (!secret) return apiError(c, state, 41004);
    if (!code) return apiError(c, state, 41008);
    if (c.req.query("grant_type") !== "authorization_code") return apiError(c, state, 40002);
    const found = authenticateApp(state, appid, secret);
    if ("errcode" in found) return apiError(c, state, found.errcode);
    const result = state.grants.exchangeCode(appid, code);
    if (!result.ok) return apiError(c, state, result.errcode);
    return apiJson(c, tokenBody(state, result, true));
  });

  routes.get(PATHS.refreshToken, (c) => {
    const appid = queryParam(c, "appid");
    const refreshToken = queryParam(c, "refresh_token");
    if (!appid) return apiError(c, state, 41002);
    if (!refreshToken) return apiError(c, state, 41003);
    if (c.req.query("grant_type") !== "refresh_token") return apiError(c, state, 40002);
    if (!state.apps.has(appid)) return apiError(c, state, 40013);
    const result = state.grants.refresh(appid, refreshToken);
    if (!result.ok) return apiError(c, state, result.errcode);
    // Spec §3.2: the refresh answer carries no unionid.
    return apiJson(c, tokenBody(state, result, false));
  });

  routes.get(PATHS.checkToken, (c) => {
    const checked = checkAccessToken(c, state);
    if (checked instanceof Response) return checked;
    return apiJson(c, { errcode: 0, errmsg: "ok" });
  });

  routes.get(PATHS.userInfo, (c) => {
    const checked = checkAccessToken(c, state);
    if (checked instanceof Response) return checked;
    const { access, openid } = checked;
    // Spec §3.4: a snsapi_base token may not read the profile.
    if (access.scope === "snsapi_base") return apiError(c, state, 48001);
    const app = state.apps.get(access.appid);
    const user = state.users.get(access.userId);
    if (!app || !user) return apiError(c, state, 50001);
    const unionid = state.unionid(app, user.id);
    const profile: Record<string, unknown> = {
      openid,
      nickname: user.nickname,
      // Since 2021-10-20 WeChat no longer shares sex or location.
      sex: 0,
      province: "",
      city: "",
      country: "",
      headimgurl: avatarUrl(user, c.req.url),
      privilege: [],
    };
    if (unionid) profile.unionid = unionid;
    return apiJson(c, profile);
  });

  routes.get(PATHS.code2Session, (c) => {
    const appid = queryParam(c, "appid");
    const secret = queryParam(c, "secret");
    const jsCode = queryParam(c, "js_code");
    if (!appid) return apiError(c, state, 41002);
    if (!secret) return apiError(c, state, 41004);
    if (!jsCode) return apiError(c, state, 41008);
    if (c.req.query("grant_type") !== "authorization_code") return apiError(c, state, 40002);
    const found = authenticateApp(state, appid, secret);
    if ("errcode" in found) return apiError(c, state, found.errcode);
    // Only a mini program has wx.login() codes; any other appid is invalid for this API.
    if (found.app.kind !== "mini-program") return apiError(c, state, 40013);
    const result = state.miniProgram.consume(appid, jsCode);
    if (!result.ok) return apiError(c, state, result.errcode);
    const unionid = state.unionid(found.app, result.userId);
    const openid = state.openid(found.app, result.userId);
    return apiJson(c, {
      openid,
      // Spec B.1: every login replaces the user's session_key.
      session_key: state.miniProgram.sessions.login(appid, openid),
      ...(unionid ? { unionid } : {}),
    });
  });

  return routes;
}

import type { MiniProgramClient, WeChatClient } from "../client/index.js";
import {
  ConfigError,
  type DecryptUserDataOptions,
  decryptUserData,
  type EncryptedUserData,
  InvalidArgumentError,
  MiniProgramLoginRequired,
  type OpenData,
  OpenDataDecryptError,
  OpenDataSignatureError,
  OpenDataWatermarkError,
  type SignedUserData,
  verifyUserData,
  WeChatApiError,
  WeChatError,
} from "../protocol/index.js";
import type { Code2Session, UserPhoneNumber } from "../protocol/schemas.js";
import type { TokenStore } from "../stores/types.js";
import { admitLogin } from "./admit-login.js";
import type { FlowContext } from "./context.js";
import { apiError, readJsonObject } from "./json-body.js";
import { reportMisconfiguration } from "./misconfiguration.js";
import { isWeChatCode } from "./params.js";
import { json } from "./responses.js";
import type { LoginSession, MiniProgramLogin } from "./types.js";
import { logUpstreamFailure } from "./upstream-failure.js";

/** The login's mini program, built once by `createLogin` when `miniProgram` is configured. */
export interface MiniProgramApp {
  readonly appid: string;
  /** jscode2session, on the mini program's own appid and secret. */
  readonly client: WeChatClient;
  /** Calls on the mini program's app credential (phone number, wxacode). */
  readonly api: MiniProgramClient;
  /** The login's sealed token store: session_keys live there, encrypted, as `sk:${appid}:${openid}`. */
  readonly keys: TokenStore;
}

const sessionKeyKey = (appid: string, openid: string) => `sk:${appid}:${openid}`;

/**
 * `POST {prefix}/miniprogram/login` `{code}`: the `wx.login()` code through
 * jscode2session (spec B.1), the identity linked by unionid like every other
 * login, the session_key kept sealed server-side (replacing the previous
 * one, as WeChat does), and a bearer session: `{token, expiresIn, user}`.
 */
export async function miniProgramLogin(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
): Promise<Response> {
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (!isWeChatCode(body.code)) return codeMissing("the wx.login() code");
  const loggedIn = await logInWithCode(ctx, mp, request, body.code);
  return loggedIn instanceof Response ? loggedIn : json(loggedIn.answer, 200);
}

/** What the mini program is told at login: its bearer token and the user. */
export interface MiniProgramLoginAnswer {
  token: string;
  expiresIn: number;
  user: { id: string; nickname: string; headimgurl: string; unionid: string | undefined };
}

/** The login behind `/miniprogram/login` and `/miniprogram/scan`: the answer, or the 4xx/5xx JSON for it. */
export async function logInWithCode(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
  code: string,
): Promise<{ answer: MiniProgramLoginAnswer; openid: string; unionid: string | undefined } | Response> {
  let exchanged: Code2Session;
  try {
    exchanged = await mp.client.code2Session(code);
  } catch (error) {
    return upstreamFailure(ctx, error, "login");
  }
  const { openid, unionid, sessionKey } = exchanged;
  if (ctx.config.requireUnionid && unionid === undefined) {
    ctx.log?.warn({ event: "login_refused", reason: "unionid_missing", appid: mp.appid }, "no unionid");
    return apiError(
      "unionid_required",
      "This mini program gave no unionid: bind it to the site's Open Platform account.",
      403,
    );
  }
  const now = ctx.now();
  const linked = await ctx.store.linkIdentity({ appid: mp.appid, openid, unionid, profile: undefined, now });
  if (!(await admitLogin(ctx, linked, undefined, request))) {
    return apiError("login_denied", "The site refused this login.", 403);
  }
  await mp.keys.putToken({
    key: sessionKeyKey(mp.appid, openid),
    accessToken: sessionKey,
    refreshToken: undefined,
    scope: "session_key",
    // Kept as long as a session it belongs to can live; the next login overwrites it.
    accessExpiresAt: now + ctx.config.sessionAbsoluteSeconds * 1000,
    refreshExpiresAt: undefined,
    updatedAt: now,
  });
  const { token, expiresIn } = await ctx.sessions.startBearer(request, {
    userId: linked.user.id,
    appid: mp.appid,
    openid,
  });
  ctx.log?.info(
    { event: "login_completed", userId: linked.user.id, appid: mp.appid, created: linked.created },
    "logged in",
  );
  const { user } = linked;
  return {
    openid,
    unionid: linked.identity.unionid,
    answer: {
      token,
      expiresIn,
      user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
    },
  };
}

/** The bearer session of the mini program behind a request, or the 401/403 for it. */
export async function miniProgramSession(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
): Promise<LoginSession | Response> {
  const found = await ctx.sessions.read(request);
  if (!found) {
    return apiError(
      "not_logged_in",
      "Log in with wx.login and send the token as Authorization: Bearer.",
      401,
    );
  }
  if (!found.bearer || found.record.appid !== mp.appid) {
    return apiError(
      "not_mini_program_session",
      "This route is for the mini program's bearer session, not a website session.",
      403,
    );
  }
  return found.session;
}

/**
 * `POST {prefix}/miniprogram/phone` `{code}` with the mini program's bearer
 * session: the code of `<button open-type="getPhoneNumber">` through
 * getuserphonenumber (spec B.4). The number is the user's: never logged.
 */
export async function miniProgramPhone(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
): Promise<Response> {
  const session = await miniProgramSession(ctx, mp, request);
  if (session instanceof Response) return session;
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (!isWeChatCode(body.code)) return codeMissing("the getPhoneNumber button's e.detail.code");
  let phone: UserPhoneNumber;
  try {
    phone = await mp.api.getUserPhoneNumber(body.code);
  } catch (error) {
    return upstreamFailure(ctx, error, "phone");
  }
  if (phone.watermark.appid !== mp.appid) {
    ctx.log?.error(
      { event: "upstream_integrity", appid: mp.appid, field: "watermark" },
      "foreign phone number",
    );
    return apiError("wechat_integrity", "WeChat's answer was issued to another app.", 502);
  }
  return json(
    {
      phoneNumber: phone.phoneNumber,
      purePhoneNumber: phone.purePhoneNumber,
      countryCode: phone.countryCode,
    },
    200,
  );
}

/** `login.miniprogram`: open data checked with the session_key the server holds for a session. */
export function miniProgramOpenData(ctx: FlowContext, mp: MiniProgramApp | undefined): MiniProgramLogin {
  const keyOf = async (session: LoginSession): Promise<{ mp: MiniProgramApp; sessionKey: string }> => {
    if (!mp) {
      throw new ConfigError(
        "miniProgram",
        "is not configured",
        "Pass miniProgram: { appid, secret } to createLogin.",
      );
    }
    if (session?.identity?.appid !== mp.appid) throw new MiniProgramLoginRequired("not_mini_program_session");
    const record = await mp.keys.getToken(sessionKeyKey(mp.appid, session.identity.openid), ctx.now());
    if (!record) throw new MiniProgramLoginRequired("session_key_missing");
    return { mp, sessionKey: record.accessToken };
  };
  return {
    appid: mp?.appid,
    async verifyUserData(data: SignedUserData, session: LoginSession) {
      return verifyUserData(data, (await keyOf(session)).sessionKey);
    },
    async decryptUserData(data: EncryptedUserData, session: LoginSession, options?: DecryptUserDataOptions) {
      const { mp: app, sessionKey } = await keyOf(session);
      return decryptUserData(data, sessionKey, app.appid, ctx.now(), options);
    },
  };
}

/**
 * `POST {prefix}/miniprogram/userinfo` `{rawData, signature}` and
 * `/miniprogram/open-data` `{encryptedData, iv}`: {@link MiniProgramLogin} over
 * HTTP for the mini program's bearer session.
 */
export async function miniProgramOpenDataRoute(
  ctx: FlowContext,
  mp: MiniProgramApp,
  openData: MiniProgramLogin,
  request: Request,
  kind: "userinfo" | "open-data",
): Promise<Response> {
  const session = await miniProgramSession(ctx, mp, request);
  if (session instanceof Response) return session;
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  try {
    if (kind === "userinfo") {
      const userInfo = await openData.verifyUserData(body as unknown as SignedUserData, session);
      return json({ userInfo }, 200);
    }
    const data: OpenData = await openData.decryptUserData(body as unknown as EncryptedUserData, session);
    return json({ data }, 200);
  } catch (error) {
    return openDataFailure(error);
  }
}

/** Open data that cannot be trusted as a 4xx: "log in again" when a fresh session_key can fix it. */
function openDataFailure(error: unknown): Response {
  const relogin = { relogin: true };
  if (error instanceof OpenDataSignatureError)
    return apiError("signature_mismatch", error.message, 409, relogin);
  if (error instanceof OpenDataDecryptError) return apiError("decrypt_failed", error.message, 409, relogin);
  if (error instanceof OpenDataWatermarkError) {
    return apiError("watermark_invalid", error.message, 400, { problem: error.problem });
  }
  if (error instanceof MiniProgramLoginRequired)
    return apiError("session_key_missing", error.message, 401, relogin);
  if (error instanceof InvalidArgumentError) {
    return apiError("invalid_field", `${error.argument} ${error.problem}`, 400, { field: error.argument });
  }
  throw error;
}

export function codeMissing(what: string): Response {
  return apiError("code_missing", `Send {"code": …} with ${what}.`, 400);
}

/**
 * A failed WeChat call as JSON: a code WeChat refused is the caller's to
 * replace (400, with WeChat's hint: a `wx.login` code sent as a phone code is
 * told so); a configuration errcode is the site's fault (502), the rest 502.
 */
export function upstreamFailure(
  ctx: FlowContext,
  error: unknown,
  call: "login" | "phone" | "wxacode",
): Response {
  if (error instanceof InvalidArgumentError) return codeMissing("a code as WeChat issued it");
  if (!(error instanceof WeChatError)) throw error;
  const rid = logUpstreamFailure(ctx.log, error);
  if (error instanceof WeChatApiError) {
    if (error.action === "fix_config") {
      if (!ctx.log) reportMisconfiguration(ctx.config, error);
      return apiError("wechat_misconfigured", "WeChat refused the site's mini-program credentials.", 502, {
        rid,
      });
    }
    if (call !== "wxacode" && (error.action === "restart_login" || error.action === "reject")) {
      return call === "phone"
        ? apiError("phone_code_invalid", error.hint, 400, { errcode: error.errcode })
        : apiError("code_invalid", error.hint, 400, { errcode: error.errcode });
    }
  }
  return apiError("wechat_unavailable", "WeChat did not answer as expected; try again.", 502, { rid });
}

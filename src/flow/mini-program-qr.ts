import { randomBytes } from "node:crypto";
import { sceneProblem } from "../protocol/identifiers.js";
import type { WxaCodeImage } from "../protocol/miniprogram.js";
import type { LoginAttemptRecord } from "../stores/types.js";
import type { FlowContext } from "./context.js";
import { isRandomToken, randomToken, sha256 } from "./crypto.js";
import { apiError, readJsonObject } from "./json-body.js";
import {
  codeMissing,
  logInWithCode,
  type MiniProgramApp,
  miniProgramSession,
  upstreamFailure,
} from "./mini-program.js";
import { isWeChatCode, singleParam } from "./params.js";
import { json } from "./responses.js";
import { safeReturnTo } from "./return-to.js";

/** An attempt lives 5 minutes: long enough to find the phone, short enough that a photo of the code goes stale. */
export const ATTEMPT_TTL_SECONDS = 300;
const KIND = "miniprogram-qr";

/** What the website's poll tells the page. `done` (the session was taken) reads as expired: single use. */
export type MiniProgramQrStatus = "waiting" | "scanned" | "confirmed" | "refused" | "expired";

/**
 * `GET {prefix}/miniprogram/qr`: a new attempt bound to this browser (a fresh
 * pre-login cookie, as every login start) and its wxacode. The scene is 128
 * random bits in 22 characters of the scene alphabet (spec B.5: at most 32);
 * the attempt id, which polls, never leaves this browser.
 */
export async function miniProgramQr(ctx: FlowContext, mp: MiniProgramApp, url: URL): Promise<Response> {
  const returnTo = safeReturnTo(singleParam(url, "returnTo"), ctx.siteOrigin);
  const browserSecret = randomToken();
  const createdAt = ctx.now();
  let attempt: LoginAttemptRecord | undefined;
  // A scene collision among live attempts is a 2^-128 event; one retry covers it without a loop.
  for (let tries = 0; tries < 2 && !attempt; tries++) {
    const record: LoginAttemptRecord = {
      id: randomToken(),
      kind: KIND,
      appid: mp.appid,
      handle: randomBytes(16).toString("base64url"),
      browserBinding: sha256(browserSecret),
      returnTo,
      status: "waiting",
      createdAt,
      expiresAt: createdAt + ATTEMPT_TTL_SECONDS * 1000,
    };
    if (await ctx.store.putAttempt(record)) attempt = record;
  }
  if (!attempt) return apiError("attempt_unavailable", "No login could be started; try again.", 503);
  const options = ctx.config.miniProgram;
  let code: WxaCodeImage;
  try {
    code = await mp.api.getWxaCodeUnlimited({
      scene: attempt.handle,
      page: options?.page,
      checkPath: options?.checkPath,
      envVersion: options?.envVersion,
    });
  } catch (error) {
    return upstreamFailure(ctx, error, "wxacode");
  }
  ctx.log?.info({ event: "login_started", appid: mp.appid, app: "miniProgram" }, "login started");
  return json(
    {
      attemptId: attempt.id,
      // What the image encodes anyway: a page may print it or link a test phone to it.
      scene: attempt.handle,
      image: `data:${code.contentType};base64,${Buffer.from(code.image).toString("base64")}`,
      expiresIn: ATTEMPT_TTL_SECONDS,
      poll: `${ctx.config.routePrefix}/miniprogram/qr/${attempt.id}`,
    },
    200,
    [ctx.cookies.preLogin(browserSecret, ATTEMPT_TTL_SECONDS)],
  );
}

/**
 * `GET {prefix}/miniprogram/qr/{attemptId}`, polled by the browser that
 * started it (its pre-login cookie): the attempt's status, and on
 * `confirmed`, once, a new session for the user who confirmed on the phone.
 */
export async function miniProgramQrPoll(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
  attemptId: string,
): Promise<Response> {
  if (!isRandomToken(attemptId)) return apiError("attempt_invalid", "Not an attempt id.", 400);
  const attempt = await ctx.store.getAttempt(attemptId, ctx.now());
  if (!attempt || attempt.kind !== KIND || attempt.appid !== mp.appid || attempt.status === "done") {
    return json({ status: "expired" satisfies MiniProgramQrStatus }, 200);
  }
  const preLogin = ctx.cookies.read(request).preLogin;
  if (preLogin === undefined || sha256(preLogin) !== attempt.browserBinding) {
    return apiError("attempt_other_browser", "This login was started in another browser.", 403);
  }
  const expiresIn = Math.max(0, Math.ceil((attempt.expiresAt - ctx.now()) / 1000));
  if (attempt.status !== "confirmed") {
    const ended = attempt.status === "refused" ? [ctx.cookies.clearPreLogin()] : [];
    return json({ status: attempt.status satisfies MiniProgramQrStatus, expiresIn }, 200, ended);
  }
  // Single use: of concurrent polls (two tabs, a retry) exactly one takes the session.
  const taken = await ctx.store.updateAttempt(attempt.id, "confirmed", { status: "done" }, ctx.now());
  if (!taken?.openid) return json({ status: "expired" satisfies MiniProgramQrStatus }, 200);
  const linked = await ctx.store.linkIdentity({
    appid: mp.appid,
    openid: taken.openid,
    unionid: taken.unionid,
    profile: undefined,
    now: ctx.now(),
  });
  const sessionCookie = await ctx.sessions.start(
    request,
    { userId: linked.user.id, appid: mp.appid, openid: taken.openid },
    async () => undefined,
  );
  ctx.log?.info(
    { event: "login_completed", userId: linked.user.id, appid: mp.appid, created: linked.created },
    "logged in by the mini program's code",
  );
  return json(
    {
      status: "confirmed" satisfies MiniProgramQrStatus,
      returnTo: safeReturnTo(taken.returnTo, ctx.siteOrigin),
    },
    200,
    [sessionCookie, ctx.cookies.clearPreLogin()],
  );
}

/** A scene as the mini program sends it, the live attempt it names, or the 4xx for it. */
async function attemptOfScene(
  ctx: FlowContext,
  mp: MiniProgramApp,
  scene: unknown,
): Promise<LoginAttemptRecord | Response> {
  if (typeof scene !== "string" || sceneProblem(scene)) {
    return apiError("scene_invalid", "Send the scene as decodeURIComponent(query.scene) gave it.", 400);
  }
  const attempt = await ctx.store.findAttempt(KIND, mp.appid, scene, ctx.now());
  if (!attempt || attempt.status === "done") {
    return apiError("attempt_unknown", "This code is unknown or expired: refresh the website's code.", 404);
  }
  return attempt;
}

/**
 * `POST {prefix}/miniprogram/scan` `{code, scene}` from the page the wxacode
 * opened: logs the mini program in (as `/miniprogram/login`) and marks the
 * attempt scanned by this user. Answers the login and what the confirm
 * screen shows: the site's name and when the website asked.
 */
export async function miniProgramScan(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
): Promise<Response> {
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (!isWeChatCode(body.code)) return codeMissing("the wx.login() code");
  // The attempt is checked before the single-use code is spent.
  const attempt = await attemptOfScene(ctx, mp, body.scene);
  if (attempt instanceof Response) return attempt;
  if (attempt.status !== "waiting") return alreadyScanned();
  const loggedIn = await logInWithCode(ctx, mp, request, body.code);
  if (loggedIn instanceof Response) return loggedIn;
  const scanned = await ctx.store.updateAttempt(
    attempt.id,
    "waiting",
    { status: "scanned", openid: loggedIn.openid, unionid: loggedIn.unionid },
    ctx.now(),
  );
  if (!scanned) return alreadyScanned();
  return json(
    {
      ...loggedIn.answer,
      siteName: ctx.config.miniProgram?.siteName ?? new URL(ctx.config.redirectUri).host,
      requestedAt: attempt.createdAt,
      attemptExpiresAt: attempt.expiresAt,
    },
    200,
  );
}

/**
 * `POST {prefix}/miniprogram/confirm` `{scene, decision}` with the bearer
 * session of the user who scanned: `"allow"` logs the website in, `"deny"` refuses.
 */
export async function miniProgramConfirm(
  ctx: FlowContext,
  mp: MiniProgramApp,
  request: Request,
): Promise<Response> {
  const session = await miniProgramSession(ctx, mp, request);
  if (session instanceof Response) return session;
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (body.decision !== "allow" && body.decision !== "deny") {
    return apiError("decision_invalid", 'Send "decision": "allow" or "deny".', 400);
  }
  const attempt = await attemptOfScene(ctx, mp, body.scene);
  if (attempt instanceof Response) return attempt;
  // Only the user who scanned this code may answer it: a scene from another attempt is not theirs.
  if (attempt.openid !== session.identity.openid) {
    return apiError("attempt_other_user", "This code was not scanned by this user.", 403);
  }
  const status = body.decision === "allow" ? "confirmed" : "refused";
  const moved = await ctx.store.updateAttempt(attempt.id, "scanned", { status }, ctx.now());
  if (!moved) return apiError("attempt_answered", "This login was already answered.", 409);
  return json({ status }, 200);
}

function alreadyScanned(): Response {
  return apiError(
    "attempt_already_scanned",
    "This code was already scanned: refresh the website's code.",
    409,
  );
}

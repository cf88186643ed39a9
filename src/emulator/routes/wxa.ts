import { Hono } from "hono";
import QRCode from "qrcode";
import { PATHS } from "../../protocol/hosts.js";
import type { EmulatorApp } from "../config.js";
import { type EmulatorContext, type EmulatorEnv, queryParam } from "../env.js";
import { isSessionSignature } from "../mini-program/crypto.js";
import { phoneNumberFor } from "../mini-program/phone-codes.js";
import { readWxaCodeRequest, wxaCodeTarget } from "../mini-program/wxacode.js";
import type { EmulatorState } from "../state.js";
import { apiError, apiJson } from "../wechat-response.js";
import { readJsonObject } from "./cgi-bin.js";

/** The mini program an app access_token belongs to, or WeChat's answer when there is none. */
function miniProgramOf(c: EmulatorContext, state: EmulatorState): EmulatorApp | Response {
  const token = queryParam(c, "access_token");
  if (!token) return apiError(c, state, 41001);
  const checked = state.appTokens.check(token);
  if (!checked.ok) return apiError(c, state, checked.errcode);
  const app = state.apps.get(checked.appid);
  // Another kind of app's token may not call the mini-program APIs.
  if (app?.kind !== "mini-program") return apiError(c, state, 48001);
  return app;
}

/** checksession / resetusersessionkey: the user's openid and a signature made with their current session_key. */
function checkSignature(
  c: EmulatorContext,
  state: EmulatorState,
): { app: EmulatorApp; openid: string; userId: string } | Response {
  const app = miniProgramOf(c, state);
  if (app instanceof Response) return app;
  const openid = queryParam(c, "openid");
  if (!openid) return apiError(c, state, 41009);
  if (c.req.query("sig_method") !== "hmac_sha256") return apiError(c, state, 87008);
  const user = [...state.users.values()].find((candidate) => state.openid(app, candidate.id) === openid);
  if (!user) return apiError(c, state, 40003);
  const current = state.miniProgram.sessions.current(app.appid, openid);
  if (!current || !isSessionSignature(queryParam(c, "signature") ?? "", current)) {
    return apiError(c, state, 87009, "invalid signature");
  }
  return { app, openid, userId: user.id };
}

/** The mini-program APIs under `/wxa/` (spec §3 B.2, B.4, B.5). */
export function wxaRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.post(PATHS.wxaCodeUnlimited, async (c) => {
    const body = await readJsonObject(c.req.raw);
    // Spec B.5: a body that is not JSON, or one carrying the token, is 47001.
    if (!body || "access_token" in body) return apiError(c, state, 47001);
    const app = miniProgramOf(c, state);
    if (app instanceof Response) return app;
    const read = readWxaCodeRequest(body, app.pages ?? []);
    if (!read.ok) return apiError(c, state, read.errcode);
    const base = state.phoneBaseUrl ?? new URL(c.req.url).origin;
    const image = await QRCode.toBuffer(wxaCodeTarget(base, app.appid, read.request), {
      type: "png",
      width: read.request.width,
      margin: 1,
    });
    return new Response(new Uint8Array(image), { status: 200, headers: { "content-type": "image/png" } });
  });

  routes.post(PATHS.userPhoneNumber, async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body) return apiError(c, state, 47001);
    const app = miniProgramOf(c, state);
    if (app instanceof Response) return app;
    const code = typeof body.code === "string" && body.code !== "" ? body.code : undefined;
    if (!code) return apiError(c, state, 41008);
    const userId = state.miniProgram.phoneCodes.consume(app.appid, code);
    if (!userId) return apiError(c, state, 40029);
    const phoneNumber = phoneNumberFor(userId);
    return apiJson(c, {
      errcode: 0,
      errmsg: "ok",
      phone_info: {
        phoneNumber,
        purePhoneNumber: phoneNumber,
        countryCode: 86,
        watermark: { timestamp: Math.floor(state.clock.now() / 1000), appid: app.appid },
      },
    });
  });

  routes.get(PATHS.checkSession, (c) => {
    const checked = checkSignature(c, state);
    if (checked instanceof Response) return checked;
    return apiJson(c, { errcode: 0, errmsg: "ok" });
  });

  routes.get(PATHS.resetSessionKey, (c) => {
    const checked = checkSignature(c, state);
    if (checked instanceof Response) return checked;
    const sessionKey = state.miniProgram.sessions.login(checked.app.appid, checked.openid);
    return apiJson(c, { errcode: 0, errmsg: "ok", openid: checked.openid, session_key: sessionKey });
  });

  return routes;
}

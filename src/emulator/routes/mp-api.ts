import { Hono } from "hono";
import QRCode from "qrcode";
import { PATHS } from "../../protocol/hosts.js";
import type { EmulatorApp } from "../config.js";
import { type EmulatorEnv, queryParam } from "../env.js";
import type { EmulatorState } from "../state.js";
import { apiError, apiJson } from "../wechat-response.js";
import { readJsonObject } from "./cgi-bin.js";

const MAX_EXPIRE_SECONDS = 2_592_000;
const ACTIONS = new Set(["QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"]);

/** The scene a request names, "0" when the `scene` wrapper is missing (spec A.1 pitfall), undefined when invalid. */
function sceneOf(actionName: string, info: unknown): string | undefined {
  const scene = typeof info === "object" && info !== null ? (info as { scene?: unknown }).scene : undefined;
  if (typeof scene !== "object" || scene === null) return "0";
  const { scene_str: text, scene_id: id } = scene as { scene_str?: unknown; scene_id?: unknown };
  if (actionName.endsWith("STR_SCENE")) {
    return typeof text === "string" && text.length >= 1 && text.length <= 64 ? text : undefined;
  }
  const max = actionName === "QR_LIMIT_SCENE" ? 100_000 : 0xffffffff;
  return typeof id === "number" && Number.isInteger(id) && id >= 1 && id <= max ? String(id) : undefined;
}

/** The Official Account API of follow-to-login: `qrcode/create`, `showqrcode`, `user/info` (spec A.1, A.6). */
export function mpApiRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  const appOfToken = (token: string | undefined): { app: EmulatorApp } | { errcode: number } => {
    if (!token) return { errcode: 41001 };
    const checked = state.appTokens.check(token);
    if (!checked.ok) return { errcode: checked.errcode };
    const app = state.apps.get(checked.appid);
    return app ? { app } : { errcode: 40001 };
  };

  routes.post(PATHS.qrCodeCreate, async (c) => {
    const found = appOfToken(queryParam(c, "access_token"));
    if ("errcode" in found) return apiError(c, state, found.errcode);
    const { app } = found;
    // Spec A.0: only a verified service account may create parametric QR codes.
    if (
      app.kind !== "official-account" ||
      state.officialAccounts.console(app).accountType !== "service-verified"
    ) {
      return apiError(c, state, 48001);
    }
    const body = await readJsonObject(c.req.raw);
    if (!body) return apiError(c, state, 47001);
    const actionName = body.action_name;
    if (typeof actionName !== "string" || !ACTIONS.has(actionName))
      return apiError(c, state, 40097, "invalid args");
    const scene = sceneOf(actionName, body.action_info);
    if (scene === undefined) return apiError(c, state, 40097, "invalid args");
    const permanent = actionName.startsWith("QR_LIMIT");
    // Spec A.1: a temporary code without expire_seconds lives 30 s.
    const expire = body.expire_seconds ?? 30;
    if (
      !permanent &&
      (typeof expire !== "number" || !Number.isInteger(expire) || expire < 1 || expire > MAX_EXPIRE_SECONDS)
    ) {
      return apiError(c, state, 40097, "invalid args");
    }
    const code = state.officialAccounts.createCode(
      app.appid,
      scene,
      permanent ? undefined : (expire as number),
    );
    const origin = state.phoneBaseUrl ?? new URL(c.req.url).origin;
    return apiJson(c, {
      ticket: code.ticket,
      ...(permanent ? {} : { expire_seconds: expire }),
      url: `${origin}/q/${code.id}`,
    });
  });

  // Served on the emulator's one origin; WeChat serves it under mp.weixin.qq.com (spec A.1).
  routes.get(PATHS.showQrCode, async (c) => {
    const code = state.officialAccounts.codeByTicket(c.req.query("ticket") ?? "");
    if (!code || state.officialAccounts.isExpired(code)) return c.text("invalid ticket", 404);
    const origin = state.phoneBaseUrl ?? new URL(c.req.url).origin;
    const png = await QRCode.toBuffer(`${origin}/q/${code.id}`, { margin: 1, width: 300 });
    return c.body(new Uint8Array(png), 200, { "content-type": "image/png", "cache-control": "no-store" });
  });

  routes.get(PATHS.followerInfo, (c) => {
    const found = appOfToken(queryParam(c, "access_token"));
    if ("errcode" in found) return apiError(c, state, found.errcode);
    const { app } = found;
    const openid = queryParam(c, "openid");
    if (!openid) return apiError(c, state, 41009);
    const user = [...state.users.values()].find((candidate) => state.openid(app, candidate.id) === openid);
    if (!user || app.kind !== "official-account") return apiError(c, state, 40003);
    const follow = state.officialAccounts.following(app.appid, user.id);
    // Spec A.6: a user who does not follow gets nothing else.
    if (!follow) return apiJson(c, { subscribe: 0, openid });
    const unionid = state.unionid(app, user.id);
    return apiJson(c, {
      subscribe: 1,
      openid,
      language: "zh_CN",
      subscribe_time: follow.since,
      ...(unionid ? { unionid } : {}),
      remark: "",
      groupid: 0,
      tagid_list: [],
      subscribe_scene: follow.scene,
      qr_scene: 0,
      qr_scene_str: follow.qrSceneStr,
    });
  });

  return routes;
}

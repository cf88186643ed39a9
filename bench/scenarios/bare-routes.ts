import { createHash, randomBytes } from "node:crypto";
import { parse } from "cookie";
import { Hono } from "hono";
import { Pool } from "undici";
import type { Store } from "wechat-login/stores";
import { WEBSITE } from "../lib/emulator.js";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const DAY_MS = 24 * 3600 * 1000;

interface WeChatAnswer {
  errcode?: number;
  access_token?: string;
  openid?: string;
  unionid?: string;
  nickname?: string;
  headimgurl?: string;
}

/**
 * The baseline of scenario 5: the same store reads and writes, and the same two
 * WeChat calls, as `/session` and `/callback` do, with no validation, typed
 * errors, deadlines, cookies policy or logging: the least any login route must do.
 */
export function bareRoutes(store: Store, emulator: string) {
  const pool = new Pool(emulator, { connections: 10 });
  const wechat = async (path: string): Promise<WeChatAnswer> => {
    const response = await pool.request({ path, method: "GET" });
    const body = JSON.parse(await response.body.text()) as WeChatAnswer;
    if (body.errcode) throw new Error(`errcode ${body.errcode}`);
    return body;
  };
  const app = new Hono();

  app.get("/auth/session", async (c) => {
    const id = parse(c.req.header("cookie") ?? "").wl_session;
    if (!id) return c.json({ error: "not_logged_in" }, 401);
    const record = await store.getSession(sha256(id), Date.now());
    const user = record && (await store.getUser(record.userId));
    if (!record || !user) return c.json({ error: "not_logged_in" }, 401);
    return c.json({
      user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
      identity: { appid: record.appid, openid: record.openid },
      expiresAt: record.idleExpiresAt,
    });
  });

  app.get("/auth/callback", async (c) => {
    const state = c.req.query("state") ?? "";
    const code = c.req.query("code") ?? "";
    const secret = parse(c.req.header("cookie") ?? "").wl_login ?? "";
    const now = Date.now();
    const consumed = await store.consumeState(state, now);
    if (consumed.status !== "fresh" || consumed.record.browserBinding !== sha256(secret)) {
      return c.text("bad state", 400);
    }
    const token = await wechat(
      `/sns/oauth2/access_token?appid=${WEBSITE.appid}&secret=${WEBSITE.secret}&code=${encodeURIComponent(code)}&grant_type=authorization_code`,
    );
    const profile = await wechat(
      `/sns/userinfo?access_token=${encodeURIComponent(token.access_token ?? "")}&openid=${token.openid}&lang=zh_CN`,
    );
    const { user } = await store.linkIdentity({
      appid: WEBSITE.appid,
      openid: token.openid ?? "",
      unionid: token.unionid ?? profile.unionid,
      profile: { nickname: profile.nickname ?? "", headimgurl: profile.headimgurl ?? "" },
      now,
    });
    const sessionId = randomBytes(32).toString("hex");
    const idHash = sha256(sessionId);
    await store.putSession({
      idHash,
      userId: user.id,
      appid: WEBSITE.appid,
      openid: token.openid ?? "",
      createdAt: now,
      idleExpiresAt: now + 7 * DAY_MS,
      absoluteExpiresAt: now + 30 * DAY_MS,
    });
    await store.completeState(state, idHash);
    c.header("set-cookie", `wl_session=${sessionId}; Path=/; HttpOnly; SameSite=Lax`);
    return c.redirect(consumed.record.returnTo, 302);
  });

  return { app, close: () => pool.close() };
}

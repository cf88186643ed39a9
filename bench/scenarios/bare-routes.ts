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
 * The headers every login answer must carry (OWASP's session and clickjacking cheat sheets), the same
 * set the flow sends on plain http: the baseline answers the same bytes, so the ratio measures the work
 * of making the answer, not the size of it. Until 2026-12-03 it sent none of them, and Node's writing
 * and autocannon's parsing of five more headers were billed to the flow alone.
 */
const LOGIN_HEADERS = {
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'",
} as const;

/**
 * The cheapest answer @hono/node-server writes: a string body and a plain record of headers. The record
 * is built with Object.assign: merging two records by spreads made one that cost Node's writing of
 * /session's answer over 20k instructions more (callgrind, `tools/instructions.js`).
 */
const answer = (body: string, status: number, headers: Record<string, string>) =>
  new Response(body, { status, headers: Object.assign({}, LOGIN_HEADERS, headers) });
const JSON_TYPE = { "content-type": "application/json" };
const notLoggedIn = () => answer(JSON.stringify({ error: "not_logged_in" }), 401, JSON_TYPE);

/**
 * The baseline of scenario 5: the same store reads and writes, the same two WeChat
 * calls, and the same answers, as `/session` and `/callback` do, with no validation,
 * typed errors, deadlines, cookies policy or logging: the least any login route must do.
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
    if (!id) return notLoggedIn();
    const record = await store.getSession(sha256(id), Date.now());
    const user = record && (await store.getUser(record.userId));
    if (!record || !user) return notLoggedIn();
    const session = {
      user: { id: user.id, nickname: user.nickname, headimgurl: user.headimgurl, unionid: user.unionid },
      identity: { appid: record.appid, openid: record.openid },
      expiresAt: record.idleExpiresAt,
    };
    return answer(JSON.stringify(session), 200, JSON_TYPE);
  });

  app.get("/auth/callback", async (c) => {
    const state = c.req.query("state") ?? "";
    const code = c.req.query("code") ?? "";
    const secret = parse(c.req.header("cookie") ?? "").wl_login ?? "";
    const now = Date.now();
    const consumed = await store.consumeState(state, now);
    if (consumed.status !== "fresh" || consumed.record.browserBinding !== sha256(secret)) {
      return answer("bad state", 400, { "content-type": "text/plain" });
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
    // An empty body, as the flow's redirects: @hono/node-server writes it in one go (a null one is rebuilt first).
    return answer("", 302, {
      location: consumed.record.returnTo,
      "set-cookie": `wl_session=${sessionId}; Path=/; HttpOnly; SameSite=Lax`,
    });
  });

  return { app, close: () => pool.close() };
}

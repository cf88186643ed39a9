import { Agent } from "node:http";
import { promisify } from "node:util";
import { Pool } from "undici";
import { WeChatClient } from "wechat-login/client";
import type { OAuthToken } from "wechat-login/protocol";
import OAuth from "wechat-oauth";
import { WEBSITE } from "../lib/emulator.js";

export type CallName = "getUserInfo" | "checkToken";

/** A way of calling WeChat: one pool (or agent) of its own, closed when the contender is done. */
export interface Contender {
  name: string;
  call(name: CallName): Promise<unknown>;
  close(): Promise<void>;
}

function query(name: CallName, token: OAuthToken): string {
  const base = `access_token=${encodeURIComponent(token.accessToken)}&openid=${encodeURIComponent(token.openid)}`;
  return name === "getUserInfo" ? `/sns/userinfo?${base}&lang=zh_CN` : `/sns/auth?${base}`;
}

/** WeChat answers errors with HTTP 200: every contender has to look at errcode to count a call as done. */
function ensureOk(body: { errcode?: number }): void {
  if (body.errcode) throw new Error(`errcode ${body.errcode}`);
}

export function ourClient(base: string, token: OAuthToken, connections: number): Contender {
  const client = new WeChatClient({ ...WEBSITE, apiBase: base, openBase: base, connections });
  return {
    name: "wechat-login",
    call: (name) =>
      name === "getUserInfo"
        ? client.getUserInfo(token.accessToken, token.openid)
        : client.checkToken(token.accessToken, token.openid),
    close: () => client.close(),
  };
}

/** The floor: the same GET and JSON.parse on a bare undici Pool of the same size, nothing validated. */
export function rawUndici(base: string, token: OAuthToken, connections: number): Contender {
  const pool = new Pool(base, { connections });
  return {
    name: "raw undici Pool",
    async call(name) {
      const response = await pool.request({ path: query(name, token), method: "GET" });
      const body = JSON.parse(await response.body.text()) as { errcode?: number };
      ensureOk(body);
      return body;
    },
    close: () => pool.close(),
  };
}

/** What most code does: global fetch (Node's bundled undici, its global dispatcher, no connection cap). */
export function plainFetch(base: string, token: OAuthToken): Contender {
  return {
    name: "fetch",
    async call(name) {
      const response = await fetch(`${base}${query(name, token)}`);
      const body = (await response.json()) as { errcode?: number };
      ensureOk(body);
      return body;
    },
    close: async () => undefined,
  };
}

/**
 * wechat-oauth (urllib 2) hard-codes https://api.weixin.qq.com. urllib's
 * documented `beforeRequest` hook may rewrite the http.request options, so it
 * is sent to the emulator over plain HTTP on a keep-alive agent with our pool's connection cap.
 */
export function wechatOauth(base: string, token: OAuthToken, connections: number): Contender {
  const target = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const api = new OAuth(WEBSITE.appid, WEBSITE.secret);
  api.setOpts({
    timeout: 15_000,
    beforeRequest(options) {
      options.protocol = "http:";
      options.host = target.hostname;
      options.port = Number(target.port);
      options.agent = agent;
    },
  });
  const saved = {
    access_token: token.accessToken,
    expires_in: token.expiresIn,
    refresh_token: token.refreshToken,
    openid: token.openid,
    scope: token.scope,
    create_at: Date.now(),
  };
  api.saveToken(token.openid, saved, () => undefined);
  const getUser = promisify(api.getUser.bind(api));
  const verifyToken = promisify(api.verifyToken.bind(api));
  return {
    name: "wechat-oauth",
    call: (name) =>
      name === "getUserInfo"
        ? getUser({ openid: token.openid, lang: "zh_CN" })
        : verifyToken(token.openid, token.accessToken),
    close: async () => agent.destroy(),
  };
}

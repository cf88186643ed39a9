import { Hono } from "hono";
import { PATHS } from "../../protocol/hosts.js";
import { type EmulatorEnv, queryParam } from "../env.js";
import type { EmulatorState } from "../state.js";
import { apiError, apiJson } from "../wechat-response.js";
import { authenticateApp } from "./sns.js";

const MAX_BODY_BYTES = 16 * 1024;

/** A JSON object body of at most 16 kB, or undefined (WeChat answers 47001). */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | undefined> {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** App credentials under `/cgi-bin/` (spec §3.6). */
export function cgiBinRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.get(PATHS.appToken, (c) => {
    const appid = queryParam(c, "appid");
    const secret = queryParam(c, "secret");
    if (c.req.query("grant_type") !== "client_credential") return apiError(c, state, 40002);
    if (!appid) return apiError(c, state, 41002);
    if (!secret) return apiError(c, state, 41004);
    const found = authenticateApp(state, appid, secret);
    if ("errcode" in found) return apiError(c, state, found.errcode);
    const issued = state.appTokens.issue(appid);
    return apiJson(c, { access_token: issued.token, expires_in: issued.expiresIn });
  });

  routes.post(PATHS.stableToken, async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body) return apiError(c, state, 47001);
    const appid = stringField(body, "appid");
    const secret = stringField(body, "secret");
    const force = body.force_refresh ?? false;
    if (body.grant_type !== "client_credential") return apiError(c, state, 40002);
    if (!appid) return apiError(c, state, 41002);
    if (!secret) return apiError(c, state, 41004);
    if (typeof force !== "boolean") return apiError(c, state, 47001);
    const found = authenticateApp(state, appid, secret);
    if ("errcode" in found) return apiError(c, state, found.errcode);
    const issued = state.appTokens.stable(appid, force);
    return apiJson(c, { access_token: issued.token, expires_in: issued.expiresIn });
  });

  // A real API that only checks the app token: lets tests observe the 5-minute overlap after a new token.
  routes.get("/cgi-bin/getcallbackip", (c) => {
    const token = queryParam(c, "access_token");
    if (!token) return apiError(c, state, 41001);
    const checked = state.appTokens.check(token);
    if (!checked.ok) return apiError(c, state, checked.errcode);
    return apiJson(c, { ip_list: ["127.0.0.1"] });
  });

  return routes;
}

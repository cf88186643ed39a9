import { Hono } from "hono";
import { z } from "zod";
import { appSchema, type EmulatorApp, type EmulatorUser } from "../config.js";
import { badRequest, readBody, userIdField } from "../control-input.js";
import type { EmulatorContext, EmulatorEnv } from "../env.js";
import { openDataFor } from "../mini-program/open-data.js";
import type { EmulatorState } from "../state.js";

const phoneCodeSchema = z.strictObject({ appid: z.string().min(1).max(64), userId: userIdField.optional() });
const openDataSchema = z.strictObject({
  appid: z.string().min(1).max(64),
  userId: userIdField.optional(),
  /** Extra fields of the encrypted payload; `watermark` is always the emulator's own. */
  data: z.record(z.string().max(64), z.unknown()).optional(),
});

const serverSchema = z.strictObject({
  appid: z.string().min(1).max(64),
  server: appSchema.shape.server.unwrap().nullable(),
});

/** The mini program and user a control call names, or its 400. */
export function pickMiniProgramUser(
  c: EmulatorContext,
  state: EmulatorState,
  appid: string,
  userId: string | undefined,
): { app: EmulatorApp; user: EmulatorUser } | Response {
  const app = state.apps.get(appid);
  if (!app) return badRequest(c, "appid", "unknown appid");
  if (app.kind !== "mini-program") return badRequest(c, "appid", "not a mini program");
  const user = state.users.get(userId ?? state.defaultUser().id);
  if (!user) return badRequest(c, "userId", "unknown user");
  return { app, user };
}

/** Control endpoints standing in for the phone's mini-program buttons (docs/emulator.md). */
export function miniProgramControlRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  // The "share phone number" button: a code for wxa/business/getuserphonenumber.
  routes.post("/phone-code", async (c) => {
    const body = await readBody(c, phoneCodeSchema);
    if (!body.ok) return body.response;
    const picked = pickMiniProgramUser(c, state, body.value.appid, body.value.userId);
    if (picked instanceof Response) return picked;
    return c.json({ code: state.miniProgram.phoneCodes.issue(picked.app.appid, picked.user.id) });
  });

  // Where the mini program's pages send wx.request (the app's `server`); null forgets it.
  routes.post("/mini-program-server", async (c) => {
    const body = await readBody(c, serverSchema);
    if (!body.ok) return body.response;
    const app = state.apps.get(body.value.appid);
    if (app?.kind !== "mini-program") return badRequest(c, "appid", "not a mini program");
    app.server = body.value.server ?? undefined;
    return c.json({ appid: app.appid, server: app.server ?? null });
  });

  // wx.getUserInfo: open data under the user's current session_key.
  routes.post("/open-data", async (c) => {
    const body = await readBody(c, openDataSchema);
    if (!body.ok) return body.response;
    const picked = pickMiniProgramUser(c, state, body.value.appid, body.value.userId);
    if (picked instanceof Response) return picked;
    const data = openDataFor(state, picked.app, picked.user, c.req.url, body.value.data);
    if (!data) return badRequest(c, "userId", "this user has no session_key yet: exchange a /jscode first");
    return c.json(data);
  });

  return routes;
}

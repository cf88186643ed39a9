import { Hono } from "hono";
import { z } from "zod";
import type { EmulatorApp } from "../config.js";
import { badRequest, readBody, userIdField } from "../control-input.js";
import type { EmulatorEnv } from "../env.js";
import { act, type MpAction } from "../official-account/actions.js";
import { newEncodingAesKey } from "../official-account/crypto.js";
import { verifyServerUrl } from "../official-account/delivery.js";
import { mpFaultsSchema, mpSettingsPatchSchema } from "../official-account/settings.js";
import type { EmulatorState } from "../state.js";

const actionSchema = z.strictObject({
  userId: userIdField.optional(),
  /** For scan: the `ticket` from qrcode/create. */
  ticket: z.string().min(1).max(512).optional(),
  follow: z.boolean().optional(),
  content: z.string().min(1).max(2048).optional(),
});

/** The Official Account console and the phone's actions, under `/_emulator/mp/:appid` (docs/emulator.md). */
export function mpControlRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  const officialAccount = (appid: string): EmulatorApp | undefined => {
    const app = state.apps.get(appid);
    return app?.kind === "official-account" ? app : undefined;
  };

  routes.get("/mp/:appid", (c) => {
    const app = officialAccount(c.req.param("appid"));
    if (!app) return badRequest(c, "appid", "not an official account");
    return c.json({ console: state.officialAccounts.console(app) });
  });

  routes.put("/mp/:appid", async (c) => {
    const app = officialAccount(c.req.param("appid"));
    if (!app) return badRequest(c, "appid", "not an official account");
    const body = await readBody(c, mpSettingsPatchSchema);
    if (!body.ok) return body.response;
    const current = state.officialAccounts.console(app);
    const next = {
      ...current,
      ...body.value,
      serverUrl: body.value.serverUrl === null ? undefined : (body.value.serverUrl ?? current.serverUrl),
    };
    // Spec A.8: saving a server URL (or a new Token for it) sends the handshake; a failed one saves nothing.
    const verify =
      next.serverUrl !== undefined && (next.serverUrl !== current.serverUrl || next.token !== current.token);
    if (verify && next.serverUrl) {
      const checked = await verifyServerUrl(next.serverUrl, next.token);
      if (!checked.ok)
        return c.json(
          { error: "url_verification_failed", field: "serverUrl", message: checked.problem },
          400,
        );
    }
    Object.assign(current, next);
    return c.json({ console: current });
  });

  routes.post("/mp/:appid/rotate-key", (c) => {
    const app = officialAccount(c.req.param("appid"));
    if (!app) return badRequest(c, "appid", "not an official account");
    const current = state.officialAccounts.console(app);
    current.previousEncodingAesKey = current.encodingAesKey;
    current.encodingAesKey = newEncodingAesKey();
    return c.json({ console: current });
  });

  routes.put("/mp/:appid/faults", async (c) => {
    const app = officialAccount(c.req.param("appid"));
    if (!app) return badRequest(c, "appid", "not an official account");
    const body = await readBody(c, mpFaultsSchema);
    if (!body.ok) return body.response;
    const current = state.officialAccounts.console(app);
    Object.assign(current.faults, body.value);
    return c.json({ faults: current.faults });
  });

  routes.get("/mp/:appid/deliveries", (c) => c.json({ deliveries: state.officialAccounts.deliveries() }));

  for (const kind of ["scan", "follow", "text", "unfollow"] as const) {
    routes.post(`/mp/:appid/${kind}`, async (c) => {
      const app = officialAccount(c.req.param("appid"));
      if (!app) return badRequest(c, "appid", "not an official account");
      const body = await readBody(c, actionSchema);
      if (!body.ok) return body.response;
      const userId = body.value.userId ?? state.defaultUser().id;
      if (!state.users.has(userId)) return badRequest(c, "userId", "unknown user");
      let action: MpAction;
      if (kind === "scan") {
        const code = state.officialAccounts.codeByTicket(body.value.ticket ?? "");
        if (!code || code.appid !== app.appid)
          return badRequest(c, "ticket", "unknown ticket for this account");
        action = { kind, code, follow: body.value.follow ?? false };
      } else if (kind === "text") {
        if (!body.value.content) return badRequest(c, "content", "is required");
        action = { kind, content: body.value.content };
      } else {
        action = { kind };
      }
      const result = await act(state, app, userId, action);
      if (!result.ok) return badRequest(c, kind === "scan" ? "ticket" : "userId", result.problem);
      return c.json(result.outcome);
    });
  }

  return routes;
}

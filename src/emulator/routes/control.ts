import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { z } from "zod";
import { isGrantScope, isRedirectAllowed, scopesOf } from "../apps.js";
import { appSchema, type EmulatorUser, userSchema } from "../config.js";
import { decide } from "../consent.js";
import { badRequest, readBody, userIdField } from "../control-input.js";
import type { EmulatorEnv } from "../env.js";
import { faultSchema } from "../faults.js";
import type { EmulatorState } from "../state.js";

/** Cookie that picks the in-WeChat user for `/connect/oauth2/authorize` in one browser. */
export const OAUTH_USER_COOKIE = "wxemu_user";

const authorizeSchema = z.strictObject({
  appid: z.string().min(1).max(64),
  userId: userIdField.optional(),
  scope: z.string().max(64).optional(),
  redirect_uri: z.string().max(4096).optional(),
  state: z.string().max(1024).default(""),
  decision: z.enum(["allow", "deny"]).default("allow"),
});

const jscodeSchema = z.strictObject({ appid: z.string().min(1).max(64), userId: userIdField.optional() });
const userChoiceSchema = z.strictObject({ userId: userIdField });
const advanceSchema = z.strictObject({
  seconds: z
    .number()
    .positive()
    .max(10 * 366 * 24 * 3600),
});

/** A user as the control API shows it: a relative avatar path made absolute on this origin. */
export function publicUser(user: EmulatorUser, requestUrl: string): EmulatorUser {
  const headimgurl = user.headimgurl.startsWith("/")
    ? new URL(user.headimgurl, requestUrl).href
    : user.headimgurl;
  return { ...user, headimgurl };
}

/** The control API under `/_emulator/` (documented in docs/emulator.md). */
export function controlRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.get("/state", (c) =>
    c.json({
      apps: [...state.apps.values()],
      users: [...state.users.values()].map((user) => publicUser(user, c.req.url)),
      oauthUserId: state.oauthUserId,
      clock: { now: state.clock.now(), offsetSeconds: state.clock.offsetSeconds },
    }),
  );

  routes.post("/apps", async (c) => {
    const body = await readBody(c, appSchema);
    if (!body.ok) return body.response;
    if (state.apps.has(body.value.appid)) return badRequest(c, "appid", "an app with this appid exists");
    if (body.value.kind !== "mini-program" && body.value.domains.length === 0) {
      return badRequest(c, "domains", "a website or official account needs at least one callback domain");
    }
    state.addApp(body.value);
    return c.json({ app: body.value }, 201);
  });

  routes.post("/users", async (c) => {
    const body = await readBody(c, userSchema);
    if (!body.ok) return body.response;
    if (state.users.has(body.value.id)) return badRequest(c, "id", "a user with this id exists");
    state.addUser(body.value);
    return c.json({ user: publicUser(body.value, c.req.url) }, 201);
  });

  routes.post("/authorize", async (c) => {
    const body = await readBody(c, authorizeSchema);
    if (!body.ok) return body.response;
    const input = body.value;
    const app = state.apps.get(input.appid);
    if (!app) return badRequest(c, "appid", "unknown appid");
    const scopes = scopesOf(app.kind);
    const defaultScope = app.kind === "official-account" ? "snsapi_userinfo" : scopes[0];
    if (!defaultScope) return badRequest(c, "appid", "a mini program has no web authorization; use /jscode");
    const scope = input.scope ?? defaultScope;
    if (!isGrantScope(app.kind, scope)) {
      return badRequest(c, "scope", `must be one of ${scopes.join(", ")} for a ${app.kind}`);
    }
    const userId = input.userId ?? state.defaultUser().id;
    if (!state.users.has(userId)) return badRequest(c, "userId", "unknown user");
    const redirectUri = input.redirect_uri ?? `http://${app.domains[0] ?? "localhost"}/callback`;
    if (!isRedirectAllowed(app, redirectUri)) {
      return badRequest(c, "redirect_uri", "host is not a callback domain of this app");
    }
    return c.json(
      decide(state, {
        appid: app.appid,
        userId,
        scope,
        redirectUri,
        state: input.state,
        decision: input.decision,
      }),
    );
  });

  routes.post("/jscode", async (c) => {
    const body = await readBody(c, jscodeSchema);
    if (!body.ok) return body.response;
    const app = state.apps.get(body.value.appid);
    if (!app) return badRequest(c, "appid", "unknown appid");
    if (app.kind !== "mini-program") return badRequest(c, "appid", "not a mini program");
    const userId = body.value.userId ?? state.defaultUser().id;
    if (!state.users.has(userId)) return badRequest(c, "userId", "unknown user");
    return c.json({ js_code: state.miniProgram.issue(app.appid, userId) });
  });

  routes.post("/oauth/user", async (c) => {
    const body = await readBody(c, userChoiceSchema);
    if (!body.ok) return body.response;
    if (!state.users.has(body.value.userId)) return badRequest(c, "userId", "unknown user");
    state.oauthUserId = body.value.userId;
    setCookie(c, OAUTH_USER_COOKIE, body.value.userId, { path: "/", httpOnly: true, sameSite: "Lax" });
    return c.json({ userId: state.oauthUserId });
  });

  routes.get("/clock", (c) => c.json({ now: state.clock.now(), offsetSeconds: state.clock.offsetSeconds }));

  routes.post("/clock/advance", async (c) => {
    const body = await readBody(c, advanceSchema);
    if (!body.ok) return body.response;
    state.clock.advance(body.value.seconds);
    return c.json({ now: state.clock.now(), offsetSeconds: state.clock.offsetSeconds });
  });

  routes.get("/faults", (c) => c.json({ faults: state.faults.list() }));
  routes.post("/faults", async (c) => {
    const body = await readBody(c, faultSchema);
    if (!body.ok) return body.response;
    return c.json({ fault: state.faults.add(body.value) }, 201);
  });
  routes.delete("/faults", (c) => {
    state.faults.clear();
    return c.json({ faults: [] });
  });

  routes.get("/requests", (c) => c.json(state.log.snapshot()));
  routes.delete("/requests", (c) => {
    state.log.clear();
    return c.json(state.log.snapshot());
  });

  routes.get("/connections", (c) => c.json({ ...state.connections }));

  routes.post("/reset", (c) => {
    state.reset();
    return c.json({ ok: true });
  });

  return routes;
}

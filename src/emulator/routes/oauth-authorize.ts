import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { PATHS } from "../../protocol/hosts.js";
import {
  type AuthorizeParameters,
  type AuthorizeRequest,
  checkAuthorizeRequest,
  parameterOrderProblem,
} from "../authorize-request.js";
import { decide } from "../consent.js";
import { type EmulatorContext, type EmulatorEnv, queryParam } from "../env.js";
import { consentPage } from "../pages/consent-page.js";
import { errorPage } from "../pages/layout.js";
import type { EmulatorState } from "../state.js";
import { OAUTH_USER_COOKIE } from "./control.js";

/** The user "logged in to WeChat" in this browser: the cookie's, else the one set by the control API. */
function currentUserId(c: EmulatorContext, state: EmulatorState): string {
  const fromCookie = getCookie(c, OAUTH_USER_COOKIE);
  return fromCookie && state.users.has(fromCookie) ? fromCookie : state.oauthUserId;
}

function refusalPage(c: EmulatorContext, refusal: { title: string; detail: string; errcode?: number }) {
  return c.html(errorPage(refusal.title, refusal.detail, refusal.errcode));
}

/** In-WeChat web authorization (公众号网页授权, spec §2). */
export function oauthAuthorizeRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.get(PATHS.authorize, (c) => {
    const disordered = state.strictParameterOrder ? parameterOrderProblem(c.req.url) : undefined;
    if (disordered !== undefined) {
      return refusalPage(c, {
        title: "参数错误",
        detail: `Strict mode: the parameters must come in WeChat's documented order (appid, redirect_uri, response_type, scope, state); this URL has ${disordered}.`,
      });
    }
    const checked = checkAuthorizeRequest(state, "oauth2", {
      appid: queryParam(c, "appid"),
      redirectUri: queryParam(c, "redirect_uri"),
      responseType: queryParam(c, "response_type"),
      scope: queryParam(c, "scope"),
      state: c.req.query("state"),
    });
    if (!checked.ok) return refusalPage(c, checked.refusal);
    const userId = currentUserId(c, state);
    // snsapi_base is silent: WeChat redirects at once with a code for the current user.
    if (checked.request.scope === "snsapi_base") {
      const outcome = decide(state, { ...requestFields(checked.request), userId, decision: "allow" });
      return c.redirect(outcome.location, 302);
    }
    return c.html(consentPage(checked.request, [...state.users.values()], userId));
  });

  routes.post(PATHS.authorize, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : undefined);
    const parameters: AuthorizeParameters = {
      appid: text("appid"),
      redirectUri: text("redirect_uri"),
      scope: text("scope"),
      state: text("state"),
    };
    // The form is re-checked: it comes back from the browser and may have been edited.
    const checked = checkAuthorizeRequest(state, "oauth2", parameters);
    if (!checked.ok) return refusalPage(c, checked.refusal);
    const chosen = text("userId");
    const userId = chosen && state.users.has(chosen) ? chosen : currentUserId(c, state);
    const outcome = decide(state, {
      ...requestFields(checked.request),
      userId,
      decision: text("decision") === "deny" ? "deny" : "allow",
    });
    return c.redirect(outcome.location, 302);
  });

  return routes;
}

function requestFields(request: AuthorizeRequest) {
  return {
    appid: request.app.appid,
    scope: request.scope,
    redirectUri: request.redirectUri,
    state: request.state,
  };
}

import { wxLoginOptions, wxLoginScriptUrl } from "../protocol/urls.js";
import { type FlowContext, isWeChatBrowser, type LoginApp } from "./context.js";
import { randomToken, sha256 } from "./crypto.js";
import { emit, withMaskedParam } from "./events.js";
import { pickLang } from "./pages.js";
import { singleParam } from "./params.js";
import { json, redirect } from "./responses.js";
import { safeReturnTo } from "./return-to.js";
import type { EmbeddedLogin } from "./types.js";

/**
 * A new single-use state, bound to this browser by a pre-login cookie whose
 * value is generated here and never taken from the request: a value an
 * attacker planted (a subdomain, a plain-http page) never binds a state.
 */
async function issueState(
  ctx: FlowContext,
  app: LoginApp,
  returnTo: string,
  restarted: boolean,
): Promise<{ state: string; setCookie: string }> {
  const browserSecret = randomToken();
  const state = randomToken();
  const createdAt = ctx.now();
  await ctx.store.putState({
    state,
    browserBinding: sha256(browserSecret),
    returnTo,
    appid: app.appid,
    restarted,
    createdAt,
    expiresAt: createdAt + ctx.config.stateTtlSeconds * 1000,
  });
  return { state, setCookie: ctx.cookies.preLogin(browserSecret, ctx.config.stateTtlSeconds) };
}

/** Sends the browser to WeChat's page for `app` with a state bound to it. */
export async function beginLogin(
  ctx: FlowContext,
  app: LoginApp,
  returnTo: string,
  restarted = false,
  lang?: "cn" | "en",
): Promise<Response> {
  const { state, setCookie } = await issueState(ctx, app, returnTo, restarted);
  ctx.log?.info({ event: "login_started", appid: app.appid, app: app.kind, restarted }, "login started");
  const location = app.authorizeUrl(state, lang);
  emit(ctx, state, app, () => ({
    type: "authorize_redirect",
    url: withMaskedParam(location, "state", state),
  }));
  return redirect(location, [setCookie]);
}

/** The official account inside WeChat's browser (which cannot scan a QR code), else the website app. */
function appFor(ctx: FlowContext, request: Request): LoginApp {
  return isWeChatBrowser(request) && ctx.officialAccount ? ctx.officialAccount : ctx.website;
}

export function login(ctx: FlowContext, request: Request, url: URL): Promise<Response> {
  const returnTo = safeReturnTo(singleParam(url, "returnTo"), ctx.siteOrigin);
  // WeChat's QR page is Chinese unless told `lang=en`: follow the browser's Accept-Language.
  const lang = pickLang(request) === "en" ? "en" : undefined;
  return beginLogin(ctx, appFor(ctx, request), returnTo, false, lang);
}

export async function embeddedLogin(
  ctx: FlowContext,
  options: { containerId: string; returnTo?: string | undefined; selfRedirect?: boolean },
): Promise<EmbeddedLogin> {
  const app = ctx.website;
  const { state, setCookie } = await issueState(
    ctx,
    app,
    safeReturnTo(options.returnTo, ctx.siteOrigin),
    false,
  );
  emit(ctx, state, app, () => ({
    type: "authorize_redirect",
    url: withMaskedParam(app.authorizeUrl(state), "state", state),
  }));
  return {
    options: wxLoginOptions({
      id: options.containerId,
      appid: app.appid,
      redirectUri: app.redirectUri,
      state,
      selfRedirect: options.selfRedirect ?? false,
    }),
    scriptUrl: wxLoginScriptUrl(ctx.config.openBase),
    setCookie,
  };
}

export async function qrRoute(ctx: FlowContext, url: URL): Promise<Response> {
  const embedded = await embeddedLogin(ctx, {
    containerId: singleParam(url, "containerId") ?? "login_container",
    returnTo: singleParam(url, "returnTo"),
    selfRedirect: singleParam(url, "selfRedirect") === "true",
  });
  return json({ options: embedded.options, scriptUrl: embedded.scriptUrl }, 200, [embedded.setCookie]);
}

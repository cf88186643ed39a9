import { authorizeUrl, qrConnectUrl, wxLoginOptions, wxLoginScriptUrl } from "../protocol/urls.js";
import { type FlowContext, WECHAT_UA } from "./context.js";
import { randomToken, sha256 } from "./crypto.js";
import type { EmbeddedLogin } from "./handler.js";
import { headersWith, redirect } from "./responses.js";
import { safeReturnTo } from "./return-to.js";

/** Starting a login: a single-use state bound to this browser, then WeChat's page (redirect or embedded QR). */
async function startState(ctx: FlowContext, request: Request, returnTo: string, appid: string) {
  const existing = ctx.cookies.read(request).preLogin;
  // Reusing the browser's pre-login cookie lets two tabs log in at once without invalidating each other.
  const browserSecret = existing && /^[a-f0-9]{64}$/.test(existing) ? existing : randomToken();
  const state = randomToken();
  const createdAt = ctx.now();
  await ctx.guard(
    ctx.store.putState({
      state,
      browserBinding: sha256(browserSecret),
      returnTo,
      appid,
      createdAt,
      expiresAt: createdAt + ctx.config.stateTtlSeconds * 1000,
    }),
  );
  return { state, setCookie: ctx.cookies.preLogin(browserSecret, ctx.config.stateTtlSeconds) };
}

export async function login(ctx: FlowContext, request: Request, url: URL): Promise<Response> {
  const returnTo = safeReturnTo(url.searchParams.get("returnTo"));
  const inWeChat =
    WECHAT_UA.test(request.headers.get("user-agent") ?? "") && ctx.officialAccount !== undefined;
  const app = inWeChat && ctx.officialAccount ? ctx.officialAccount : ctx.website;
  const { state, setCookie } = await startState(ctx, request, returnTo, app.appid);
  const location =
    inWeChat && ctx.config.officialAccount
      ? authorizeUrl({
          appid: app.appid,
          redirectUri: ctx.config.redirectUri,
          scope: ctx.config.officialAccount.scope,
          state,
          openBase: ctx.config.openBase,
        })
      : qrConnectUrl({
          appid: app.appid,
          redirectUri: ctx.config.redirectUri,
          state,
          openBase: ctx.config.openBase,
        });
  ctx.log?.info({ event: "login_started", appid: app.appid, inWeChat }, "login started");
  return redirect(location, [setCookie]);
}

export async function embeddedLogin(
  ctx: FlowContext,
  request: Request,
  options: { containerId: string; returnTo?: string; selfRedirect?: boolean },
): Promise<EmbeddedLogin> {
  const { state, setCookie } = await startState(
    ctx,
    request,
    safeReturnTo(options.returnTo),
    ctx.website.appid,
  );
  return {
    options: wxLoginOptions({
      id: options.containerId,
      appid: ctx.website.appid,
      redirectUri: ctx.config.redirectUri,
      state,
      selfRedirect: options.selfRedirect ?? false,
    }),
    scriptUrl: wxLoginScriptUrl(ctx.config.openBase),
    setCookie,
  };
}

export async function qrRoute(ctx: FlowContext, request: Request, url: URL): Promise<Response> {
  const embedded = await embeddedLogin(ctx, request, {
    containerId: url.searchParams.get("containerId") ?? "login_container",
    returnTo: url.searchParams.get("returnTo") ?? "/",
    selfRedirect: url.searchParams.get("selfRedirect") === "true",
  });
  return new Response(JSON.stringify({ options: embedded.options, scriptUrl: embedded.scriptUrl }), {
    headers: headersWith([embedded.setCookie], { "content-type": "application/json; charset=utf-8" }),
  });
}

import { isGrantScope, isRedirectAllowed } from "./apps.js";
import type { EmulatorApp } from "./config.js";
import type { GrantScope } from "./grants.js";
import type { EmulatorState } from "./state.js";

/** A validated authorization request, from `qrconnect` or `oauth2/authorize`. */
export interface AuthorizeRequest {
  app: EmulatorApp;
  scope: GrantScope;
  redirectUri: string;
  state: string;
}

/** What WeChat's error page says when it refuses a request; it never redirects. */
export interface AuthorizeRefusal {
  title: string;
  detail: string;
  errcode?: number;
}

export interface AuthorizeParameters {
  appid?: string;
  redirectUri?: string;
  responseType?: string;
  scope?: string;
  state?: string;
}

// WeChat caps state at 128 bytes (spec §2); a little slack keeps odd-but-harmless clients working.
const MAX_STATE = 1024;

/**
 * The checks WeChat's authorize pages make before showing anything, in its
 * order: appid, then the flow the app may use, scope, then the callback domain.
 */
export function checkAuthorizeRequest(
  state: EmulatorState,
  flow: "qrconnect" | "oauth2",
  parameters: AuthorizeParameters,
): { ok: true; request: AuthorizeRequest } | { ok: false; refusal: AuthorizeRefusal } {
  const refuse = (title: string, detail: string, errcode?: number) => ({
    ok: false as const,
    refusal: { title, detail, ...(errcode === undefined ? {} : { errcode }) },
  });
  const app = parameters.appid ? state.apps.get(parameters.appid) : undefined;
  if (!app) return refuse("AppID 参数错误", "The appid is missing or unknown.", 40013);
  if (flow === "oauth2" && app.kind === "website") {
    return refuse(
      "不支持微信开放平台的Appid，请使用公众号Appid",
      "A website (Open Platform) appid cannot use in-WeChat authorization; use qrconnect.",
      10016,
    );
  }
  if (parameters.responseType !== undefined && parameters.responseType !== "code") {
    return refuse("response_type 参数错误", "response_type must be code.");
  }
  const scope = parameters.scope ?? "";
  if (!isGrantScope(app.kind, scope) || (flow === "qrconnect") !== (scope === "snsapi_login")) {
    return refuse("Scope 参数错误或没有 Scope 权限", `This app may not request scope "${scope}".`, 10005);
  }
  const redirectUri = parameters.redirectUri ?? "";
  if (!isRedirectAllowed(app, redirectUri)) {
    return refuse(
      "redirect_uri 参数错误",
      "The host of redirect_uri is not a callback domain of this app (授权回调域).",
      flow === "oauth2" ? 10003 : undefined,
    );
  }
  const stateValue = parameters.state ?? "";
  if (stateValue.length > MAX_STATE) return refuse("state 参数错误", "state is too long.");
  return { ok: true, request: { app, scope, redirectUri, state: stateValue } };
}

/** `oauth2/authorize`'s parameters in the order WeChat documents them (spec §2). */
const DOCUMENTED_ORDER = ["appid", "redirect_uri", "response_type", "scope", "state"] as const;

/**
 * Strict mode's check: the documented parameters a URL carries come in the
 * documented order (extras such as `forcePopup` or `connect_redirect` may
 * follow anywhere). Undefined when in order, else the order the URL used.
 */
export function parameterOrderProblem(url: string): string | undefined {
  const names = [...new URL(url).searchParams.keys()].filter((name) =>
    (DOCUMENTED_ORDER as readonly string[]).includes(name),
  );
  const expected = DOCUMENTED_ORDER.filter((name) => names.includes(name));
  return names.join(",") === expected.join(",") ? undefined : names.join(", ");
}

/**
 * `wechat-login/authjs`: WeChat login in Auth.js (`@auth/core`, `@auth/express`, NextAuth v5), spec C.1.
 *
 * Auth.js never talks to WeChat. Its OAuth client cannot: it POSTs the code exchange (WeChat's is a GET),
 * rejects WeChat's `text/plain` JSON, and its `state` (an encrypted token of a few hundred characters)
 * breaks WeChat's limit of 128 letters and digits (spec §2). So the login runs in our flow (state stored
 * and bound to the browser, QR or official account by User-Agent, the double callback, the GET exchange
 * and typed errcodes, unionid linking), and the credentials-type provider below turns the login the flow
 * completed into an Auth.js session: its ticket is the flow's session cookie, which only a browser that
 * passed the state check holds (HttpOnly; never in a URL or a form). The ticket is single use: `authorize`
 * takes the flow's session (`login.takeSession`), so once Auth.js's session exists ours does not, and a
 * replayed or doubly submitted sign-in gets no second Auth.js session. The embedded QR (`WxLogin.js`) is the
 * same path: its state is ours (`login.embeddedLogin`), so nothing switches the state check off.
 *
 * `@auth/core` is not imported (it is ES modules only; this package is one CommonJS build): the provider is
 * the plain object Auth.js reads.
 */
import { html, raw } from "hono/html";
import { type Login, type LoginSession, safeReturnTo } from "../flow/index.js";

/** The user the provider hands Auth.js: `id` is our user id (one per person across linked apps). */
export interface WeChatAuthUser {
  /** Our user id: never a bare unionid or openid. */
  id: string;
  name: string;
  image: string | null;
  /** No e-mail is made up: WeChat gives none. */
  email: null;
  /** The WeChat identity that logged in (openids are per app). */
  wechat: LoginSession["identity"] & { unionid: string | undefined };
}

/** A credentials-type provider as Auth.js reads it (`CredentialsConfig` of `@auth/core/providers/credentials`). */
export interface WeChatCredentialsProvider {
  id: string;
  name: string;
  type: "credentials";
  credentials: Record<string, never>;
  authorize(credentials: Partial<Record<string, unknown>>, request: Request): Promise<WeChatAuthUser | null>;
}

export interface WeChatProviderOptions {
  /** The login made by `createLogin`; its routes (`loginRoutes`) must be mounted beside Auth.js's. */
  login: Login;
  /** The provider id in Auth.js's URLs (`{basePath}/callback/{id}`) and `signIn(id)`. Default `"wechat"`. */
  id?: string;
  /** Shown on Auth.js's own sign-in page. Default `"WeChat"`. */
  name?: string;
}

/**
 * The Auth.js provider: signs in the browser whose WeChat login the flow completed, once (the flow's
 * session ends as Auth.js's begins).
 * @example
 * import { ExpressAuth } from "@auth/express";
 * import { loginRoutes } from "wechat-login/adapters/express";
 * app.use(loginRoutes(login)); // /auth/login?returnTo=/signin/wechat starts the WeChat login
 * app.use("/api/auth", ExpressAuth({ providers: [WeChat({ login })], secret: process.env.AUTH_SECRET }));
 */
export function WeChat(options: WeChatProviderOptions): WeChatCredentialsProvider {
  const { login } = options;
  return {
    id: options.id ?? "wechat",
    name: options.name ?? "WeChat",
    type: "credentials",
    credentials: {},
    async authorize(_credentials, request) {
      const session = await login.takeSession(request);
      if (!session) return null;
      return {
        id: session.user.id,
        name: session.user.nickname,
        image: session.user.headimgurl || null,
        email: null,
        wechat: { ...session.identity, unionid: session.user.unionid },
      };
    },
  };
}

export interface SignInPageOptions {
  /** Auth.js's `basePath`, e.g. `"/api/auth"`. */
  basePath: string;
  /** The provider's id. Default `"wechat"`. */
  providerId?: string;
  /** Where Auth.js sends the browser once signed in: a same-origin path. Default `"/"`. */
  callbackUrl?: string;
}

/**
 * The page the WeChat login returns to (`returnTo`): it posts to Auth.js's credentials callback with
 * Auth.js's CSRF token, as `signIn(id)` of `next-auth/react` does (Next.js apps call `signIn` instead).
 * @example
 * app.get("/signin/wechat", (_req, res) => res.type("html").send(signInPage({ basePath: "/api/auth" })));
 */
export function signInPage(options: SignInPageOptions): string {
  const id = options.providerId ?? "wechat";
  const callbackUrl = safeReturnTo(options.callbackUrl);
  const csrfUrl = JSON.stringify(`${options.basePath}/csrf`);
  return String(html`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>WeChat</title></head>
<body>
<form id="signin" method="post" action="${options.basePath}/callback/${encodeURIComponent(id)}">
<input type="hidden" name="csrfToken" value="">
<input type="hidden" name="callbackUrl" value="${callbackUrl}">
<noscript><p>请开启 JavaScript 后重试。Please turn on JavaScript and try again.</p></noscript>
</form>
<script>
fetch(${raw(csrfUrl.replace(/</g, "\\u003c"))}, { credentials: "same-origin" })
  .then(function (r) { return r.json(); })
  .then(function (b) { var f = document.getElementById("signin"); f.csrfToken.value = b.csrfToken; f.submit(); });
</script>
</body></html>
`);
}

/**
 * `wechat-login/better-auth`: WeChat sign-in for better-auth (spec C.2), with the WeChat part in our
 * flow: the state stored and bound to the browser, QR or official account by User-Agent, the double
 * callback, the GET code exchange with typed errcodes. The plugin then signs the browser in to
 * better-auth: the account is keyed by `(providerId "wechat:" + appid, accountId openid)`, the unionid is
 * kept on the user (`wechatUnionid`) to link the user's other apps to one user, never used as the
 * account id, and no e-mail is made up (`email` is optional for this plugin's users).
 *
 * better-auth ships ES modules only and this package is one CommonJS build, so the plugin loads
 * `better-auth/api` and `better-auth/cookies` with `import()` and is made with `await wechat({ login })`.
 */
import type { Login, LoginSession } from "../flow/index.js";
import { safeReturnTo } from "../flow/index.js";

// TypeScript's CommonJS output turns `import()` into `require()`, which cannot load an ES module on Node 20.18,
// so the built package imports through a function TypeScript does not rewrite. Where that function cannot
// import (a VM context, as test runners make), the plain `import()` of the sources does.
const nativeImport = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<unknown>;

async function importModule(specifier: string): Promise<unknown> {
  try {
    return await nativeImport(specifier);
  } catch (error) {
    if (!(error instanceof TypeError) || !/dynamic import callback/i.test(error.message)) throw error;
    return import(specifier);
  }
}

/** What the plugin uses of better-auth's endpoint context (`createAuthEndpoint`'s `ctx`). */
interface EndpointContext {
  query?: Record<string, string | undefined>;
  headers?: Headers;
  request?: Request;
  context: {
    baseURL: string;
    internalAdapter: {
      findAccountByKey(key: { providerId: string; accountId: string }): Promise<{ userId: string } | null>;
      findUserById(id: string): Promise<BetterAuthUser | null>;
      createOAuthUser(
        user: Record<string, unknown>,
        account: { providerId: string; accountId: string },
      ): Promise<{ user: BetterAuthUser }>;
      linkAccount(account: { userId: string; providerId: string; accountId: string }): Promise<unknown>;
      createSession(userId: string): Promise<{ token: string } | null>;
    };
    adapter: {
      findOne<T>(query: { model: string; where: Array<{ field: string; value: string }> }): Promise<T | null>;
    };
  };
  redirect(url: string): Error;
  json(body: unknown): unknown;
}

interface BetterAuthUser {
  id: string;
  name: string;
  email: string | null;
  wechatUnionid?: string | null;
}

interface BetterAuthApi {
  createAuthEndpoint(
    path: string,
    options: { method: "GET" },
    handler: (ctx: EndpointContext) => Promise<unknown>,
  ): WeChatEndpoint;
}

/** An endpoint as better-auth's router reads it (better-call's `Endpoint`). */
export type WeChatEndpoint = ((context: unknown) => Promise<unknown>) & {
  path: string;
  options: { method: "GET" };
};

interface BetterAuthCookies {
  setSessionCookie(ctx: EndpointContext, session: { session: unknown; user: unknown }): Promise<void>;
}

/** The plugin as better-auth reads it (its `BetterAuthPlugin`). */
export interface WeChatBetterAuthPlugin {
  id: "wechat";
  /** `GET /wechat/authorize`, `/wechat/callback`, `/wechat/qr`, `/wechat/status` under better-auth's basePath. */
  endpoints: {
    wechatAuthorize: WeChatEndpoint;
    wechatCallback: WeChatEndpoint;
    wechatQr: WeChatEndpoint;
    wechatStatus: WeChatEndpoint;
  };
  schema: {
    user: {
      fields: {
        email: { type: "string"; unique: true; required: false; sortable: true };
        wechatUnionid: { type: "string"; required: false; input: false };
      };
    };
  };
}

export interface WeChatPluginOptions {
  /** The login made by `createLogin`; its routes (`loginRoutes`) must be mounted beside better-auth's. */
  login: Login;
  /** better-auth's `basePath`, where the WeChat login comes back to. Default `"/api/auth"`. */
  basePath?: string;
}

/**
 * The better-auth plugin: `plugins: [await wechat({ login })]`. Send the browser to
 * `{basePath}/wechat/authorize?callbackURL=/path`; it comes back to `/path` signed in.
 * @example
 * export const auth = betterAuth({ database, plugins: [await wechat({ login })] });
 */
export async function wechat(options: WeChatPluginOptions): Promise<WeChatBetterAuthPlugin> {
  const { login } = options;
  const basePath = options.basePath ?? "/api/auth";
  const [api, cookies] = (await Promise.all([
    importModule("better-auth/api"),
    importModule("better-auth/cookies"),
  ])) as [BetterAuthApi, BetterAuthCookies];
  const callbackPath = (callbackURL: string | undefined) =>
    `${basePath}/wechat/callback?callbackURL=${encodeURIComponent(safeReturnTo(callbackURL))}`;
  const browserRequest = (ctx: EndpointContext) =>
    ctx.request ?? new Request(ctx.context.baseURL, { headers: ctx.headers ?? new Headers() });

  /** Our user → better-auth's: the account by (appid, openid), else the user of the same unionid, else a new one. */
  async function userFor(ctx: EndpointContext, session: LoginSession): Promise<BetterAuthUser> {
    const adapter = ctx.context.internalAdapter;
    const key = { providerId: `wechat:${session.identity.appid}`, accountId: session.identity.openid };
    const account = await adapter.findAccountByKey(key);
    const known = account && (await adapter.findUserById(account.userId));
    if (known) return known;
    const { unionid } = session.user;
    const sameUnionid =
      unionid === undefined
        ? null
        : await ctx.context.adapter.findOne<BetterAuthUser>({
            model: "user",
            where: [{ field: "wechatUnionid", value: unionid }],
          });
    if (sameUnionid) {
      await adapter.linkAccount({ userId: sameUnionid.id, ...key });
      return sameUnionid;
    }
    const created = await adapter.createOAuthUser(
      {
        name: session.user.nickname,
        email: null,
        emailVerified: false,
        image: session.user.headimgurl || null,
        wechatUnionid: unionid ?? null,
      },
      key,
    );
    return created.user;
  }

  return {
    id: "wechat",
    endpoints: {
      /** Starts the WeChat login in the flow, which comes back to `/wechat/callback`. */
      wechatAuthorize: api.createAuthEndpoint("/wechat/authorize", { method: "GET" }, async (ctx) => {
        throw ctx.redirect(login.loginUrl(callbackPath(ctx.query?.callbackURL)));
      }),
      /** The flow completed the WeChat login: sign the browser in to better-auth and go on to `callbackURL`. */
      wechatCallback: api.createAuthEndpoint("/wechat/callback", { method: "GET" }, async (ctx) => {
        const callbackURL = safeReturnTo(ctx.query?.callbackURL);
        const session = await login.getSession(browserRequest(ctx));
        if (!session) {
          throw ctx.redirect(
            `${callbackURL}${callbackURL.includes("?") ? "&" : "?"}error=wechat_login_required`,
          );
        }
        const user = await userFor(ctx, session);
        const created = await ctx.context.internalAdapter.createSession(user.id);
        if (!created)
          throw ctx.redirect(`${callbackURL}${callbackURL.includes("?") ? "&" : "?"}error=session_failed`);
        await cookies.setSessionCookie(ctx, { session: created, user });
        throw ctx.redirect(callbackURL);
      }),
      /**
       * `WxLogin.js` options for an embedded QR: the flow's own `/qr` (a redirect `fetch` follows), so the
       * state is bound to this browser and the rate limit counts the client's address, as for every login start.
       */
      wechatQr: api.createAuthEndpoint("/wechat/qr", { method: "GET" }, async (ctx) => {
        const query = new URLSearchParams({ returnTo: callbackPath(ctx.query?.callbackURL) });
        if (ctx.query?.containerId) query.set("containerId", ctx.query.containerId);
        throw ctx.redirect(`${login.routePrefix}/qr?${query}`);
      }),
      /** Whether this browser finished the WeChat login (an embedded-QR page polls it before going on). */
      wechatStatus: api.createAuthEndpoint("/wechat/status", { method: "GET" }, async (ctx) => {
        const session = await login.getSession(browserRequest(ctx));
        return ctx.json({ wechatLoggedIn: session !== undefined });
      }),
    },
    schema: {
      user: {
        fields: {
          email: { type: "string", unique: true, required: false, sortable: true },
          wechatUnionid: { type: "string", required: false, input: false },
        },
      },
    },
  };
}

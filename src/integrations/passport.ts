/**
 * `wechat-login/passport`: a Passport strategy whose WeChat part is the flow
 * (spec C.3): the state is stored and bound to the browser, QR or official
 * account is picked by User-Agent, the double callback is recognised. Passport
 * itself is never imported: it finds `name` and `authenticate` and adds its
 * actions (`success`, `fail`, `redirect`, `error`) around them.
 */
import type { Login, LoginSession } from "../flow/index.js";
import {
  beginLogin,
  carriedHeaders,
  connectionOf,
  isCallback,
  LoginRefused,
  type NodeRequestLike,
  webRequestOf,
} from "./shared.js";

export { LoginRefused } from "./shared.js";

/** The user Passport's `verify` gets, in Passport's profile shape plus the WeChat identity. */
export interface WeChatProfile {
  provider: "wechat";
  /** Our user id: one person across the apps of this login (linked by unionid when WeChat gives one). */
  id: string;
  displayName: string;
  photos: Array<{ value: string }>;
  /** The WeChat identity that logged in: openids are per app, so the pair is the key. */
  identity: { appid: string; openid: string };
  /** Present only when the apps are bound to one Open Platform account. */
  unionid: string | undefined;
  /** The flow's own session for this login (its cookie is set too). */
  session: LoginSession;
}

/** Passport's `done`: `done(null, user)`, `done(null, false, info)` to refuse, `done(error)`. */
export type VerifyCallback = (error: unknown, user?: unknown, info?: unknown) => void;

/** Turns the WeChat profile into the app's user: through `done`, or by returning a promise (`false` refuses). */
export type VerifyFunction = (profile: WeChatProfile, done: VerifyCallback) => unknown;

export interface WeChatStrategyOptions {
  /** The login made by `createLogin`, shared with the rest of the app. */
  login: Login;
  /** The strategy's name for `passport.authenticate(name)`. Default `"wechat"`. */
  name?: string;
}

/** What the strategy learned, on `req.authInfo` after a login. */
export interface WeChatAuthInfo {
  /** The path the login was started for: redirect there to finish. */
  returnTo: string;
}

/** The actions Passport adds to a strategy for one request. */
interface PassportActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  redirect(url: string, status?: number): void;
  error(error: unknown): void;
}

export type { NodeRequestLike } from "./shared.js";

/** The request as Passport hands it: Express's, or koa-passport's stand-in with its response mock. */
export interface StrategyRequest extends NodeRequestLike {
  res?: { setHeader(name: string, value: string | string[]): unknown; getHeader?(name: string): unknown };
}

/**
 * Passport strategy for WeChat login through our flow.
 * @example
 * passport.use(new WeChatStrategy({ login }, (profile, done) => done(null, { id: profile.id })));
 * app.get("/auth/wechat", passport.authenticate("wechat"));
 * app.get("/auth/callback", passport.authenticate("wechat", { failureRedirect: "/" }), (req, res) =>
 *   res.redirect((req.authInfo as WeChatAuthInfo).returnTo));
 */
export class WeChatStrategy {
  readonly name: string;
  // Not #private: Passport runs `authenticate` on Object.create(strategy), which private fields refuse.
  private readonly login: Login;
  private readonly verify: VerifyFunction;

  constructor(options: WeChatStrategyOptions, verify: VerifyFunction) {
    if (typeof verify !== "function") throw new TypeError("WeChatStrategy requires a verify function");
    this.name = options.name ?? "wechat";
    this.login = options.login;
    this.verify = verify;
  }

  /**
   * Called by Passport: with no `state`/`code`, sends the browser to WeChat through the flow; on
   * WeChat's redirect back, completes the login through the flow and hands the profile to `verify`.
   */
  authenticate(req: StrategyRequest): void {
    // Passport calls this on Object.create(strategy) with its actions added.
    const created = this as unknown as WeChatStrategy & PassportActions;
    created.run(req).catch((error: unknown) => created.error(error));
  }

  private async run(this: WeChatStrategy & PassportActions, req: StrategyRequest): Promise<void> {
    const request = webRequestOf(req);
    const connection = connectionOf(req);
    if (!isCallback(request)) {
      // `?returnTo=` of the start URL, checked by the flow like its own /login's.
      const returnTo = new URL(request.url).searchParams.get("returnTo") ?? undefined;
      this.answer(req, await beginLogin(this.login, request, connection, returnTo));
      return;
    }
    const result = await this.login.completeCallback(request, connection);
    if (result.outcome !== "logged_in") {
      this.answer(req, result.response, result.outcome === "refused" ? result.error : undefined);
      return;
    }
    copyHeaders(req, result.response);
    const { session } = result;
    const profile: WeChatProfile = {
      provider: "wechat",
      id: session.user.id,
      displayName: session.user.nickname,
      photos: session.user.headimgurl ? [{ value: session.user.headimgurl }] : [],
      identity: session.identity,
      unionid: session.user.unionid,
      session,
    };
    const info: WeChatAuthInfo = { returnTo: result.returnTo };
    const finish = (error: unknown, user?: unknown, refusal?: unknown) => {
      if (error) this.error(error);
      else if (!user) this.fail(refusal ?? { message: "login_denied" }, 401);
      else this.success(user, info);
    };
    let settled = false;
    const done: VerifyCallback = (error, user, refusal) => {
      if (settled) return;
      settled = true;
      finish(error, user, refusal);
    };
    const returned = this.verify(profile, done);
    if (returned instanceof Promise) {
      const user = await returned.catch((error: unknown) => {
        done(error);
        return undefined;
      });
      if (!settled && user !== undefined) done(null, user);
    }
  }

  /** The flow's answer in Passport's terms: a redirect stays one, a user's error fails, the site's errors. */
  private answer(
    this: WeChatStrategy & PassportActions,
    req: StrategyRequest,
    response: Response,
    error?: string,
  ): void {
    copyHeaders(req, response);
    const location = response.headers.get("location");
    if (location !== null && response.status >= 300 && response.status < 400) {
      this.redirect(location, response.status);
    } else if (response.status >= 500 || (error === undefined && response.status >= 400)) {
      this.error(
        new LoginRefused(
          (error as LoginRefused["reason"] | undefined) ?? "unexpected_answer",
          response.status,
        ),
      );
    } else {
      this.fail({ message: error ?? "unexpected_answer" }, Math.max(response.status, 400));
    }
  }
}

/** The flow's cookies and security headers onto the framework's response, after any cookie already there. */
function copyHeaders(req: StrategyRequest, response: Response): void {
  const res = req.res;
  if (!res) return;
  for (const [name, value] of carriedHeaders(response)) {
    if (name === "set-cookie") {
      const earlier = res.getHeader?.("set-cookie");
      const before =
        earlier === undefined ? [] : Array.isArray(earlier) ? earlier.map(String) : [String(earlier)];
      res.setHeader(name, [...before, ...(value as string[])]);
    } else {
      res.setHeader(name, value);
    }
  }
}

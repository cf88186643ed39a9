// passport-wechat ships no types; these cover what the side-by-side benchmark uses.
declare module "passport-wechat" {
  import type { Strategy } from "passport";
  import type OAuth from "wechat-oauth";

  interface WechatStrategyOptions {
    appID: string;
    appSecret: string;
    client?: "wechat" | "web";
    callbackURL?: string;
    scope?: string;
    state?: string;
  }

  type Verified = (error: Error | null, user?: Express.User | false) => void;

  class WechatStrategy extends Strategy {
    constructor(
      options: WechatStrategyOptions,
      verify: (
        accessToken: string,
        refreshToken: string,
        profile: Record<string, unknown>,
        expiresIn: number,
        done: Verified,
      ) => void,
    );
    /** Its wechat-oauth instance (not documented, but the only way to point it anywhere but WeChat). */
    _oauth: OAuth;
  }

  export = WechatStrategy;
}

// wechat-oauth ships no types; these cover the calls the peer benchmark makes.
declare module "wechat-oauth" {
  type Callback<T> = (error: Error | null, result: T) => void;

  interface TokenData {
    access_token: string;
    expires_in: number;
    refresh_token: string;
    openid: string;
    scope: string;
    create_at: number;
  }

  /** urllib 2 request options; `beforeRequest` may rewrite Node's http.request options before sending. */
  interface UrllibOptions {
    timeout?: number;
    beforeRequest?: (options: Record<string, unknown>) => void;
  }

  class OAuth {
    constructor(appid: string, appsecret: string);
    setOpts(options: UrllibOptions): void;
    saveToken(openid: string, token: TokenData, callback: (error: Error | null) => void): void;
    getUser(options: { openid: string; lang?: string }, callback: Callback<Record<string, unknown>>): void;
    verifyToken(openid: string, accessToken: string, callback: Callback<Record<string, unknown>>): void;
  }

  export default OAuth;
}

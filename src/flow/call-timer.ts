import { WeChatApiError } from "../protocol/errors.js";
import type { OAuthToken, UserInfo } from "../protocol/schemas.js";
import type { FlowContext, LoginApp } from "./context.js";
import { emit, exchangeAnswer, exchangeCall, userInfoAnswer, userInfoCall } from "./events.js";

/** The callback's two WeChat calls, each timed and told to `onEvent` with its (masked) request and answer. */
export class CallTimer {
  constructor(
    private readonly ctx: FlowContext,
    private readonly state: string,
    private readonly app: LoginApp,
  ) {}

  exchange(code: string): Promise<OAuthToken> {
    return this.timed(
      "sns/oauth2/access_token",
      () => this.app.client.exchangeCode(code),
      (token, ms) =>
        emit(this.ctx, this.state, this.app, () => ({
          type: "code_exchanged",
          url: exchangeCall(this.ctx, this.app, code),
          durationMs: ms,
          answer: exchangeAnswer(token),
        })),
    );
  }

  userInfo(token: OAuthToken): Promise<UserInfo> {
    return this.timed(
      "sns/userinfo",
      () => this.app.client.getUserInfo(token.accessToken, token.openid, { lang: "zh_CN" }),
      (profile, ms) =>
        emit(this.ctx, this.state, this.app, () => ({
          type: "userinfo_fetched",
          url: userInfoCall(this.ctx, token.openid),
          durationMs: ms,
          answer: userInfoAnswer(profile),
        })),
    );
  }

  private async timed<T>(
    endpoint: "sns/oauth2/access_token" | "sns/userinfo",
    call: () => Promise<T>,
    done: (result: T, durationMs: number) => void,
  ): Promise<T> {
    // The timings are for onEvent only.
    if (!this.ctx.config.onEvent) return call();
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      const result = await call();
      done(result, elapsed());
      return result;
    } catch (error) {
      emit(this.ctx, this.state, this.app, () => ({
        type: "wechat_call_failed",
        endpoint,
        durationMs: elapsed(),
        errcode: error instanceof WeChatApiError ? error.errcode : undefined,
      }));
      throw error;
    }
  }
}

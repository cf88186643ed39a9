import { ErrorCode, WeChatLoginError } from "../protocol/errors.js";
import type { PageKind } from "./pages.js";

/**
 * A login the flow refused or could not finish, raised where a framework drop-in owns the answer
 * (the Passport strategy's `error`): `reason` is the page the flow would have shown, `status` that page's HTTP status. Its message
 * names only the reason: never a WeChat code, state or token.
 */
export class LoginRefused extends WeChatLoginError {
  readonly code = ErrorCode.LoginRefused;

  /**
   * @param reason The flow's stable code, e.g. `"code_invalid"`, `"wechat_unavailable"`, `"store_unavailable"`.
   * @param status The HTTP status of the flow's page for it.
   */
  constructor(
    readonly reason: PageKind | "unexpected_answer",
    readonly status: number,
  ) {
    super(
      `WeChat login refused: ${reason} (${status})`,
      status >= 500
        ? "WeChat or the store failed: see the login's log lines for the cause; the user may try again."
        : "The user's login cannot go on: send them to log in again.",
    );
  }
}

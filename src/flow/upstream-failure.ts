import { WeChatApiError, type WeChatError } from "../protocol/errors.js";
import type { FlowLogger } from "./config.js";

/**
 * Logs a failed WeChat call, the one way every route does (callback, mini program, follow): the
 * error's code, errcode, rid and hint, never a value it was called with. Returns WeChat's rid,
 * which the answer quotes so a user's report can be matched to WeChat's side.
 */
export function logUpstreamFailure(log: FlowLogger | undefined, error: WeChatError): string | undefined {
  const rid = error instanceof WeChatApiError ? error.rid : undefined;
  log?.warn(
    {
      event: "wechat_call_failed",
      code: error.code,
      errcode: error instanceof WeChatApiError ? error.errcode : undefined,
      rid,
      hint: error.hint,
    },
    error.message,
  );
  return rid;
}

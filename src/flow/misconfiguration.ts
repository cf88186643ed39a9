import type { WeChatApiError } from "../protocol/errors.js";
import type { LoginConfig } from "./config.js";

/** The errcodes each login has already reported, so a broken setup prints one line per errcode, not one per login. */
const reported = new WeakMap<LoginConfig, Set<number>>();

/**
 * Without a logger, a wrong AppID or AppSecret would only show users a
 * "misconfigured" page, and the developer nothing. So the flow says it once,
 * on stderr, in one line with the errcode and what to fix.
 */
export function reportMisconfiguration(config: LoginConfig, error: WeChatApiError): void {
  const seen = reported.get(config) ?? new Set<number>();
  reported.set(config, seen);
  if (seen.has(error.errcode)) return;
  seen.add(error.errcode);
  console.error(
    `wechat-login: ${error.message} — ${error.hint} (pass a logger to createLogin to see every login event)`,
  );
}

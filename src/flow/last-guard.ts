import type { FlowLogger } from "./config.js";
import { loginResponse } from "./responses.js";
import { withSecurityHeaders } from "./security-headers.js";
import type { ClientConnection } from "./types.js";

type Handle = (request: Request, connection?: ClientConnection) => Promise<Response>;

/**
 * The last guard around `login.handle`, so it never throws: a bug becomes a
 * plain 500 logged by the error's class name only (messages can carry store
 * URLs or tokens), never a crash or a framework's error page with a stack trace.
 */
export function neverThrowing(handle: Handle, log: FlowLogger | undefined, secure: boolean): Handle {
  return async (request, connection) => {
    try {
      return await handle(request, connection);
    } catch (error) {
      return lastResort(error, log, secure);
    }
  };
}

/** The answer to a throw no route caught: a plain 500, logged by the error's class name only. */
export function lastResort(error: unknown, log: FlowLogger | undefined, secure: boolean): Response {
  const reason = error instanceof Error ? error.name : typeof error;
  if (log) log.error({ event: "internal_error", reason }, "login route threw");
  else console.error(`wechat-login: login route threw (${reason})`);
  const headers = { "content-type": "text/plain; charset=utf-8" };
  return withSecurityHeaders(loginResponse("Internal error / 内部错误", 500, headers), { secure });
}

import type { MiddlewareHandler } from "hono";
import { accessLogEntry, type FlowLogger, redactHeaders } from "../flow/index.js";

/** A logger for the demo: the flow's, plus `debug` for the headers. */
export interface DemoLogger extends FlowLogger {
  debug?(object: object, message?: string): void;
}

/**
 * One access-log line per request through the app's logger; at debug level
 * also the request and response headers, without cookies or credentials.
 */
export function accessLog(logger: DemoLogger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const entry = accessLogEntry(c.req.raw, c.res.status, performance.now() - started);
    logger.info(entry, `${entry.method} ${entry.url} ${entry.status}`);
    logger.debug?.(
      {
        event: "request_headers",
        url: entry.url,
        request: redactHeaders(c.req.raw.headers),
        response: redactHeaders(c.res.headers),
      },
      "request headers",
    );
  };
}

import { pino } from "pino";

/**
 * Structured logs for the CLI. The flow never logs secrets, codes, tokens or
 * session ids; these redact paths are the second line of defence should a
 * field by such a name ever reach a log call.
 */
export function createLogger(name: string) {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? "info",
    redact: {
      paths: [
        "secret",
        "*.secret",
        "appSecret",
        "sessionSecret",
        "*.sessionSecret",
        "code",
        "*.code",
        "accessToken",
        "*.accessToken",
        "refreshToken",
        "*.refreshToken",
        "access_token",
        "refresh_token",
        "session_key",
        "sessionId",
        "*.sessionId",
        "cookie",
        "*.cookie",
        "req.headers.cookie",
        "headers.cookie",
        "headers.authorization",
      ],
      censor: "[redacted]",
    },
  });
}

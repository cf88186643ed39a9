import { type Logger, type LoggerOptions, pino } from "pino";

/** pino's level names: what LOG_LEVEL accepts. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The flow never logs secrets, codes, tokens or session ids, and URLs and
 * headers are redacted before they are logged; these paths are the second
 * line of defence should a field by such a name ever reach a log call.
 */
const REDACT_PATHS = [
  "secret",
  "*.secret",
  "appSecret",
  "sessionSecret",
  "*.sessionSecret",
  "code",
  "*.code",
  "state",
  "*.state",
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
  "*.headers.cookie",
  "*.headers.authorization",
  'request["set-cookie"]',
  'response["set-cookie"]',
];

/**
 * Structured logs for the CLI: JSON lines on stdout, or pino-pretty's
 * readable lines when stdout is a terminal (loaded only then).
 */
export async function createLogger(
  name: string,
  options: { level: LogLevel; pretty: boolean },
): Promise<Logger> {
  const settings: LoggerOptions = {
    name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  if (!options.pretty) return pino(settings);
  const { default: pretty } = await import("pino-pretty");
  return pino(
    settings,
    pretty({ colorize: true, singleLine: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" }),
  );
}

import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

/**
 * Hono environment of the emulator. Bindings are partial because the app also
 * runs in-process through `app.request()`, where there is no Node socket.
 */
export interface EmulatorEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** Set when a fault dropped the connection instead of answering. */
    dropped: boolean;
  };
}

export type EmulatorContext = Context<EmulatorEnv>;

// Real WeChat parameters are short; anything longer is treated as a wrong value, never echoed or stored.
const MAX_PARAMETER_LENGTH = 4096;

/** A query parameter, or undefined when missing or empty (WeChat treats both as missing). */
export function queryParam(c: Context, name: string): string | undefined {
  const value = c.req.query(name);
  if (value === undefined || value === "") return undefined;
  return value.length > MAX_PARAMETER_LENGTH ? value.slice(0, MAX_PARAMETER_LENGTH) : value;
}

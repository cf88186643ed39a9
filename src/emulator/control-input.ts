import type { Context } from "hono";
import { z } from "zod";
import { EmulatorConfigError, parseWith } from "./config.js";

const MAX_BODY_CHARS = 64 * 1024;

/** A control-API answer for bad input: 400 and the field at fault. */
export function badRequest(c: Context, field: string, message: string): Response {
  return c.json({ error: "invalid_request", field, message }, 400);
}

/**
 * Reads and validates a JSON body. An empty body counts as `{}` so commands
 * without arguments (confirm, reset) can be sent bare.
 */
export async function readBody<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<{ ok: true; value: z.output<T> } | { ok: false; response: Response }> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_CHARS) {
    return { ok: false, response: badRequest(c, "", "body too large") };
  }
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, response: badRequest(c, "", "body is not JSON") };
    }
  }
  try {
    return { ok: true, value: parseWith(schema, json) };
  } catch (error) {
    if (error instanceof EmulatorConfigError) {
      return { ok: false, response: badRequest(c, error.field, error.problem) };
    }
    throw error;
  }
}

export const userIdField = z.string().min(1).max(64);

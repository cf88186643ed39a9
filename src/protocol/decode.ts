import { z } from "zod";
import { WeChatApiError, WeChatHttpError, WeChatProtocolError } from "./errors.js";
import type { Endpoint } from "./hosts.js";
import { type ResponseOf, responseSchemas } from "./schemas.js";

/**
 * Turns one WeChat answer into typed data or a typed error. Pure: the caller
 * does the I/O. `sensitive` lists values this call sent (secret, code,
 * tokens); they are blanked from any errmsg WeChat echoes back.
 */
export function decodeResponse<E extends Endpoint>(
  endpoint: E,
  status: number,
  bodyText: string,
  sensitive: readonly string[] = [],
): ResponseOf<E> {
  if (status !== 200) {
    throw new WeChatHttpError(endpoint, status, describeBody(bodyText));
  }
  let body: unknown;
  try {
    // Spec §3: WeChat serves JSON as text/plain too, so the Content-Type is not consulted.
    body = JSON.parse(bodyText);
  } catch {
    throw new WeChatHttpError(endpoint, status, describeBody(bodyText));
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new WeChatProtocolError(endpoint, ["body is not a JSON object"]);
  }
  const errcode = readErrcode((body as Record<string, unknown>).errcode);
  if (Number.isNaN(errcode)) {
    throw new WeChatProtocolError(endpoint, ["errcode: not an integer"]);
  }
  if (errcode !== 0) {
    const errmsg = (body as Record<string, unknown>).errmsg;
    throw new WeChatApiError(endpoint, errcode, redact(typeof errmsg === "string" ? errmsg : "", sensitive));
  }
  const parsed = schemaOf(endpoint).safeParse(body);
  if (!parsed.success) {
    throw new WeChatProtocolError(
      endpoint,
      // Paths and expectations only: zod's messages could quote received values, which may be tokens.
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.code}`),
    );
  }
  return parsed.data as ResponseOf<E>;
}

/**
 * Each endpoint's schema through zod's own ahead-of-time compiler (`z.compile`), made on first use:
 * one generated function per schema instead of a result and an issue list per field. A body it
 * rejects goes to the ordinary parser, so the issues reported are the same. Made lazily, as
 * compiling all 13 schemas costs ~13 ms at import; an app that set zod's `jitless` (no
 * `new Function`, e.g. under a CSP) keeps the ordinary parser, which `z.compile` would not check.
 */
const compiledSchemas = new Map<Endpoint, z.ZodType>();

function schemaOf(endpoint: Endpoint): z.ZodType {
  let schema = compiledSchemas.get(endpoint);
  if (schema === undefined) {
    const declared = responseSchemas[endpoint];
    schema = z.config().jitless ? declared : z.compile(declared);
    compiledSchemas.set(endpoint, schema);
  }
  return schema;
}

function readErrcode(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return Number.NaN;
}

function describeBody(bodyText: string): string {
  const trimmed = bodyText.trimStart();
  if (trimmed === "") return "empty body";
  if (trimmed.startsWith("<")) return "an HTML page instead of JSON";
  return "a body that is not JSON";
}

/** Blanks every sensitive value out of a text WeChat sent back. */
export function redact(text: string, sensitive: readonly string[]): string {
  let result = text;
  for (const value of sensitive) {
    if (value.length >= 4) result = result.split(value).join("[redacted]");
  }
  return result;
}

import { json } from "./responses.js";

/** Far above `{code, scene}` or open data (which open-data.ts caps at 64 KiB itself). */
export const MAX_JSON_BODY_BYTES = 128 * 1024;

/** The JSON error body of the API routes: a stable `error` code, and a sentence for the developer. */
export function apiError(
  error: string,
  message: string,
  status: number,
  extra: Record<string, unknown> = {},
): Response {
  return json({ error, message, ...extra }, status);
}

/**
 * The request's body as a JSON object, or the 4xx answer for it: 413 past
 * `limit` bytes (counted while reading, whatever Content-Length claims),
 * 400 for a body that is not `application/json` or not a JSON object.
 * Requiring the JSON type also keeps a cross-site HTML form out: a browser
 * sends `application/json` to another origin only after a CORS preflight.
 */
export async function readJsonObject(
  request: Request,
  limit = MAX_JSON_BODY_BYTES,
): Promise<Record<string, unknown> | Response> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    return apiError("invalid_body", "Send the body as JSON with Content-Type: application/json.", 400);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return tooLarge(limit);
  let body: Buffer | undefined;
  try {
    body = await readCappedBody(request, limit);
  } catch {
    return apiError("invalid_body", "The request body could not be read.", 400);
  }
  if (body === undefined) return tooLarge(limit);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return apiError("invalid_body", "The body is not valid JSON.", 400);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return apiError("invalid_body", "The body must be a JSON object.", 400);
  }
  return value as Record<string, unknown>;
}

/**
 * The request's body, or undefined when it is larger than `cap` bytes (counted while reading, whatever
 * Content-Length claims). Past the cap the rest is read and dropped up to `drainLimit` bytes, so a sender
 * that writes the whole body first still reads the 413 rather than a reset connection; then the read stops.
 * A failing read rejects.
 */
export async function readCappedBody(
  request: Request,
  cap: number,
  drainLimit = cap,
): Promise<Buffer | undefined> {
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > drainLimit) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      if (size <= cap) chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return size > cap ? undefined : Buffer.concat(chunks);
}

function tooLarge(limit: number): Response {
  return apiError("body_too_large", `The body must be at most ${limit} bytes.`, 413);
}

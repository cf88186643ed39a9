/**
 * Re-encodes a body that a framework's body parser already read (Express's
 * `express.json()`, koa-bodyparser), since the request stream is then empty.
 * Returns `null` when the parsed value cannot be sent again faithfully; the
 * login routes do not depend on request bodies.
 */
export function reencodeParsedBody(body: unknown, contentType: string | undefined): BodyInit | null {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("json")) return JSON.stringify(body);
  if (type.includes("application/x-www-form-urlencoded") && typeof body === "object") {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body)) {
      if (typeof value !== "string") return null;
      form.append(name, value);
    }
    return form;
  }
  return null;
}

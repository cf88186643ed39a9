import type { Context } from "hono";
import { ERRCODES } from "../protocol/errcodes.js";
import { newRid } from "./ids.js";
import type { EmulatorState } from "./state.js";

// Errcodes the emulator sends that the client does not handle by name.
const EXTRA_ERRMSGS: ReadonlyMap<number, string> = new Map([
  [40002, "invalid grant_type"],
  [47001, "data format error"],
]);

/** WeChat's wording of an errcode. */
export function errmsgOf(errcode: number): string {
  return ERRCODES.get(errcode)?.errmsg ?? EXTRA_ERRMSGS.get(errcode) ?? "unknown error";
}

/** `/sns/*` has been seen answering text/plain, `/cgi-bin/*` JSON with a non-standard parameter (spec §3). */
export function apiContentType(path: string): string {
  return path.startsWith("/sns/") ? "text/plain" : "application/json; encoding=utf-8";
}

/** Serializes like WeChat: HTTP 200 whatever the outcome. */
export function apiJson(c: Context, body: object): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": apiContentType(c.req.path) },
  });
}

/** An errcode body whose errmsg carries a rid, the way WeChat's do. */
export function apiError(
  c: Context,
  state: EmulatorState,
  errcode: number,
  errmsg = errmsgOf(errcode),
): Response {
  return apiJson(c, { errcode, errmsg: `${errmsg}, rid: ${newRid(state.clock.now())}` });
}

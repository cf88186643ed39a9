import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { EmulatorContext, EmulatorEnv } from "./env.js";
import { type Fault, type FaultKind, isApiPath } from "./faults.js";
import { errorPage } from "./pages/layout.js";
import type { EmulatorState } from "./state.js";
import { apiContentType, apiError } from "./wechat-response.js";

const CONTROL_PREFIX = "/_emulator/";

/** One of the emulator's steps around a route: it calls `next`, or sets `c.res` itself to answer. */
type Step = (c: EmulatorContext, next: () => Promise<void>) => Promise<void>;

/** Rejects bodies over 64 kB before reading them, in the answer style of the path. */
function limitBodies(state: EmulatorState): Step {
  const limit = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) =>
      isApiPath(c.req.path) ? apiError(c, state, 47001) : c.json({ error: "body_too_large" }, 413),
  });
  const limited: Step = async (c, next) => {
    const refused = await limit(c, next);
    if (refused && c.finalized === false) c.res = refused;
  };
  // A GET or HEAD has no body to limit; asking for one makes @hono/node-server build a full
  // Request (headers, AbortSignal) that the API's GETs never need: a sixth of the emulator's time per call.
  return (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limited(c, next));
}

/** The query string of an absolute URL, without `?` and fragment. */
function searchOf(url: string): string {
  const start = url.indexOf("?");
  if (start === -1) return "";
  const hash = url.indexOf("#", start);
  return url.slice(start + 1, hash === -1 ? undefined : hash);
}

/** Records every non-control request; the log masks credentials whenever it is read. */
function logRequests(state: EmulatorState): Step {
  return async (c, next) => {
    if (c.req.path.startsWith(CONTROL_PREFIX)) return next();
    await next();
    state.log.record({
      timeMs: state.clock.now(),
      method: c.req.method,
      path: c.req.path,
      search: searchOf(c.req.url),
      status: c.get("dropped") ? 0 : c.res.status,
    });
  };
}

/** Closes the connection without an answer, as a crashed upstream or a reset does. */
function drop(c: EmulatorContext): Response {
  c.set("dropped", true);
  const socket = c.env?.incoming?.socket;
  if (socket) {
    socket.resetAndDestroy();
  }
  // Only seen in-process (`app.request`), where there is no socket to drop.
  return new Response("connection dropped", { status: 502 });
}

async function faultResponse(
  c: EmulatorContext,
  state: EmulatorState,
  fault: Fault,
  kind: Exclude<FaultKind, "delay">,
): Promise<Response> {
  const contentType = apiContentType(c.req.path);
  const status = fault.status as ContentfulStatusCode;
  switch (kind) {
    case "errcode":
      return apiError(c, state, fault.errcode);
    case "http":
      return c.text(`${fault.status} upstream error`, status);
    case "html":
      return c.html(errorPage("系统繁忙", "System busy, please try again later."), status);
    case "truncated":
      return new Response('{"access_token":"ACCESS_TOKEN","expires_in":72', {
        status: 200,
        headers: { "content-type": contentType },
      });
    case "garbage":
      return new Response(new Uint8Array([0xff, 0xfe, 0x00, 0x3c, 0x3f, 0x8b, 0x1f, 0x7b, 0x0a]), {
        status: 200,
        headers: { "content-type": contentType },
      });
    case "reset":
      return drop(c);
    case "hang":
      await state.holds.wait(undefined, c.env?.incoming?.socket);
      return drop(c);
  }
}

/** Applies the next queued fault matching this path, if any. */
function injectFaults(state: EmulatorState): Step {
  return async (c, next) => {
    if (c.req.path.startsWith(CONTROL_PREFIX)) return next();
    const fault = state.faults.take(c.req.path);
    if (!fault) return next();
    if (fault.kind === "delay") {
      // A timer, not a busy wait: other requests are answered meanwhile.
      await state.holds.wait(fault.delayMs, c.env?.incoming?.socket);
      return next();
    }
    c.res = await faultResponse(c, state, fault, fault.kind);
  };
}

/**
 * The emulator's steps around every route, as one middleware: the body limit, then the request log, then
 * the faults. Called one inside the other rather than registered as three: each layer of Hono's compose
 * cost a seventh of an API call (callgrind, `sns/oauth2/access_token` at 32 connections).
 */
export function emulatorSteps(state: EmulatorState): MiddlewareHandler<EmulatorEnv> {
  const limit = limitBodies(state);
  const log = logRequests(state);
  const faults = injectFaults(state);
  return (c, next) => limit(c, () => log(c, () => faults(c, next)));
}

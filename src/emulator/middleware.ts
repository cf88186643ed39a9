import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { EmulatorContext, EmulatorEnv } from "./env.js";
import { type Fault, isApiPath } from "./faults.js";
import { errorPage } from "./pages/layout.js";
import { maskQuery } from "./request-log.js";
import type { EmulatorState } from "./state.js";
import { apiContentType, apiError } from "./wechat-response.js";

const CONTROL_PREFIX = "/_emulator/";

/** Rejects bodies over 64 kB before reading them, in the answer style of the path. */
export function limitBodies(state: EmulatorState): MiddlewareHandler<EmulatorEnv> {
  return bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) =>
      isApiPath(c.req.path) ? apiError(c, state, 47001) : c.json({ error: "body_too_large" }, 413),
  });
}

/** Records every non-control request, credentials masked. */
export function logRequests(state: EmulatorState): MiddlewareHandler<EmulatorEnv> {
  return async (c, next) => {
    if (c.req.path.startsWith(CONTROL_PREFIX)) return next();
    await next();
    state.log.record({
      time: new Date(state.clock.now()).toISOString(),
      method: c.req.method,
      path: c.req.path,
      query: maskQuery(new URL(c.req.url).searchParams),
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

async function faultResponse(c: EmulatorContext, state: EmulatorState, fault: Fault): Promise<Response> {
  const contentType = apiContentType(c.req.path);
  switch (fault.kind) {
    case "errcode":
      return apiError(c, state, fault.errcode);
    case "http":
      return c.text(`${fault.status} upstream error`, fault.status as 500);
    case "html":
      return c.html(errorPage("系统繁忙", "System busy, please try again later."), fault.status as 502);
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
    case "delay":
      throw new Error("delay faults answer normally");
  }
}

/** Applies the next queued fault matching this path, if any. */
export function injectFaults(state: EmulatorState): MiddlewareHandler<EmulatorEnv> {
  return async (c, next) => {
    if (c.req.path.startsWith(CONTROL_PREFIX)) return next();
    const fault = state.faults.take(c.req.path);
    if (!fault) return next();
    if (fault.kind === "delay") {
      // A timer, not a busy wait: other requests are answered meanwhile.
      await state.holds.wait(fault.delayMs, c.env?.incoming?.socket);
      return next();
    }
    return faultResponse(c, state, fault);
  };
}

import { Hono } from "hono";
import { z } from "zod";
import { decide } from "../consent.js";
import { badRequest, readBody, userIdField } from "../control-input.js";
import type { EmulatorEnv } from "../env.js";
import type { EmulatorState } from "../state.js";
import type { QrTicket, TicketChange } from "../tickets.js";

const scanSchema = z.strictObject({ userId: userIdField.optional() });

/** A ticket as tests see it; the code is included because a test may want to exchange it itself. */
export function ticketView(ticket: QrTicket) {
  return {
    uuid: ticket.uuid,
    appid: ticket.appid,
    status: ticket.status,
    redirectUri: ticket.redirectUri,
    state: ticket.state,
    userId: ticket.userId ?? null,
    code: ticket.code ?? null,
    createdAt: new Date(ticket.createdAt).toISOString(),
    expiresAt: new Date(ticket.expiresAt).toISOString(),
    phonePath: `/_emulator/phone/${ticket.uuid}`,
  };
}

function changed(c: Parameters<typeof badRequest>[0], change: TicketChange): Response {
  if (change.ok) return c.json({ ticket: ticketView(change.ticket) });
  if (change.reason === "unknown") return c.json({ error: "unknown_ticket" }, 404);
  return c.json({ error: "invalid_transition", status: change.reason }, 409);
}

/**
 * Scanning, confirming and refusing a QR ticket without a phone; the phone
 * page uses the same state changes.
 */
export function ticketControlRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.get("/tickets", (c) => c.json({ tickets: state.tickets.latest(20).map(ticketView) }));

  routes.get("/tickets/:uuid", (c) => {
    const ticket = state.tickets.get(c.req.param("uuid"));
    return ticket ? c.json({ ticket: ticketView(ticket) }) : c.json({ error: "unknown_ticket" }, 404);
  });

  routes.post("/tickets/:uuid/scan", async (c) => {
    const body = await readBody(c, scanSchema);
    if (!body.ok) return body.response;
    const userId = body.value.userId ?? state.defaultUser().id;
    if (!state.users.has(userId)) return badRequest(c, "userId", "unknown user");
    return changed(c, state.tickets.scan(c.req.param("uuid"), userId));
  });

  routes.post("/tickets/:uuid/confirm", (c) =>
    changed(
      c,
      state.tickets.confirm(c.req.param("uuid"), (ticket) => {
        const outcome = decide(state, {
          appid: ticket.appid,
          userId: ticket.userId ?? state.defaultUser().id,
          scope: "snsapi_login",
          redirectUri: ticket.redirectUri,
          state: ticket.state,
          decision: "allow",
        });
        return outcome.code ?? "";
      }),
    ),
  );

  routes.post("/tickets/:uuid/refuse", (c) => changed(c, state.tickets.refuse(c.req.param("uuid"))));

  return routes;
}

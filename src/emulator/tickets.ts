import type { EmulatorClock } from "./clock.js";
import { newUuid } from "./ids.js";

/** States of a QR ticket (spec §5): waiting → scanned → confirmed | refused, or expired. */
export type TicketStatus = "waiting" | "scanned" | "confirmed" | "refused" | "expired";

/** One QR code shown on a qrconnect page, and what the phone did with it. */
export interface QrTicket {
  uuid: string;
  appid: string;
  redirectUri: string;
  state: string;
  status: TicketStatus;
  /** The user who scanned it. */
  userId?: string;
  /** Set once confirmed: the code the page hands to `redirect_uri`. */
  code?: string;
  createdAt: number;
  expiresAt: number;
}

// Enough for any test run; older tickets are dropped so a long-running emulator does not grow.
const MAX_TICKETS = 1000;

export type TicketChange = { ok: true; ticket: QrTicket } | { ok: false; reason: "unknown" | TicketStatus };

/** QR tickets, timed by the emulator clock. */
export class TicketStore {
  readonly #tickets = new Map<string, QrTicket>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly lifetimeSeconds: number,
  ) {}

  create(appid: string, redirectUri: string, state: string): QrTicket {
    const now = this.clock.now();
    const ticket: QrTicket = {
      uuid: newUuid(),
      appid,
      redirectUri,
      state,
      status: "waiting",
      createdAt: now,
      expiresAt: now + this.lifetimeSeconds * 1000,
    };
    this.#tickets.set(ticket.uuid, ticket);
    if (this.#tickets.size > MAX_TICKETS) {
      const oldest = this.#tickets.keys().next().value;
      if (oldest !== undefined) this.#tickets.delete(oldest);
    }
    return ticket;
  }

  /** The ticket with its status brought up to the current time. */
  get(uuid: string): QrTicket | undefined {
    const ticket = this.#tickets.get(uuid);
    if (ticket && (ticket.status === "waiting" || ticket.status === "scanned")) {
      if (this.clock.now() >= ticket.expiresAt) ticket.status = "expired";
    }
    return ticket;
  }

  /** Newest first. */
  latest(limit: number): QrTicket[] {
    return [...this.#tickets.keys()]
      .reverse()
      .slice(0, limit)
      .map((uuid) => this.get(uuid))
      .filter((ticket): ticket is QrTicket => ticket !== undefined);
  }

  /** Opening the phone page; rescanning by another user before confirming is allowed, as on a real phone. */
  scan(uuid: string, userId: string): TicketChange {
    return this.#change(uuid, ["waiting", "scanned"], (ticket) => {
      ticket.status = "scanned";
      ticket.userId = userId;
    });
  }

  confirm(uuid: string, code: (ticket: QrTicket) => string): TicketChange {
    return this.#change(uuid, ["scanned"], (ticket) => {
      ticket.code = code(ticket);
      ticket.status = "confirmed";
    });
  }

  refuse(uuid: string): TicketChange {
    return this.#change(uuid, ["waiting", "scanned"], (ticket) => {
      ticket.status = "refused";
    });
  }

  clear(): void {
    this.#tickets.clear();
  }

  #change(uuid: string, from: readonly TicketStatus[], apply: (ticket: QrTicket) => void): TicketChange {
    const ticket = this.get(uuid);
    if (!ticket) return { ok: false, reason: "unknown" };
    if (!from.includes(ticket.status)) return { ok: false, reason: ticket.status };
    apply(ticket);
    return { ok: true, ticket };
  }
}

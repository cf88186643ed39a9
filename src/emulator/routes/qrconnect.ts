import { Hono } from "hono";
import QRCode from "qrcode";
import { PATHS } from "../../protocol/hosts.js";
import { redirectLocation } from "../apps.js";
import { checkAuthorizeRequest } from "../authorize-request.js";
import { type EmulatorContext, type EmulatorEnv, queryParam } from "../env.js";
import { errorPage } from "../pages/layout.js";
import { qrPage } from "../pages/qr-page.js";
import { pageLang } from "../pages/texts.js";
import type { EmulatorState } from "../state.js";
import type { TicketStatus } from "../tickets.js";

/** WeChat's long-poll codes (spec §2). */
export const POLL_CODES: Record<TicketStatus, number> = {
  waiting: 408,
  scanned: 404,
  refused: 403,
  confirmed: 405,
  expired: 402,
};

// WeChat's long poll holds about 25 s; shorter keeps idle pages cheap and stays under common proxy timeouts.
const LONG_POLL_MS = 20_000;
const POLL_STEP_MS = 100;

interface PollAnswer {
  wx_errcode: number;
  wx_code: string;
  location?: string;
}

function pollAnswer(state: EmulatorState, uuid: string | undefined): PollAnswer {
  // An unknown ticket is as dead as an expired one: the page offers a fresh QR either way.
  const ticket = uuid ? state.tickets.get(uuid) : undefined;
  if (!ticket) return { wx_errcode: POLL_CODES.expired, wx_code: "" };
  const answer: PollAnswer = { wx_errcode: POLL_CODES[ticket.status], wx_code: ticket.code ?? "" };
  if (ticket.status === "confirmed")
    answer.location = redirectLocation(ticket.redirectUri, ticket.state, ticket.code);
  if (ticket.status === "refused") answer.location = redirectLocation(ticket.redirectUri, ticket.state);
  return answer;
}

/** The http(s) stylesheet a site passed to WxLogin.js, or nothing. */
function stylesheet(href: string | undefined): string | undefined {
  if (!href || !URL.canParse(href)) return undefined;
  const protocol = new URL(href).protocol;
  return protocol === "https:" || protocol === "http:" ? href : undefined;
}

export function phoneUrl(c: EmulatorContext, state: EmulatorState, uuid: string): string {
  return `${state.phoneBaseUrl ?? new URL(c.req.url).origin}/_emulator/phone/${uuid}`;
}

/** The website QR login page (also the embedded one, `login_type=jssdk`) and its long poll. */
export function qrConnectRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  routes.get(PATHS.qrConnect, async (c) => {
    const checked = checkAuthorizeRequest(state, "qrconnect", {
      appid: queryParam(c, "appid"),
      redirectUri: queryParam(c, "redirect_uri"),
      responseType: queryParam(c, "response_type"),
      scope: queryParam(c, "scope"),
      state: c.req.query("state"),
    });
    if (!checked.ok) {
      const { title, detail, errcode } = checked.refusal;
      return c.html(errorPage(title, detail, errcode));
    }
    const { app, redirectUri } = checked.request;
    const ticket = state.tickets.create(app.appid, redirectUri, checked.request.state);
    const phone = phoneUrl(c, state, ticket.uuid);
    const qrDataUrl = await QRCode.toDataURL(phone, { margin: 1, width: 220 });
    return c.html(
      qrPage({
        uuid: ticket.uuid,
        appName: app.name,
        qrDataUrl,
        phoneUrl: phone,
        selfRedirect: c.req.query("self_redirect") === "true",
        lang: pageLang(c.req.query("lang")),
        style: c.req.query("style") === "white" ? "white" : "black",
        href: stylesheet(queryParam(c, "href")),
      }),
    );
  });

  // Answers at once when the status differs from `last`, else holds until it changes (long poll).
  routes.get("/connect/l/qrconnect", async (c) => {
    const uuid = queryParam(c, "uuid");
    const last = Number(c.req.query("last"));
    const deadline = Date.now() + LONG_POLL_MS;
    let answer = pollAnswer(state, uuid);
    const socket = c.env?.incoming?.socket;
    while (
      answer.wx_errcode === last &&
      (last === POLL_CODES.waiting || last === POLL_CODES.scanned) &&
      Date.now() < deadline &&
      !state.holds.closed &&
      !socket?.destroyed
    ) {
      await state.holds.wait(POLL_STEP_MS);
      answer = pollAnswer(state, uuid);
    }
    c.header("cache-control", "no-store");
    return c.json(answer);
  });

  return routes;
}

import type { EmulatorApp } from "../config.js";
import type { EmulatorState } from "../state.js";
import { newNonce, open, seal, sign } from "./crypto.js";
import { deserialize, type PushMessage, serialize } from "./messages.js";
import type { MpConsole } from "./settings.js";
import type { MpDeliveryAttempt } from "./store.js";

/** Spec A.5: WeChat gives up on an answer after 5 s and tries three times in all. */
export const REPLY_DEADLINE_MS = 5000;
const ATTEMPTS = 3;
/** Retry spacing is not documented (spec A.8): 0 s, 1 s, 2 s. */
const RETRY_DELAYS_MS = [0, 1000, 2000];

/** What the phone shows when the site never acknowledged properly (spec A.5). */
export const SERVICE_UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试";

/** How one push ended for the user. */
export interface DeliveryOutcome {
  delivered: boolean;
  /** HTTP attempts made for this push. */
  attempts: number;
  /** The text of a passive text reply, when the site sent one. */
  replyText: string | undefined;
  /** What the phone shows: the reply, nothing, or {@link SERVICE_UNAVAILABLE}. */
  shown: string | undefined;
  /** True when the out-of-order fault held this push back for later. */
  held: boolean;
}

interface Envelope {
  body: string;
  query: URLSearchParams;
}

function envelope(console: MpConsole, app: EmulatorApp, message: PushMessage): Envelope {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = newNonce();
  const token = console.faults.wrongSignature ? `${console.token}x` : console.token;
  const query = new URLSearchParams({ signature: sign(token, timestamp, nonce), timestamp, nonce });
  query.set("openid", message.FromUserName ?? "");
  if (console.mode === "plain") return { body: serialize(message, console.format), query };
  const key =
    console.faults.staleKey && console.previousEncodingAesKey
      ? console.previousEncodingAesKey
      : console.encodingAesKey;
  const encrypt = seal(serialize(message, console.format), key, app.appid);
  query.set("encrypt_type", "aes");
  query.set("msg_signature", sign(token, timestamp, nonce, encrypt));
  const outer: PushMessage =
    console.mode === "safe"
      ? { ToUserName: message.ToUserName ?? "", Encrypt: encrypt }
      : { ...message, Encrypt: encrypt };
  return { body: serialize(outer, console.format), query };
}

/**
 * Reads the site's answer as WeChat does (spec A.5): `success` or an empty
 * body acknowledge; otherwise a (sealed, in encrypted modes) reply message.
 * Returns undefined for anything else.
 */
function readReply(
  console: MpConsole,
  app: EmulatorApp,
  text: string,
): { text: string | undefined } | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed === "success") return { text: undefined };
  let fields = deserialize(trimmed, console.format);
  if (!fields) return undefined;
  if (fields.Encrypt !== undefined) {
    if (console.mode === "plain") return undefined;
    const { Encrypt: encrypt, MsgSignature: signature, TimeStamp: timestamp, Nonce: nonce } = fields;
    if (!signature || !timestamp || !nonce || sign(console.token, timestamp, nonce, encrypt) !== signature)
      return undefined;
    const keys = [console.encodingAesKey, console.previousEncodingAesKey].filter((key) => key !== undefined);
    const inner = keys.map((key) => open(encrypt, key, app.appid)).find((message) => message !== undefined);
    fields = inner === undefined ? undefined : deserialize(inner, console.format);
    if (!fields) return undefined;
  } else if (console.mode === "safe") {
    return undefined;
  }
  if (!fields.MsgType || !fields.ToUserName || !/^\d+$/.test(fields.CreateTime ?? "")) return undefined;
  return { text: fields.MsgType === "text" ? fields.Content : undefined };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function deliverOnce(
  state: EmulatorState,
  app: EmulatorApp,
  message: PushMessage,
): Promise<DeliveryOutcome> {
  const console = state.officialAccounts.console(app);
  if (!console.serverUrl) {
    return { delivered: false, attempts: 0, replyText: undefined, shown: SERVICE_UNAVAILABLE, held: false };
  }
  // One body for every attempt (same CreateTime); fresh signature parameters are WeChat's per request.
  const { body, query } = envelope(console, app, message);
  const url = new URL(console.serverUrl);
  for (const [name, value] of query) url.searchParams.set(name, value);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    await pause(RETRY_DELAYS_MS[attempt - 1] ?? 0);
    const started = Date.now();
    const entry = (status: number, outcome: MpDeliveryAttempt["outcome"]) =>
      state.officialAccounts.record({
        time: new Date(state.clock.now()).toISOString(),
        msgType: message.MsgType ?? "",
        event: message.Event,
        attempt,
        status,
        outcome,
        durationMs: Date.now() - started,
      });
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": console.format === "json" ? "application/json" : "text/xml" },
        body,
        signal: AbortSignal.timeout(REPLY_DEADLINE_MS),
      });
      text = await response.text();
    } catch (error) {
      entry(0, error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network");
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      entry(response.status, "http");
      continue;
    }
    const reply = readReply(console, app, text);
    entry(response.status, reply ? "acknowledged" : "invalid_reply");
    // A bad answer is not retried: WeChat shows the error at once (spec A.5).
    if (!reply)
      return {
        delivered: false,
        attempts: attempt,
        replyText: undefined,
        shown: SERVICE_UNAVAILABLE,
        held: false,
      };
    return { delivered: true, attempts: attempt, replyText: reply.text, shown: reply.text, held: false };
  }
  return {
    delivered: false,
    attempts: ATTEMPTS,
    replyText: undefined,
    shown: SERVICE_UNAVAILABLE,
    held: false,
  };
}

/**
 * Delivers one push to the account's server URL the way WeChat does, with the
 * console's fault switches applied: duplicate (twice), out of order (held back
 * until the next push, which goes first).
 */
export async function deliver(
  state: EmulatorState,
  app: EmulatorApp,
  message: PushMessage,
): Promise<DeliveryOutcome> {
  const { faults } = state.officialAccounts.console(app);
  const held = state.officialAccounts.held.get(app.appid);
  if (faults.outOfOrder && !held) {
    state.officialAccounts.held.set(app.appid, () => deliverOnce(state, app, message));
    return { delivered: false, attempts: 0, replyText: undefined, shown: undefined, held: true };
  }
  const outcome = await deliverOnce(state, app, message);
  if (faults.duplicate) await deliverOnce(state, app, message);
  if (held) {
    state.officialAccounts.held.delete(app.appid);
    await held();
  }
  return outcome;
}

/**
 * Spec A.2/A.8: the GET handshake when a server URL is saved. The URL is
 * accepted only when the answer is `echostr`, byte for byte.
 */
export async function verifyServerUrl(
  serverUrl: string,
  token: string,
): Promise<{ ok: true } | { ok: false; problem: string }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = newNonce();
  const echostr = `${newNonce()}${newNonce()}`;
  const url = new URL(serverUrl);
  url.searchParams.set("signature", sign(token, timestamp, nonce));
  url.searchParams.set("timestamp", timestamp);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("echostr", echostr);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REPLY_DEADLINE_MS), redirect: "manual" });
    const text = await response.text();
    if (response.status !== 200) return { ok: false, problem: `the server answered HTTP ${response.status}` };
    if (text !== echostr) return { ok: false, problem: "the server did not answer with echostr" };
    return { ok: true };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return {
      ok: false,
      problem: timedOut ? "the server did not answer within 5 s" : "the server cannot be reached",
    };
  }
}

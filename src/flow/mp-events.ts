import { PushError, PushSignatureError } from "../protocol/errors.js";
import { MAX_PUSH_BODY_BYTES, type MpEvent, pushDedupeKey } from "../protocol/mp-message.js";
import {
  type OpenedPush,
  openPush,
  PUSH_ACK,
  type PushAccount,
  sealReply,
  textReply,
  verifyServerUrl,
} from "../protocol/mp-push.js";
import type { LoginConfig } from "./config.js";
import type { FlowContext } from "./context.js";
import { readCappedBody } from "./json-body.js";
import { loginResponse } from "./responses.js";

/** Spec A.5: a dedupe claim outlives WeChat's three attempts in 15 s by far (≥ 60 s asked). */
const DEDUPE_TTL_MS = 10 * 60_000;
/** Past the cap a body is drained (so the 413 reaches the sender) but only this far, then the read stops. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/** What a login handler makes of a push: a text to reply with, or `undefined` when the push is not a login's. */
export type PushOutcome = { reply: string | undefined } | undefined;

/** The part of follow-to-login the receiver calls: it decides whether a push belongs to a login attempt. */
export interface PushLoginHandler {
  onPush(event: MpEvent): Promise<PushOutcome>;
}

/** The push account the `officialAccount` options describe, or undefined when no Token is set (no receiver). */
export function pushAccountOf(config: LoginConfig): PushAccount | undefined {
  const account = config.officialAccount;
  if (!account?.token) return undefined;
  const keys = [account.encodingAESKey, account.previousEncodingAESKey].filter(
    (key): key is string => key !== undefined,
  );
  return {
    appid: account.appid,
    token: account.token,
    encodingAesKeys: keys,
    ...(account.originalId === undefined ? {} : { originalId: account.originalId }),
  };
}

function text(body: string, status = 200, type = "text/plain; charset=utf-8"): Response {
  return loginResponse(body, status, { "content-type": type });
}

/**
 * `{routePrefix}/mp/events`: the Official Account's server URL (spec A.2–A.5).
 * GET is the handshake (the raw `echostr`, 403 on a bad signature); POST a
 * push, verified, opened, claimed once in the store (a retried or duplicated
 * delivery is acknowledged and ignored), handed to the login or to the app's
 * `onEvent`, and acknowledged with `success` or a sealed passive reply.
 * Refusals are 4xx with an empty body and a log line naming the error, never
 * a value of the request.
 */
export class PushReceiver {
  constructor(
    private readonly ctx: FlowContext,
    private readonly account: PushAccount,
    private readonly login: PushLoginHandler | undefined,
  ) {}

  async handle(request: Request, url: URL): Promise<Response> {
    try {
      if (request.method !== "POST") {
        return text(verifyServerUrl(url.searchParams, this.account.token));
      }
      const bytes = await readCappedBody(request, MAX_PUSH_BODY_BYTES, DRAIN_LIMIT_BYTES);
      if (bytes === undefined) {
        this.ctx.log?.warn({ event: "push_rejected", reason: "body_too_large" }, "push rejected");
        return text("", 413);
      }
      return await this.#push(url, bytes.toString("utf8"));
    } catch (error) {
      if (!(error instanceof PushError)) throw error;
      this.ctx.log?.warn(
        { event: "push_rejected", code: error.code, errorNumber: error.errorNumber },
        error.message,
      );
      return text("", error instanceof PushSignatureError ? 403 : 400);
    }
  }

  async #push(url: URL, body: string): Promise<Response> {
    const push = openPush({ query: url.searchParams, body }, this.account);
    const now = this.ctx.now();
    const fresh = await this.ctx.store.claimOnce(
      pushDedupeKey(this.account.appid, push.fields),
      now + DEDUPE_TTL_MS,
      now,
    );
    if (!fresh) {
      this.ctx.log?.info({ event: "push_duplicate", type: push.event.type }, "push already handled");
      return text(PUSH_ACK);
    }
    const outcome = await this.login?.onPush(push.event);
    if (outcome === undefined) {
      this.#tellApp(push.event);
      return text(PUSH_ACK);
    }
    if (outcome.reply === undefined || push.format === "json") return text(PUSH_ACK);
    return text(this.#reply(push, outcome.reply, now), 200, "application/xml; charset=utf-8");
  }

  /** Spec A.5: a passive text reply, sealed with the key that opened the push when it came encrypted. */
  #reply(push: OpenedPush, content: string, now: number): string {
    const timestamp = Math.floor(now / 1000);
    const reply = textReply({
      to: push.event.openid,
      from: push.event.accountId,
      content,
      createTime: timestamp,
    });
    return sealReply(reply, push, this.account, { timestamp });
  }

  /** The app's hook runs beside the acknowledgement: neither its time nor its failure reaches WeChat. */
  #tellApp(event: MpEvent): void {
    const hook = this.ctx.config.officialAccount?.onEvent;
    if (!hook) return;
    const failed = (error: unknown) =>
      this.ctx.log?.warn(
        { event: "on_event_failed", reason: error instanceof Error ? error.name : "error" },
        "officialAccount.onEvent threw",
      );
    try {
      Promise.resolve(hook(event)).catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}

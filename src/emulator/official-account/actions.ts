import { randomBytes } from "node:crypto";
import type { EmulatorApp } from "../config.js";
import type { EmulatorState } from "../state.js";
import { type DeliveryOutcome, deliver } from "./delivery.js";
import type { PushMessage } from "./messages.js";
import type { MpQrCode } from "./store.js";

/** What the phone user does; each sends the push WeChat would (spec A.3, A.8). */
export type MpAction =
  /** Scan a parametric QR: `SCAN` for a follower, `subscribe` with `qrscene_` when `follow` and not yet following. */
  | { kind: "scan"; code: MpQrCode; follow: boolean }
  /** Follow from search or the profile card: `subscribe` without `EventKey`. */
  | { kind: "follow" }
  | { kind: "text"; content: string }
  | { kind: "unfollow" };

export type ActionResult =
  | { ok: true; outcome: DeliveryOutcome }
  | { ok: false; problem: "expired" | "not_following" | "already_following" };

// WeChat's MsgIds are 64-bit and above 2^53: receivers must keep them as strings (spec A.3).
function newMsgId(): string {
  return (
    (BigInt(`0x${randomBytes(8).toString("hex")}`) % 9_000_000_000_000_000_000n) +
    10n ** 16n
  ).toString();
}

/** Runs one phone action for `userId` on the Official Account `app`. */
export async function act(
  state: EmulatorState,
  app: EmulatorApp,
  userId: string,
  action: MpAction,
): Promise<ActionResult> {
  const accounts = state.officialAccounts;
  const console = accounts.console(app);
  const base: PushMessage = {
    ToUserName: console.originalId,
    FromUserName: state.openid(app, userId),
    CreateTime: String(Math.floor(state.clock.now() / 1000)),
  };
  const following = accounts.following(app.appid, userId) !== undefined;
  let message: PushMessage;
  switch (action.kind) {
    case "scan": {
      if (accounts.isExpired(action.code)) return { ok: false, problem: "expired" };
      const { scene, ticket } = action.code;
      if (action.follow && !following) {
        message = {
          ...base,
          MsgType: "event",
          Event: "subscribe",
          EventKey: `qrscene_${scene}`,
          Ticket: ticket,
        };
      } else {
        message = { ...base, MsgType: "event", Event: "SCAN", EventKey: scene, Ticket: ticket };
      }
      if (!following) accounts.follow(app.appid, userId, "ADD_SCENE_QR_CODE", scene);
      break;
    }
    case "follow":
      if (following) return { ok: false, problem: "already_following" };
      message = { ...base, MsgType: "event", Event: "subscribe" };
      accounts.follow(app.appid, userId, "ADD_SCENE_SEARCH");
      break;
    case "text":
      if (!following) return { ok: false, problem: "not_following" };
      message = { ...base, MsgType: "text", Content: action.content, MsgId: newMsgId() };
      break;
    case "unfollow":
      if (!following) return { ok: false, problem: "not_following" };
      message = { ...base, MsgType: "event", Event: "unsubscribe" };
      accounts.unfollow(app.appid, userId);
      break;
  }
  return { ok: true, outcome: await deliver(state, app, message) };
}

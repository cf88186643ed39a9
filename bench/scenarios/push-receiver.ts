import { fileURLToPath } from "node:url";
import { decodeEncodingAesKey, encryptMessage, pushSignature } from "wechat-login/protocol";
import { cannonOn } from "../lib/cannon.js";
import { type Child, startChild } from "../lib/child.js";
import type { LoadResult } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import { PUSH_ACCOUNT, type PushServerSpec } from "./push-spec.js";

const SCENARIO = "7 push receiver";
/** Senders at once: the burst's pushes are in flight 64 at a time. */
const CONNECTIONS = 64;
/** Before the measured burst, off the clock: the receiver's code compiled (autocannon needs one push per sender). */
const WARMUP_PUSHES = 2 * CONNECTIONS;
const module = fileURLToPath(new URL("./push-receiver-process.js", import.meta.url));

/** One sealed safe-mode push (a text message, each with its own MsgId so every one is new to the dedupe). */
function push(index: number): { query: string; body: string } {
  const key = decodeEncodingAesKey(PUSH_ACCOUNT.encodingAesKey);
  const createTime = String(Math.floor(Date.now() / 1000));
  const inner =
    `<xml><ToUserName><![CDATA[${PUSH_ACCOUNT.originalId}]]></ToUserName>` +
    `<FromUserName><![CDATA[obench${index % 97}]]></FromUserName><CreateTime>${createTime}</CreateTime>` +
    `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello ${index}]]></Content>` +
    `<MsgId>${24_000_000_000_000_000n + BigInt(index)}</MsgId></xml>`;
  const encrypt = encryptMessage(inner, key, PUSH_ACCOUNT.appid);
  const nonce = String(100_000 + index);
  const query = new URLSearchParams({
    signature: pushSignature(PUSH_ACCOUNT.token, createTime, nonce),
    timestamp: createTime,
    nonce,
    openid: `obench${index % 97}`,
    encrypt_type: "aes",
    msg_signature: pushSignature(PUSH_ACCOUNT.token, createTime, nonce, encrypt),
  });
  return { query: query.toString(), body: `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` };
}

/**
 * Sends `pushes` from `connections` keep-alive senders at once (WeChat delivers from a pool of
 * servers, each push on its own request), timing each acknowledgement. autocannon, as in the
 * other scenarios: 64 `fetch` callers in this process were themselves the limit (about 600
 * pushes/s with the receiver mostly idle), and their p99 was the sender's own queueing. Now the
 * receiver is the limit, and the p99 is its queue: even the bare route, which answers at once,
 * leaves a few senders waiting most of a burst (Node serves the connections unevenly).
 */
async function burst(server: Child<{ url: string }>, pushes: { query: string; body: string }[]) {
  const parsed = new URL(server.ready.url);
  const { result } = await cannonOn(server, parsed.origin, {
    connections: CONNECTIONS,
    amount: pushes.length,
    path: (index) => `${parsed.pathname}?${pushes[index]!.query}`,
    headers: () => ({ "content-type": "text/xml" }),
    body: (index) => pushes[index]!.body,
    expect: 2,
    verifyBody: (body) => body === "success",
  });
  return result;
}

/**
 * Issue #14: the push receiver's acknowledgement under a burst of 1,000 pushes
 * (each verified, decrypted, claimed once in the store and handed to
 * `onEvent`), next to a bare route that only answers `success`, in the same
 * run. WeChat's deadline is 5 s; the target is a p99 under 1 s.
 */
export async function pushReceiver(settings: Settings, report: Report): Promise<void> {
  const count = settings.quick ? 100 : 1_000;
  const results = new Map<string, LoadResult>();
  for (const mode of ["bare", "flow"] as const) {
    const spec: PushServerSpec = { mode };
    const child = await startChild<{ url: string }>(module, [JSON.stringify(spec)]);
    try {
      await burst(
        child,
        Array.from({ length: WARMUP_PUSHES }, (_, i) => push(1_000_000 + i)),
      );
      const pushes = Array.from({ length: count }, (_, i) => push(i));
      const result = await burst(child, pushes);
      results.set(mode, result);
      report.measure(
        SCENARIO,
        `burst of ${count} pushes, ${CONNECTIONS} connections`,
        mode,
        result,
        "CPU: the receiver's",
      );
      if (mode === "flow") {
        const { events } = await child.ask<{ events: number }>({ type: "events" });
        // Every push reached the app's hook once: none lost, none handled twice.
        report.check(
          SCENARIO,
          "pushes handed to onEvent",
          events,
          "==",
          count + WARMUP_PUSHES,
          "pushes",
          true,
        );
      }
    } finally {
      await child.stop();
    }
  }
  const flow = results.get("flow");
  if (flow) report.check(SCENARIO, `ack p99 under a burst of ${count} pushes`, flow.p99Ms, "<", 1_000, "ms");
}

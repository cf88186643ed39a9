import { fileURLToPath } from "node:url";
import { decodeEncodingAesKey, encryptMessage, pushSignature } from "wechat-login/protocol";
import { startChild } from "../lib/child.js";
import { type LoadResult, percentile } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import { PUSH_ACCOUNT, type PushServerSpec } from "./push-spec.js";

const SCENARIO = "7 push receiver";
/** Senders at once: the burst's pushes are in flight 64 at a time. */
const CONNECTIONS = 64;
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
 * Sends `pushes` as fast as `connections` senders can (WeChat delivers from a
 * pool of servers, each push on its own request), timing each acknowledgement.
 */
async function burst(
  url: string,
  pushes: { query: string; body: string }[],
  connections: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < pushes.length) {
      const { query, body } = pushes[next++]!;
      const t0 = performance.now();
      try {
        const response = await fetch(`${url}?${query}`, {
          method: "POST",
          headers: { "content-type": "text/xml" },
          body,
        });
        const text = await response.text();
        if (response.status !== 200 || text !== "success")
          throw new Error(`${response.status} ${text.slice(0, 40)}`);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, sender));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    calls: latencies.length,
    errors,
    seconds,
    callsPerSec: latencies.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuUsPerCall: 0,
    ...(firstError === undefined ? {} : { firstError }),
  };
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
        child.ready.url,
        Array.from({ length: 50 }, (_, i) => push(1_000_000 + i)),
        CONNECTIONS,
      );
      const pushes = Array.from({ length: count }, (_, i) => push(i));
      const result = await burst(child.ready.url, pushes, CONNECTIONS);
      results.set(mode, result);
      report.measure(SCENARIO, `burst of ${count} pushes, ${CONNECTIONS} connections`, mode, result);
      if (mode === "flow") {
        const { events } = await child.ask<{ events: number }>({ type: "events" });
        // Every push reached the app's hook once: none lost, none handled twice.
        report.check(SCENARIO, "pushes handed to onEvent", events, "==", count + 50, "pushes", true);
      }
    } finally {
      await child.stop();
    }
  }
  const flow = results.get("flow");
  if (flow) report.check(SCENARIO, `ack p99 under a burst of ${count} pushes`, flow.p99Ms, "<", 1_000, "ms");
}

import { WeChatClient } from "wechat-login/client";
import type { OAuthToken } from "wechat-login/protocol";
import { connections, WEBSITE } from "../lib/emulator.js";
import { runCount } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";

const MB = 1024 * 1024;

function collectGarbage(): void {
  // `npm run bench` starts node with --expose-gc; without it RSS is noisier, not wrong.
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Scenario 3: a burst of concurrent calls must queue on the pool, not open a
 * socket each (counted by the emulator), and a long run must not leak.
 */
export async function connectionDiscipline(
  base: string,
  token: OAuthToken,
  settings: Settings,
  report: Report,
) {
  const scenario = "3 connection discipline";
  const client = new WeChatClient({
    ...WEBSITE,
    apiBase: base,
    openBase: base,
    connections: settings.poolSize,
  });
  const call = () => client.getUserInfo(token.accessToken, token.openid);
  try {
    const before = await connections(base);
    const burst = settings.burstCalls;
    const failed = await Promise.allSettled(Array.from({ length: burst }, call)).then(
      (results) => results.filter((result) => result.status === "rejected").length,
    );
    const after = await connections(base);
    // Each control call opens one connection of its own; the second one is counted in `after`.
    const opened = after.opened - before.opened - 1;
    report.value(scenario, `${burst} concurrent calls`, "wechat-login", opened, "connections opened");
    report.check(scenario, `${burst} concurrent calls: failed`, failed, "==", 0, "calls", true);
    report.check(
      scenario,
      `${burst} concurrent calls: TCP connections opened`,
      opened,
      "<=",
      settings.poolSize,
      "connections",
      true,
    );

    await runCount(call, 5_000, 256);
    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    const leak = await runCount(call, settings.leakCalls, 256, settings.leakMaxMs);
    collectGarbage();
    const growth = (process.memoryUsage().rss - rssBefore) / MB;
    const caseName = `RSS growth after ${leak.done} calls`;
    report.value(scenario, caseName, "wechat-login", growth, "MB");
    report.check(scenario, `${leak.done} calls: failed`, leak.failed, "==", 0, "calls", true);
    report.check(scenario, caseName, growth, "<", 20, "MB");
  } finally {
    await client.close();
  }
}

import type { OAuthToken } from "wechat-login/protocol";
import { abba, closedLoop } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import {
  type CallName,
  type Contender,
  ourClient,
  plainFetch,
  rawUndici,
  wechatOauth,
} from "./contenders.js";

export const CALLS: readonly CallName[] = ["getUserInfo", "checkToken"];

export async function measure(contender: Contender, name: CallName, concurrency: number, settings: Settings) {
  try {
    return await closedLoop(() => contender.call(name), {
      concurrency,
      warmupMs: settings.warmupMs,
      measureMs: settings.measureMs,
    });
  } finally {
    await contender.close();
  }
}

const key = (name: CallName, concurrency: number) => `${name} c=${concurrency}`;

/** Scenario 1: our client against a bare undici Pool of the same size, one after the other on one emulator. */
export async function clientVsRaw(base: string, token: OAuthToken, settings: Settings, report: Report) {
  const scenario = "1 client vs raw undici";
  // Both contenders' code compiled before the first measured case, which would otherwise pay for it alone.
  for (const name of CALLS) {
    await measure(ourClient(base, token, settings.poolSize), name, 16, settings);
    await measure(rawUndici(base, token, settings.poolSize), name, 16, settings);
  }
  for (const name of CALLS) {
    for (const concurrency of settings.concurrencies) {
      const { a: client, b: raw } = await abba(
        settings.rounds,
        () => measure(ourClient(base, token, settings.poolSize), name, concurrency, settings),
        () => measure(rawUndici(base, token, settings.poolSize), name, concurrency, settings),
      );
      report.measure(scenario, key(name, concurrency), "wechat-login", client);
      report.measure(scenario, key(name, concurrency), "raw undici Pool", raw);
      report.check(
        scenario,
        `${key(name, concurrency)}: client / raw throughput`,
        client.callsPerSec / raw.callsPerSec,
        ">=",
        0.9,
        "×",
      );
      // What a busy server pays whoever the bottleneck is: the honest figure when the emulator caps throughput.
      report.check(
        scenario,
        `${key(name, concurrency)}: client / raw CPU per call`,
        client.cpuUsPerCall / raw.cpuUsPerCall,
        "<=",
        1.1,
        "×",
      );
    }
  }
}

/**
 * Scenario 2: wechat-oauth and plain fetch on the same emulator. At the
 * concurrency the targets are set for, our client and wechat-oauth are
 * measured together in A-B-B-A order; scenario 1's figures were taken minutes
 * before, and a drift since would land on one side only.
 */
export async function clientVsPeers(base: string, token: OAuthToken, settings: Settings, report: Report) {
  const scenario = "2 client vs peers";
  const targeted = Math.max(...settings.concurrencies);
  for (const name of CALLS) {
    for (const concurrency of settings.concurrencies) {
      const peerRun = () => measure(wechatOauth(base, token, settings.poolSize), name, concurrency, settings);
      const { a: client, b: peer } =
        concurrency === targeted
          ? await abba(
              settings.rounds,
              () => measure(ourClient(base, token, settings.poolSize), name, concurrency, settings),
              peerRun,
            )
          : { a: undefined, b: await peerRun() };
      const fetched = await measure(plainFetch(base, token), name, concurrency, settings);
      report.measure(scenario, key(name, concurrency), "wechat-oauth", peer);
      report.measure(scenario, key(name, concurrency), "fetch", fetched);
      if (client) {
        report.measure(scenario, key(name, concurrency), "wechat-login", client);
        report.check(
          scenario,
          `${key(name, concurrency)}: client / wechat-oauth throughput`,
          client.callsPerSec / peer.callsPerSec,
          ">=",
          2,
          "×",
        );
        report.check(
          scenario,
          `${key(name, concurrency)}: client / wechat-oauth CPU per call`,
          client.cpuUsPerCall / peer.cpuUsPerCall,
          "<=",
          0.5,
          "×",
        );
      }
    }
  }
}

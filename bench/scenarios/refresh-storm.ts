import { fileURLToPath } from "node:url";
import { memoryTokenStore, UserTokens, WeChatClient } from "wechat-login/client";
import type { OAuthToken, TokenRecord } from "wechat-login/protocol";
import { redisStore } from "wechat-login/stores/redis";
import { dropRedisPrefix, REDIS_URL, RUN_ID, redisMissing } from "../lib/backends.js";
import { startChild } from "../lib/child.js";
import { addUsers, callCount, loginToken, WEBSITE } from "../lib/emulator.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import { type StormResult, storm } from "./storm.js";

const REFRESH_PATH = "/sns/oauth2/refresh_token";
const WORKER = fileURLToPath(new URL("./refresh-worker.js", import.meta.url));

/** The stored record of `token` with its access token already past expiry, so the next read must refresh. */
function expired(token: OAuthToken, now: number): TokenRecord {
  return {
    key: `${WEBSITE.appid}:${token.openid}`,
    accessToken: token.accessToken,
    refreshToken: token.refreshToken,
    scope: token.scope,
    accessExpiresAt: now - 1_000,
    refreshExpiresAt: now + 30 * 24 * 3600 * 1000,
    updatedAt: now - 7_200_000,
  };
}

function checkStorm(report: Report, scenario: string, label: string, results: StormResult[]) {
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  const firstError = results.find((result) => result.firstError)?.firstError;
  if (firstError) console.error(`  ${label}: ${failed} failed, first: ${firstError}`);
  report.check(scenario, `${label}: failed getAccessToken`, failed, "==", 0, "calls", true);
  // Across processes each user must have been handed one token: two would mean two refreshes raced.
  const perUser = new Map<number, number>();
  for (const result of results) {
    for (const [user, count] of result.distinctTokens.entries()) {
      perUser.set(user, Math.max(perUser.get(user) ?? 0, count));
    }
  }
  const worst = Math.max(...perUser.values());
  report.check(scenario, `${label}: distinct tokens per user`, worst, "==", 1, "tokens", true);
}

/**
 * Scenario 4: 1,000 concurrent getAccessToken for 10 users whose tokens have
 * expired must cost exactly 10 refreshes upstream (counted by the emulator),
 * in one process and across two processes sharing Redis.
 */
export async function refreshStorm(base: string, settings: Settings, report: Report, ci: boolean) {
  const scenario = "4 refresh storm";
  const users = await addUsers(base, `storm${RUN_ID}-`, settings.stormUsers);
  const tokens: OAuthToken[] = [];
  for (const user of users) tokens.push(await loginToken(base, user));
  const openids = tokens.map((token) => token.openid);
  const label = `${settings.stormCalls} calls, ${users.length} expired users`;

  const client = new WeChatClient({ ...WEBSITE, apiBase: base, openBase: base });
  try {
    const store = memoryTokenStore();
    const now = Date.now();
    for (const token of tokens) await store.putToken(expired(token, now));
    const manager = new UserTokens({ client, store });
    const before = await callCount(base, REFRESH_PATH);
    const result = await storm(manager, openids, settings.stormCalls);
    const refreshes = (await callCount(base, REFRESH_PATH)) - before;
    report.value(scenario, `${label}, in-process`, "UserTokens", refreshes, "refreshes");
    report.check(
      scenario,
      `${label}, in-process: upstream refreshes`,
      refreshes,
      "==",
      users.length,
      "",
      true,
    );
    checkStorm(report, scenario, `${label}, in-process`, [result]);
  } finally {
    await client.close();
  }

  const missing = await redisMissing();
  if (missing) {
    if (ci) throw new Error(`CI=true but ${missing}`);
    report.skip(scenario, "2 processes on Redis", missing);
    return;
  }
  const prefix = `wechat-login-bench:${RUN_ID}:`;
  const store = redisStore({ url: REDIS_URL, prefix });
  const workers = await Promise.all([0, 1].map(() => startChild<object>(WORKER, [base, prefix])));
  try {
    const now = Date.now();
    for (const token of tokens) await store.putToken(expired(token, now));
    const before = await callCount(base, REFRESH_PATH);
    const calls = Math.floor(settings.stormCalls / workers.length);
    const startAt = Date.now() + 300;
    const results = await Promise.all(
      workers.map((worker) => worker.ask<StormResult>({ type: "storm", openids, calls, startAt })),
    );
    const refreshes = (await callCount(base, REFRESH_PATH)) - before;
    const caseName = `${label}, 2 processes on Redis`;
    report.value(scenario, caseName, "UserTokens", refreshes, "refreshes");
    report.check(scenario, `${caseName}: upstream refreshes`, refreshes, "==", users.length, "", true);
    checkStorm(report, scenario, caseName, results);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await store.close();
    await dropRedisPrefix(prefix);
  }
}

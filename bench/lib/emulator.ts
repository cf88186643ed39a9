import { request as httpRequest } from "node:http";
import { Pool } from "undici";
import { WeChatClient } from "wechat-login/client";
import type { OAuthToken } from "wechat-login/protocol";
import { runCount } from "./load.js";

/** The emulator's default website app (docs/emulator.md): fake, public credentials. */
export const WEBSITE = { appid: "wx8f3a6b2c1d0e4f57", secret: "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40" } as const;

/**
 * One control-API call on a connection of its own, closed afterwards: the
 * emulator counts every TCP connection, so a benchmark that reads the count
 * knows exactly how many of them were its own control calls (one per call).
 */
export function control<T>(base: string, method: "GET" | "POST" | "DELETE", path: string, body?: unknown) {
  return new Promise<T>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 300)
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text) as T);
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

export interface ConnectionCounts {
  opened: number;
  open: number;
}

export const connections = (base: string) => control<ConnectionCounts>(base, "GET", "/_emulator/connections");

/** How many times WeChat's `path` was called since the emulator started (the log's counts are complete). */
export async function callCount(base: string, path: string): Promise<number> {
  const log = await control<{ counts: Record<string, number> }>(base, "GET", "/_emulator/requests");
  return log.counts[path] ?? 0;
}

/** Adds users `${prefix}0…` so a scenario has as many distinct WeChat identities as it needs. */
export async function addUsers(base: string, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}${index}`);
  for (const id of ids) await control(base, "POST", "/_emulator/users", { id, nickname: id, headimgurl: "" });
  return ids;
}

export interface CodeRequest {
  userId: string;
  state: string;
  redirectUri: string;
}

/** Mints one authorization code per request, as a user confirming on the phone would (keep-alive, in parallel). */
export async function mintCodes(base: string, requests: readonly CodeRequest[]): Promise<string[]> {
  const pool = new Pool(base, { connections: 8 });
  const codes: string[] = new Array(requests.length);
  let next = 0;
  try {
    const { failed } = await runCount(
      async () => {
        const index = next++;
        const { userId, state, redirectUri } = requests[index]!;
        const response = await pool.request({
          path: "/_emulator/authorize",
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ appid: WEBSITE.appid, userId, state, redirect_uri: redirectUri }),
        });
        const answer = (await response.body.json()) as { code?: string };
        if (!answer.code) throw new Error(`no code for ${userId}`);
        codes[index] = answer.code;
      },
      requests.length,
      16,
    );
    if (failed > 0) throw new Error(`${failed} of ${requests.length} codes could not be minted`);
    return codes;
  } finally {
    await pool.close();
  }
}

/** Logs `userId` in through the emulator and returns the user's tokens, as a site's callback would. */
export async function loginToken(base: string, userId: string): Promise<OAuthToken> {
  const [code] = await mintCodes(base, [
    { userId, state: "bench", redirectUri: "http://127.0.0.1/callback" },
  ]);
  const client = new WeChatClient({ ...WEBSITE, apiBase: base, openBase: base });
  try {
    return await client.exchangeCode(code!);
  } finally {
    await client.close();
  }
}

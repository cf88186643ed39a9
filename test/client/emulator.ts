import { Client } from "undici";
import { WeChatClient, type WeChatClientOptions } from "../../src/client/index.js";
import { startEmulator } from "../../src/emulator/index.js";
import { sensitive, sensitiveValues } from "./support.js";

export type FaultKind = "errcode" | "delay" | "http" | "html" | "truncated" | "garbage" | "reset" | "hang";

export interface Fault {
  endpoint: string;
  kind: FaultKind;
  times?: number;
  errcode?: number;
  delayMs?: number;
  status?: number;
}

/**
 * A running emulator plus its control API, spoken over one dedicated
 * keep-alive connection so control traffic does not blur connection counts.
 */
export async function useEmulator() {
  const emulator = await startEmulator({ port: 0 });
  const control = new Client(emulator.url, { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
  const clients: WeChatClient[] = [];
  for (const app of emulator.apps) sensitiveValues.add(app.secret);

  async function send<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const response = await control.request({
      method,
      path: `/_emulator${path}`,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300)
      throw new Error(`emulator ${method} ${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as T;
  }

  function app(kind: "website" | "official-account" | "mini-program") {
    const found = emulator.apps.find((candidate) => candidate.kind === kind);
    if (!found) throw new Error(`the emulator has no ${kind} app`);
    return found;
  }

  return {
    url: emulator.url,
    apps: emulator.apps,
    users: emulator.users,
    website: app("website"),
    officialAccount: app("official-account"),
    miniProgram: app("mini-program"),

    /** A WeChatClient for an emulator app, closed by `close()`. */
    client(appid: string, options: Partial<WeChatClientOptions> = {}): WeChatClient {
      const found = emulator.apps.find((candidate) => candidate.appid === appid);
      const created = new WeChatClient({
        appid,
        secret: found?.secret ?? "",
        apiBase: emulator.url,
        openBase: emulator.url,
        retry: { baseDelayMs: 1, maxDelayMs: 10 },
        ...options,
      });
      clients.push(created);
      return created;
    },
    /** A fresh single-use code, as if the user confirmed on the phone. */
    async code(appid: string, options: { userId?: string; scope?: string } = {}): Promise<string> {
      const { code } = await send<{ code: string }>("POST", "/authorize", { appid, ...options });
      return sensitive(code);
    },
    async jsCode(appid: string, userId?: string): Promise<string> {
      const { js_code } = await send<{ js_code: string }>("POST", "/jscode", { appid, userId });
      return sensitive(js_code);
    },
    /** A code of the phone's "share phone number" button. */
    async phoneCode(appid: string, userId?: string): Promise<string> {
      const { code } = await send<{ code: string }>("POST", "/phone-code", { appid, userId });
      return sensitive(code);
    },
    /** What wx.getUserInfo returns under the user's current session_key. */
    openData: (appid: string, userId?: string, data?: Record<string, unknown>) =>
      send<{ rawData: string; signature: string; encryptedData: string; iv: string }>("POST", "/open-data", {
        appid,
        userId,
        data,
      }),
    fault: (fault: Fault) => send("POST", "/faults", fault),
    clearFaults: () => send("DELETE", "/faults"),
    advance: (seconds: number) => send("POST", "/clock/advance", { seconds }),
    reset: () => send("POST", "/reset"),
    async counts(): Promise<Record<string, number>> {
      return (await send<{ counts: Record<string, number> }>("GET", "/requests")).counts;
    },
    connections: () => send<{ opened: number; open: number }>("GET", "/connections"),

    async close(): Promise<void> {
      await Promise.all(clients.splice(0).map((created) => created.close()));
      await control.close();
      await emulator.close();
    },
  };
}

export type Emulator = Awaited<ReturnType<typeof useEmulator>>;

/** Marks every token of a response as sensitive, so the secrets scan covers it too. */
export function track<T extends { accessToken?: string; refreshToken?: string; sessionKey?: string }>(
  value: T,
): T {
  sensitive(value.accessToken);
  sensitive(value.refreshToken);
  sensitive(value.sessionKey);
  return value;
}

import { afterAll, beforeAll, beforeEach } from "vitest";
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from "../../src/emulator/index.js";

/** WeChat's rid suffix, e.g. "invalid code, rid: 6583f22d-35b1b023-4a6d02b6". */
export const RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

export interface Harness {
  emulator: RunningEmulator;
  url: string;
  /** The default bound website app. */
  website: { appid: string; secret: string };
  officialAccount: { appid: string; secret: string };
  miniProgram: { appid: string; secret: string };
  unbound: { appid: string; secret: string };
  get(path: string, query?: Record<string, string>): Promise<Response>;
  getJson(path: string, query?: Record<string, string>): Promise<Record<string, unknown>>;
  post(path: string, body?: unknown): Promise<Response>;
  postJson(path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** A code as if the user confirmed on the phone. */
  authorize(body: Record<string, unknown>): Promise<{ code?: string; location: string }>;
}

/**
 * One emulator per test file on a random loopback port, reset before each test
 * so tests do not see each other's codes, faults or clock.
 */
export function useEmulator(options: StartEmulatorOptions = {}): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    const emulator = await startEmulator({ port: 0, ...options });
    const byName = (name: string) => {
      const app = emulator.apps.find((candidate) => candidate.name === name);
      if (!app) throw new Error(`no default app ${name}`);
      return { appid: app.appid, secret: app.secret };
    };
    const get = (path: string, query: Record<string, string> = {}) => {
      const search = new URLSearchParams(query).toString();
      return fetch(`${emulator.url}${path}${search ? `?${search}` : ""}`, { redirect: "manual" });
    };
    const post = (path: string, body?: unknown) =>
      fetch(`${emulator.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    Object.assign(harness, {
      emulator,
      url: emulator.url,
      website: byName("Demo Website"),
      officialAccount: byName("Demo Official Account"),
      miniProgram: byName("Demo Mini Program"),
      unbound: byName("Unbound Website"),
      get,
      getJson: async (path: string, query?: Record<string, string>) => (await get(path, query)).json(),
      post,
      postJson: async (path: string, body?: unknown) => (await post(path, body)).json(),
      authorize: async (body: Record<string, unknown>) => {
        const response = await post("/_emulator/authorize", body);
        if (response.status !== 200) throw new Error(`authorize failed: ${await response.text()}`);
        return response.json();
      },
    } satisfies Harness);
  });
  beforeEach(async () => {
    await harness.post("/_emulator/reset");
  });
  afterAll(async () => {
    await harness.emulator?.close();
  });
  return harness;
}

/** Exchanges a fresh code of `app` for tokens and returns the token body. */
export async function login(
  h: Harness,
  app: { appid: string; secret: string },
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const { code } = await h.authorize({ appid: app.appid, ...extra });
  return h.getJson("/sns/oauth2/access_token", {
    appid: app.appid,
    secret: app.secret,
    code: code ?? "",
    grant_type: "authorization_code",
  });
}

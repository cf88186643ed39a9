import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import type { RunningEmulator } from "../../src/emulator/index.js";

/** The emulator's mini program (of the same Open Platform account as its website and official account). */
export function miniProgramOf(emulator: RunningEmulator): { appid: string; secret: string } {
  const app = emulator.apps.find((candidate) => candidate.kind === "mini-program" && candidate.openAccount)!;
  return { appid: app.appid, secret: app.secret };
}

async function control<T>(emulator: RunningEmulator, path: string, body: object): Promise<T> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** What `wx.login()` returns inside the mini program for `userId`. */
export async function wxLogin(emulator: RunningEmulator, userId?: string): Promise<string> {
  const { appid } = miniProgramOf(emulator);
  return (await control<{ js_code: string }>(emulator, "jscode", { appid, userId })).js_code;
}

/** The `e.detail.code` of the phone-number button. */
export async function phoneCode(emulator: RunningEmulator, userId?: string): Promise<string> {
  const { appid } = miniProgramOf(emulator);
  return (await control<{ code: string }>(emulator, "phone-code", { appid, userId })).code;
}

/** What `wx.getUserInfo` returns: signed and encrypted under the user's current session_key. */
export function openData(
  emulator: RunningEmulator,
  userId?: string,
): Promise<{ rawData: string; signature: string; encryptedData: string; iv: string }> {
  return control(emulator, "open-data", { appid: miniProgramOf(emulator).appid, userId });
}

/**
 * The mini program's side of the site: `wx.request` with JSON bodies and the
 * bearer token it keeps (`wx.setStorageSync`), no cookie jar.
 */
export class MiniProgramDevice {
  token: string | undefined;

  constructor(readonly siteUrl: string) {}

  async post(
    path: string,
    body: unknown,
    init: { headers?: Record<string, string>; raw?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const headers: Record<string, string> = { "content-type": "application/json", ...init.headers };
    if (this.token !== undefined && headers.authorization === undefined) {
      headers.authorization = `Bearer ${this.token}`;
    }
    const response = await fetch(`${this.siteUrl}${path}`, {
      method: "POST",
      headers,
      body: init.raw ?? JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      headers: response.headers,
    };
  }

  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    const response = await fetch(`${this.siteUrl}${path}`, { headers });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // A page, not JSON: the test looks at the status.
    }
    return { status: response.status, body };
  }

  /** `wx.login()` and `POST /auth/miniprogram/login`: keeps the token on success. */
  async logIn(emulator: RunningEmulator, userId?: string) {
    const answer = await this.post("/auth/miniprogram/login", { code: await wxLogin(emulator, userId) });
    if (answer.status === 200) this.token = answer.body.token as string;
    return answer;
  }
}

/** The URL a wxacode encodes (the emulator's phone panel, with `scene` and `page`), read from its PNG. */
export function readWxaCode(dataUrl: string): URL {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"));
  const text = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
  if (!text) throw new Error("no QR code in the image");
  return new URL(text);
}

// jsqr is CommonJS with its function as both module.exports and .default; its types see only the latter.
const jsQR = jsQRModule.default;
